"""Accepted risks: findings someone has looked at and decided to live with, until a date.

A suppression names a rule and a list (by id, address, or a name pattern), says why, who accepted it
and when the acceptance ends. Suppressed findings are marked, never dropped. An expired suppression
suppresses nothing and is reported; so is one that matches no finding (the list was fixed or renamed).
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscan.findings import Finding
from dlscan.support.errors import InputError
from dlscan.support.yamlfile import LineDict, load_yaml

_KEYS = {"rule", "list", "reason", "accepted_by", "expires"}


@dataclass(frozen=True)
class Suppression:
    rule: str
    """A rule code, or '*' for every rule."""
    list: str
    """A list's id or address (exact, any case), or a name pattern with * and ? (any case)."""
    reason: str
    accepted_by: str
    expires: datetime.date
    origin: str
    """file:line, so a report can point at the entry."""

    def matches(self, finding: Finding) -> bool:
        if self.rule != "*" and self.rule.upper() != finding.code:
            return False
        wanted = self.list.casefold()
        if wanted in (finding.list_id.casefold(), finding.list_address.casefold()):
            return True
        return fnmatch.fnmatchcase(finding.list.casefold(), wanted)

    def expired(self, today: datetime.date) -> bool:
        return today > self.expires

    @property
    def label(self) -> str:
        return f"{self.rule} on '{self.list}' (accepted by {self.accepted_by} until {self.expires}, {self.origin})"


@dataclass(frozen=True)
class SuppressionReport:
    suppressed: dict[str, Suppression]
    """Finding id -> the suppression in force for it."""
    expired: tuple[tuple[Suppression, tuple[str, ...]], ...]
    """Suppressions past their date, with the ids of the findings they would have covered."""
    stale: tuple[Suppression, ...]
    """Suppressions in force that matched no finding."""


def apply_suppressions(
    suppressions: Iterable[Suppression], findings: Iterable[Finding], today: datetime.date
) -> SuppressionReport:
    findings = list(findings)
    suppressed: dict[str, Suppression] = {}
    expired, stale = [], []
    for entry in suppressions:
        covered = [f.finding_id for f in findings if entry.matches(f)]
        if entry.expired(today):
            expired.append((entry, tuple(covered)))
        elif not covered:
            stale.append(entry)
        else:
            for finding_id in covered:
                suppressed.setdefault(finding_id, entry)
    return SuppressionReport(suppressed, tuple(expired), tuple(stale))


def load_suppressions(path: Path, rules: Collection[str]) -> tuple[Suppression, ...]:
    """The accepted risks of `path`, each naming one of `rules` (the rule pack's codes) or '*'."""
    document = load_yaml(path)
    if document is None:
        return ()
    if not isinstance(document, LineDict) or set(document) - {"suppressions"}:
        raise InputError(path, "expected a mapping with one key, 'suppressions', holding a list", 1)
    entries = document.get("suppressions") or []
    if not isinstance(entries, list):
        raise InputError(path, "'suppressions' must be a list", document.line_of("suppressions"))
    known = frozenset(code.upper() for code in rules)
    return tuple(_entry(path, entry, document.line_of("suppressions"), known) for entry in entries)


def _entry(path: Path, entry: Any, near: int, rules: frozenset[str]) -> Suppression:
    if not isinstance(entry, LineDict):
        raise InputError(path, "each suppression is a mapping: rule, list, reason, accepted_by, expires", near)
    line = entry.line
    unknown = set(entry) - _KEYS
    if unknown:
        raise InputError(path, f"unknown key '{sorted(unknown)[0]}' (known: {', '.join(sorted(_KEYS))})", line)
    missing = sorted(k for k in _KEYS if entry.get(k) in (None, ""))
    if missing:
        raise InputError(
            path, f"a suppression needs {', '.join(missing)}: every accepted risk says why, who, until when", line
        )
    rule = str(entry["rule"]).strip()
    if rule != "*" and rule.upper() not in rules:
        # Refused as the rule pack refuses it: accepted, it would only ever be reported as stale.
        raise InputError(path, f"unknown rule '{rule}' (a rule code such as DL003, or '*')", entry.line_of("rule"))
    expires = entry["expires"]
    if isinstance(expires, str):
        try:
            expires = datetime.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime):
        raise InputError(path, "'expires' must be a date, e.g. 2027-03-31", entry.line_of("expires"))
    return Suppression(
        rule=rule,
        list=str(entry["list"]).strip(),
        reason=str(entry["reason"]).strip(),
        accepted_by=str(entry["accepted_by"]).strip(),
        expires=expires,
        origin=f"{path.name}:{line}",
    )
