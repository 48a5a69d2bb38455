"""The domains an AD export declares its own: the domain's DNS name, UPN suffixes, Exchange's accepted
domains, each with where it was declared."""

from __future__ import annotations

from dataclasses import dataclass, field

from dlscan.model import DomainDeclaration
from dlscan.sources.dn import dns_domain_of_dn
from dlscan.sources.ldif import LdifRecord
from dlscan.support.errors import InputError


@dataclass
class DeclaredDomains:
    origin: str
    found: dict[str, DomainDeclaration] = field(default_factory=dict)

    def collect(self, record: LdifRecord, classes: set[str]) -> None:
        if "msexchaccepteddomain" in classes:
            for name in record.texts("msexchaccepteddomainname"):
                self._declare(name, "Exchange accepted domain")
        if "domaindns" in classes:
            try:
                name = dns_domain_of_dn(record.dn)
            except ValueError as exc:
                raise InputError(self.origin, f"the domain's DN cannot be read: {exc}", record.line) from None
            if name:
                self._declare(name, "domain DNS name")
        for name in record.texts("upnsuffixes"):
            self._declare(name, "UPN suffix")

    def _declare(self, name: str, origin: str) -> None:
        name = name.strip().lower()
        include_subdomains = name.startswith("*.")
        name = name.removeprefix("*.")
        if not name:
            return
        known = self.found.get(name)
        if known is not None:
            if origin in known.origin:
                return
            origin = f"{known.origin}, {origin}"
            include_subdomains = include_subdomains or known.include_subdomains
        self.found[name] = DomainDeclaration(name=name, origin=origin, include_subdomains=include_subdomains)
