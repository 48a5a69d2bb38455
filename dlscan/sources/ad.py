"""Active Directory entries (from LDIF or LDAP) turned into a `Snapshot`.

Attribute names are lower-case; values are text, or bytes for binary attributes. The mapping follows
what Exchange does with these objects, so that a list's reach here is the reach of mail sent to it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from dlscan.model import (
    BOUNDARY_ATTRIBUTES,
    Attributes,
    DistributionList,
    DomainDeclaration,
    ListKind,
    Recipient,
    RecipientKind,
    Snapshot,
    SourceInfo,
    make_attributes,
)
from dlscan.sources.dn import dns_domain_of_dn, normalize_dn
from dlscan.sources.ldif import LdifRecord
from dlscan.support.errors import InputError

_ACCOUNT_DISABLED = 0x2
_SECURITY_GROUP = 0x80000000
_USER_CLASSES = frozenset({"user", "inetorgperson", "person", "computer"})
_OWNER_ATTRIBUTES = ("managedby", "msexchcomanagedbylink")
_SENDER_RESTRICTIONS = ("authorig", "dlmemsubmitperms")
UNRESOLVED_PREFIX = "unresolved:"
_LDAP_ATTRIBUTES = {("company" if a == "companyName" else a.lower()): a for a in BOUNDARY_ATTRIBUTES}
"""LDAP attribute (lower-case, as read) -> dlscan's name, for the attributes a boundary may test."""


@dataclass
class _Pending:
    """A group whose references wait for every entry to be read."""

    record: LdifRecord
    members: list[str]
    owners: list[str]


