"""Recipients whose address says one thing and whose delivery another: internal-looking outsiders."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dlscan.checks.base import RecipientCheck
from dlscan.checks.context import ScanContext
from dlscan.findings import Coverage, Finding
from dlscan.model import Recipient, RecipientKind, domain_of


class AddressDeliversOutside(RecipientCheck):
    """DL016: a contact or mail user with an address in an internal domain whose mail is delivered outside.

    Its target address (where Exchange really delivers) is in a domain that is not internal, while its
    primary or another SMTP address is in an internal one. Reported once per recipient.
    """

    code = "DL016"
    slug = "address-delivers-outside"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        internal = ctx.boundary.internal_declaration
        for recipient in _in_order(r for r in ctx.snapshot.recipients.values() if r.target_address):
            target = domain_of(recipient.target_address)
            if target is None or internal(target) is not None:
                continue
            looking = [a for a in recipient.addresses or (recipient.primary_address or "",) if internal(domain_of(a))]
            if not looking or not ctx.concerns(recipient):
                continue
            yield self.recipient_finding(
                ctx,
                recipient,
                related=recipient.target_address or "",
                key=recipient.target_address or "",
                detail=(
                    f"'{recipient.display_name}' has the internal-looking address {looking[0]}, but mail to it is "
                    f"delivered to {recipient.target_address}, outside the organisation (domain {target})."
                ),
            )


class GuestWithInternalAddress(RecipientCheck):
    """DL017: a guest account whose address is in an internal domain.

    A guest is an outside identity invited in; with an internal address it looks like a colleague in
    the address book and in every list it joins, and dlscan counts it as external.
    """

    code = "DL017"
    slug = "guest-with-internal-address"

    def coverage(self, ctx: ScanContext) -> Coverage:
        if ctx.snapshot.source.from_active_directory:
            reason = "Active Directory has no guest accounts (they live in Microsoft 365); DL017 was not evaluated."
            return Coverage(self.code, everything=True, reason=reason)
        return Coverage(self.code)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        internal = ctx.boundary.internal_declaration
        for recipient in _in_order(r for r in ctx.snapshot.recipients.values() if r.guest):
            if recipient.kind is not RecipientKind.USER:
                continue
            domain = domain_of(recipient.primary_address)
            if internal(domain) is None or not ctx.concerns(recipient):
                continue
            yield self.recipient_finding(
                ctx,
                recipient,
                related=recipient.primary_address or "",
                detail=(
                    f"The guest '{recipient.display_name}' has the address {recipient.primary_address} in the "
                    f"internal domain {domain}: it looks like a colleague, but it is an outside account."
                ),
            )


def _in_order(recipients: Iterable[Recipient]) -> list[Recipient]:
    return sorted(recipients, key=lambda r: (r.label.casefold(), r.id))
