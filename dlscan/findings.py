"""What a scan reports: findings with stable ids, ordered the same way every run."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank

    def raised_to(self, floor: Severity) -> Severity:
        return self if self.rank >= floor.rank else floor


_RANKS = {s: i for i, s in enumerate(Severity)}


@dataclass(frozen=True)
class Coverage:
    """What one rule could not judge in one scan, as data: a finding of the rule about an object it could
    not judge is neither seen nor resolved, and its history carries it open."""

    code: str
    unjudged: frozenset[str] = frozenset()
    """Ids of the lists, or recipients, that the rule could not judge."""
    everything: bool = False
    """The rule could judge nothing here: the kind of source never gives the facts it needs."""
    reason: str = ""
    """Why, in a sentence for people."""

    def judged(self, object_id: str) -> bool:
        return not self.everything and object_id not in self.unjudged

    @property
    def complete(self) -> bool:
        return not self.everything and not self.unjudged


class Picture(StrEnum):
    """What the HTML report draws for a rule's findings; each check declares its own."""

    NONE = "none"
    PAIR = "pair"
    """Two names people can mistake for each other, shown side by side with their differences marked."""
    CHAIN = "chain"
    """The nesting path from a list to the recipient it reaches."""


@dataclass(frozen=True)
class Evidence:
    """One thing behind a finding that a person may need to see to act on it: an external recipient and
    the nesting path that reaches it, or another pair of a family of confusable lists.

    Without slots: orjson writes a dataclass that keeps its fields in a dict in half the time, and a
    body's scan of a shared service at a million recipients writes millions of these."""

    subject: str
    """What it is, in words: a recipient's address, or two list names."""
    subject_id: str
    """The directory id (or ids, joined by '|') of what it names."""
    note: str = ""
    """Why it is here, in a few words (e.g. the pair's severity and reason)."""
    path: tuple[str, ...] = ()
    """Display names from the finding's list down to the recipient, where nesting matters."""


def fingerprint(code: str, list_id: str, key: str) -> str:
    """A finding's id: from the rule and object ids, never names, so renames and new examples keep it."""
    digest = hashlib.sha256(f"{code}\x1f{list_id}\x1f{key}".encode()).hexdigest()
    return f"{code}-{digest[:12]}"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    rule: str
    severity: Severity
    list: str
    list_address: str
    list_id: str
    related: str
    key: str
    """What tells this finding from others of its rule on the same list (an object id, or '')."""
    detail: str
    path: tuple[str, ...]
    remediation: str
    rationale: str
    identity: str | None = None
    """When set, the fingerprint comes from this alone, e.g. a cycle's sorted list ids, whichever list
    the finding is reported on."""
    owner: str = ""
    """The list's owners, by name ('' for a finding about a recipient, or a list without owners)."""
    owner_state: str = ""
    """active, inactive (every owner disabled or not found), none, unknown; '' for a recipient."""
    evidence: tuple[Evidence, ...] = ()
    """Everything the detail counts or samples, listed (JSON and HTML carry it; CSV gives its count). Not
    part of the history's record: a resolved finding is reported by its row."""
    hiding_helps: bool = False
    """The hazard is only that this finding's list is picked from the address book by mistake, so hiding
    it there leaves the slip to autocomplete's memory of those who mailed it (DL005: a list that alone
    sends a slip outside; the rule then reports the pair at its `hidden_severity`). Read by plans."""
    finding_id: str = field(init=False)

    def __post_init__(self) -> None:
        if self.identity is not None:
            object.__setattr__(self, "finding_id", fingerprint(self.code, "", self.identity))
        else:
            object.__setattr__(self, "finding_id", fingerprint(self.code, self.list_id, self.key))

    @property
    def sort_key(self) -> tuple:
        return (self.code, self.list.casefold(), self.list_id, self.related.casefold(), self.key)


def stable_order(findings: list[Finding]) -> list[Finding]:
    """Rule, then list, then related object: rows stay put from run to run, so outputs diff cleanly."""
    return sorted(findings, key=lambda f: f.sort_key)


