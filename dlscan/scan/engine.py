"""One scan: snapshot in, findings and a summary out. No I/O happens here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter, countOf

from dlscan.boundary import Audience, Boundary, TrustedPartner
from dlscan.boundary.fit import checked_fit, organisation_fit
from dlscan.checks import ScanContext, build_checks
from dlscan.checks.base import Check, plural
from dlscan.checks.rulepack import RulePack
from dlscan.findings import Coverage, Finding, Severity, stable_order
from dlscan.graph import MembershipGraph
from dlscan.model import Completeness, DomainDeclaration, RecipientKind, Snapshot, SourceInfo
from dlscan.scan.parallel import PARALLEL_FROM, run_checks
from dlscan.support.memory import collector_paused

_KIND = attrgetter("kind")


@dataclass(frozen=True)
class ScanSummary:
    source: SourceInfo
    lists: int
    mail_lists: int
    recipients: int
    internal_domains: tuple[DomainDeclaration, ...]
    notes: tuple[str, ...]
    """What the scan could not judge, so that nobody reads its silence as a clean bill: the source's own
    notes, then a sentence for each rule's coverage that is not complete."""
    rule_files: tuple[str, ...]
    boundary: tuple[str, ...] = ()
    """Boundary settings that changed what the scan reports (organisation, trusted partners), for reviewers."""
    coverage: tuple[Coverage, ...] = ()
    """What each rule could not judge, as data, in rule order: only the rules that left something unjudged."""
    rules_run: tuple[str, ...] = ()
    """The codes of the rules that ran, in rule order."""
    boundary_doubt: str | None = None
    """Why the scan's organisation boundary looks wrong (it claims a sliver of the directory), if it does: a
    nightly run treats that as a failed collection. Also among `boundary`, so every output shows it."""

    @property
    def source_whole(self) -> bool:
        """False when the source may be cut short: then no rule judged anything for certain."""
        return self.source.completeness is not Completeness.UNPROVEN

    def clean_rules(self, findings: Iterable[Finding]) -> tuple[str, ...]:
        """The rules that ran, judged everything and found nothing: what makes a short report believable."""
        if not self.source_whole:
            return ()
        fired = {f.code for f in findings}
        unjudged = {c.code for c in self.coverage}
        return tuple(code for code in self.rules_run if code not in fired and code not in unjudged)

    def coverage_of(self, code: str) -> Coverage:
        """The rule's coverage: complete unless the scan recorded otherwise, or the source may be cut short."""
        if not self.source_whole:
            return Coverage(code, everything=True, reason=self.source.doubt() or "")
        return next((c for c in self.coverage if c.code == code), Coverage(code))

    def counts(self, findings: Iterable[Finding]) -> dict[Severity, int]:
        tally = Counter(f.severity for f in findings)
        return {s: tally.get(s, 0) for s in reversed(Severity)}


@dataclass(frozen=True)
class ScanResult:
    findings: tuple[Finding, ...]
    summary: ScanSummary

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


def run_scan(
    snapshot: Snapshot,
    extra_domains: Iterable[DomainDeclaration],
    pack: RulePack,
    *,
    parallel_from: int = PARALLEL_FROM,
) -> ScanResult:
    boundary = Boundary.for_snapshot(snapshot, extra_domains, pack.boundary)
    # Built by the first rule that needs it, with the collector paused as the rules run: when the rules
    # that run apart do so in a forked process (they do not need it), after forking and in this process only.
    graph = MembershipGraph(snapshot, deferred=True)
    ctx = ScanContext(snapshot=snapshot, graph=graph, boundary=boundary, settings=pack.settings)
    findings: list[Finding] = []
    notes = list(snapshot.notes)
    # Refused before any rule runs: a boundary that matches nobody would leave every list out, and report a
    # clean directory.
    fit = checked_fit(organisation_fit(boundary, snapshot.recipients, ctx.classifications))
    doubt = fit.doubt() if fit is not None else None
    checks = build_checks(pack)
    # The rules build millions of short-lived objects (name forms, candidate sets) and no cycles worth
    # chasing: with the collector running, it walked them again and again (16 s of DL006 at 1M recipients).
    with collector_paused(settle=True):
        for found in run_checks(checks, ctx, parallel_from=parallel_from):
            findings.extend(found)
    own = [check.coverage(ctx) for check in checks]
    full = (check.full_coverage(ctx, mine) for check, mine in zip(checks, own, strict=True))
    coverage = tuple(c for c in full if not c.complete)
    # Each rule's own reason is a note; the lists whose members are unknown are one note for all rules.
    notes.extend(c.reason for c in own if c.reason and c.reason not in notes)
    notes.extend(members_unknown_note(ctx, checks))
    unresolved = countOf(map(_KIND, snapshot.recipients.values()), RecipientKind.UNRESOLVED)  # in C: a million in 10 ms
    summary = ScanSummary(
        source=snapshot.source,
        lists=len(snapshot.lists),
        mail_lists=len(ctx.mail_lists),
        recipients=len(snapshot.recipients) - unresolved,
        internal_domains=boundary.domains,
        notes=tuple(notes),
        rule_files=pack.files,
        boundary=(*boundary_notes(ctx), *((doubt,) if doubt else ())),
        coverage=coverage,
        rules_run=tuple(check.code for check in checks),
        boundary_doubt=doubt,
    )
    return ScanResult(findings=tuple(stable_order(findings)), summary=summary)


