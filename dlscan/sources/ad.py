"""Active Directory entries (from LDIF or LDAP) turned into a `Snapshot`.

Attribute names are lower-case; values are text, or bytes for binary attributes. The mapping follows
what Exchange does with these objects, so that a list's reach here is the reach of mail sent to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from dlscan.model import (
    BOUNDARY_ATTRIBUTES,
    Attributes,
    DistributionList,
    ListKind,
    Recipient,
    RecipientKind,
    Snapshot,
    SourceInfo,
    make_attributes,
)
from dlscan.sources.ad_domains import DeclaredDomains
from dlscan.sources.ad_values import (
    flag,
    integer,
    object_id_of,
    primary_address,
    rdn_value,
    smtp_addresses,
    strip_smtp,
    text_of,
)
from dlscan.sources.dn import normalize_dn
from dlscan.sources.dynamic import FilterColumns, expanded_list, not_evaluated
from dlscan.sources.ldif import LdifRecord
from dlscan.sources.mail_reach import reached_by_mail
from dlscan.support.errors import InputError

_ACCOUNT_DISABLED = 0x2
_SECURITY_GROUP = 0x80000000
_USER_CLASSES = frozenset({"user", "inetorgperson", "person", "computer"})
_OWNER_ATTRIBUTES = ("managedby", "msexchcomanagedbylink")
_SENDER_RESTRICTIONS = ("authorig", "dlmemsubmitperms")
_MAIL_OR_MEMBERS = ("mail", "proxyaddresses", "member")
_DYNAMIC_CLASS = "msexchdynamicdistributionlist"
UNRESOLVED_PREFIX = "unresolved:"
_LDAP_ATTRIBUTES = {("company" if a == "companyName" else a.lower()): a for a in BOUNDARY_ATTRIBUTES}
"""LDAP attribute (lower-case, as read) -> dlscan's name, for the attributes a boundary may test."""


@dataclass
class _Pending:
    """A group whose references wait for every entry to be read."""

    record: LdifRecord
    members: list[str]
    owners: list[str]
    dynamic: bool = False
    """An Exchange dynamic list: its members are what its filter selects, not `member` values."""


