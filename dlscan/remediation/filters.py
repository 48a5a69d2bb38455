"""A dynamic list's recipient filter narrowed (DL021): the kinds of recipient that let outsiders in
(mail contacts, mail users) are left out, every other test of the filter kept."""

from __future__ import annotations

from dataclasses import dataclass

from dlscan.findings import Finding
from dlscan.model import DistributionList, Recipient, RecipientKind, RuleLanguage, Snapshot
from dlscan.remediation.steps import Action, Change, Value

_NOT_CHANGED_BY_PLAN = {
    RuleLanguage.LDAP: (
        "the list has an LDAP filter alone (no recipient filter), which Exchange's cmdlets do not change: "
        "recreate it with New-DynamicDistributionGroup -RecipientFilter"
    ),
    RuleLanguage.ENTRA: "a Microsoft 365 dynamic group's rule is changed in Entra ID (membershipRule), by hand",
    None: "the source gives no recipient filter for the list: change it in Exchange",
}


@dataclass(frozen=True)
class NarrowedFilter:
    change: Change
    left_out: int
    """Members the new filter leaves out: every mail contact or mail user of the kinds it excludes."""


def narrowed_filter(snapshot: Snapshot, finding: Finding, group: DistributionList) -> NarrowedFilter | str:
    """The change to the list's recipient filter that ends the finding, or why a person must make it."""
    rule, language = group.membership_rule, group.membership_rule_language
    if language is not RuleLanguage.OPATH or not rule:
        return _NOT_CHANGED_BY_PLAN.get(language, _NOT_CHANGED_BY_PLAN[None])
    recipients = snapshot.recipients
    outsiders = [recipients[item.subject_id] for item in finding.evidence if item.subject_id in recipients]
    if any(not _delivers_elsewhere(r) for r in outsiders):
        return "the filter selects a mailbox whose address is outside: narrow the filter by hand"
    excluded = {_excluding(r) for r in outsiders}
    narrowed = f"({rule}) -and " + " -and ".join(sorted(excluded))  # wrapped whole: a value may hold a parenthesis
    left_out = sum(1 for m in group.members if m in recipients and _left_out(recipients[m], excluded))
    change = Change(Action.NARROW_RECIPIENT_FILTER, "msExchQueryFilter", Value(rule, rule), Value(narrowed, narrowed))
    return NarrowedFilter(change, left_out)


def _excluding(recipient: Recipient) -> str:
    """The filter's test that leaves out this kind of recipient whose mail goes elsewhere."""
    if recipient.kind is RecipientKind.CONTACT:
        return "(RecipientType -ne 'MailContact')"
    return f"(RecipientTypeDetails -ne '{'GuestMailUser' if recipient.guest else 'MailUser'}')"


def _delivers_elsewhere(recipient: Recipient) -> bool:
    return recipient.kind is RecipientKind.CONTACT or bool(recipient.target_address)


def _left_out(member: Recipient, excluded: set[str]) -> bool:
    return _delivers_elsewhere(member) and _excluding(member) in excluded
