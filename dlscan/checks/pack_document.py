"""What a rule pack file may hold, as msgspec Structs, and each refusal in the words its authors know.

A pack is laid over the packs before it key by key, so every key may be left out (`UNSET`); what a key
holds is checked here, and what it means (a known rule, a severity, a pattern RE2 accepts) by
`dlscan.checks.rulepack`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from dlscan.findings import Severity
from dlscan.support.structs import Problem, Refusal, convert


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    external_marker: str | UnsetType = UNSET
    sensitive_keywords: list[str] | UnsetType = UNSET
    personal_mail_domains: list[str] | UnsetType = UNSET
    restricted_suffixes: list[str] | UnsetType = UNSET


class Vocabulary(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A sector's words, added to those of the packs before it rather than replacing them."""

    sensitive_keywords: list[str] | UnsetType = UNSET


class PackFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    settings: Settings | UnsetType = UNSET
    vocabulary: Vocabulary | UnsetType = UNSET
    rules: dict[Any, Any] | UnsetType = UNSET
    """Rule code -> `RuleOverlay`, converted one rule at a time so that a refusal can name the rule."""
    custom_rules: Any = UNSET
    """Read by `dlscan.checks.custom_rules`."""
    boundary: Any = UNSET
    """Read by `dlscan.boundary.settings`."""


class RuleOverlay(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    slug: Any = UNSET
    """Any value: compared with the rule's own slug, which cannot be changed."""
    title: str | UnsetType = UNSET
    severity: str | UnsetType = UNSET
    sensitive_severity: str | UnsetType | None = UNSET
    enabled: bool | UnsetType = UNSET
    params: dict[Any, Any] | UnsetType = UNSET
    """Checked against the rule's own parameters (`params_type`)."""
    rationale: str | UnsetType = UNSET
    remediation: str | UnsetType = UNSET


def given(struct: msgspec.Struct) -> dict[str, Any]:
    """The keys a pack wrote, with their values."""
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not UNSET}


def read_pack_file(path: Path, document: Any) -> PackFile:
    return convert(path, document, PackFile, _pack_refusal)


def read_rule(path: Path, code: str, body: Any, root: Any) -> RuleOverlay:
    return convert(path, body, RuleOverlay, functools.partial(_rule_refusal, code), prefix=("rules", code), root=root)


def read_params(path: Path, code: str, kinds: Mapping[str, type], values: Any, root: Any) -> dict[str, Any]:
    refuse = functools.partial(_param_refusal, code, kinds)
    found = convert(path, values, params_type(code, kinds), refuse, prefix=("rules", code, "params"), root=root)
    return given(found)


_SHARE = Annotated[float, msgspec.Meta(ge=0, le=1)]
"""A float parameter is a share (a similarity); NaN and infinity are refused too."""
_COUNT = Annotated[int, msgspec.Meta(ge=0)]
_PARAM_TYPES: dict[type, Any] = {float: _SHARE, int: _COUNT, bool: bool, tuple: list[str], Severity: str}


@functools.cache
def _params_type(code: str, kinds: tuple[tuple[str, type], ...]) -> type:
    fields = [(name, _PARAM_TYPES[kind] | UnsetType, UNSET) for name, kind in kinds]
    return msgspec.defstruct(f"{code}Params", fields, forbid_unknown_fields=True, frozen=True)


def params_type(code: str, kinds: Mapping[str, type]) -> type:
    """The Struct of one rule's parameters, made from what the rule's code accepts."""
    return _params_type(code, tuple(sorted(kinds.items())))


_MAPPINGS = frozenset({"settings", "vocabulary", "rules"})
_WORDS = {"settings": "setting", "vocabulary": "vocabulary key"}


def _pack_refusal(refusal: Refusal, value: Any) -> str:
    section = refusal.location[0] if refusal.location else None
    if refusal.problem is Problem.UNKNOWN_KEY:
        return f"unknown {_WORDS.get(str(section), 'rule pack')} {refusal.key!r}"
    if len(refusal.location) == 1 and section in _MAPPINGS:
        return f"{section} must be a mapping"
    if refusal.key_at(1) == "external_marker":
        return "'external_marker' must be a regular expression"
    if len(refusal.location) == 0:
        return "the rule pack must be a mapping"
    return f"'{refusal.key_at(1)}' must be a list of words"


def _rule_refusal(code: str, refusal: Refusal, value: Any) -> str:
    if refusal.problem is Problem.UNKNOWN_KEY:
        return f"unknown key of rule {code} {refusal.key!r}"
    if len(refusal.location) == 2:
        return f"rule {code} must be a mapping"
    key = refusal.key_at(2)
    if key in ("severity", "sensitive_severity"):
        return severity_refusal(value)
    if key == "enabled":
        return f"'enabled' of {code} must be true or false"
    if key == "params":
        return f"params of {code} must be a mapping"
    return f"'{key}' of {code} must be text"


def severity_refusal(value: Any) -> str:
    return f"severity {value!r} is not one of {', '.join(s.value for s in Severity)}"


_EXPECTED = {
    bool: "true or false", tuple: "a list of words", int: "a whole number", float: "a number from 0 to 1",
    Severity: "a severity",
}  # fmt: skip


_SETTINGS_NOW = {"restricted_suffixes": "settings: restricted_suffixes: [...], read by DL007 and DL019 alike"}
"""Parameters that moved to the pack's settings, so that an older pack is told where its value goes."""


def _param_refusal(code: str, kinds: Mapping[str, type], refusal: Refusal, value: Any) -> str:
    name = refusal.key_at(3)
    if refusal.problem is Problem.UNKNOWN_KEY:
        if name in _SETTINGS_NOW:
            moved = _SETTINGS_NOW[name]
            return f"{name!r} is no longer a parameter of {code}: it is one of the pack's settings ({moved})"
        allowed = ", ".join(sorted(kinds)) or "none"
        return f"rule {code} has no parameter {name!r} (it takes: {allowed})"
    if len(refusal.location) == 3:
        return f"params of {code} must be a mapping"
    kind = kinds.get(str(name))
    if kind is Severity:
        return severity_refusal(value)
    if kind is int and refusal.problem is Problem.BAD_VALUE:
        return f"parameter {name!r} of {code} must be a whole number, 0 or more"
    return f"parameter {name!r} of {code} must be {_EXPECTED.get(kind, 'of another kind')}"
