"""Everything the HTML report shows, as plain values: overview, the lists to fix first, trend, finding cards."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from dlscan import __version__
from dlscan.checks import pictures
from dlscan.findings import Finding, Picture, Severity, ToFix, worst_first
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import PastRun, RunCounts, RunView, needs_attention, plan
from dlscan.sinks.report.diagram import Diagram, chain_diagram
from dlscan.sinks.report.pairs import Pair, confusable_pair

FIX_FIRST = 10
"""How many objects the report leads with."""
TREND_WIDTH, TREND_HEIGHT = 640, 120


@dataclass(frozen=True)
class Card:
    finding: Finding
    anchor: str
    status: str
    first_seen: str
    suppressed_by: str
    diagram: Diagram | None
    pair: Pair | None


@dataclass(frozen=True)
class ToFixRow:
    item: ToFix
    anchor: str
    """The card of its worst finding."""


@dataclass(frozen=True)
class TrendBar:
    label: str
    active: int
    """Found that night and not an accepted risk (before counts were kept: every finding found)."""
    counts: str
    """The night's counts by status, as words."""
    x: float
    height: float


@dataclass(frozen=True)
class Report:
    generated_by: str
    source: str
    collected_at: str
    total: int
    counts: tuple[tuple[Severity, int], ...]
    rules: tuple[tuple[str, str, int, Severity], ...]
    fix_first: tuple[ToFixRow, ...]
    """The few objects to fix first, and how many there are in all."""
    to_fix: int
    cleared: int
    """How many findings the objects to fix first hold."""
    total_to_fix: int
    """How many findings need attention."""
    trend: tuple[TrendBar, ...]
    cards: tuple[Card, ...]
    notes: tuple[str, ...]
    completeness: str
    """What the source left uncertain of its own wholeness; empty when it showed itself whole."""
    boundary: tuple[str, ...]
    domains: tuple[str, ...]
    lists: int
    recipients: int
    in_run: bool
    run_counts: tuple[tuple[str, int], ...] = ()
    """The night's counts by status, the same in every format of the run."""


def build_report(result: ScanResult, findings: list[Finding], run: RunView | None) -> Report:
    to_fix = plan(findings, run)
    ordered = worst_first(findings, to_fix)
    # In a run the overview counts what needs attention, as the run's counts do: not the resolved findings
    # listed once, nor accepted risks shown with --show-suppressed. The cards below list them all.
    active = [f for f in ordered if needs_attention(f, run)]
    summary = result.summary
    counts = Counter(f.severity for f in active)
    drawn = pictures()
    return Report(
        generated_by=f"dlscan {__version__}",
        source=summary.source.name,
        collected_at=summary.source.collected_at or "",
        total=len(ordered),
        counts=tuple((s, counts.get(s, 0)) for s in reversed(Severity)),
        rules=_rules(active),
        fix_first=tuple(map(_fix_row, to_fix[:FIX_FIRST])),
        to_fix=len(to_fix),
        cleared=sum(len(item.findings) for item in to_fix[:FIX_FIRST]),
        total_to_fix=len(active),
        trend=_trend(run),
        cards=tuple(_card(f, run, drawn.get(f.code, Picture.NONE)) for f in ordered),
        notes=summary.notes,
        completeness=summary.source.doubt() or "",
        boundary=summary.boundary,
        domains=tuple(("*." if d.include_subdomains else "") + d.name for d in summary.internal_domains),
        lists=summary.lists,
        recipients=summary.recipients,
        in_run=run is not None,
        run_counts=run.counts.named() if run is not None else (),
    )


def anchor_of(finding: Finding) -> str:
    return f"f-{finding.finding_id}"


def _card(finding: Finding, run: RunView | None, picture: Picture) -> Card:
    mark = run.marks.get(finding.finding_id) if run is not None else None
    pair = confusable_pair(finding.list, finding.related) if picture is Picture.PAIR and finding.related else None
    diagram = chain_diagram(finding.path) if picture is Picture.CHAIN or len(finding.path) > 2 else None
    return Card(
        finding=finding,
        anchor=anchor_of(finding),
        status=mark.status if mark else "",
        first_seen=mark.first_seen if mark else "",
        suppressed_by=mark.suppressed_by if mark else "",
        diagram=diagram,
        pair=pair,
    )


def _rules(findings: list[Finding]) -> tuple[tuple[str, str, int, Severity], ...]:
    by_rule: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[(finding.code, finding.rule)].append(finding)
    return tuple(
        (code, rule, len(group), max((f.severity for f in group), key=lambda s: s.rank))
        for (code, rule), group in sorted(by_rule.items())
    )


def _fix_row(item: ToFix) -> ToFixRow:
    return ToFixRow(item, anchor_of(item.findings[0]))


def _trend(run: RunView | None) -> tuple[TrendBar, ...]:
    """One bar per successful run, the last being this one, as tall as its active findings and titled with
    its counts by status; nothing without a history."""
    if run is None or not run.past:
        return ()
    points = [(p.started_at[:10], *_counted(p.counts, p)) for p in run.past if p.outcome == "ok"][-29:]
    points.append(("this run", *_counted(run.counts, None)))
    highest = max(p[1] for p in points) or 1
    step = TREND_WIDTH / len(points)
    return tuple(
        TrendBar(label, active, words, i * step, round((TREND_HEIGHT - 20) * active / highest, 1))
        for i, (label, active, words) in enumerate(points)
    )


def _counted(counts: RunCounts | None, past: PastRun | None) -> tuple[int, str]:
    if counts is None and past is not None:  # a run recorded before dlscan kept its counts by status
        return past.findings, f"{past.findings} findings, {past.new} new, {past.resolved} resolved"
    counts = counts or RunCounts()
    return counts.active, ", ".join(f"{n} {name}" for name, n in counts.named())
