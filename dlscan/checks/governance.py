"""Governance: who may send to a list, who owns it, and whether its members still exist."""

from __future__ import annotations

from collections.abc import Iterator

from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.findings import Coverage, Evidence, Finding
from dlscan.model import RecipientKind


class OpenToExternalSenders(Check):
    """DL009: a list that accepts mail from unauthenticated senders, where the source says so.

    Lists whose setting the source cannot see are not judged either way; the report says how many.
    """

    code = "DL009"
    slug = "open-to-external-senders"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            if group.accepts_external_senders is not True:
                continue
            size = len(ctx.receiving(group.id))
            yield self.finding(
                ctx,
                group,
                detail=(
                    "Anyone outside the organisation can send to this list without authenticating, "
                    f"reaching {plural(size, 'recipient')}."
                ),
            )

    def coverage(self, ctx: ScanContext) -> Coverage:
        unknown = frozenset(g.id for g in ctx.mail_lists if g.accepts_external_senders is None)
        reason = (
            f"DL009: the source does not say whether {plural(len(unknown), 'list')} "
            f"{'accepts' if len(unknown) == 1 else 'accept'} outside senders "
            "(Microsoft Graph never does, nor an export without Exchange's attributes; `dlscan import exchange` "
            "adds what Exchange says)."
        )
        return Coverage(self.code, unknown, reason=reason if unknown else "")


class NoOwner(Check):
    """DL013: a list with no owner, or whose only owners are disabled or cannot be found."""

    code = "DL013"
    slug = "no-owner"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        recipients = ctx.snapshot.recipients
        for group in ctx.mail_lists:
            state = ctx.owner_state(group)  # an owner that is a list, or any active owner, will do
            if state == "none":
                yield self.finding(ctx, group, detail="The list has no owner (managedBy is empty).")
            if state != "inactive":
                continue
            names = ", ".join(recipients[o].label for o in group.owners if o in recipients)  # type: ignore[union-attr]
            yield self.finding(
                ctx,
                group,
                related=names,
                detail=f"Every owner of the list is disabled or cannot be found: {names}.",
            )

    def coverage(self, ctx: ScanContext) -> Coverage:
        unknown = frozenset(g.id for g in ctx.mail_lists if g.owners is None)
        reason = (
            f"DL013: the source does not name the owners of {plural(len(unknown), 'list')} "
            "(`dlscan import exchange` adds Exchange's ManagedBy)."
        )
        return Coverage(self.code, unknown, reason=reason if unknown else "")


class PausedMembershipRule(Check):
    """DL020: a dynamic list whose membership rule has been paused, so its members no longer follow it.

    Microsoft 365 lets an admin pause a dynamic group's rule; the members then stay as they were. People
    who left the rule's scope (a move, a leaver, a partner's guest) keep receiving the list's mail.
    """

    code = "DL020"
    slug = "paused-membership-rule"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            if group.membership_rule is None or group.membership_rule_paused is not True:
                continue
            size = len(ctx.receiving(group.id))
            chosen = "the members" if ctx.members_unknown(group.id) else f"the {plural(size, 'recipient')}"
            yield self.finding(
                ctx,
                group,
                related=group.membership_rule,
                detail=(
                    f"The list's dynamic membership rule, {group.membership_rule}, is paused: it reaches "
                    f"{chosen} the rule chose when it stopped, not those it would choose now."
                ),
            )

    def coverage(self, ctx: ScanContext) -> Coverage:
        if ctx.snapshot.source.from_active_directory:
            reason = (
                "Active Directory's dynamic lists follow their filters and cannot be paused (a Microsoft 365 "
                "dynamic group's rule can); DL020 was not evaluated."
            )
            return Coverage(self.code, everything=True, reason=reason)
        unknown = frozenset(
            g.id for g in ctx.mail_lists if g.membership_rule is not None and g.membership_rule_paused is None
        )
        reason = f"DL020: the source does not say whether the rules of {plural(len(unknown), 'dynamic list')} run."
        return Coverage(self.code, unknown, reason=reason if unknown else "")


class StaleMembers(Check):
    """DL015: disabled accounts, or member references that cannot be resolved, among direct members."""

    code = "DL015"
    slug = "stale-members"
    fixed_in_members = True
    judges_members = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        recipients = ctx.snapshot.recipients
        # Few recipients are stale: found once, then each list's members are tested against them in C.
        stale_ids = frozenset(
            r.id
            for r in recipients.values()
            if r.kind in _STALE_KINDS or (r.enabled is False and r.kind is RecipientKind.USER)
        )
        for group in ctx.mail_lists:
            if stale_ids.isdisjoint(group.members):
                continue
            stale = sorted(
                (recipients[m] for m in group.members if m in stale_ids),
                key=lambda r: (r.label.casefold(), r.id),
            )
            counts: dict[str, int] = {}
            for member in stale:
                reason = _stale_reason(member)
                counts[reason] = counts.get(reason, 0) + 1
            summary = " and ".join(plural(n, reason, _PLURAL_OF[reason]) for reason, n in sorted(counts.items()))
            # One reason is said once, in the summary; several are said member by member.
            shown = ", ".join(m.label if len(counts) == 1 else f"{m.label} ({_stale_reason(m)})" for m in stale[:5])
            more = f" and {len(stale) - 5} more" if len(stale) > 5 else ""
            yield self.finding(
                ctx,
                group,
                related=stale[0].label,
                detail=f"Direct members include {summary}: {shown}{more}.",
                evidence=tuple(Evidence(m.label, m.id, note=_stale_reason(m)) for m in stale),
            )


_STALE_KINDS = {
    RecipientKind.UNRESOLVED: "unresolvable reference",
    RecipientKind.PRINCIPAL: "foreign security principal",
    RecipientKind.OBJECT: "object without a mailbox",
}
"""Kinds that are stale whatever else is known of them, and why; a user is stale when disabled."""
_PLURAL_OF = {
    "unresolvable reference": "unresolvable references",
    "foreign security principal": "foreign security principals",
    "object without a mailbox": "objects without a mailbox",
    "object of unknown type": "objects of unknown type",
    "disabled account": "disabled accounts",
}
"""Each reason's plural, said once: not every reason takes its plural at the end."""


def _stale_reason(recipient) -> str:
    if recipient.kind is RecipientKind.OBJECT and recipient.primary_address:
        return "object of unknown type"  # it has an address, so it may have a mailbox: nobody can say
    if recipient.kind in _STALE_KINDS:
        return _STALE_KINDS[recipient.kind]
    if recipient.kind is RecipientKind.USER and recipient.enabled is False:
        return "disabled account"
    return ""
