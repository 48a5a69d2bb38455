"""Whether a recipient belongs to a declared organisation of a shared directory, by attribute or by OU."""

from __future__ import annotations

from functools import lru_cache

from dlscan.boundary.settings import Organisation
from dlscan.boundary.verdict import Audience, Classification
from dlscan.model import Recipient
from dlscan.sources.dn import normalize_dn


def belongs(organisation: Organisation, recipient: Recipient) -> bool:
    """By the organisation's attribute values or OUs (its groups are read for the scan's own only)."""
    if organisation.attribute is not None:
        value = recipient.attribute(organisation.attribute)
        if value is not None and value.casefold() in {v.casefold() for v in organisation.values}:
            return True
    return bool(organisation.ous) and by_ou(organisation, recipient.dn).audience is Audience.INTERNAL


def by_ou(organisation: Organisation, dn: str | None) -> Classification:
    if dn is None:
        return Classification(
            Audience.UNKNOWN, f"unknown: the source gives no DN, so it cannot be told to be {organisation.name}"
        )
    normal = normalize_dn(dn)
    for ou, suffix in zip(organisation.ous, _suffixes(organisation.ous), strict=True):
        if normal.endswith(suffix):
            return Classification(Audience.INTERNAL, f"internal: under {ou} ({organisation.name})")
    return Classification(
        Audience.EXTERNAL, f"external: {dn} is not under {' or '.join(organisation.ous)}, so not {organisation.name}"
    )


@lru_cache(maxsize=64)
def _suffixes(ous: tuple[str, ...]) -> tuple[str, ...]:
    """What the normalised DN of an object beneath each OU ends with: worked out once, not per recipient."""
    return tuple("," + normalize_dn(ou) for ou in ous)
