"""Read a Microsoft 365 tenant's lists, groups, users and contacts through Graph into a snapshot.

The tenant-wide collections (domains, users, contacts, groups) are read page by page, side by side.
Members and owners are then read group by group, twenty groups to a $batch request, several batches
at once. Any request that still fails after its retries stops the collection: a tenant read in part
must never be scanned as if it were whole.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dlscan.model import Attributes, DistributionList, ListKind, Recipient, RecipientKind, Snapshot, SourceInfo
from dlscan.sources.exchange_merge import Merged
from dlscan.sources.m365 import mapping
from dlscan.sources.m365.auth import GraphSignIn
from dlscan.sources.m365.client import BATCH_LIMIT, GraphClient, GraphError
from dlscan.sources.m365.delta import KINDS, DeltaState, first_url, load_state, save_state, token_expired
from dlscan.sources.m365.exchange_online import exchange_facts
from dlscan.sources.m365.group_facts import GroupFacts, read_group_facts
from dlscan.sources.m365.problems import describe, sign_in_problem
from dlscan.sources.m365.settings import GraphSettings
from dlscan.support.errors import DlscanError
from dlscan.support.progress import Progress

PAGE = "$top=999"
DOMAINS = "/domains?$select=id,isVerified,supportedServices"

@dataclass
class _Tenant:
    domains: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    owners: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    facts: GroupFacts = field(default_factory=GroupFacts)


class M365Collector:
    def __init__(
        self, settings: GraphSettings, *, delta_state: Path | None = None, progress: Progress | None = None
    ) -> None:
        self.settings = settings
        self.delta_path = delta_state
        self.delta: DeltaState | None = None
        """After an incremental collection: the state to save once the snapshot is safely written."""
        self.incremental = False
        self.restarted: list[str] = []
        """Kinds whose delta token Graph no longer accepted, read in full instead."""
        self.reselected: list[tuple[str, str]] = []
        """(kind, why) for each kind of an incremental run whose saved link could not serve, read in full."""
        self.progress = progress or Progress("reading Microsoft 365")
        self.waits: list[float] = []
        """Every wait before a retry during the last collection, as asked for (tests read it)."""
        self.requests = 0
        self.exchange: Merged | None = None
        """With --exchange: what Exchange Online's facts changed."""

    def collect(self) -> Snapshot:
        return asyncio.run(self.collect_async())

    async def collect_async(self) -> Snapshot:
        state = None
        if self.delta_path is not None:
            state = load_state(self.delta_path, self.settings.service_root, self.settings.tenant_id)
            if state is not None and state.hidden_members_read != self.settings.read_hidden_members:
                state.requires("groups", "the saved delta state was read with another --read-hidden-members")
            state = state or DeltaState(self.settings.service_root, self.settings.tenant_id)
            state.hidden_members_read = self.settings.read_hidden_members
        sign_in = GraphSignIn(self.settings)
        client = GraphClient(self.settings, sign_in)
        try:
            tenant = await (self._read(client) if state is None else self._read_delta(client, state))
            snapshot = self._snapshot(tenant)
            if self.settings.exchange:
                self.exchange = await exchange_facts(self.settings, sign_in, snapshot)
                snapshot = self.exchange.snapshot
        except GraphError as exc:
            raise DlscanError(describe(exc, self.settings)) from None
        except Exception as exc:
            problem = sign_in_problem(exc)
            if problem is None:
                raise
            raise DlscanError(f"cannot sign in to Microsoft 365 tenant {self.settings.tenant_id}: {problem}") from None
        finally:
            self.waits, self.requests = client.waits, client.requests
            await client.close()
            await sign_in.close()
            self.progress.finish()
        return snapshot

    async def _read(self, client: GraphClient) -> _Tenant:
        tenant = _Tenant()
        # Domains first and alone: one sign-in, and a credential problem shows once, before any fan-out.
        await self._all(client, DOMAINS, tenant.domains)
        await _together(
            self._all(client, f"/users?$select={mapping.USER_FIELDS}&{PAGE}", tenant.users),
            self._all(client, f"/contacts?$select={mapping.CONTACT_FIELDS}&{PAGE}", tenant.contacts),
            self._all(client, f"/groups?$select={mapping.GROUP_FIELDS}&{PAGE}", tenant.groups),
        )
        tenant.members = await self._relations(
            client, [g["id"] for g in tenant.groups], "members", mapping.MEMBER_FIELDS
        )
        owned = [g["id"] for g in tenant.groups if mapping.graph_knows_owners(g)]
        tenant.owners = await self._relations(client, owned, "owners", "id")
        tenant.facts = await self._group_facts(client, tenant)
        return tenant

    async def _group_facts(self, client: GraphClient, tenant: _Tenant) -> GroupFacts:
        unified = [g["id"] for g in tenant.groups if mapping.list_kind(g) is ListKind.M365]
        return await read_group_facts(client, unified, self.settings.concurrency)

    async def _read_delta(self, client: GraphClient, state: DeltaState) -> _Tenant:
        self.incremental = bool(state.links or state.dropped)
        self.reselected = [(kind, state.reasons[kind]) for kind in state.dropped]
        tenant = _Tenant()
        await self._all(client, DOMAINS, tenant.domains)
        await _together(
            *(self._delta_of(client, state, kind) for kind in KINDS),
        )
        tenant.users = list(state.objects["users"].values())
        tenant.contacts = list(state.objects["contacts"].values())
        tenant.groups = list(state.objects["groups"].values())
        tenant.members = _related(state.members, state.objects["groups"])
        # The group delta tracks owners too (owners@delta), so an incremental night reads no owner list.
        owned = {g["id"] for g in tenant.groups if mapping.graph_knows_owners(g)}
        tenant.owners = _related(state.owners, owned)
        tenant.facts = await self._group_facts(client, tenant)  # no delta carries them: read every night
        self.delta = state
        return tenant

    async def _delta_of(self, client: GraphClient, state: DeltaState, kind: str) -> None:
        link = state.links.get(kind)
        if link is None:
            state.start_over(kind)
            await self._follow_delta(client, state, kind, first_url(kind))
            return
        try:
            await self._follow_delta(client, state, kind, link)
        except GraphError as exc:
            if not token_expired(exc.status, exc.code):
                raise
            self.restarted.append(kind)
            state.start_over(kind)
            await self._follow_delta(client, state, kind, first_url(kind))

    async def _follow_delta(self, client: GraphClient, state: DeltaState, kind: str, url: str) -> None:
        last: dict[str, Any] = {}
        async for page in client.pages(url):
            items = page.get("value", [])
            state.apply(kind, items)
            self.progress.advance(objects=len(items), pages=1)
            last = page
        if not last.get("@odata.deltaLink"):
            raise GraphError(0, "", "the delta query ended without a deltaLink", client.absolute(url))
        state.links[kind] = last["@odata.deltaLink"]

    def save_delta(self) -> None:
        """Keep the state for the next run; call only once the snapshot is written."""
        if self.delta_path is not None and self.delta is not None:
            save_state(self.delta_path, self.delta)

    async def _all(self, client: GraphClient, url: str, into: list[dict[str, Any]]) -> None:
        async for page in client.pages(url):
            items = page.get("value", [])
            into.extend(items)
            self.progress.advance(objects=len(items), pages=1)

    async def _relations(
        self, client: GraphClient, group_ids: list[str], relation: str, fields: str
    ) -> dict[str, list[dict[str, Any]]]:
        """Each group's members or owners, read by $batch with a bounded number of batches in flight."""
        found: dict[str, list[dict[str, Any]]] = {g: [] for g in group_ids}
        gate = asyncio.Semaphore(self.settings.concurrency)

        async def read(chunk: list[tuple[str, str]]) -> list[tuple[str, str]]:
            async with gate:
                bodies = await client.batch([url for _, url in chunk])
            more = []
            for (group_id, _), body in zip(chunk, bodies, strict=True):
                found[group_id].extend(body.get("value", []))
                self.progress.advance(objects=len(body.get("value", [])), pages=1)
                next_link = body.get("@odata.nextLink")
                if next_link:
                    more.append((group_id, next_link))
            return more

        waiting = [(g, f"/groups/{g}/{relation}?$select={fields}&{PAGE}") for g in group_ids]
        while waiting:
            batchable = [(g, client.relative(u) or u) for g, u in waiting]
            elsewhere = [(g, u) for g, u in batchable if "://" in u]
            batchable = [item for item in batchable if "://" not in item[1]]
            results = await _together(
                *(read(chunk) for chunk in _chunks(batchable, BATCH_LIMIT)),
                *(self._all(client, url, found[group_id]) for group_id, url in elsewhere),
            )
            waiting = [item for result in results if result for item in result]
        return found

    def _snapshot(self, tenant: _Tenant) -> Snapshot:
        recipients: dict[str, Recipient] = {}
        shared: dict[Attributes, Attributes] = {}
        for item in tenant.users:
            recipients[item["id"]] = mapping.recipient(item, mapping.USER_TYPE, shared)
        for item in tenant.contacts:
            recipients[item["id"]] = mapping.recipient(item, mapping.CONTACT_TYPE, shared)
        group_ids = {g["id"] for g in tenant.groups}
        lists: dict[str, DistributionList] = {}
        hidden = 0
        for item in tenant.groups:
            members = tuple(self._member(m, group_ids, recipients) for m in tenant.members.get(item["id"], []))
            owners = None
            listed = tenant.owners.get(item["id"])
            if listed is not None and mapping.owners_known(listed):
                owners = tuple(self._member(o, group_ids, recipients) for o in listed)
            unseen = mapping.members_hidden(item, self.settings.read_hidden_members)
            hidden += unseen
            facts = tenant.facts.found.get(item["id"])
            lists[item["id"]] = mapping.distribution_list(item, members, owners, members_known=not unseen, facts=facts)
        return Snapshot(
            source=SourceInfo(
                kind="m365",
                name=f"Microsoft 365 tenant {self.settings.tenant_id or urlsplit(self.settings.service_root).netloc}",
                collected_at=datetime.now(UTC).isoformat(timespec="seconds"),
            ),
            recipients=recipients,
            lists=lists,
            internal_domains=mapping.internal_domains(tenant.domains),
            notes=tuple(n for n in (_hidden_note(hidden) if hidden else None, tenant.facts.note()) if n),
        )

    @staticmethod
    def _member(item: dict[str, Any], group_ids: set[str], recipients: dict[str, Recipient]) -> str:
        """The member's id, recording the member as a recipient if the tenant-wide reads did not see it."""
        member_id = str(item["id"])
        odata_type = str(item.get("@odata.type") or "")
        if member_id in group_ids or member_id in recipients:
            return member_id
        if odata_type == mapping.GROUP_TYPE:
            # A group created after the group list was read: its members are unknown, so it cannot be judged.
            recipients[member_id] = Recipient(
                id=member_id, kind=RecipientKind.UNRESOLVED, display_name=str(item.get("displayName") or member_id)
            )
        else:
            recipients[member_id] = mapping.recipient(item, odata_type)
        return member_id


def _hidden_note(count: int) -> str:
    groups = "1 group hides its" if count == 1 else f"{count} groups hide their"
    return (
        f"{groups} membership (visibility HiddenMembership): Microsoft Graph gives their members only "
        "to an app granted Member.Read.Hidden, and says nothing of those it leaves out. Grant it and collect "
        "with --read-hidden-members to judge them."
    )


def _related(relation: dict[str, dict[str, str]], group_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Each group's members or owners, as the delta state keeps them, in the shape a relation read gives."""
    return {g: [{"id": m, "@odata.type": t} for m, t in relation.get(g, {}).items()] for g in group_ids}


async def _together(*coroutines: Any) -> list[Any]:
    """Run side by side; the first failure cancels the rest and is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as failed:
        raise _first_leaf(failed) from None
    return [task.result() for task in tasks]


def _first_leaf(group: BaseExceptionGroup) -> BaseException:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
