"""The rule pack: severities, texts and parameters of every rule, kept as data in `rules/`.

The built-in pack is `rules/default.yaml`. A user's pack is laid over it key by key, so it may hold only
what it changes. Everything is validated on load; an error names the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
from msgspec import UNSET

from dlscan.boundary.settings import BoundaryError, BoundarySettings
from dlscan.checks.custom_rules import CustomRuleConfig, parse_custom_rules
from dlscan.checks.pack_document import Settings, given, read_pack_file, read_params, read_rule, severity_refusal
from dlscan.findings import Severity
from dlscan.matching.glyphs import skeleton
from dlscan.support.errors import InputError
from dlscan.support.patterns import Pattern, linear_pattern
from dlscan.support.yamlfile import LineDict, load_yaml

_SETTING_KEYS = tuple(f.name for f in msgspec.structs.fields(Settings))
_TEXT_KEYS = ("title", "rationale", "remediation")


@dataclass(frozen=True)
class RuleSpec:
    """What the code of a rule accepts from the pack."""

    code: str
    slug: str
    params: Mapping[str, type]


@dataclass(frozen=True)
class RuleConfig:
    code: str
    slug: str
    title: str
    severity: Severity
    sensitive_severity: Severity | None
    enabled: bool
    params: Mapping[str, Any]
    rationale: str
    remediation: str

    def severity_for(self, sensitive: bool) -> Severity:
        if sensitive and self.sensitive_severity is not None:
            return self.sensitive_severity
        return self.severity


@dataclass(frozen=True)
class PackSettings:
    external_marker: Pattern
    sensitive_keywords: tuple[str, ...]
    personal_mail_domains: frozenset[str] = frozenset()
    restricted_suffixes: frozenset[str] = frozenset()
    """Public suffixes only real public bodies can register (gov.uk, police.uk): a domain under one is
    another body's, never an imitation (DL007), at most a neighbour (DL019)."""

    def personal(self, domain: str | None) -> bool:
        return domain is not None and domain in self.personal_mail_domains

    @cached_property
    def _name_pattern(self) -> re.Pattern[str]:
        return _keyword_pattern(self.sensitive_keywords, acronyms_exact=True)

    @cached_property
    def _address_pattern(self) -> re.Pattern[str]:
        return _keyword_pattern(self.sensitive_keywords, acronyms_exact=False)

    @cached_property
    def _skeleton_pattern(self) -> re.Pattern[str]:
        words = tuple(skeleton(k) for k in self.sensitive_keywords if not k.isupper())
        return _keyword_pattern(words, acronyms_exact=False)

    def prepare(self) -> None:
        """Compile the keyword patterns now (before forking, so that it is done once)."""
        _ = (self._name_pattern, self._address_pattern, self._skeleton_pattern)

    def sensitive_keyword(self, name: str, address: str | None) -> str | None:
        """The sensitive keyword the list's name or address contains, if any.

        Names are also read through their skeleton, so look-alike letters do not hide a keyword.
        """
        match = self._name_pattern.search(name)
        if match is None and not name.isascii():
            match = self._skeleton_pattern.search(skeleton(name))
        if match is None and address:
            local = re.sub(r"[._\-+]", " ", address.split("@", 1)[0])
            match = self._address_pattern.search(local)
        return match.group(0).strip() if match else None

    def marked_external(self, name: str) -> bool:
        return self.external_marker.search(name) is not None


def _keyword_pattern(keywords: tuple[str, ...], acronyms_exact: bool) -> re.Pattern[str]:
    parts = []
    for keyword in sorted(keywords, key=len, reverse=True):
        body = r"\s+".join(re.escape(word) for word in keyword.split())
        exact = acronyms_exact and keyword.isupper()
        parts.append(body if exact else f"(?i:{body})")
    if not parts:
        return re.compile(r"(?!)")
    return re.compile(r"(?<![^\W_])(?:" + "|".join(parts) + r")(?i:s)?(?![^\W_])")


@dataclass(frozen=True)
class RulePack:
    settings: PackSettings
    rules: Mapping[str, RuleConfig]
    files: tuple[str, ...]
    custom_rules: tuple[CustomRuleConfig, ...] = ()
    boundary: BoundarySettings = field(default_factory=BoundarySettings)


def packs_folder() -> Path:
    """The shipped packs: inside the installed package, or at the top of a source checkout."""
    installed = resources.files("dlscan") / "rules"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "rules"


def default_pack_path() -> Path:
    return packs_folder() / "default.yaml"


def shipped_packs() -> dict[str, Path]:
    """The packs dlscan ships besides the default, by name (`--rules health`): sector vocabularies."""
    return {p.stem: p for p in sorted(packs_folder().glob("*.yaml")) if p.stem != "default"}


def pack_reference(value: str, base: Path) -> Path:
    """A `--rules` value or config entry: a shipped pack's name, or a file (relative to `base`)."""
    if _PACK_NAME.fullmatch(value):
        shipped = shipped_packs()
        if value in shipped:
            return shipped[value]
        if not (base / value).exists():
            known = ", ".join(shipped) or "none"
            raise InputError(value, f"no rule pack of that name is shipped (shipped: {known}), and no such file")
    return base / value


_PACK_NAME = re.compile(r"[a-z][a-z0-9-]*")


def _label(path: Path) -> str:
    return f"{path.stem} (shipped)" if path.parent == packs_folder() else str(path)