def worst_first(findings: list[Finding], plan: tuple[ToFix, ...] = ()) -> list[Finding]:
    """Worst severity first; within a severity, the findings of the object to fix first (`plan`) lead."""
    ranks = plan_ranks(plan)
    last = len(ranks) + 1
    return sorted(findings, key=lambda f: (-f.severity.rank, ranks.get(object_of(f), last), *f.sort_key))


_URGENCY = {Severity.CRITICAL: 16, Severity.HIGH: 8, Severity.MEDIUM: 4, Severity.LOW: 2, Severity.INFO: 1}
"""What a finding weighs in its object's place in the plan, among objects whose worst findings are as
severe and as many: the rest of their findings then decide."""


@dataclass(frozen=True)
class ToFix:
    """One object, a list or a recipient, with every finding about it: the findings that go when it is
    fixed. A plan of these, most urgent first, is what the reports lead with."""

    rank: int
    """1 for the object to fix first."""
    name: str
    address: str
    object_id: str
    owner: str
    owner_state: str
    worst: Severity
    findings: tuple[Finding, ...]
    """Worst first."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted({f.code for f in self.findings}))

    def by_severity(self) -> tuple[tuple[Severity, int], ...]:
        counts: dict[Severity, int] = defaultdict(int)
        for finding in self.findings:
            counts[finding.severity] += 1
        return tuple((s, counts[s]) for s in reversed(Severity) if counts[s])

    def severity_words(self) -> str:
        """Its findings by severity, worst first, as the reports print them: '2 critical, 1 high'."""
        return ", ".join(f"{n} {severity.value}" for severity, n in self.by_severity())


def plan_ranks(plan: tuple[ToFix, ...]) -> dict[str, int]:
    """Object id -> its place in the plan."""
    return {item.object_id: item.rank for item in plan}


def object_of(finding: Finding) -> str:
    """The object a finding is about, which fixing makes it go: its list (or recipient) id, else its name."""
    return finding.list_id or finding.list


def fix_plan(findings: Iterable[Finding]) -> tuple[ToFix, ...]:
    """Every object with findings, most urgent first: the worst severity, then how many findings have it,
    then all of them weighed, then name and id so that the order is the same every run."""
    by_object: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_object[object_of(finding)].append(finding)
    groups = sorted((worst_first(group) for group in by_object.values()), key=_urgency)
    return tuple(_to_fix(rank, group) for rank, group in enumerate(groups, start=1))


def _to_fix(rank: int, group: list[Finding]) -> ToFix:
    first = group[0]
    return ToFix(
        rank, first.list, first.list_address, object_of(first), first.owner, first.owner_state, first.severity,
        tuple(group),
    )  # fmt: skip


def _urgency(group: list[Finding]) -> tuple:
    worst = group[0].severity
    at_worst = sum(1 for f in group if f.severity is worst)
    weight = sum(_URGENCY[f.severity] for f in group)
    return (-worst.rank, -at_worst, -weight, group[0].list.casefold(), object_of(group[0]))


_RECORD_FIELDS = (
    "code",
    "rule",
    "list",
    "list_address",
    "list_id",
    "related",
    "key",
    "detail",
    "remediation",
    "rationale",
)


def finding_record(finding: Finding) -> dict[str, object]:
    """Everything needed to rebuild the finding later (the history keeps it to report it resolved)."""
    record: dict[str, object] = {name: getattr(finding, name) for name in _RECORD_FIELDS}
    record.update(severity=finding.severity.value, path=list(finding.path), identity=finding.identity)
    return record


def finding_from_record(record: dict[str, object]) -> Finding:
    return Finding(
        **{name: str(record[name]) for name in _RECORD_FIELDS},
        severity=Severity(str(record["severity"])),
        path=tuple(str(p) for p in record["path"]),  # type: ignore[union-attr]
        identity=None if record.get("identity") is None else str(record["identity"]),
    )
