"""The TOML config file: settings a nightly job would otherwise repeat on every command line.

Each section is a frozen dataclass; its fields are the keys the section accepts, typed. Relative paths
are taken relative to the file itself, so a job works from any folder. Unknown sections and keys are
errors. See docs/config.md for every key.
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args, get_type_hints

from dlscan.boundary.settings import BoundaryError, BoundarySettings
from dlscan.checks.rulepack import pack_reference
from dlscan.support.errors import InputError


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
    _refuse_unknown_tables(path, document, ())
    values: dict[str, Any] = {}
    for keys, (attribute, cls) in _SECTIONS.items():
        section: Any = document
        for key in keys:
            section = section.get(key, {}) if isinstance(section, dict) else None
        if not isinstance(section, dict):
            raise InputError(path, f"[{'.'.join(keys)}] must be a table")
        own = {k: v for k, v in section.items() if (*keys, k) not in _SECTIONS}
        outputs, own = _outputs(path, own) if cls is RunConfig else ({}, own)
        values[attribute] = _section(path, ".".join(keys), own, cls)
        if outputs:
            values[attribute] = dataclasses.replace(values[attribute], outputs=outputs)
    boundary = document.get("boundary", {})
    try:
        BoundarySettings().overlaid(boundary)
    except BoundaryError as exc:
        raise InputError(path, f"[boundary]: {exc}") from None
    return DlscanConfig(**values, boundary=boundary, path=path)


def _outputs(path: Path, section: dict[str, Any]) -> tuple[dict[str, Path], dict[str, Any]]:
    """The output keys of [run] (`csv = "findings.csv"`, one per format) as format -> file, and the rest."""
    from dlscan.sinks import sink_classes

    formats = {cls.config_key(): name for name, cls in sink_classes().items()}
    if "outputs" in section:
        raise InputError(path, "unknown key 'outputs' in [run]")
    base = path.resolve().parent
    outputs = {formats[k]: _value(path, "run", k, Path, v, base) for k, v in section.items() if k in formats}
    return outputs, {k: v for k, v in section.items() if k not in formats}


def _packs(path: Path, value: Any, base: Path) -> tuple[Path, ...]:
    """`rules = "pack.yaml"` or `rules = ["health", "ours.yaml"]`: shipped packs by name, or files."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(v, str) and v for v in names):
        raise InputError(path, "'rules' in [scan] must be a pack's name or file, or a list of them")
    return tuple(pack_reference(name, base) for name in names)


def _refuse_unknown_tables(path: Path, table: dict[str, Any], prefix: tuple[str, ...]) -> None:
    """A misspelt section would otherwise be ignored in silence."""
    for name, value in table.items():
        keys = (*prefix, name)
        if keys == ("boundary",):
            continue  # checked as a whole by the boundary's own parser
        if keys in _SECTIONS or any(k[: len(keys)] == keys for k in _SECTIONS):
            if isinstance(value, dict):
                _refuse_unknown_tables(path, value, keys)
            continue
        if prefix in _SECTIONS and not isinstance(value, dict):
            continue  # a key of the section: _section checks it
        known = sorted(
            {".".join(k[: len(keys)]) for k in _SECTIONS if len(k) >= len(keys) and k[: len(prefix)] == prefix}
        )
        raise InputError(path, f"unknown section [{'.'.join(keys)}] (known: {', '.join(known)})")


def _section(path: Path, name: str, section: dict[str, Any], cls: type) -> Any:
    hints = get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    for key in section:
        if key not in fields:
            raise InputError(path, f"unknown key '{key}' in [{name}]")
    base = path.resolve().parent
    return cls(**{key: _value(path, name, key, hints[key], value, base) for key, value in section.items()})


def _value(path: Path, section: str, key: str, hint: Any, value: Any, base: Path) -> Any:
    if key == "rules" and section == "scan":
        return _packs(path, value, base)
    options = [o for o in get_args(hint) if o is not type(None)] if isinstance(hint, types.UnionType) else [hint]
    kind = options[0]
    if kind is Path and isinstance(value, str):
        return base / value
    if get_args(kind) and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind in (str, bool) and isinstance(value, kind):
        return value
    expected = {Path: "a path", str: "text", bool: "true or false", int: "a whole number", float: "a number"}
    raise InputError(path, f"'{key}' in [{section}] must be {expected.get(kind, 'a list of strings')}")
