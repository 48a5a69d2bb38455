"""The TOML config file: settings a nightly job would otherwise repeat on every command line.

Relative paths in the file are taken relative to the file itself, so a job works from any folder.
See docs/config.md for every key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscan.errors import InputError

_SCAN_KEYS = {"internal_domains", "rules", "format", "output", "fail_on", "min_severity", "allow_unresolved"}


@dataclass(frozen=True)
class ScanConfig:
    internal_domains: tuple[str, ...] = ()
    rules: Path | None = None
    format: str | None = None
    output: Path | None = None
    fail_on: str | None = None
    min_severity: str | None = None
    allow_unresolved: bool | None = None


def load_config(path: Path) -> ScanConfig:
    try:
        with path.open("rb") as stream:
            document = tomllib.load(stream)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"invalid TOML: {exc}") from None
    unknown = sorted(set(document) - {"scan"})
    if unknown:
        raise InputError(path, f"unknown section [{unknown[0]}]")
    section = document.get("scan", {})
    if not isinstance(section, dict):
        raise InputError(path, "[scan] must be a table")
    unknown = sorted(set(section) - _SCAN_KEYS)
    if unknown:
        raise InputError(path, f"unknown key '{unknown[0]}' in [scan]")
    base = path.resolve().parent
    return ScanConfig(
        internal_domains=tuple(_strings(path, section, "internal_domains")),
        rules=_path(path, base, section, "rules"),
        format=_string(path, section, "format"),
        output=_path(path, base, section, "output"),
        fail_on=_string(path, section, "fail_on"),
        min_severity=_string(path, section, "min_severity"),
        allow_unresolved=_bool(path, section, "allow_unresolved"),
    )


def _strings(path: Path, section: dict[str, Any], key: str) -> list[str]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(path, f"'{key}' in [scan] must be a list of strings")
    return value


def _string(path: Path, section: dict[str, Any], key: str) -> str | None:
    value = section.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(path, f"'{key}' in [scan] must be a string")
    return value


def _bool(path: Path, section: dict[str, Any], key: str) -> bool | None:
    value = section.get(key)
    if value is not None and not isinstance(value, bool):
        raise InputError(path, f"'{key}' in [scan] must be true or false")
    return value


def _path(path: Path, base: Path, section: dict[str, Any], key: str) -> Path | None:
    value = _string(path, section, key)
    return base / value if value else None
