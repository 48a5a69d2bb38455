"""Who counts as internal, and why.

Every classification carries a reason a person can read, so that a finding can explain itself
("external: domain partner.org is not an internal domain").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from dlscan.errors import UsageError
from dlscan.model import DomainDeclaration, Recipient, RecipientKind, domain_of


class Audience(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    UNKNOWN = "unknown"
    """The source cannot say who this is; never counted as internal."""
    NONE = "none"
    """Has no mail address: mail to a list does not reach it."""


@dataclass(frozen=True, slots=True)
class Classification:
    audience: Audience
    reason: str


_NO_ADDRESS = Classification(Audience.NONE, "no mail address: receives no list mail")


@dataclass(frozen=True)
class DomainBoundary:
    """Internal means: the primary address is in one of the organisation's domains."""

    domains: tuple[DomainDeclaration, ...]
    _seen: dict[str, Classification] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_declarations(cls, declarations: Iterable[DomainDeclaration]) -> DomainBoundary:
        merged: dict[str, DomainDeclaration] = {}
        for declaration in declarations:
            known = merged.get(declaration.name)
            if known is None or (declaration.include_subdomains and not known.include_subdomains):
                merged[declaration.name] = declaration
        if not merged:
            raise UsageError(
                "no internal domain is known, so internal and external recipients cannot be told apart: "
                "pass --internal-domain (repeatable) or set internal_domains in the config file"
            )
        return cls(tuple(sorted(merged.values(), key=lambda d: d.name)))

    def internal_declaration(self, domain: str | None) -> DomainDeclaration | None:
        if not domain:
            return None
        domain = domain.lower()
        for declaration in self.domains:
            if domain == declaration.name:
                return declaration
            if declaration.include_subdomains and domain.endswith("." + declaration.name):
                return declaration
        return None

    def classify(self, recipient: Recipient) -> Classification:
        if recipient.kind is RecipientKind.UNRESOLVED:
            return Classification(Audience.UNKNOWN, "unknown: the member reference points at no object read")
        if recipient.kind is RecipientKind.PRINCIPAL:
            return Classification(Audience.UNKNOWN, "unknown: a foreign security principal, whose mail goes elsewhere")
        domain = domain_of(recipient.primary_address)
        if domain is None:
            return _NO_ADDRESS
        return self._by_domain(domain)

    def _by_domain(self, domain: str) -> Classification:
        """One classification per domain, shared by its recipients: a million recipients use a few hundred."""
        known = self._seen.get(domain)
        if known is None:
            declaration = self.internal_declaration(domain)
            if declaration is not None:
                known = Classification(Audience.INTERNAL, f"internal: domain {domain} ({declaration.origin})")
            else:
                known = Classification(Audience.EXTERNAL, f"external: domain {domain} is not an internal domain")
            self._seen[domain] = known
        return known


def parse_domain_option(value: str, origin: str) -> DomainDeclaration:
    """Turn `example.org` or `*.example.org` (subdomains too) into a declaration."""
    name = value.strip().lower().rstrip(".")
    include_subdomains = name.startswith("*.")
    name = name.removeprefix("*.").removeprefix("@")
    if not name or "." not in name or any(c in name for c in " @/\\*"):
        raise UsageError(f"{value!r} is not a mail domain (expected e.g. example.org or *.example.org)")
    return DomainDeclaration(name=name, origin=origin, include_subdomains=include_subdomains)