@dataclass
class AdSnapshotBuilder:
    """Collects AD entries one at a time, then resolves references into a snapshot."""

    origin: str
    source: SourceInfo
    allow_unresolved: bool = False
    exchange_schema: bool | None = None
    """Whether the directory's schema has the Exchange attributes; None: judge from the entries seen."""
    filter_attributes: frozenset[str] | None = None
    """The attributes to keep for dynamic lists' filters, as the source asked for them; None for an export,
    of which every attribute is kept."""
    _ids_by_dn: dict[str, str] = field(default_factory=dict)
    _resolved: dict[str, str] = field(default_factory=dict)
    """A member or owner DN as written -> the id it names: most are named by several groups (five million
    references to a million entries), and are normalised once."""
    _lines_by_id: dict[str, int] = field(default_factory=dict)
    _recipients: dict[str, Recipient] = field(default_factory=dict)
    _groups: list[_Pending] = field(default_factory=list)
    _domains: DeclaredDomains = field(init=False)
    _exchange_seen: bool = False
    _attributes: dict[Attributes, Attributes] = field(default_factory=dict)
    _left_out: list[tuple[str, list[str]]] = field(default_factory=list)
    """Entries with mail or members that are neither a recipient nor a group: (DN, their classes)."""
    keeps_filter_values: bool = True
    """Keep the entries' values for dynamic lists' filters; False when the source shows it has no dynamic
    list (a million recipients' values cost 0.6 GB). A dynamic list met then is reported as not evaluated."""
    _columns: FilterColumns | None = field(init=False)
    _elsewhere: np.ndarray | None = None
    """Recipients that deliver outside the directory's mailboxes (contacts, mail users), once known."""

    def __post_init__(self) -> None:
        self._columns = FilterColumns(keep=self.filter_attributes) if self.keeps_filter_values else None
        self._domains = DeclaredDomains(self.origin)

    def add_all(self, records: Iterable[LdifRecord]) -> AdSnapshotBuilder:
        for record in records:
            self.add(record)
        return self

    def add(self, record: LdifRecord) -> None:
        attrs = record.attributes
        if not self._exchange_seen and any(name.startswith("msexch") for name in attrs):
            self._exchange_seen = True
        classes = {c.lower() for c in record.texts("objectclass")}
        key = _readable_dn(self.origin, record, record.dn)
        self._domains.collect(record, classes)
        object_id = object_id_of(record)
        kind = _recipient_kind(classes)
        dynamic = _DYNAMIC_CLASS in classes
        if "group" in classes or dynamic or kind is not None:
            self._register(record, object_id, key)
            if self._columns is not None:
                self._columns.add(object_id, key, attrs)
        if "group" in classes or dynamic:
            self._groups.append(
                _Pending(
                    record=record,
                    members=[] if dynamic else record.texts("member"),
                    owners=[dn for name in _OWNER_ATTRIBUTES for dn in record.texts(name)],
                    dynamic=dynamic,
                )
            )
            return
        if kind is not None:
            self._recipients[object_id] = _recipient(record, object_id, kind, self._attributes)
        elif any(name in attrs for name in _MAIL_OR_MEMBERS):
            self._left_out.append((record.dn, sorted(classes)))

    def _register(self, record: LdifRecord, object_id: str, key: str) -> None:
        """Index an object by its DN's `key`; the same object twice would silently replace one copy with the
        other."""
        if key in self._ids_by_dn or object_id in self._lines_by_id:
            first = self._lines_by_id.get(self._ids_by_dn.get(key, object_id))
            where = f" (first at line {first})" if first else ""
            raise InputError(self.origin, f"{record.dn!r} appears twice in the export{where}", record.line)
        self._ids_by_dn[key] = object_id
        self._lines_by_id[object_id] = record.line

    def build(self) -> Snapshot:
        lists: dict[str, DistributionList] = {}
        recipients = dict(self._recipients)
        missing: list[tuple[str, LdifRecord]] = []
        for pending in self._groups:
            group = self._list(pending, recipients, missing)
            lists[group.id] = group
        self._resolved.clear()  # a million DNs, needed no more
        notes: tuple[str, ...] = ()
        if missing:
            notes += (self._harmless(missing),)
        if self._left_out:
            dn, classes = self._left_out[0]
            notes += (
                f"{len(self._left_out)} entr{'ies' if len(self._left_out) > 1 else 'y'} with mail or members "
                f"but no user, contact or group class {'were' if len(self._left_out) > 1 else 'was'} left out "
                f"(e.g. {dn!r}, objectClass {', '.join(classes) or 'none'}); a damaged objectClass drops a list.",
            )
        return Snapshot(
            source=self.source,
            recipients=recipients,
            lists=lists,
            internal_domains=tuple(self._domains.found.values()),
            notes=notes,
        )

    @property
    def _exchange_present(self) -> bool:
        return self._exchange_seen if self.exchange_schema is None else self.exchange_schema

    def unresolved_references(self) -> list[str]:
        """Member and owner DNs that name no entry added so far, in first-seen order."""
        seen: dict[str, str] = {}
        for pending in self._groups:
            for dn in (*pending.members, *pending.owners):
                key = normalize_dn(dn)
                if key not in self._ids_by_dn:
                    seen.setdefault(key, dn)
        return list(seen.values())

    def _harmless(self, missing: list[tuple[str, LdifRecord]]) -> str:
        """The note on members missing from the export, once it is clear that mail reaches none of their
        groups (so none can change a finding); otherwise the export is refused at the first that matters."""
        reached = reached_by_mail(
            (normalize_dn(p.record.dn), bool(smtp_addresses(p.record)), map(normalize_dn, p.members))
            for p in self._groups
        )
        for dn, record in missing:
            if normalize_dn(record.dn) in reached:
                raise InputError(
                    self.origin,
                    f"member {dn!r} of {record.dn!r} is not in the export; export the whole domain, or pass "
                    "--allow-unresolved to report such members under DL015",
                    record.line,
                )
        dn, record = missing[0]
        return (
            f"{len(missing)} member reference(s) of groups that mail never reaches are not in the export (e.g. "
            f"{dn!r} of {record.dn!r}); they cannot change a finding, and are kept as unresolved recipients."
        )

    def _list(
        self, pending: _Pending, recipients: dict[str, Recipient], missing: list[tuple[str, LdifRecord]]
    ) -> DistributionList:
        record = pending.record
        members = tuple(self._resolve(record, dn, recipients, missing) for dn in pending.members)
        owners = tuple(self._resolve(record, dn, recipients, None) for dn in pending.owners)
        group_type = integer(record.first("grouptype")) or 0
        addresses = smtp_addresses(record)
        group = DistributionList(
            id=object_id_of(record),
            display_name=text_of(record, "displayname") or text_of(record, "name") or rdn_value(record.dn),
            primary_address=primary_address(record, addresses),
            kind=ListKind.SECURITY if group_type & _SECURITY_GROUP else ListKind.DISTRIBUTION,
            mail_enabled=bool(addresses),
            members=members,
            owners=owners,
            accepts_external_senders=self._accepts_external(record),
            hidden_from_address_book=flag(record.first("msexchhidefromaddresslists")),
            addresses=addresses,
            description=text_of(record, "description") or "",
            dn=record.dn,
            alias=text_of(record, "mailnickname"),
        )
        return self._expanded(group, record, recipients) if pending.dynamic else group

    def _expanded(
        self, group: DistributionList, record: LdifRecord, recipients: dict[str, Recipient]
    ) -> DistributionList:
        if self._columns is None:
            return not_evaluated(group, record, "the source was read without the values filters test")
        if self._elsewhere is None:
            self._elsewhere = self._columns.marking(
                {r.id for r in recipients.values() if r.kind is RecipientKind.CONTACT or r.target_address}
            )
        return expanded_list(group, record, self._columns, self._elsewhere)

    def _accepts_external(self, record: LdifRecord) -> bool | None:
        require_auth = flag(record.first("msexchrequireauthtosendto"))
        if require_auth is None and not self._exchange_present:
            return None
        restricted = any(record.attributes.get(name) for name in _SENDER_RESTRICTIONS)
        return not require_auth and not restricted

    def _resolve(self, record: LdifRecord, dn: str, recipients: dict[str, Recipient], missing: list | None) -> str:
        """The id a member or owner DN names. One missing from the export becomes an unresolved recipient;
        a missing member is also listed in `missing`, unless --allow-unresolved, to be judged once every
        group is known (`_harmless`). A DN that cannot be read is refused with its group's line."""
        found = self._resolved.get(dn)
        if found is not None:
            return found
        key = _readable_dn(self.origin, record, dn)
        found = self._ids_by_dn.get(key)
        if found is not None:
            self._resolved[dn] = found
            return found
        if missing is not None and not self.allow_unresolved:
            missing.append((dn, record))
        unresolved_id = UNRESOLVED_PREFIX + key
        recipients.setdefault(
            unresolved_id, Recipient(id=unresolved_id, kind=RecipientKind.UNRESOLVED, display_name=dn, dn=dn)
        )
        return unresolved_id


