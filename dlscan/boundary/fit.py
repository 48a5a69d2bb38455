"""Whether an organisation's boundary fits the directory it is applied to: a boundary that matches nobody
must stop a scan, never let it report a clean directory; one that matches a sliver is doubted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dlscan.boundary.classify import Boundary
from dlscan.boundary.settings import Organisation
from dlscan.boundary.verdict import Audience, Classification
from dlscan.model import Recipient, RecipientKind, domain_of
from dlscan.support.errors import UsageError

_PEOPLE = frozenset({RecipientKind.USER, RecipientKind.CONTACT})


@dataclass(frozen=True)
class OrganisationFit:
    """How many recipients the organisation's boundary claims, against those it could."""

    organisation: Organisation
    matched: int
    """Recipients the boundary counts as the organisation's."""
    in_internal_domains: int
    """People (users, contacts) whose address is in an internal domain: everyone the boundary chooses from."""
    carrying: int | None
    """People carrying the boundary's attribute at all; None when it names none."""
    min_share: float

    def refusal(self) -> str | None:
        """The one line that stops the scan when the boundary matches nobody."""
        if self.matched:
            return None
        return f"the boundary of organisation '{self.organisation.name}' ({self._criteria()}) matches no recipient" + (
            f": {self.carrying} of {self.in_internal_domains} people in internal domains carry "
            f"{self.organisation.attribute} at all"
            if self.carrying is not None
            else f" among the {self.in_internal_domains} people in internal domains"
        ) + "; check its attribute, values, OUs and groups against the export"

    def doubt(self) -> str | None:
        """A sentence when the boundary claims a small share of the people in internal domains."""
        if not self.matched or not self.in_internal_domains:
            return None
        share = self.matched / self.in_internal_domains
        if share >= self.min_share:
            return None
        return (
            f"The boundary of organisation '{self.organisation.name}' ({self._criteria()}) matches only "
            f"{self.matched} of {self.in_internal_domains} people in internal domains ({share:.2%}, below the "
            f"boundary's min_share of {self.min_share:.2%}): check it, or lower min_share if the organisation "
            "really is that small a part of the directory."
        )

    def _criteria(self) -> str:
        own = self.organisation
        tests = [f"{own.attribute} {' or '.join(repr(v) for v in own.values)}"] if own.attribute else []
        return "; ".join(tests + [f"under {ou}" for ou in own.ous] + [f"a member of '{g}'" for g in own.groups])


def organisation_fit(
    boundary: Boundary, recipients: Mapping[str, Recipient], classifications: Mapping[str, Classification]
) -> OrganisationFit | None:
    """The fit of the boundary's own organisation, or None for a scan that is not for one."""
    own = boundary.own
    if own is None:
        return None
    matched = in_domains = carrying = 0
    for rid, recipient in recipients.items():
        if recipient.kind not in _PEOPLE:
            continue
        if classifications[rid].audience is Audience.INTERNAL:
            matched += 1
        if boundary.internal_declaration(domain_of(recipient.primary_address)) is not None:
            in_domains += 1
            carrying += own.attribute is not None and recipient.attribute(own.attribute) is not None
    return OrganisationFit(own, matched, in_domains, carrying if own.attribute else None, boundary.settings.min_share)


def checked_fit(fit: OrganisationFit | None) -> OrganisationFit | None:
    """The fit, once it is known to match someone: a boundary that matches nobody is refused (exit 2)."""
    problem = fit.refusal() if fit is not None else None
    if problem:
        raise UsageError(problem)
    return fit
