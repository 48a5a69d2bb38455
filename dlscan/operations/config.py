"""The TOML config file: settings a nightly job would otherwise repeat on every command line.

Each section is a frozen dataclass; its fields are the keys the section accepts, typed. The file is
checked against msgspec Structs made from those dataclasses, so each key is declared once. Relative
paths are taken relative to the file itself, so a job works from any folder. Unknown sections and keys
are errors. See docs/config.md for every key.
"""

from __future__ import annotations

import dataclasses
import functools
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import msgspec
from msgspec import UNSET, UnsetType

from dlscan.boundary.settings import BoundaryError, BoundarySettings
from dlscan.checks.rulepack import pack_reference
from dlscan.support.errors import InputError
from dlscan.support.structs import Problem, Refusal, convert


@dataclass(frozen=True)
class ScanConfig:
    internal_domains: tuple[str, ...] = ()
    organisation: str | None = None
    rules: tuple[Path, ...] = ()
    """Rule packs laid over the built-in one, in order: shipped packs by name, or files."""
    format: str | None = None
    output: Path | None = None
    details: Path | None = None
    fail_on: str | None = None
    min_severity: str | None = None
    allow_unresolved: bool | None = None
    allow_pipe: bool | None = None


@dataclass(frozen=True)
class AdCollectConfig:
    servers: tuple[str, ...] = ()
    base_dn: str | None = None
    user: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    tls_name: str | None = None
    starttls: bool | None = None
    insecure_plain_ldap: bool | None = None
    kerberos: bool | None = None
    page_size: int | None = None
    range_size: int | None = None
    timeout: float | None = None
    retries: int | None = None
    internal_domains: tuple[str, ...] = ()
    output: Path | None = None


@dataclass(frozen=True)
class M365CollectConfig:
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret_env: str | None = None
    client_secret_file: Path | None = None
    certificate: Path | None = None
    certificate_password_env: str | None = None
    managed_identity: bool | None = None
    device_code: bool | None = None
    access_token_env: str | None = None
    cloud: str | None = None
    endpoint: str | None = None
    authority_host: str | None = None
    ca_file: Path | None = None
    concurrency: int | None = None
    timeout: float | None = None
    retries: int | None = None
    read_hidden_members: bool | None = None
    exchange: bool | None = None
    exchange_endpoint: str | None = None
    exchange_access_token_env: str | None = None
    delta_state: Path | None = None
    internal_domains: tuple[str, ...] = ()
    output: Path | None = None


@dataclass(frozen=True)
class RunConfig:
    source: str | None = None
    input: Path | None = None
    keep_snapshot: Path | None = None
    state_dir: Path | None = None
    suppressions: Path | None = None
    outputs: Mapping[str, Path] = field(default_factory=dict)
    """Format name -> the file it is written to; one key per output format (its sink's `config_key`)."""
    only_new: bool | None = None
    show_suppressed: bool | None = None
    max_shrink: float | None = None
    max_resolved: float | None = None
    fail_on: str | None = None


@dataclass(frozen=True)
class TicketsConfig:
    system: str | None = None
    min_severity: str | None = None
    mode: str | None = None
    on_resolve: str | None = None
    timeout: float | None = None
    retries: int | None = None


@dataclass(frozen=True)
class WebhookConfig:
    url: str | None = None
    secret_env: str | None = None
    secret_file: Path | None = None


@dataclass(frozen=True)
class JiraConfig:
    url: str | None = None
    api_version: int | None = None
    project: str | None = None
    issue_type: str | None = None
    labels: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    user_env: str | None = None
    token_env: str | None = None
    token_file: Path | None = None
    close_transition: str | None = None
    reopen_transition: str | None = None


@dataclass(frozen=True)
class ServiceNowConfig:
    url: str | None = None
    table: str | None = None
    user_env: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    assignment_group: str | None = None
    caller: str | None = None
    category: str | None = None
    resolved_state: str | None = None
    close_code: str | None = None
    reopen_state: str | None = None