@dataclass
class AdSnapshotBuilder:
    """Collects AD entries one at a time, then resolves references into a snapshot."""

    origin: str
    source: SourceInfo
    allow_unresolved: bool = False
    exchange_schema: bool | None = None
    """Whether the directory's schema has the Exchange attributes; None: judge from the entries seen."""
    _ids_by_dn: dict[str, str] = field(default_factory=dict)
    _lines_by_id: dict[str, int] = field(default_factory=dict)
    _recipients: dict[str, Recipient] = field(default_factory=dict)
    _groups: list[_Pending] = field(default_factory=list)
    _domains: dict[str, DomainDeclaration] = field(default_factory=dict)
    _exchange_seen: bool = False
    _attributes: dict[Attributes, Attributes] = field(default_factory=dict)

    def add_all(self, records: Iterable[LdifRecord]) -> AdSnapshotBuilder:
        for record in records:
            self.add(record)
        return self

    def add(self, record: LdifRecord) -> None:
        attrs = record.attributes
        if not self._exchange_seen and any(name.startswith("msexch") for name in attrs):
            self._exchange_seen = True
        classes = {c.lower() for c in record.texts("objectclass")}
        self._collect_domains(record, classes)
        object_id = _object_id(record)
        kind = _recipient_kind(classes)
        if "group" in classes or kind is not None:
            self._register(record, object_id)
        if "group" in classes:
            self._groups.append(
                _Pending(
                    record=record,
                    members=record.texts("member"),
                    owners=[dn for name in _OWNER_ATTRIBUTES for dn in record.texts(name)],
                )
            )
            return
        if kind is not None:
            self._recipients[object_id] = _recipient(record, object_id, kind, self._attributes)

    def _register(self, record: LdifRecord, object_id: str) -> None:
        """Index an object by DN; the same object twice would silently replace one copy with the other."""
        key = normalize_dn(record.dn)
        if key in self._ids_by_dn or object_id in self._lines_by_id:
            first = self._lines_by_id.get(self._ids_by_dn.get(key, object_id))
            where = f" (first at line {first})" if first else ""
            raise InputError(self.origin, f"{record.dn!r} appears twice in the export{where}", record.line)
        self._ids_by_dn[key] = object_id
        self._lines_by_id[object_id] = record.line

    def build(self) -> Snapshot:
        lists: dict[str, DistributionList] = {}
        recipients = dict(self._recipients)
        for pending in self._groups:
            group = self._list(pending, recipients)
            lists[group.id] = group
        notes = ()
        if not self._exchange_present:
            notes = (
                "The source carries no Exchange attributes, so whether lists accept mail from outside "
                "senders is unknown; DL009 was not evaluated.",
            )
        return Snapshot(
            source=self.source,
            recipients=recipients,
            lists=lists,
            internal_domains=tuple(self._domains.values()),
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

    def _list(self, pending: _Pending, recipients: dict[str, Recipient]) -> DistributionList:
        record = pending.record
        members = tuple(self._resolve(record, dn, recipients, "member") for dn in pending.members)
        owners = tuple(self._resolve(record, dn, recipients, None) for dn in pending.owners)
        group_type = _int(record.first("grouptype")) or 0
        addresses = _smtp_addresses(record)
        return DistributionList(
            id=_object_id(record),
            display_name=_text(record, "displayname") or _text(record, "name") or _rdn_value(record.dn),
            primary_address=_primary_address(record, addresses),
            kind=ListKind.SECURITY if group_type & _SECURITY_GROUP else ListKind.DISTRIBUTION,
            mail_enabled=bool(addresses),
            members=members,
            owners=owners,
            accepts_external_senders=self._accepts_external(record),
            hidden_from_address_book=_bool(record.first("msexchhidefromaddresslists")),
            addresses=addresses,
            description=_text(record, "description") or "",
            dn=record.dn,
        )

    def _accepts_external(self, record: LdifRecord) -> bool | None:
        require_auth = _bool(record.first("msexchrequireauthtosendto"))
        if require_auth is None and not self._exchange_present:
            return None
        restricted = any(record.attributes.get(name) for name in _SENDER_RESTRICTIONS)
        return not require_auth and not restricted

    def _resolve(self, record: LdifRecord, dn: str, recipients: dict[str, Recipient], what: str | None) -> str:
        key = normalize_dn(dn)
        found = self._ids_by_dn.get(key)
        if found is not None:
            return found
        if what is not None and not self.allow_unresolved:
            raise InputError(
                self.origin,
                f"{what} {dn!r} of {record.dn!r} is not in the export; export the whole domain, or pass "
                "--allow-unresolved to report such members under DL015",
                record.line,
            )
        unresolved_id = UNRESOLVED_PREFIX + key
        recipients.setdefault(
            unresolved_id, Recipient(id=unresolved_id, kind=RecipientKind.UNRESOLVED, display_name=dn, dn=dn)
        )
        return unresolved_id

    def _collect_domains(self, record: LdifRecord, classes: set[str]) -> None:
        if "msexchaccepteddomain" in classes:
            for name in record.texts("msexchaccepteddomainname"):
                self._declare(name, "Exchange accepted domain")
        if "domaindns" in classes:
            name = dns_domain_of_dn(record.dn)
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
        known = self._domains.get(name)
        if known is not None:
            if origin in known.origin:
                return
            origin = f"{known.origin}, {origin}"
            include_subdomains = include_subdomains or known.include_subdomains
        self._domains[name] = DomainDeclaration(name=name, origin=origin, include_subdomains=include_subdomains)


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
    addresses = _smtp_addresses(record)
    uac = _int(record.first("useraccountcontrol"))
    target = _text(record, "targetaddress")
    return Recipient(
        id=object_id,
        kind=kind,
        display_name=_text(record, "displayname") or _text(record, "name") or _rdn_value(record.dn),
        primary_address=_primary_address(record, addresses),
        addresses=addresses,
        target_address=_strip_smtp(target) if target else None,
        enabled=None if uac is None else not uac & _ACCOUNT_DISABLED,
        dn=record.dn,
        attributes=make_attributes(
            ((_LDAP_ATTRIBUTES[ldap], _text(record, ldap)) for ldap in record.attributes.keys() & _LDAP_ATTRIBUTES),
            shared,
        ),
    )


def _smtp_addresses(record: LdifRecord) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for proxy in record.texts("proxyaddresses"):
        if proxy[:5].lower() == "smtp:":
            found.setdefault(proxy[5:].strip().lower(), proxy[5:].strip())
    for mail in record.texts("mail"):
        if "@" in mail:
            found.setdefault(mail.strip().lower(), mail.strip())
    return tuple(found.values())


def _primary_address(record: LdifRecord, addresses: tuple[str, ...]) -> str | None:
    for proxy in record.texts("proxyaddresses"):
        if proxy.startswith("SMTP:"):
            return proxy[5:].strip()
    mail = _text(record, "mail")
    if mail and "@" in mail:
        return mail.strip()
    return addresses[0] if addresses else None


def _object_id(record: LdifRecord) -> str:
    guid = record.first("objectguid")
    if isinstance(guid, bytes) and len(guid) == 16:
        return str(uuid.UUID(bytes_le=guid))
    if isinstance(guid, str) and guid.strip():
        return guid.strip().strip("{}").lower()
    return "dn:" + normalize_dn(record.dn)


def _text(record: LdifRecord, name: str) -> str | None:
    value = record.first(name)
    return value if isinstance(value, str) and value.strip() else None


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _bool(value: object) -> bool | None:
    if not isinstance(value, str):
        return None
    return value.strip().upper() == "TRUE"


def _strip_smtp(value: str) -> str:
    return value[5:].strip() if value[:5].lower() == "smtp:" else value.strip()


def _rdn_value(dn: str) -> str:
    first = dn.split(",", 1)[0]
    return first.partition("=")[2].replace("\\", "") or dn
