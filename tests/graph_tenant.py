"""A Microsoft 365 tenant in memory, as the Graph test server serves it, with a change log for delta queries.

`tenant_from_ldif` builds the tenant that matches an AD export, object for object, so that a scan of
the tenant through Graph can be compared with a scan of the export.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlscan.sources.ldif import LdifRecord, read_ldif

KINDS = ("users", "contacts", "groups")
TYPES = {
    "users": "#microsoft.graph.user",
    "contacts": "#microsoft.graph.orgContact",
    "groups": "#microsoft.graph.group",
}
OTHER_TYPE = "#microsoft.graph.device"
MEMBER_SHARE = 8


@dataclass
class Tenant:
    domains: list[dict[str, Any]] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    others: dict[str, str] = field(default_factory=dict)
    """Display names of member objects that are none of the above (devices, service principals), by id."""
    members: dict[str, list[str]] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)
    sequence: int = 0
    changes: list[tuple[int, str, str]] = field(default_factory=list)
    """(sequence, kind, id) of every object added, changed or removed."""
    member_changes: list[tuple[int, str, str, bool]] = field(default_factory=list)
    """(sequence, group id, member id, removed)."""
    owner_changes: list[tuple[int, str, str, bool]] = field(default_factory=list)
    """(sequence, group id, owner id, removed)."""
    _delta_pages: dict[tuple, list[dict[str, Any]]] = field(default_factory=dict, repr=False)

    def collection(self, kind: str) -> dict[str, dict[str, Any]]:
        return {"users": self.users, "contacts": self.contacts, "groups": self.groups}[kind]

    def kind_of(self, object_id: str) -> str | None:
        return next((kind for kind in KINDS if object_id in self.collection(kind)), None)

    def typed(self, object_id: str) -> dict[str, Any]:
        kind = self.kind_of(object_id)
        if kind is None:
            return {"@odata.type": OTHER_TYPE, "id": object_id, "displayName": self.others.get(object_id)}
        return {"@odata.type": TYPES[kind], **self.collection(kind)[object_id]}

    # Changes, recorded for delta queries.
    def put(self, kind: str, item: dict[str, Any]) -> None:
        self.collection(kind)[item["id"]] = item
        self._log(kind, item["id"])

    def update(self, kind: str, object_id: str, **properties: Any) -> None:
        self.collection(kind)[object_id].update(properties)
        self._log(kind, object_id)

    def remove(self, kind: str, object_id: str) -> None:
        del self.collection(kind)[object_id]
        self._log(kind, object_id)
        for group_id, ids in self.members.items():
            if object_id in ids:
                self.remove_member(group_id, object_id)

    def add_member(self, group_id: str, member_id: str) -> None:
        self._relate(self.members, self.member_changes, group_id, member_id, removed=False)

    def remove_member(self, group_id: str, member_id: str) -> None:
        self._relate(self.members, self.member_changes, group_id, member_id, removed=True)

    def add_owner(self, group_id: str, owner_id: str) -> None:
        self._relate(self.owners, self.owner_changes, group_id, owner_id, removed=False)

    def remove_owner(self, group_id: str, owner_id: str) -> None:
        self._relate(self.owners, self.owner_changes, group_id, owner_id, removed=True)

    def _relate(
        self, relation: dict[str, list[str]], log: list, group_id: str, object_id: str, *, removed: bool
    ) -> None:
        """A member or owner added or removed, and the change logged for the group delta."""
        ids = relation.setdefault(group_id, [])
        if removed:
            ids.remove(object_id)
        else:
            ids.append(object_id)
        self.sequence += 1
        log.append((self.sequence, group_id, object_id, removed))

    def hides_members(self, group_id: str) -> bool:
        """group.md: with `HiddenMembership` visibility, only members (and readers granted
        Member.Read.Hidden) see who the members are."""
        return str(self.groups.get(group_id, {}).get("visibility") or "").lower() == "hiddenmembership"

    def _log(self, kind: str, object_id: str) -> None:
        self.sequence += 1
        self.changes.append((self.sequence, kind, object_id))

    def delta(
        self, kind: str, query: dict[str, str], link: Callable[[str, dict[str, str]], str], *, hidden_readable: bool
    ) -> dict[str, Any]:
        """One page of `{kind}/delta`; tokens are positions in the change log, pages are offsets."""
        since = int(query.get("$deltatoken", query.get("since", "-1")))
        offset = int(query.get("offset", "0"))
        top = int(query.get("$top", "100"))
        key = (kind, since, query.get("$select"), self.sequence, hidden_readable)
        if key not in self._delta_pages:
            self._delta_pages = {key: self._delta_items(kind, since, query.get("$select"), hidden_readable)} | {
                k: v for k, v in self._delta_pages.items() if k[3] == self.sequence
            }
        items = self._delta_pages[key]
        body: dict[str, Any] = {"value": items[offset : offset + top]}
        if offset + top < len(items):
            body["@odata.nextLink"] = link(
                f"{kind}/delta", {"since": str(since), "offset": str(offset + top), **_kept(query)}
            )
        else:
            body["@odata.deltaLink"] = link(f"{kind}/delta", {"$deltatoken": str(self.sequence), **_kept(query)})
        return body

    def _delta_items(self, kind: str, since: int, select: str | None, hidden_readable: bool) -> list[dict[str, Any]]:
        objects = self.collection(kind)
        selected = [n for n in (select or "").split(",") if n]
        # group-delta.md: a relationship is tracked only when selected (members without $select).
        tracked = [
            r
            for r in ("members", "owners")
            if kind == "groups" and (r in selected or (r == "members" and not selected))
        ]
        logs = {"members": (self.members, self.member_changes), "owners": (self.owners, self.owner_changes)}
        relation_changes: dict[str, dict[str, list[tuple[str, bool]]]] = {}
        if since < 0:
            changed = list(objects)
            for name in tracked:
                relation_changes[name] = {g: [(m, False) for m in logs[name][0].get(g, [])] for g in objects}
        else:
            changed = list(dict.fromkeys(i for s, k, i in self.changes if s > since and k == kind))
            for name in tracked:
                found = relation_changes.setdefault(name, {})
                for s, group_id, member_id, removed in logs[name][1]:
                    if s > since:
                        found.setdefault(group_id, []).append((member_id, removed))
                changed += [g for g in found if g not in changed]
        names = [n for n in selected if n not in ("members", "owners")]
        items: list[dict[str, Any]] = []
        for object_id in changed:
            if object_id not in objects:
                items.append({"id": object_id, "@removed": {"reason": "changed"}})
                continue
            item = objects[object_id]
            shown = {"id": object_id, **{n: item.get(n) for n in names}} if names else dict(item)
            for name, changes in relation_changes.items():
                hidden = name == "members" and self.hides_members(object_id) and not hidden_readable
                if object_id not in changes or hidden:
                    continue
                shown[f"{name}@delta"] = [
                    {
                        "@odata.type": self.typed(m)["@odata.type"],
                        "id": m,
                        **({"@removed": {"reason": "deleted"}} if removed else {}),
                    }
                    for m, removed in changes[object_id]
                ]
            items.append(shown)
        return items

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("domains", "users", "contacts", "groups", "others", "members", "owners")}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Tenant:
        return cls(**{k: v for k, v in document.items() if not k.startswith("_")})


def _kept(query: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in query.items() if k in ("$select", "$top")}


def graph_id(dn: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "ldap:" + dn.lower()))


def tenant_from_ldif(path: Path, tenant_domain: str = "tenant.onmicrosoft.com") -> Tenant:
    """The tenant an AD export would become once synchronised to Microsoft 365."""
    tenant = Tenant(domains=[{"id": tenant_domain, "isVerified": True}])
    records = list(read_ldif(path))
    for record in records:
        classes = {c.lower() for c in record.texts("objectclass")}
        for name in record.texts("msexchaccepteddomainname") + record.texts("upnsuffixes"):
            _verify(tenant, name)
        if "domaindns" in classes:
            _verify(tenant, ".".join(p.split("=", 1)[1] for p in record.dn.split(",")))
        object_id = graph_id(record.dn)
        common = {
            "id": object_id,
            "displayName": _name(record),
            "mail": _primary(record),
            "proxyAddresses": record.texts("proxyaddresses"),
        }
        if "group" in classes:
            group_type = int(record.first("grouptype") or 0)
            tenant.groups[object_id] = common | {
                "mailEnabled": bool(common["mail"] or common["proxyAddresses"]),
                "securityEnabled": bool(group_type & 0x80000000),
                "groupTypes": [],
                "description": record.first("description"),
                "mailNickname": record.first("mailnickname"),
            }
            tenant.members[object_id] = [graph_id(dn) for dn in record.texts("member")]
            tenant.owners[object_id] = [graph_id(dn) for dn in record.texts("managedby")]
        elif "foreignsecurityprincipal" in classes:
            tenant.others[object_id] = _name(record)
        elif "contact" in classes:
            # Graph shows a contact's external (target) address as `mail`, its own as the SMTP proxy.
            target = str(record.first("targetaddress") or "").removeprefix("SMTP:").removeprefix("smtp:")
            tenant.contacts[object_id] = common | {"mail": target or common["mail"], **_company(record)}
        elif classes & {"user", "person", "inetorgperson", "computer"}:
            uac = record.first("useraccountcontrol")
            tenant.users[object_id] = common | {
                "userPrincipalName": record.first("userprincipalname"),
                "accountEnabled": None if uac is None else not int(uac) & 2,
                "userType": "Member",
                "onPremisesDistinguishedName": record.dn,
                **_company(record),
            }
    return tenant


def _verify(tenant: Tenant, name: str) -> None:
    name = name.lower().removeprefix("*.")
    if all(d["id"] != name for d in tenant.domains):
        tenant.domains.append({"id": name, "isVerified": True})


def _name(record: LdifRecord) -> str:
    return str(record.first("displayname") or record.first("name") or record.dn.split(",")[0].split("=", 1)[1])


def _primary(record: LdifRecord) -> str | None:
    for proxy in record.texts("proxyaddresses"):
        if proxy.startswith("SMTP:"):
            return proxy[5:]
    mail = record.first("mail")
    return str(mail) if mail else None


def _company(record: LdifRecord) -> dict[str, Any]:
    """AD's company and department, as Graph names them; absent when AD has none."""
    found = {"companyName": record.first("company"), "department": record.first("department")}
    return {k: str(v) for k, v in found.items() if v}
