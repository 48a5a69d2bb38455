"""The directory as dlscan sees it: recipients, lists and the snapshot that holds them.

Every source (LDIF, snapshot JSON, LDAP, Graph) produces a `Snapshot`; everything above it reads only
these types. Facts a source cannot see are `None` ("unknown"), never a guessed default, so that rules
neither fire on them nor call a list clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import msgspec


class Attributes(tuple[tuple[str, str], ...]):
    """(name, value) pairs sorted by name, names spelt as in `BOUNDARY_ATTRIBUTES`; empty values left out.

    A type of its own, not a plain tuple, so that a snapshot reader can turn the JSON object it is written
    as into one (see `dlscan.sources.typed`)."""

    __slots__ = ()


BOUNDARY_ATTRIBUTES: tuple[str, ...] = (
    "companyName",
    "department",
    *(f"extensionAttribute{n}" for n in range(1, 16)),
)
"""Attributes that tell organisations apart in a shared directory, spelt as Graph spells them (AD's
`company` is `companyName` here). Sources read these and no others."""


def canonical_attribute(name: str) -> str | None:
    """The spelling in `BOUNDARY_ATTRIBUTES` of an attribute named in any case, or AD's `company`."""
    folded = name.strip().casefold()
    if folded == "company":
        return "companyName"
    return next((a for a in BOUNDARY_ATTRIBUTES if a.casefold() == folded), None)


def make_attributes(pairs: Iterable[tuple[str, str | None]], shared: dict[Attributes, Attributes]) -> Attributes:
    """Attributes from (name, value) pairs, shared between recipients that have the same ones: a million
    staff of a few hundred departments then cost a pointer each."""
    found = Attributes(sorted((name, value.strip()) for name, value in pairs if value and value.strip()))
    return shared.setdefault(found, found)


class RecipientKind(StrEnum):
    USER = "user"
    CONTACT = "contact"
    """A mail contact or mail user: an address that delivers somewhere else."""
    PRINCIPAL = "principal"
    """An Active Directory foreign security principal: an account of another domain, whose mail identity
    the source does not give."""
    OBJECT = "object"
    """A directory object that is no person, contact or group, and has no mailbox: in a tenant, a device,
    an app, or a member Graph gives no type for."""
    UNRESOLVED = "unresolved"
    """A member reference that points at no object the source could read."""


class ListKind(StrEnum):
    DISTRIBUTION = "distribution"
    SECURITY = "security"
    """A mail-enabled security group."""
    M365 = "m365"
    """A Microsoft 365 (unified) group."""
    DYNAMIC = "dynamic"
    """An Exchange dynamic distribution list: its members are whoever its recipient filter selects when
    mail is sent, expanded by the source."""


class RuleLanguage(StrEnum):
    """How a list's membership rule is written, which decides how a plan may change it."""

    OPATH = "opath"
    """Exchange's recipient filter (msExchQueryFilter, RecipientFilter), set by Set-DynamicDistributionGroup."""
    LDAP = "ldap"
    """An LDAP filter alone (msExchDynamicDLFilter with no msExchQueryFilter: a list from before Exchange 2007)."""
    ENTRA = "entra"
    """Graph's membershipRule of a dynamic group."""


# Recipients and lists are msgspec structs rather than dataclasses: a snapshot decodes straight into them
# in C (twice as fast as decoding into rows and building dataclasses from them), and, holding no other
# objects that could lead back to them, they are left out of the cycle collector's walks (gc=False).
# Decoding refuses fields the model does not have, as the careful reader does.