def members_unknown_note(ctx: ScanContext, checks: list[Check]) -> list[str]:
    """One sentence on the lists whose members the source could not read, and the rules left unjudged."""
    unknown = ctx.cache.members_unknown & ctx.cache.scanned_ids
    if not unknown:
        return []
    lists = ctx.snapshot.lists
    hidden = sorted((x.label for i in ctx.cache.members_unknown if not (x := lists[i]).members_known), key=str.casefold)
    shown = ", ".join(f"'{name}'" for name in hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
    nesting = sum(1 for i in unknown if lists[i].members_known)
    around = f", and the {plural(nesting, 'list')} nesting them," if nesting else ""
    codes = ", ".join(check.code for check in checks if check.judges_members)
    notes = [
        f"The source could not read every member of {plural(len(hidden), 'list')} ({shown}): {codes} report "
        f"what was seen; these lists{around} are left unjudged, never called clean."
    ]
    gaps = sorted(
        (x for i in ctx.cache.members_unknown if (x := lists[i]).filter_gap), key=lambda x: x.label.casefold()
    )
    if gaps:
        said = "; ".join(
            f"'{x.label}': {x.filter_gap.clause + ' ' if x.filter_gap.clause else ''}({x.filter_gap.reason})"  # type: ignore[union-attr]
            for x in gaps[:3]
        )
        more = f"; and {len(gaps) - 3} more" if len(gaps) > 3 else ""
        notes.append(f"dlscan could not evaluate the filter of {plural(len(gaps), 'dynamic list')}: {said}{more}.")
    return notes


def boundary_notes(ctx: ScanContext) -> list[str]:
    """The boundary settings that change what the scan reports, so that reviewers see them in every output."""
    notes = []
    own = ctx.boundary.own
    if own is not None:
        tests = [f"{own.attribute} {' or '.join(repr(v) for v in own.values)}"] if own.attribute else []
        tests += [f"under {ou}" for ou in own.ous] + [f"a member of '{g}'" for g in own.groups]
        all_lists = sum(1 for x in ctx.snapshot.lists.values() if x.mail_enabled)
        notes.append(
            f"Scanned for the organisation '{own.name}' ({'; '.join(tests)}): others in the directory count as "
            f"external, and {all_lists - len(ctx.mail_lists)} of {all_lists} mail-enabled lists, which neither "
            "reach nor are owned by its people, were left out (DL005 still compares its lists with those in "
            "the shared address book)."
        )
    partners = ctx.boundary.settings.partners
    applied: dict[TrustedPartner, list[str]] = {partner: [] for partner in partners}
    for group in ctx.mail_lists if partners else ():
        external = ctx.reach_by_audience(group.id, Audience.EXTERNAL)
        partner = ctx.trusted_partner(group, external) if external else None
        if partner is not None:
            applied[partner].append(group.label)
    for partner, names in applied.items():
        shown = ", ".join(f"'{name}'" for name in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        notes.append(
            f"Trusted partner {partner.describe()}. "
            + (f"It accounts for every external recipient of {shown}." if names else "It applied to no list.")
        )
    return notes
