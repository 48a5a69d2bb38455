"""Exchange's own facts laid over a snapshot: who may send to each list, who owns it, whether it is hidden,
and, for a tenant, the dynamic lists Graph does not carry at all.

Lists are joined on the id both sides give: Exchange Online's ExternalDirectoryObjectId is the Graph
object id of a tenant's snapshot; Exchange Server's Guid is the objectGUID of an AD export's. Owners and
a dynamic list's members are named by address or id and found in the snapshot; one the snapshot does not
hold is kept as an owner that cannot be found, and a dynamic list with such a member has its members
unknown (its expansion is partial), never fewer than Exchange said.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import msgspec

from dlscan.model import Admission, DistributionList, FilterGap, ListKind, RecipientKind, RuleLanguage, Snapshot
from dlscan.sources.exchange_export import ExchangeList
from dlscan.support.errors import InputError

_TYPE_CLAUSE = re.compile(r"\(\s*RecipientType(?:Details)?\s+-eq\s+'(\w+)'\s*\)", re.IGNORECASE)
"""A recipient filter's test of the kind of recipient, e.g. `(RecipientType -eq 'MailContact')`."""
_OUTSIDE_TYPES = {
    RecipientKind.CONTACT: frozenset({"mailcontact"}),
    RecipientKind.USER: frozenset({"mailuser", "guestmailuser"}),
}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UNFOUND_OWNER = "exchange-owner:"
"""The id prefix of an owner Exchange names that the snapshot does not hold."""


@dataclass(frozen=True)
class Merged:
    snapshot: Snapshot
    updated: int
    added: int
    unmatched: tuple[str, ...]
    """Lists of the export the snapshot does not hold, by name."""


def merge_exchange(snapshot: Snapshot, exported: Sequence[ExchangeList], origin: Path) -> Merged:
    on_premises = snapshot.source.from_active_directory
    names = _Names(snapshot)
    lists = dict(snapshot.lists)
    updated = added = 0
    unmatched: list[str] = []
    for item in exported:
        key = item.guid if on_premises else item.directory_id
        found = lists.get(key) if key else None
        if found is not None:
            lists[found.id] = _with_facts(found, item, names, origin)
            updated += 1
        elif item.dynamic and not on_premises and (key or item.guid):
            # Exchange Online's dynamic lists live in Exchange alone: no Entra object, so often no
            # ExternalDirectoryObjectId, and Exchange's Guid names them instead.
            new_id = key or str(item.guid)
            lists[new_id] = _dynamic_list(new_id, item, names, origin)
            added += 1
        else:
            unmatched.append(item.label)
    if exported and not updated and not added:
        side = "Guid (an AD export's objectGUID)" if on_premises else "ExternalDirectoryObjectId (the Graph id)"
        raise InputError(
            origin,
            f"none of its {len(exported)} lists is in the snapshot by {side}: is it from another directory?",
        )
    note = f"Exchange's facts for {_lists(updated + added)} were merged from {origin.name}"
    note += f", {added} of them dynamic lists Graph does not carry" if added else ""
    if unmatched:
        note += f"; {_lists(len(unmatched))} it names are not in the snapshot (e.g. '{unmatched[0]}')"
    merged = replace(snapshot, lists=lists, notes=(*snapshot.notes, note + "."))
    return Merged(merged, updated, added, tuple(unmatched))


class _Names:
    """The snapshot's recipients and lists by id and by address, folded."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.ids = {i.lower(): i for i in (*snapshot.recipients, *snapshot.lists)}
        self.by_address: dict[str, str] = {}
        for thing in (*snapshot.recipients.values(), *snapshot.lists.values()):
            for address in thing.addresses:
                self.by_address.setdefault(address.casefold(), thing.id)
        self.elsewhere = frozenset(
            r.id for r in snapshot.recipients.values() if r.kind is RecipientKind.CONTACT or r.target_address
        )
        self.kinds = {r.id: r.kind for r in snapshot.recipients.values()}

    def find(self, value: str, origin: Path, where: str) -> str | None:
        folded = value.strip().casefold()
        if "@" in folded:
            return self.by_address.get(folded.removeprefix("smtp:"))
        if _GUID.match(folded.strip("{}")):
            return self.ids.get(folded.strip("{}"))
        raise InputError(
            origin,
            f"{where} names {value!r}, which is neither an address nor an id: export owners and members "
            "resolved to addresses, as docs/exchange-import.md does",
        )


def _with_facts(group: DistributionList, item: ExchangeList, names: _Names, origin: Path) -> DistributionList:
    changes: dict[str, object] = {}
    if item.require_sender_authentication is not None:
        changes["accepts_external_senders"] = not item.require_sender_authentication and not item.accept_only_from
    if item.hidden is not None:
        changes["hidden_from_address_book"] = item.hidden
    if item.managed_by is not None:
        changes["owners"] = _owners(item, names, origin)
    return msgspec.structs.replace(group, **changes)


def _owners(item: ExchangeList, names: _Names, origin: Path) -> tuple[str, ...]:
    where = f"list {item.position} ({item.label}): ManagedBy"
    return tuple(names.find(v, origin, where) or UNFOUND_OWNER + v.casefold() for v in item.managed_by or ())


def _dynamic_list(key: str, item: ExchangeList, names: _Names, origin: Path) -> DistributionList:
    """A tenant's dynamic list, with the members Exchange computed for it."""
    members: list[str] = []
    missing = 0
    for value in item.members or ():
        found = names.find(value, origin, f"list {item.position} ({item.label}): Members")
        if found is None:
            missing += 1
        else:
            members.append(found)
    gap = None
    if item.members is None:
        gap = FilterGap(clause="", reason="the export does not list the members Exchange computes for it")
    elif missing:
        gap = FilterGap(clause="", reason=f"{missing} of the members Exchange named are not in the snapshot")
    filter_text = item.recipient_filter or ""
    by_clause: dict[str, list[str]] = {}
    for member in members:
        if member in names.elsewhere:
            by_clause.setdefault(_clause_for(filter_text, names.kinds[member]), []).append(member)
    return DistributionList(
        id=key,
        display_name=item.display_name,
        primary_address=item.address,
        kind=ListKind.DYNAMIC,
        members=tuple(members),
        owners=_owners(item, names, origin) if item.managed_by is not None else None,
        accepts_external_senders=(
            None
            if item.require_sender_authentication is None
            else not item.require_sender_authentication and not item.accept_only_from
        ),
        hidden_from_address_book=item.hidden,
        addresses=(item.address,) if item.address else (),
        members_known=gap is None,
        membership_rule=filter_text or None,
        membership_rule_language=RuleLanguage.OPATH if filter_text else None,
        admitted_by=tuple(Admission(clause=c, members=tuple(m)) for c, m in sorted(by_clause.items()))
        if gap is None
        else (),
        filter_gap=gap,
    )


def _clause_for(recipient_filter: str, kind: RecipientKind) -> str:
    """The part of a recipient filter that lets in a recipient of this kind: its test of the recipient
    type (Exchange's precanned filters are alternatives of such tests). Exchange gives the members but not
    which part chose each, so a filter with no such test is quoted whole."""
    wanted = _OUTSIDE_TYPES.get(kind, frozenset())
    found = next((m.group(0) for m in _TYPE_CLAUSE.finditer(recipient_filter) if m.group(1).lower() in wanted), None)
    return found or recipient_filter


def _lists(count: int) -> str:
    return f"{count} list" if count == 1 else f"{count} lists"
