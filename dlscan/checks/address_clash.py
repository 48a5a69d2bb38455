"""Lists that share an SMTP address: mail to it reaches one of them, and nobody can say which."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from dlscan.boundary import Audience
from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.findings import Evidence, Finding, Severity
from dlscan.model import DistributionList


class SharedAddress(Check):
    """DL018: two or more mail-enabled lists hold the same SMTP address (primary or secondary, compared
    without case). A directory that accepts it, or two directories merged into one export, deliver mail
    for that address to one of them; which one is the mail system's choice, not the sender's. One
    finding per address, on the list whose name sorts first; the others are `related` and evidence.
    Severity rises to `sensitive_severity` when a name is sensitive, and to critical when one of them
    reaches outside and another does not."""

    code = "DL018"
    slug = "shared-address"
    judges_members = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        holders: dict[str, dict[str, DistributionList]] = defaultdict(dict)
        for group in ctx.mail_lists:
            for address in {a.casefold() for a in (*group.addresses, group.primary_address or "") if "@" in a}:
                holders[address][group.id] = group
        for address, by_id in sorted(holders.items()):
            if len(by_id) < 2:
                continue
            groups = sorted(by_id.values(), key=lambda g: (g.label.casefold(), g.id))
            first, others = groups[0], groups[1:]
            outside = [g for g in groups if ctx.count_by_audience(g.id, Audience.EXTERNAL)]
            severity = self.severity(ctx, first)
            if any(ctx.is_sensitive(g) for g in others):
                severity = self.config.severity_for(True)
            audience = ""
            if outside and len(outside) < len(groups):
                severity = Severity.CRITICAL
                audience = (
                    f" Only some of them reach outside ({', '.join(repr(g.label) for g in outside)}), so the"
                    f" same address may deliver outside or not."
                )
            names = ", ".join(f"'{g.label}'" for g in others)
            detail = (
                f"{plural(len(groups), 'list')} hold the address {address}: '{first.label}' and {names}. Mail to"
                f" it reaches one of them, chosen by the mail system, not by the sender.{audience}"
            )
            yield self.finding(
                ctx,
                first,
                severity=severity,
                related=others[0].label,
                key=address,
                detail=detail,
                identity=address,
                evidence=tuple(
                    Evidence(subject=g.label, subject_id=g.id, note=g.primary_address or "") for g in others
                ),
            )
