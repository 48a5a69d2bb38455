"""Namesakes: an outsider who shares an insider's name, and nothing else.

At a million recipients most common names are held by staff and by partners' contacts alike: the
enterprise export gave 37,095 such findings, three contacts in four. Sharing a name is not imitating
one. The hazard is the address book showing two identical entries, and its fix is the same for every
contact of one organisation: its name in their display names ("John Smith (Acme)"). So a namesake is
reported once per outside domain, on its first contact, with the others listed, and at the rule's
`namesake_severity`. A contact whose name carries such a qualifier already is told apart, and is not
reported. An outsider whose name hides look-alike letters, or whose address imitates too, is no
namesake: it stays an imitation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from dlscan.checks.base import RecipientCheck, plural
from dlscan.checks.context import ScanContext
from dlscan.checks.likeness import explain, hidden_characters
from dlscan.findings import Evidence, Finding
from dlscan.matching.similar import Match
from dlscan.model import Recipient

_QUALIFIED = re.compile(r"\S\s*\([^()]*[^()\s][^()]*\)\s*$")
"""A display name that ends with a parenthesised qualifier: "John Smith (Acme)"."""

Namesake = tuple[Recipient, Recipient, Match]
"""(the outsider, the internal user whose name it shares, how the names match)."""


def is_namesake(outsider: Recipient, target: object, fields: set[str]) -> bool:
    """Matched to a user by its name alone, a name written in plain letters."""
    return isinstance(target, Recipient) and fields == {"name"} and not hidden_characters(outsider.display_name)


def told_apart(display_name: str) -> bool:
    return _QUALIFIED.search(display_name) is not None


def namesake_findings(
    check: RecipientCheck, ctx: ScanContext, by_domain: Mapping[str, Sequence[Namesake]]
) -> Iterator[Finding]:
    """One finding per outside domain, on its first namesake by name; its id is the domain's, so that
    it stays the same finding as namesakes come and go."""
    severity = check.config.params["namesake_severity"]
    for domain in sorted(by_domain):
        group = sorted(by_domain[domain], key=lambda n: (n[0].display_name.casefold(), n[0].id))
        outsider, user, match = group[0]
        what = "guest" if outsider.guest else outsider.kind.value
        detail = (
            f"The external {what} '{outsider.display_name}' <{outsider.primary_address}> shares the name of the "
            f"internal user '{user.display_name}' <{user.primary_address or 'no address'}>: "
            f"{explain(outsider.display_name, user.display_name, match)}. The address book shows them alike; "
            f"the organisation in the {what}'s display name tells them apart (e.g. "
            f"'{outsider.display_name} ({domain})')."
        )
        if len(group) > 1:
            others = plural(len(group) - 1, "other outsider")
            detail += (
                f" {others} at {domain} share names with internal users too, listed in the JSON and HTML "
                "report: one naming rule for the organisation's contacts fixes them all."
            )
        evidence = tuple(
            Evidence(
                subject=f"'{o.display_name}' <{o.primary_address}>",
                subject_id=o.id,
                note=f"shares the name of '{u.display_name}' <{u.primary_address or 'no address'}>",
            )
            for o, u, _ in group[1:]
        )
        yield check.recipient_finding(
            ctx, outsider, detail=detail, severity=severity, related=user.label,
            identity=f"namesakes|{domain}", evidence=evidence,
        )  # fmt: skip
