"""The interface every output format implements, and the row shape that CSV and JSON share."""

from __future__ import annotations

import dataclasses
import itertools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, ClassVar

from dlscan.findings import Finding, Severity, ToFix, fix_plan, object_of, plan_ranks
from dlscan.scan.engine import ScanResult

# The public column contract (docs/output.md). New columns are only ever appended.
COLUMNS = (
    "finding_id",
    "code",
    "rule",
    "severity",
    "list",
    "list_address",
    "list_id",
    "related",
    "detail",
    "path",
    "remediation",
    "rationale",
)
PATH_SEPARATOR = " > "
RUN_COLUMNS = ("status", "first_seen", "suppressed_by")
"""Appended by `dlscan run`, which knows each finding's history."""
LATER_COLUMNS = ("severity_rank", "evidence_count", "owner", "owner_state", "fix_rank")
"""Appended after all of the above, in every row, so that a reader of the older columns keeps its places."""


@dataclass(frozen=True)
class RunMark:
    status: str
    """new, open or resolved."""
    first_seen: str
    suppressed_by: str = ""
    """The accepted risk that covers the finding, if any."""


@dataclass(frozen=True)
class RunCounts:
    """A night's findings by status, the one set of counts every format shows. Each finding is counted
    once: new, reopened and open count the active ones (found, not an accepted risk), suppressed those
    found that an accepted risk covers, resolved those no longer found, carried those whose rule could not
    judge their object. Found this run: new + reopened + open + suppressed."""

    new: int = 0
    reopened: int = 0
    open: int = 0
    resolved: int = 0
    suppressed: int = 0
    carried: int = 0

    @property
    def active(self) -> int:
        return self.new + self.reopened + self.open

    def named(self) -> tuple[tuple[str, int], ...]:
        return tuple((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))


@dataclass(frozen=True)
class PastRun:
    started_at: str
    outcome: str
    findings: int
    new: int
    resolved: int
    counts: RunCounts | None = None
    """None for a run recorded before dlscan kept its counts by status."""


@dataclass(frozen=True)
class RunView:
    """What `dlscan run` knows beyond one scan: each finding's history, and the runs before this one."""

    marks: Mapping[str, RunMark]
    past: tuple[PastRun, ...] = ()
    counts: RunCounts = field(default_factory=RunCounts)


class Sink(ABC):
    """Writes a scan result to a stream. A subclass is a format: defining it is all it takes to register
    it (`dlscan.sinks.sink_classes`)."""

    name: ClassVar[str]
    """The `--format` value."""
    binary: ClassVar[bool] = False
    """Writes bytes rather than text."""

    @classmethod
    def config_key(cls) -> str:
        """The `[run]` key of the config file that names this format's file in a nightly job."""
        return cls.name

    @abstractmethod
    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        """Write `findings` (already filtered) with the context of `result`, and their history when in a run."""


def columns(run: RunView | None) -> tuple[str, ...]:
    return COLUMNS + (RUN_COLUMNS if run is not None else ()) + LATER_COLUMNS


def needs_attention(finding: Finding, run: RunView | None) -> bool:
    """Found, and not an accepted risk: in a run, a resolved finding listed once, or one an accepted risk
    covers and shown with --show-suppressed, is nothing to fix."""
    mark = run.marks.get(finding.finding_id) if run is not None else None
    return mark is None or (mark.status != "resolved" and not mark.suppressed_by)


def plan(findings: list[Finding], run: RunView | None = None) -> tuple[ToFix, ...]:
    """The objects to fix, most urgent first, from the findings that need attention."""
    return fix_plan(f for f in findings if needs_attention(f, run))


def finding_row(finding: Finding, run: RunView | None = None, ranks: Mapping[str, int] | None = None) -> dict[str, str]:
    """A finding's cells; `ranks` (object id to its place in the plan) gives its `fix_rank`, which is
    empty for a finding that needs no attention."""
    row = _row(finding)
    if run is not None:
        mark = run.marks[finding.finding_id]
        row.update(status=mark.status, first_seen=mark.first_seen, suppressed_by=mark.suppressed_by)
    cells = {name: "" if n is None else str(n) for name, n in finding_numbers(finding, run, ranks).items()}
    # In LATER_COLUMNS' order, which the JSON keeps too.
    row.update(severity_rank=cells["severity_rank"], evidence_count=cells["evidence_count"])
    row.update(owner=finding.owner, owner_state=finding.owner_state, fix_rank=cells["fix_rank"])
    return row


def finding_numbers(
    finding: Finding, run: RunView | None = None, ranks: Mapping[str, int] | None = None
) -> dict[str, int | None]:
    """The cells that are numbers (text in CSV, numbers in JSON): `severity_rank`, 1 for the worst, so that
    a spreadsheet sorts on it without knowing the words; `evidence_count`; `fix_rank` (`fix_rank`)."""
    return {
        "severity_rank": Severity.CRITICAL.rank - finding.severity.rank + 1,
        "evidence_count": len(finding.evidence),
        "fix_rank": fix_rank(finding, run, ranks or {}),
    }


def fix_rank(finding: Finding, run: RunView | None, ranks: Mapping[str, int]) -> int | None:
    """The place of the finding's object in the plan; None for a finding that needs no attention."""
    return ranks.get(object_of(finding)) if needs_attention(finding, run) else None


def finding_columns(
    findings: list[Finding], run: RunView | None = None, to_fix: tuple[ToFix, ...] = ()
) -> dict[str, list[str]]:
    """`finding_row` of every finding, as a list of cells per column (`columns(run)`), turned round in C."""
    names = columns(run)
    if not findings:
        return {name: [] for name in names}
    ranks = plan_ranks(to_fix)
    rows = map(finding_row, findings, itertools.repeat(run), itertools.repeat(ranks))
    cells = zip(*map(itemgetter(*names), rows), strict=True)
    return dict(zip(names, map(list, cells), strict=True))


def _row(finding: Finding) -> dict[str, str]:
    return {
        "finding_id": finding.finding_id,
        "code": finding.code,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "list": finding.list,
        "list_address": finding.list_address,
        "list_id": finding.list_id,
        "related": finding.related,
        "detail": finding.detail,
        "path": PATH_SEPARATOR.join(finding.path),
        "remediation": finding.remediation,
        "rationale": finding.rationale,
    }
