"""Internal domains as declared: merged from the source, the config and the command line."""

from __future__ import annotations

from collections.abc import Iterable

from dlscan.model import DomainDeclaration
from dlscan.support.errors import UsageError


def merge_domains(declarations: Iterable[DomainDeclaration]) -> tuple[DomainDeclaration, ...]:
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
    return tuple(sorted(merged.values(), key=lambda d: d.name))


def parse_domain_option(value: str, origin: str) -> DomainDeclaration:
    """Turn `example.org` or `*.example.org` (subdomains too) into a declaration."""
    name = value.strip().lower().rstrip(".")
    include_subdomains = name.startswith("*.")
    name = name.removeprefix("*.").removeprefix("@")
    if not name or "." not in name or any(c in name for c in " @/\\*"):
        raise UsageError(f"{value!r} is not a mail domain (expected e.g. example.org or *.example.org)")
    return DomainDeclaration(name=name, origin=origin, include_subdomains=include_subdomains)
