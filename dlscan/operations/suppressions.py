"""Accepted risks: findings someone has looked at and decided to live with, until a date.

A suppression names a rule and what it accepts, by identity: one finding (`finding:` its id) or one list
or recipient (`list:` its id or address). A name pattern (`name:`, with * and ?) is possible, and marked
as such: names are typed by many people, so anyone who can name a contact like an accepted list would
have it inherit the acceptance; each night says when a pattern covers an object it did not cover before.
Every entry says why, who accepted it and when the acceptance ends. Suppressed findings are marked,
never dropped. An expired suppression suppresses nothing and is reported; so is one that matches no
finding (the list was fixed or renamed).
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import msgspec

from dlscan.findings import Finding
from dlscan.support.errors import InputError
from dlscan.support.structs import Problem, Refusal, convert
from dlscan.support.yamlfile import LineDict, load_yaml

_REQUIRED = ("rule", "reason", "accepted_by", "expires")


class Target(StrEnum):
    """What an entry accepts, named by the key it is written under."""

    FINDING = "finding"
    """One finding, by its id."""
    LIST = "list"
    """Every finding of the rule about one list or recipient, by its id or address."""
    NAME = "name"
    """Every finding of the rule whose list or recipient has a name matching a pattern."""


@dataclass(frozen=True)
class Suppression:
    rule: str
    """A rule code, or '*' for every rule."""
    target: Target
    value: str
    """The finding id, the list's id or address (exact, any case), or the name pattern (any case)."""
    reason: str
    accepted_by: str
    expires: datetime.date
    origin: str
    """file:line, so a report can point at the entry."""

    def matches(self, finding: Finding) -> bool:
        if self.rule != "*" and self.rule.upper() != finding.code:
            return False
        wanted = self.value.casefold()
        if self.target is Target.FINDING:
            return finding.finding_id.casefold() == wanted
        if self.target is Target.LIST:
            return wanted in (finding.list_id.casefold(), finding.list_address.casefold())
        return fnmatch.fnmatchcase(finding.list.casefold(), wanted)

    def expired(self, today: datetime.date) -> bool:
        return today > self.expires

    @property
    def by_name(self) -> bool:
        return self.target is Target.NAME

    @property
    def key(self) -> str:
        """The entry as the history knows it from night to night (its line may move)."""
        return f"{self.rule.upper()}|{self.target.value}|{self.value.casefold()}"

    @property
    def label(self) -> str:
        what = {Target.FINDING: "finding", Target.LIST: "list", Target.NAME: "names matching"}[self.target]
        return (
            f"{self.rule} on {what} '{self.value}' (accepted by {self.accepted_by} until {self.expires}, "
            f"{self.origin})"
        )


@dataclass(frozen=True)
class SuppressionReport:
    suppressed: dict[str, Suppression]
    """Finding id -> the suppression in force for it."""
    expired: tuple[tuple[Suppression, tuple[str, ...]], ...]
    """Suppressions past their date, with the ids of the findings they would have covered."""
    stale: tuple[Suppression, ...]
    """Suppressions in force that matched no finding."""
    by_name: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    in_force: tuple[Suppression, ...] = ()
    """Every suppression not expired."""
    """Each name pattern in force (by `key`) -> the ids of the lists and recipients it covers tonight."""

    def newly_covered(self, before: Mapping[str, Iterable[str]]) -> list[tuple[Suppression, list[str]]]:
        """Name patterns that cover an object tonight they did not cover on the last good night."""
        entries = {entry.key: entry for entry in self.in_force if entry.by_name}
        found = []
        for key, objects in sorted(self.by_name.items()):
            fresh = sorted(set(objects) - set(before.get(key, ())))
            if fresh and key in entries and key in before:
                found.append((entries[key], fresh))
        return found


def apply_suppressions(
    suppressions: Iterable[Suppression], findings: Iterable[Finding], today: datetime.date
) -> SuppressionReport:
    findings, suppressions = list(findings), list(suppressions)
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
    by_pattern: dict[str, set[str]] = {e.key: set() for e in suppressions if e.by_name and not e.expired(today)}
    for finding in findings:
        entry = suppressed.get(finding.finding_id)
        if entry is not None and entry.by_name:
            by_pattern[entry.key].add(finding.list_id)
    by_name = {key: tuple(sorted(objects)) for key, objects in by_pattern.items()}
    in_force = tuple(e for e in suppressions if not e.expired(today))
    return SuppressionReport(suppressed, tuple(expired), tuple(stale), by_name, in_force)