def load_rule_pack(specs: Mapping[str, RuleSpec], *user_packs: Path) -> RulePack:
    default_path = default_pack_path()
    merged_settings: dict[str, Any] = {}
    merged_rules: dict[str, dict[str, Any]] = {code: {} for code in specs}
    custom: list[CustomRuleConfig] = []
    boundary = BoundarySettings()
    taken = set(specs)
    files = [default_path, *user_packs]
    for path in files:
        document = load_yaml(path)
        _merge(path, document, specs, merged_settings, merged_rules)
        if isinstance(document, LineDict) and "boundary" in document:
            try:
                boundary = boundary.overlaid(document["boundary"])
            except BoundaryError as exc:
                raise InputError(path, str(exc), document.line_of("boundary")) from None
        if isinstance(document, LineDict) and "custom_rules" in document:
            custom += parse_custom_rules(path, document["custom_rules"], document.line_of("custom_rules"), taken)
    settings = _settings(default_path, merged_settings)
    rules = {}
    for code, spec in specs.items():
        values = merged_rules[code]
        missing = [k for k in ("severity", *_TEXT_KEYS) if k not in values]
        if missing:
            raise InputError(default_path, f"rule {code} lacks '{missing[0]}'")
        rules[code] = RuleConfig(
            code=code,
            slug=spec.slug,
            title=values["title"],
            severity=values["severity"],
            sensitive_severity=values.get("sensitive_severity"),
            enabled=values.get("enabled", True),
            params=values.get("params", {}),
            rationale=" ".join(values["rationale"].split()),
            remediation=" ".join(values["remediation"].split()),
        )
    return RulePack(
        settings=settings,
        rules=rules,
        files=("built-in", *(_label(f) for f in files[1:])),
        custom_rules=tuple(custom),
        boundary=boundary,
    )


def _merge(path: Path, document: Any, specs: Mapping[str, RuleSpec], settings: dict, rules: dict[str, dict]) -> None:
    if document is None:
        return
    pack = read_pack_file(path, document)
    if pack.settings is not UNSET:
        for key, value in given(pack.settings).items():
            settings[key] = _setting(path, document["settings"].line_of(key), key, value)
    if pack.vocabulary is not UNSET and pack.vocabulary.sensitive_keywords is not UNSET:
        line = document["vocabulary"].line_of("sensitive_keywords")
        added = _setting(path, line, "sensitive_keywords", pack.vocabulary.sensitive_keywords)
        known = tuple(settings.get("sensitive_keywords", ()))
        seen = {k.casefold() for k in known}
        settings["sensitive_keywords"] = known + tuple(k for k in added if k.casefold() not in seen)
    if pack.rules is not UNSET:
        section = document["rules"]
        for code, body in pack.rules.items():
            line = section.line_of(code)
            if code not in specs:
                raise InputError(path, f"unknown rule {code!r}; 'dlscan rules' lists the rules", line)
            rule = read_rule(path, code, body, document)
            for key, value in given(rule).items():
                key_line = body.line_of(key)
                rules[code][key] = _rule_value(path, key_line, specs[code], key, value, rules[code], document)


def _rule_value(path: Path, line: int, spec: RuleSpec, key: str, value: Any, current: dict, document: Any) -> Any:
    if key == "slug":
        if value != spec.slug:
            raise InputError(path, f"rule {spec.code} is '{spec.slug}'; its slug cannot be changed", line)
        return value
    if key in ("severity", "sensitive_severity"):
        return None if value is None else _severity(path, line, value)
    if key == "params":
        params = dict(current.get("params", {}))
        written = document["rules"][spec.code]["params"]  # as written, with its lines
        for name, found in read_params(path, spec.code, spec.params, written, document).items():
            params[name] = _param(path, written.line_of(name), spec, name, found)
        return params
    if key != "enabled" and not value.strip():
        raise InputError(path, f"'{key}' of {spec.code} must be text", line)
    return value


def _param(path: Path, line: int, spec: RuleSpec, name: str, value: Any) -> Any:
    """A parameter's meaning, once `read_params` has checked its kind."""
    kind = spec.params[name]
    if kind is Severity:
        return _severity(path, line, value)
    if kind is tuple:
        if not all(v.strip() for v in value):
            raise InputError(path, f"parameter {name!r} of {spec.code} must be a list of words", line)
        return tuple(v.strip().lower() for v in value)
    return value


def _setting(path: Path, line: int, key: str, value: Any) -> Any:
    if key == "external_marker":
        try:
            return linear_pattern(value)
        except ValueError as exc:
            raise InputError(path, f"'external_marker' is not a valid regular expression: {exc}", line) from None
    if not all(v.strip() for v in value):
        raise InputError(path, f"'{key}' must be a list of words", line)
    if key in ("personal_mail_domains", "restricted_suffixes"):
        return frozenset(v.strip().lower() for v in value)
    return tuple(v.strip() for v in value)


def _settings(path: Path, values: dict[str, Any]) -> PackSettings:
    for key in _SETTING_KEYS:
        if key not in values:
            raise InputError(path, f"settings lack '{key}'")
    return PackSettings(
        external_marker=values["external_marker"],
        sensitive_keywords=values["sensitive_keywords"],
        personal_mail_domains=values["personal_mail_domains"],
        restricted_suffixes=values["restricted_suffixes"],
    )


def _severity(path: Path, line: int, value: str) -> Severity:
    try:
        return Severity(value.lower())
    except ValueError:
        raise InputError(path, severity_refusal(value), line) from None
