"""Everything the HTML report shows, as plain values: overview, riskiest lists, trend, finding cards."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from dlscan import __version__
from dlscan.checks import pictures
from dlscan.findings import Finding, Picture, Severity, worst_first
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import PastRun, RunCounts, RunMark, RunView
from dlscan.sinks.report.diagram import Diagram, chain_diagram
from dlscan.sinks.report.pairs import Pair, confusable_pair

_WEIGHT = {Severity.CRITICAL: 16, Severity.HIGH: 8, Severity.MEDIUM: 4, Severity.LOW: 2, Severity.INFO: 1}
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
class ListRisk:
    name: str
    address: str
    anchor: str
    score: int
    worst: Severity
    findings: int


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
    riskiest: tuple[ListRisk, ...]
    trend: tuple[TrendBar, ...]
    cards: tuple[Card, ...]
    notes: tuple[str, ...]
    boundary: tuple[str, ...]
    domains: tuple[str, ...]
    lists: int
    recipients: int
    in_run: bool
    run_counts: tuple[tuple[str, int], ...] = ()
    """The night's counts by status, the same in every format of the run."""


def build_report(result: ScanResult, findings: list[Finding], run: RunView | None) -> Report:
    ordered = worst_first(findings)
    # In a run the overview counts what needs attention, as the run's counts do: not the resolved findings
    # listed once, nor accepted risks shown with --show-suppressed. The cards below list them all.
    active = ordered if run is None else [f for f in ordered if _active(run.marks.get(f.finding_id))]
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
        riskiest=_riskiest(active),
        trend=_trend(run),
        cards=tuple(_card(f, run, drawn.get(f.code, Picture.NONE)) for f in ordered),
        notes=summary.notes,
        boundary=summary.boundary,
        domains=tuple(("*." if d.include_subdomains else "") + d.name for d in summary.internal_domains),
        lists=summary.lists,
        recipients=summary.recipients,
        in_run=run is not None,
        run_counts=run.counts.named() if run is not None else (),
    )


def _active(mark: RunMark | None) -> bool:
    return mark is None or (mark.status != "resolved" and not mark.suppressed_by)


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


def _riskiest(findings: list[Finding], top: int = 10) -> tuple[ListRisk, ...]:
    by_list: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_list[finding.list_id or finding.list].append(finding)
    risks = []
    for group in by_list.values():
        worst = max(group, key=lambda f: f.severity.rank)
        risks.append(ListRisk(worst.list, worst.list_address, anchor_of(worst),
                              sum(_WEIGHT[f.severity] for f in group), worst.severity, len(group)))  # fmt: skip
    risks.sort(key=lambda r: (-r.score, -r.worst.rank, r.name.casefold()))
    return tuple(risks[:top])


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
