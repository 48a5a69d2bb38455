"""Incremental collection: Graph's delta queries, applied to the tenant as dlscan last read it.

A delta answer carries only what changed, and a changed object may carry only its changed properties.
So the state kept between runs holds the tenant itself (each object's selected properties, each group's
members) beside the delta links; applying the changes to it gives the same tenant a full read would.
The state is written only after a whole, successful collection, and a state Graph no longer accepts
(an expired delta token) starts that collection over, in full.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dlscan.sources.compressed import open_binary
from dlscan.sources.m365 import mapping
from dlscan.support.atomic import atomic_writer
from dlscan.support.errors import InputError, UsageError

STATE_FORMAT = "dlscan-m365-delta"
STATE_VERSION = 1
KINDS = {
    "users": mapping.USER_FIELDS,
    "contacts": mapping.CONTACT_FIELDS,
    "groups": mapping.GROUP_FIELDS + ",members,owners",
}
"""What each kind's delta query selects. group-delta.md: selecting a relationship that is a collection of
directory objects (members, owners) tracks its changes as `members@delta` and `owners@delta`."""
RELATIONS = ("members", "owners")
EXPIRED_CODES = frozenset({"syncstatenotfound", "syncstateinvalid", "resyncrequired"})
"""delta-query-overview.md: a token Graph no longer knows is answered "410 Gone", or "a 40X-series error
with error codes such as syncStateNotFound"."""


def token_expired(status: int, code: str) -> bool:
    """Whether Graph's answer means the saved delta token is gone, so that kind must be read in full;
    any other error (an unrelated 400) fails the collection rather than cost a needless full read."""
    return status == 410 or (400 <= status < 500 and code.lower() in EXPIRED_CODES)


@dataclass
class DeltaState:
    service_root: str
    tenant: str | None
    links: dict[str, str] = field(default_factory=dict)
    """The deltaLink of each kind, from the last successful collection."""
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in KINDS})
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each group's members: member id -> @odata.type, in the order Graph gave them."""
    owners: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each group's owners, as `members`."""
    selected: dict[str, str] = field(default_factory=lambda: dict(KINDS))
    """What each kind's delta link was started with: a kind whose selection has changed since (a newer
    dlscan reads more) is read in full, as its link would never bring the new properties."""
    hidden_members_read: bool = False
    """Whether the groups were read with Member.Read.Hidden (--read-hidden-members): Graph's delta never
    sends the members it hid before, so a change of it reads the groups in full."""
    dropped: list[str] = field(default_factory=list)
    """Kinds whose saved link was dropped when the state was loaded, to be read in full (not saved)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each dropped kind is read in full, in words."""

    def requires(self, kind: str, reason: str) -> None:
        """Read `kind` in full this time, for `reason`: its saved link cannot give what is now wanted."""
        if kind in self.links and kind not in self.dropped:
            self.dropped.append(kind)
        self.start_over(kind)
        self.reasons[kind] = reason

    def start_over(self, kind: str) -> None:
        self.links.pop(kind, None)
        self.objects[kind] = {}
        self.selected[kind] = KINDS[kind]
        if kind == "groups":
            self.members = {}
            self.owners = {}

    def relation(self, name: str) -> dict[str, dict[str, str]]:
        return self.members if name == "members" else self.owners

    def apply(self, kind: str, items: list[dict[str, Any]]) -> None:
        objects = self.objects[kind]
        for item in items:
            object_id = str(item["id"])
            if "@removed" in item:
                objects.pop(object_id, None)
                self.members.pop(object_id, None)
                self.owners.pop(object_id, None)
                continue
            changed = {k: v for k, v in item.items() if "@" not in k}  # not @odata annotations nor members@delta
            objects[object_id] = {**objects.get(object_id, {}), **changed}
            if kind == "groups":
                for name in RELATIONS:
                    _apply_relation(self.relation(name).setdefault(object_id, {}), item.get(f"{name}@delta"))


def _apply_relation(current: dict[str, str], changes: Any) -> None:
    for change in changes or ():
        if "@removed" in change:
            current.pop(str(change["id"]), None)
        else:
            current[str(change["id"])] = str(change.get("@odata.type") or "")


def first_url(kind: str) -> str:
    return f"/{kind}/delta?$select={KINDS[kind]}"


def load_state(path: Path, service_root: str, tenant: str | None) -> DeltaState | None:
    """The saved state, or None when there is none yet; a damaged file is an error, never silently replaced."""
    if not path.exists():
        return None
    try:
        with open_binary(path) as stream:
            document = json.loads(stream.read())
        if document.get("format") != STATE_FORMAT or document.get("format_version") != STATE_VERSION:
            raise InputError(path, f"not a dlscan delta state (format {STATE_FORMAT} v{STATE_VERSION})")
        state = DeltaState(
            service_root=document["service_root"],
            tenant=document.get("tenant"),
            links=dict(document["links"]),
            objects={kind: dict(document["objects"][kind]) for kind in KINDS},
            members={g: dict(m) for g, m in document["members"].items()},
            owners={g: dict(m) for g, m in document.get("owners", {}).items()},
            selected=dict(document.get("selected", {})),
            hidden_members_read=bool(document.get("hidden_members_read", False)),
        )
    except InputError:
        raise
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError, EOFError):
        raise InputError(path, "the delta state is damaged; move it aside to collect in full") from None
    if state.service_root != service_root or (tenant and state.tenant and state.tenant != tenant):
        raise UsageError(f"{path} holds the state of another tenant ({state.tenant or state.service_root})")
    for kind in KINDS:
        if state.selected.get(kind) != KINDS[kind]:
            state.requires(kind, "the saved delta state selected other properties than this dlscan reads")
    return state


def save_state(path: Path, state: DeltaState) -> None:
    document = {
        "format": STATE_FORMAT,
        "format_version": STATE_VERSION,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "service_root": state.service_root,
        "tenant": state.tenant,
        "links": state.links,
        "objects": state.objects,
        "members": state.members,
        "owners": state.owners,
        "selected": state.selected,
        "hidden_members_read": state.hidden_members_read,
    }
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    with atomic_writer(path, binary=True, compress=path.suffix == ".gz") as stream:
        stream.write(text.encode("utf-8"))