@dataclass(frozen=True)
class DlscanConfig:
    scan: ScanConfig = field(default_factory=ScanConfig)
    collect_ad: AdCollectConfig = field(default_factory=AdCollectConfig)
    collect_m365: M365CollectConfig = field(default_factory=M365CollectConfig)
    run: RunConfig = field(default_factory=RunConfig)
    tickets: TicketsConfig = field(default_factory=TicketsConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    jira: JiraConfig = field(default_factory=JiraConfig)
    servicenow: ServiceNowConfig = field(default_factory=ServiceNowConfig)
    boundary: Mapping[str, Any] = field(default_factory=dict)
    """The [boundary] table as written: laid over the rule pack's boundary (checked when loaded)."""
    path: Path | None = None
    """The file it was read from: an input that no output may overwrite."""


_SECTIONS = {
    ("scan",): ("scan", ScanConfig),
    ("collect", "ad"): ("collect_ad", AdCollectConfig),
    ("collect", "m365"): ("collect_m365", M365CollectConfig),
    ("run",): ("run", RunConfig),
    ("tickets",): ("tickets", TicketsConfig),
    ("tickets", "webhook"): ("webhook", WebhookConfig),
    ("tickets", "jira"): ("jira", JiraConfig),
    ("tickets", "servicenow"): ("servicenow", ServiceNowConfig),
}


def load_config(path: Path) -> DlscanConfig:
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise InputError(path, "invalid TOML: nested too deeply") from None
    output_formats = _output_keys()
    written = convert(path, document, _document_type(tuple(sorted(output_formats))), _refusal)
    base = path.resolve().parent
    values: dict[str, Any] = {}
    for keys, (attribute, cls) in _SECTIONS.items():
        section: Any = written
        for key in keys:
            section = getattr(section, key) if section is not UNSET else UNSET
        written_keys = {} if section is UNSET else msgspec.structs.asdict(section)
        given = {k: v for k, v in written_keys.items() if v is not UNSET and (*keys, k) not in _SECTIONS}
        formats = output_formats if cls is RunConfig else {}
        outputs = {formats[k]: base / given.pop(k) for k in list(given) if k in formats}
        hints = get_type_hints(cls)
        values[attribute] = cls(**{key: _value(path, key, hints[key], value, base) for key, value in given.items()})
        if outputs:
            values[attribute] = dataclasses.replace(values[attribute], outputs=outputs)
    boundary = {} if written.boundary is UNSET else written.boundary
    try:
        BoundarySettings().overlaid(boundary)
    except BoundaryError as exc:
        raise InputError(path, f"[boundary]: {exc}") from None
    return DlscanConfig(**values, boundary=boundary, path=path)


def _output_keys() -> dict[str, str]:
    """The [run] key that names each output format's file -> the format: one per sink found."""
    from dlscan.sinks import sink_classes

    return {cls.config_key(): name for name, cls in sink_classes().items()}


@functools.cache
def _document_type(output_keys: tuple[str, ...]) -> type:
    """The whole file's Struct, made from the section dataclasses above (and, in [run], a text key for each
    output format): each key they accept, typed as TOML writes it."""
    return _table_type((), output_keys)


def _table_type(keys: tuple[str, ...], output_keys: tuple[str, ...]) -> type:
    fields: list[tuple[str, Any, Any]] = []
    if keys in _SECTIONS:
        cls = _SECTIONS[keys][1]
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name != "outputs":
                fields.append((f.name, _written_type(keys, f.name, hints[f.name]) | UnsetType, UNSET))
        if cls is RunConfig:
            fields += [(key, str | UnsetType, UNSET) for key in output_keys]
    for name in sorted({k[len(keys)] for k in _SECTIONS if len(k) > len(keys) and k[: len(keys)] == keys}):
        fields.append((name, _table_type((*keys, name), output_keys) | UnsetType, UNSET))
    if not keys:
        fields.append(("boundary", Any, UNSET))  # checked as a whole by the boundary's own parser
    return msgspec.defstruct("Table_" + "_".join(keys), fields, forbid_unknown_fields=True, frozen=True)


def _written_type(section: tuple[str, ...], key: str, hint: Any) -> Any:
    if (section, key) == (("scan",), "rules"):
        return str | list[str]
    kind = _kind(hint)
    if kind is Path:
        return str
    if get_origin(kind) is tuple:
        return list[str]
    return kind


def _kind(hint: Any) -> Any:
    options = [o for o in get_args(hint) if o is not type(None)] if isinstance(hint, types.UnionType) else [hint]
    return options[0]


def _refusal(refusal: Refusal, value: Any) -> str:
    location = tuple(str(step) for step in refusal.location)
    if refusal.problem is Problem.UNKNOWN_KEY:
        key = str(refusal.key)
        if location in _SECTIONS and not isinstance(value, dict):
            return f"unknown key '{key}' in [{'.'.join(location)}]"
        depth = len(location) + 1
        known = sorted({".".join(k[:depth]) for k in _SECTIONS if len(k) >= depth and k[: len(location)] == location})
        return f"unknown section [{'.'.join((*location, key))}] (known: {', '.join(known)})"
    section = max((k for k in _SECTIONS if location[: len(k)] == k), key=len, default=None)
    if section is None or len(location) == len(section):
        return f"[{'.'.join(location)}] must be a table"
    key = location[len(section)]
    if (section, key) == (("scan",), "rules"):
        return "'rules' in [scan] must be a pack's name or file, or a list of them"
    if key in _output_keys() and section == ("run",):
        kind: Any = Path
    else:
        kind = _kind(get_type_hints(_SECTIONS[section][1])[key])
    return f"'{key}' in [{'.'.join(section)}] must be {_EXPECTED.get(kind, 'a list of strings')}"


_EXPECTED = {Path: "a path", str: "text", bool: "true or false", int: "a whole number", float: "a number"}


def _value(path: Path, key: str, hint: Any, value: Any, base: Path) -> Any:
    """A checked value as the section's dataclass holds it: paths relative to the file, lists as tuples."""
    if key == "rules" and hint == tuple[Path, ...]:
        return _packs(path, value, base)
    kind = _kind(hint)
    if kind is Path:
        return base / value
    if isinstance(value, list):
        return tuple(value)
    if kind is float:
        return float(value)
    return value


def _packs(path: Path, value: Any, base: Path) -> tuple[Path, ...]:
    """`rules = "pack.yaml"` or `rules = ["health", "ours.yaml"]`: shipped packs by name, or files."""
    names = [value] if isinstance(value, str) else value
    if not names or not all(names):
        raise InputError(path, "'rules' in [scan] must be a pack's name or file, or a list of them")
    return tuple(pack_reference(name, base) for name in names)
