"""Dynamic lists: what an Exchange dynamic distribution list's filter lets in."""

from __future__ import annotations

from collections.abc import Iterator

from dlscan.boundary import Audience
from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.findings import Finding, Picture
from dlscan.model import DistributionList, ListKind, Recipient

_SHOWN_CLAUSES = 3


class DynamicAdmitsExternal(Check):
    """DL021: a dynamic list whose filter lets in outside recipients (mail contacts, mail users).

    Everyone the filter selects gets the list's mail, and every outside contact added later under its
    base joins without anyone deciding it. The finding quotes the clause of the filter that let them in,
    so the fix is a change to that clause, not to members.
    """

    code = "DL021"
    picture = Picture.CHAIN
    slug = "dynamic-admits-external"
    reports_outsiders = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        recipients = ctx.snapshot.recipients
        for group in ctx.mail_lists:
            if group.kind is not ListKind.DYNAMIC or not group.admitted_by:
                continue
            clauses: list[tuple[str, list[str]]] = []
            for admission in group.admitted_by:
                outside = [m for m in admission.members if ctx.audience(m) is Audience.EXTERNAL]
                if outside:
                    clauses.append((admission.clause, outside))
            if clauses:
                # In the order of people's labels, not of the source: the DC and its export list entries apart.
                found = sorted({m: recipients[m] for _, members in clauses for m in members}.values(), key=_by_label)
                yield self._finding(ctx, group, clauses, found)

    def _finding(self, ctx: ScanContext, group: DistributionList, clauses: list, found: list) -> Finding:
        quoted = "; ".join(
            f"{clause} lets in {plural(len(members), 'external recipient')}"
            for clause, members in clauses[:_SHOWN_CLAUSES]
        )
        more = f"; and {len(clauses) - _SHOWN_CLAUSES} more clauses" if len(clauses) > _SHOWN_CLAUSES else ""
        return self.finding(
            ctx,
            group,
            related=clauses[0][0],
            detail=(
                f"The list's filter selects {plural(len(found), 'external recipient')}, e.g. "
                f"{ctx.describe(found[0])}: {quoted}{more}."
            ),
            path=(group.id, found[0].id),
            evidence=ctx.recipients_evidence(group.id, found),
            remedy=(
                f"Here: change the part of the recipient filter that {clauses[0][0]} stands for so that it no longer "
                "selects them, or narrow the list to mailboxes (Set-DynamicDistributionGroup -IncludedRecipients "
                "MailboxUsers; for a custom RecipientFilter, add -and (RecipientType -eq 'UserMailbox'))."
            ),
        )


def _by_label(recipient: Recipient) -> tuple[str, str]:
    return recipient.label.casefold(), recipient.label