def _recipient_kind(classes: set[str]) -> RecipientKind | None:
    if "foreignsecurityprincipal" in classes:
        return RecipientKind.PRINCIPAL
    if "contact" in classes:
        return RecipientKind.CONTACT
    if classes & _USER_CLASSES:
        return RecipientKind.USER
    return None


def _recipient(
    record: LdifRecord, object_id: str, kind: RecipientKind, shared: dict[Attributes, Attributes]
) -> Recipient:
    addresses = smtp_addresses(record)
    uac = integer(record.first("useraccountcontrol"))
    target = text_of(record, "targetaddress")
    return Recipient(
        id=object_id,
        kind=kind,
        display_name=text_of(record, "displayname") or text_of(record, "name") or rdn_value(record.dn),
        primary_address=primary_address(record, addresses),
        addresses=addresses,
        target_address=strip_smtp(target) if target else None,
        enabled=None if uac is None else not uac & _ACCOUNT_DISABLED,
        dn=record.dn,
        attributes=make_attributes(
            ((_LDAP_ATTRIBUTES[ldap], text_of(record, ldap)) for ldap in record.attributes.keys() & _LDAP_ATTRIBUTES),
            shared,
        ),
    )


def _readable_dn(origin: str, record: LdifRecord, dn: str) -> str:
    """The DN's lookup key, or one line naming the entry whose DN, or member, cannot be read."""
    try:
        return normalize_dn(dn)
    except ValueError as exc:
        message = f"the entry {record.dn!r} names a DN that cannot be read: {exc}"
        raise InputError(origin, message, record.line) from None
