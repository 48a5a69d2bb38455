"""New, open or resolved: this run's findings against the open findings of the history.

A finding disappears only when its rule judged its object again and did not find it. A finding whose
rule could not judge its list or recipient this time (the source did not give the facts it needs, as
the scan's coverage records) is carried open, neither seen nor resolved: a blind spot must never read
as a fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from dlscan.findings import Coverage, Finding
from dlscan.operations.history.store import KnownFinding
from dlscan.operations.suppressions import Suppression
from dlscan.sinks.base import RunCounts


class Status(StrEnum):
    NEW = "new"
    """Never seen before."""
    REOPENED = "reopened"
    """Resolved in an earlier run, and found again: a fix that did not hold."""
    OPEN = "open"
    """Open before, and found again."""
    RESOLVED = "resolved"
    """Open before; its rule judged its object again and no longer finds it."""

    @property
    def arrived(self) -> bool:
        """News this run: new, or back after it was resolved."""
        return self in (Status.NEW, Status.REOPENED)


@dataclass(frozen=True)
class Tracked:
    finding: Finding
    status: Status
    first_seen: str
    suppression: Suppression | None = None

    @property
    def active(self) -> bool:
        """Needs attention: seen this run and not an accepted risk."""
        return self.status is not Status.RESOLVED and self.suppression is None


@dataclass(frozen=True)
class Lifecycle:
    tracked: tuple[Tracked, ...]
    carried: tuple[str, ...]
    """Ids of open findings whose rule could not judge their object this run."""

    def with_status(self, status: Status) -> list[Tracked]:
        return [t for t in self.tracked if t.status is status]

    def counts(self) -> RunCounts:
        """The night's counts, each finding in one of them (see RunCounts)."""
        active = Counter(t.status for t in self.tracked if t.status is Status.RESOLVED or t.suppression is None)
        return RunCounts(
            new=active[Status.NEW],
            reopened=active[Status.REOPENED],
            open=active[Status.OPEN],
            resolved=active[Status.RESOLVED],
            suppressed=sum(1 for t in self.tracked if t.status is not Status.RESOLVED and t.suppression is not None),
            carried=len(self.carried),
        )


def classify(
    current: Iterable[Finding],
    known_open: dict[str, KnownFinding],
    known_resolved: Collection[str],
    first_seen: dict[str, str],
    coverage: Callable[[str], Coverage],
    now: str,
    suppressed: dict[str, Suppression],
) -> Lifecycle:
    tracked: list[Tracked] = []
    seen: set[str] = set()
    for finding in current:
        seen.add(finding.finding_id)
        if finding.finding_id in known_open:
            status = Status.OPEN
        else:
            status = Status.REOPENED if finding.finding_id in known_resolved else Status.NEW
        # first_seen is when the finding's present spell began: a reopened one starts again now.
        since = first_seen.get(finding.finding_id, now) if status is Status.OPEN else now
        tracked.append(Tracked(finding, status, since, suppressed.get(finding.finding_id)))
    carried = []
    for fingerprint, known in known_open.items():
        if fingerprint in seen:
            continue
        if not coverage(known.finding.code).judged(known.finding.list_id):
            carried.append(fingerprint)
            continue
        tracked.append(Tracked(known.finding, Status.RESOLVED, known.first_seen))
    return Lifecycle(tuple(tracked), tuple(sorted(carried)))