class _Entry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One accepted risk as written: the keys it may have. Their values are read as people write them (a
    word, a number, a date) by `_entry`, which says what each must be."""

    rule: Any = None
    finding: Any = None
    list: Any = None
    name: Any = None
    reason: Any = None
    accepted_by: Any = None
    expires: Any = None


class _File(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    suppressions: list[Any] | None = None


_KEYS = {f.name for f in msgspec.structs.fields(_Entry)}


def load_suppressions(path: Path, rules: Collection[str]) -> tuple[Suppression, ...]:
    """The accepted risks of `path`, each naming one of `rules` (the rule pack's codes) or '*'."""
    document = load_yaml(path)
    if document is None:
        return ()
    if not isinstance(document, LineDict):
        raise InputError(path, _ONE_KEY, 1)
    entries = convert(path, document, _File, _file_refusal).suppressions or []
    known = frozenset(code.upper() for code in rules)
    near = document.line_of("suppressions")
    return tuple(_entry(path, entry, i, near, document, known) for i, entry in enumerate(entries))


_ONE_KEY = "expected a mapping with one key, 'suppressions', holding a list"


def _file_refusal(refusal: Refusal, value: Any) -> str:
    return _ONE_KEY if refusal.problem is Problem.UNKNOWN_KEY else "'suppressions' must be a list"


def _entry_refusal(refusal: Refusal, value: Any) -> str:
    return f"unknown key '{refusal.key}' (known: {', '.join(sorted(_KEYS))})"  # the one refusal of an _Entry


def _entry(path: Path, written: Any, index: int, near: int, document: LineDict, rules: frozenset[str]) -> Suppression:
    if not isinstance(written, LineDict):
        raise InputError(
            path, "each suppression is a mapping: rule, finding or list (or name), reason, accepted_by, expires", near
        )
    line = written.line
    entry = convert(path, written, _Entry, _entry_refusal, prefix=("suppressions", index), root=document)
    missing = sorted(k for k in _REQUIRED if getattr(entry, k) in (None, ""))
    if missing:
        raise InputError(
            path, f"a suppression needs {', '.join(missing)}: every accepted risk says why, who, until when", line
        )
    for key in ("rule", "reason", "accepted_by"):
        if isinstance(getattr(entry, key), list | dict):
            problem = f"'{key}' must be a word, a number or a date, not a list or mapping"
            raise InputError(path, problem, written.line_of(key))
    target, value = _target(path, written)
    rule = str(entry.rule).strip()
    if rule != "*" and rule.upper() not in rules:
        # Refused as the rule pack refuses it: accepted, it would only ever be reported as stale.
        raise InputError(path, f"unknown rule '{rule}' (a rule code such as DL003, or '*')", written.line_of("rule"))
    if target is Target.FINDING and rule != "*" and not value.upper().startswith(rule.upper() + "-"):
        # A finding id starts with its rule's code: this entry could never match, only ever go stale.
        raise InputError(
            path, f"finding {value!r} is not a {rule.upper()} finding (its id would start with {rule.upper()}-)",
            written.line_of(target.value),
        )
    expires = entry.expires
    if isinstance(expires, str):
        try:
            expires = datetime.date.fromisoformat(expires)
        except ValueError:
            expires = None
    if not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime):
        raise InputError(path, "'expires' must be a date, e.g. 2027-03-31", written.line_of("expires"))
    return Suppression(
        rule=rule,
        target=target,
        value=value,
        reason=str(entry.reason).strip(),
        accepted_by=str(entry.accepted_by).strip(),
        expires=expires,
        origin=f"{path.name}:{line}",
    )


def _target(path: Path, entry: LineDict) -> tuple[Target, str]:
    given = [t for t in Target if entry.get(t.value) not in (None, "")]
    if len(given) != 1:
        raise InputError(
            path,
            "a suppression names what it accepts once: finding (a finding id), list (a list's or recipient's "
            "id or address) or name (a name pattern)",
            entry.line,
        )
    target = given[0]
    if target is Target.NAME and isinstance(entry[target.value], list | dict):
        raise InputError(
            path, "name: is one name pattern, not a list or mapping; write one entry each", entry.line_of(target.value)
        )
    if target is not Target.NAME and not isinstance(entry[target.value], str | int):
        raise InputError(
            path, f"{target.value}: names one {target.value} by its id, not a list or mapping; write one entry each",
            entry.line_of(target.value),
        )
    value = str(entry[target.value]).strip()
    if target is Target.LIST and any(c in value for c in "*?[]"):
        raise InputError(
            path,
            f"list: {value!r} is a pattern, and 'list' names one list by id or address; a name pattern goes under "
            "'name:', where it is marked as one (anyone who can name a contact so would inherit it)",
            entry.line_of(target.value),
        )
    return target, value