class Recipient(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    id: str
    kind: RecipientKind
    display_name: str
    primary_address: str | None = None
    addresses: tuple[str, ...] = ()
    """Every SMTP address, the primary included."""
    target_address: str | None = None
    """Where a contact or mail user really delivers (AD targetAddress)."""
    enabled: bool | None = None
    guest: bool = False
    dn: str | None = None
    attributes: Attributes = ()
    """Directory attributes an organisation boundary may test (see `BOUNDARY_ATTRIBUTES`)."""

    @property
    def label(self) -> str:
        """How a person recognises the recipient: its address when it has one."""
        return self.primary_address or self.display_name or self.id

    def attribute(self, name: str) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return None


class Admission(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """Members of a dynamic list that deliver elsewhere (mail contacts, mail users), and the clause of its
    filter that let them in, as the filter spells it."""

    clause: str
    members: tuple[str, ...]


class FilterGap(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    """Why a dynamic list's filter could not be evaluated: the clause at fault ("" when the filter as a
    whole), and the reason, for people."""

    clause: str
    reason: str


class DistributionList(msgspec.Struct, frozen=True, forbid_unknown_fields=True, gc=False):
    id: str
    display_name: str
    primary_address: str | None
    kind: ListKind = ListKind.DISTRIBUTION
    mail_enabled: bool = True
    members: tuple[str, ...] = ()
    """Ids of direct members: recipients or other lists."""
    owners: tuple[str, ...] | None = None
    """Ids of owners; None when the source cannot tell."""
    accepts_external_senders: bool | None = None
    """True when mail from unauthenticated outside senders is delivered; None when unknown."""
    hidden_from_address_book: bool | None = None
    role_assignable: bool | None = None
    """Members may be given admin roles in the tenant (Graph's isAssignableToRole): a privileged list,
    treated as sensitive. None when the source cannot tell (Active Directory)."""
    addresses: tuple[str, ...] = ()
    description: str = ""
    dn: str | None = None
    members_known: bool = True
    """False when the source could not read the whole membership (a Microsoft 365 group whose membership
    is hidden, read without the permission to see it): `members` then holds what was seen, perhaps
    nothing, and no rule that judges members calls the list, or a list that nests it, clean or empty."""
    membership_rule: str | None = None
    """The rule that sets a dynamic group's members (Graph's membershipRule); None for assigned members.
    A change to who the list reaches is made to the rule, not to the members."""
    membership_rule_language: RuleLanguage | None = None
    """How `membership_rule` is written; None when there is no rule or the source does not say."""
    membership_rule_paused: bool | None = None
    """True when the dynamic rule's processing is paused, so the members no longer follow the rule."""
    synced_from_premises: bool | None = None
    """Synchronised from on-premises Active Directory (Graph's onPremisesSyncEnabled): changes are made
    there, as a change in the cloud is overwritten. None when the source cannot tell or is AD itself."""
    team: bool | None = None
    """The group backs a Microsoft Team (resourceProvisioningOptions): members also get its chats and files."""
    alias: str | None = None
    """The list's alias (mailNickname), which Outlook resolves as it is typed, like a name."""
    admitted_by: tuple[Admission, ...] = ()
    """A dynamic list's members that deliver elsewhere, by the clause of its filter that let them in."""
    filter_gap: FilterGap | None = None
    """Why a dynamic list's filter could not be evaluated; its members are then unknown
    (`members_known` is False), never taken as none."""

    @property
    def label(self) -> str:
        return self.display_name or self.primary_address or self.id


@dataclass(frozen=True, slots=True)
class DomainDeclaration:
    """A domain the source (or the user) says is the organisation's own."""

    name: str
    origin: str
    include_subdomains: bool = False


class Completeness(StrEnum):
    """What a source showed of its own wholeness: a cut export must never read as a smaller directory."""

    WHOLE = "whole"
    """The exporter said it gave everything: a collector read every page, or ldapsearch's closing count
    matched the entries in the file."""
    UNCOUNTED = "uncounted"
    """The export ends after a whole entry but carries no count of them (ldifde, ldapsearch -LLL): one cut
    between two entries looks whole. A nightly run's shrink guard is then the check."""
    UNPROVEN = "unproven"
    """The export ends inside an entry, with no blank line after its last one: it may be cut short. The
    scan says so, judges nothing as clean, and a nightly run resolves nothing from it."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    kind: str
    name: str
    collected_at: str | None = None
    completeness: Completeness = Completeness.WHOLE

    @property
    def from_active_directory(self) -> bool:
        """The source is on-premises Active Directory (an LDIF export or a collection over LDAP): its lists
        are named by DN and changed there, and it has none of Microsoft 365's own facts."""
        return self.kind in ("ldif", "ldap")

    def doubt(self) -> str | None:
        """What the source left uncertain of its own wholeness, in a sentence for people; None when whole."""
        if self.completeness is Completeness.UNPROVEN:
            return (
                f"{self.name} ends inside an entry, with no blank line after its last one: the export may be cut "
                "short, so no rule calls anything clean, and a nightly run resolves no finding from it."
            )
        if self.completeness is Completeness.UNCOUNTED:
            return (
                f"{self.name} counts none of its entries (ldifde and ldapsearch -LLL never do), so an export "
                "cut between two entries would look whole; ldapsearch without -LL writes counts that dlscan checks."
            )
        return None


@dataclass(frozen=True)
class Snapshot:
    source: SourceInfo
    recipients: Mapping[str, Recipient]
    lists: Mapping[str, DistributionList]
    internal_domains: tuple[DomainDeclaration, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """What the source could not see, said once for the whole snapshot (shown in reports)."""

    def label_of(self, object_id: str) -> str:
        if object_id in self.lists:
            return self.lists[object_id].label
        if object_id in self.recipients:
            return self.recipients[object_id].label
        return object_id


def domain_of(address: str | None) -> str | None:
    """The domain of an SMTP address, lower-cased; None for anything that is not an address."""
    if not address or "@" not in address:
        return None
    domain = address.rsplit("@", 1)[1].strip().rstrip(".").lower()
    return domain or None
