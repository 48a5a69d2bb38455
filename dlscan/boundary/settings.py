"""How an organisation says who counts as internal: the `boundary` section of the rule pack and config.

Domain-based is the default: internal means an address in one of the organisation's domains. The
section adds what domains cannot say: which organisation of a shared directory this scan speaks for
(by attribute, OU or group), whether subdomains count, whether member users of a Microsoft 365 tenant
count whatever their domain, and which partners are trusted as the same audience on which lists.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from dlscan.findings import Severity
from dlscan.model import BOUNDARY_ATTRIBUTES, canonical_attribute


class BoundaryError(ValueError):
    """A boundary setting that cannot be used; the caller says in which file."""


@dataclass(frozen=True)
class Organisation:
    """Who belongs to one organisation of a shared directory: any one criterion is enough."""

    name: str
    attribute: str | None = None
    values: tuple[str, ...] = ()
    ous: tuple[str, ...] = ()
    """Distinguished names of OUs (or any container): objects beneath them belong."""
    groups: tuple[str, ...] = ()
    """Groups (name, address or id): their members, nesting expanded, belong."""


@dataclass(frozen=True)
class TrustedPartner:
    """Outside recipients an organisation declares to be the same audience as its own, on some lists."""

    name: str
    reason: str
    domains: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    """Other organisations of the shared directory, by their `name`."""
    lists: tuple[str, ...] = ()
    """Patterns (shell-style, case-insensitive) of list names or addresses; empty: every list."""
    severity: Severity | None = Severity.LOW
    """Severity of findings the partner alone causes; None: not reported (but counted in the notes)."""

    def covers(self, name: str, address: str | None) -> bool:
        if not self.lists:
            return True
        texts = [name.casefold(), (address or "").casefold()]
        return any(fnmatch.fnmatchcase(text, pattern.casefold()) for pattern in self.lists for text in texts)

    def describe(self) -> str:
        who = [*self.domains, *(f"organisation {o}" for o in self.organisations)]
        where = f" on lists {', '.join(self.lists)}" if self.lists else " on every list"
        level = f"reported at {self.severity.value}" if self.severity else "not reported"
        return f"'{self.name}' ({', '.join(who)}){where}, {level}: {self.reason}"


@dataclass(frozen=True)
class BoundarySettings:
    match_subdomains: bool = False
    """Subdomains of every internal domain are internal too (Exchange's accepted domain 'match subdomains')."""
    tenant_members: bool | None = None
    """Member users count as internal whatever their domain; None: for Microsoft 365 sources only."""
    organisation: str | None = None
    """The organisation this scan speaks for, by its `name` in `organisations`; None: domains decide."""
    organisations: tuple[Organisation, ...] = ()
    partners: tuple[TrustedPartner, ...] = ()
    min_share: float = 0.01
    """Below this share of the recipients in internal domains, the organisation's boundary is doubted: a
    misspelt value matches a handful. A national service, where one body is a sliver, sets it lower."""

    @property
    def own(self) -> Organisation | None:
        if self.organisation is None:
            return None
        for organisation in self.organisations:
            if organisation.name.casefold() == self.organisation.casefold():
                return organisation
        known = ", ".join(o.name for o in self.organisations) or "none is declared"
        raise BoundaryError(f"organisation {self.organisation!r} is not declared in the boundary (known: {known})")

    def overlaid(self, section: Mapping[str, Any]) -> BoundarySettings:
        """These settings with the keys `section` gives replaced (a rule pack or config over the default)."""
        return replace(self, **_parse(section))

    def for_organisation(self, name: str | None) -> BoundarySettings:
        return self if name is None else replace(self, organisation=name)


_KEYS = frozenset({"match_subdomains", "tenant_members", "organisation", "organisations", "partners", "min_share"})


def _parse(section: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(section, Mapping):
        raise BoundaryError("'boundary' must be a mapping")
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise BoundaryError(f"unknown boundary key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    values: dict[str, Any] = {}
    for key in ("match_subdomains", "tenant_members"):
        if key in section:
            if not isinstance(section[key], bool) and not (key == "tenant_members" and section[key] is None):
                raise BoundaryError(f"boundary '{key}' must be true or false")
            values[key] = section[key]
    if "min_share" in section:
        share = section["min_share"]
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise BoundaryError("boundary 'min_share' must be a share between 0 and 1 (0.01 is one in a hundred)")
        values["min_share"] = float(share)
    if "organisation" in section:
        values["organisation"] = _text(section["organisation"], "boundary 'organisation'", optional=True)
    if "organisations" in section:
        values["organisations"] = tuple(_organisation(item) for item in _items(section, "organisations"))
        names = [o.name.casefold() for o in values["organisations"]]
        if len(set(names)) != len(names):
            raise BoundaryError("two boundary organisations share a name")
    if "partners" in section:
        values["partners"] = tuple(_partner(item) for item in _items(section, "partners"))
    return values


def _items(section: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = section[key]
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise BoundaryError(f"boundary '{key}' must be a list of mappings")
    return items


def _organisation(item: Mapping[str, Any]) -> Organisation:
    _only(item, {"name", "attribute", "values", "ous", "groups"}, "organisation")
    name = _text(item.get("name"), "an organisation's 'name'")
    where = f"organisation {name!r}"
    attribute = None
    if "attribute" in item:
        attribute = canonical_attribute(_text(item["attribute"], f"'attribute' of {where}"))
        if attribute is None:
            raise BoundaryError(
                f"'attribute' of {where} must be one of companyName, department, extensionAttribute1-15 "
                f"(got {item['attribute']!r})"
            )
    values = _texts(item.get("values", []), f"'values' of {where}")
    if (attribute is None) != (not values):
        raise BoundaryError(f"{where} needs both 'attribute' and 'values', or neither")
    organisation = Organisation(
        name=name,
        attribute=attribute,
        values=values,
        ous=_texts(item.get("ous", []), f"'ous' of {where}"),
        groups=_texts(item.get("groups", []), f"'groups' of {where}"),
    )
    if not (organisation.values or organisation.ous or organisation.groups):
        raise BoundaryError(f"{where} says nothing about who belongs: give attribute and values, ous or groups")
    return organisation


def _partner(item: Mapping[str, Any]) -> TrustedPartner:
    _only(item, {"name", "reason", "domains", "organisations", "lists", "severity"}, "partner")
    name = _text(item.get("name"), "a partner's 'name'")
    where = f"partner {name!r}"
    severity: Severity | None = Severity.LOW
    if "severity" in item:
        raw = item["severity"]
        if raw in (None, "none"):
            severity = None
        else:
            try:
                severity = Severity(str(raw).lower())
            except ValueError:
                raise BoundaryError(f"'severity' of {where} must be a severity or none") from None
    partner = TrustedPartner(
        name=name,
        reason=_text(item.get("reason"), f"'reason' of {where} (why the partner is trusted, for reviewers)"),
        domains=tuple(d.lower().lstrip("@") for d in _texts(item.get("domains", []), f"'domains' of {where}")),
        organisations=_texts(item.get("organisations", []), f"'organisations' of {where}"),
        lists=_texts(item.get("lists", []), f"'lists' of {where}"),
        severity=severity,
    )
    if not (partner.domains or partner.organisations):
        raise BoundaryError(f"{where} names no 'domains' and no 'organisations'")
    return partner


def _only(item: Mapping[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise BoundaryError(f"unknown key {unknown[0]!r} in a boundary {what} (known: {', '.join(sorted(allowed))})")


def _text(value: Any, what: str, *, optional: bool = False) -> Any:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BoundaryError(f"{what} must be text")
    return value.strip()


def _texts(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BoundaryError(f"{what} must be a list of text")
    return tuple(v.strip() for v in value)


__all__ = ["BOUNDARY_ATTRIBUTES", "BoundaryError", "BoundarySettings", "Organisation", "TrustedPartner"]
