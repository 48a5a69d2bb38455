"""Exchange Online's own facts, read as Microsoft's ExchangeOnlineManagement v3 module reads them: each
cmdlet posted to the admin API's `InvokeCommand` over HTTPS, app-only with a token for Exchange Online.

The endpoint is not documented by Microsoft; what dlscan relies on is what the module sends and receives:
a POST of `{"CmdletInput": {"CmdletName": ..., "Parameters": {...}}}` to
`/adminapi/beta/{organisation}/InvokeCommand`, an answer `{"value": [...], "@odata.nextLink": ...}` paged
by following the next link with the same body, and throttling as 429 with Retry-After. The facts are the
ones `dlscan import exchange` reads from the cmdlets' JSON (`dlscan.sources.exchange_export`), so both
paths lay them over the snapshot the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from dlscan.model import Snapshot
from dlscan.sources.exchange_export import ExchangeList, exchange_list
from dlscan.sources.exchange_merge import Merged, merge_exchange
from dlscan.sources.m365.auth import GraphSignIn
from dlscan.sources.m365.settings import GraphSettings
from dlscan.support.errors import DlscanError
from dlscan.support.httppolicy import retry_after, transport_problem

SCOPE = "https://outlook.office365.com/.default"
ROOT = "https://outlook.office365.com"
_ANCHOR = "SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}"
"""The mailbox the module anchors app-only requests to (X-AnchorMailbox), in every tenant."""
_RETRIED = frozenset({429, 500, 502, 503, 504})
_PAGE = "odata.maxpagesize=1000"
_LONGEST_WAIT = 300.0
"""The longest Retry-After honoured: a larger one is taken as this, so that a collection always ends."""
_PERMISSION = (
    "the app needs the Office 365 Exchange Online permission Exchange.ManageAsApp and an Exchange role that "
    "reads recipients (View-Only Recipients); see docs/m365.md"
)


@dataclass(frozen=True)
class ExchangeOnlineSettings:
    organisation: str
    """The tenant's id or initial domain, as the module's -Organization takes it."""
    root: str = ROOT
    timeout: float = 60.0
    retries: int = 5
    retry_time_scale: float = 1.0
    ca_file: Path | None = None


class ExchangeOnline:
    """The cmdlets dlscan runs, over one HTTP client; `token` gives a bearer token for Exchange Online."""

    def __init__(self, settings: ExchangeOnlineSettings, token: Callable[[], Awaitable[str]]) -> None:
        self.settings = settings
        self._token = token
        root = urlsplit(settings.root)
        self._origin = (root.scheme, root.netloc)
        self.waits: list[float] = []

    async def facts(self, snapshot: Snapshot) -> Merged:
        """The tenant's distribution and dynamic lists as Exchange gives them, laid over `snapshot`."""
        verify: Any = str(self.settings.ca_file) if self.settings.ca_file else True
        async with httpx.AsyncClient(timeout=self.settings.timeout, verify=verify, follow_redirects=False) as client:
            groups = await self.invoke(client, "Get-DistributionGroup", {"ResultSize": "Unlimited"})
            dynamic = await self.invoke(client, "Get-DynamicDistributionGroup", {"ResultSize": "Unlimited"})
            owners = await self._owner_ids(client, [*groups, *dynamic])
            for item in dynamic:
                identity = str(item.get("ExternalDirectoryObjectId") or item.get("Guid"))
                parameters = {"Identity": identity, "ResultSize": "Unlimited"}
                chosen = await self.invoke(client, "Get-DynamicDistributionGroupMember", parameters)
                item["Members"] = [m.get("ExternalDirectoryObjectId") or m.get("PrimarySmtpAddress") for m in chosen]
        origin = Path("Exchange Online")
        items = [_resolved(exchange_list(origin, n, item), owners) for n, item in enumerate([*groups, *dynamic], 1)]
        return merge_exchange(snapshot, items, origin)

    async def _owner_ids(self, client: httpx.AsyncClient, items: list[dict[str, Any]]) -> dict[str, str | None]:
        """Each owner name ManagedBy gives, to its directory id: Exchange names owners, it does not link them."""
        names = sorted({str(n) for item in items for n in _names(item.get("ManagedBy"))})
        found: dict[str, str | None] = {}
        for name in names:
            answer = await self.invoke(client, "Get-Recipient", {"Identity": name, "ResultSize": "2"}, missing_ok=True)
            # A name two recipients share names neither for certain: that list's owners stay unknown.
            found[name] = str(answer[0].get("ExternalDirectoryObjectId") or "") or None if len(answer) == 1 else None
        return found

    async def invoke(
        self, client: httpx.AsyncClient, cmdlet: str, parameters: dict[str, Any], *, missing_ok: bool = False
    ) -> list[dict[str, Any]]:
        """Every object one cmdlet returns, page after page; `missing_ok`: an identity Exchange cannot find
        (it answers 400 or 404) returns none."""
        url: str | None = f"{self.settings.root}/adminapi/beta/{self.settings.organisation}/InvokeCommand"
        body = {"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters}}
        found: list[dict[str, Any]] = []
        while url is not None:
            parts = urlsplit(url)
            if (parts.scheme, parts.netloc) != self._origin:  # the token goes to Exchange Online, as it was reached
                raise DlscanError(
                    f"Exchange Online: {cmdlet} pointed its next page elsewhere ({parts.scheme}://{parts.netloc})"
                )
            page = await self._post(client, url, cmdlet, body, missing_ok=missing_ok)
            values = page.get("value")
            if not isinstance(values, list):
                raise DlscanError(f"Exchange Online: {cmdlet} answered without a list of results")
            found.extend(v for v in values if isinstance(v, dict))
            url = page.get("@odata.nextLink") or None
        return found

    async def _post(
        self, client: httpx.AsyncClient, url: str, cmdlet: str, body: dict[str, Any], *, missing_ok: bool = False
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            headers = {
                "Authorization": f"Bearer {await self._token()}",
                "X-AnchorMailbox": f"APP:{_ANCHOR}@{self.settings.organisation}",
                "Prefer": _PAGE,
                "Accept": "application/json",
            }
            try:
                reply = await client.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                if attempt >= self.settings.retries:
                    raise DlscanError(f"Exchange Online: {cmdlet}: {transport_problem(exc)}") from None
                await self._wait(retry_after(None, attempt))
                attempt += 1
                continue
            if reply.status_code in _RETRIED:
                if attempt >= self.settings.retries:
                    raise DlscanError(
                        f"Exchange Online: {cmdlet} was still throttled or unavailable (HTTP {reply.status_code}) "
                        f"after {self.settings.retries} retries"
                    )
                await self._wait(retry_after(reply.headers.get("Retry-After"), attempt, limit=_LONGEST_WAIT))
                attempt += 1
                continue
            if missing_ok and reply.status_code in (400, 404):
                return {"value": []}
            return _answer(reply, cmdlet)

    async def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(seconds * self.settings.retry_time_scale)


async def exchange_facts(settings: GraphSettings, sign_in: GraphSignIn, snapshot: Snapshot) -> Merged:
    """What Exchange Online says, laid over a tenant's snapshot just read from Graph."""
    reader = ExchangeOnline(
        ExchangeOnlineSettings(
            organisation=settings.tenant_id or "",
            root=settings.exchange_root,
            timeout=settings.timeout,
            retries=settings.retries,
            retry_time_scale=settings.retry_time_scale,
            ca_file=settings.ca_file,
        ),
        lambda: sign_in.token_for(SCOPE, settings.exchange_token),
    )
    return await reader.facts(snapshot)


def _answer(reply: httpx.Response, cmdlet: str) -> dict[str, Any]:
    if reply.status_code in (401, 403):
        raise DlscanError(f"Exchange Online refused {cmdlet} ({reply.status_code}): {_PERMISSION}")
    if reply.status_code != 200:
        raise DlscanError(f"Exchange Online: {cmdlet} failed with HTTP {reply.status_code}")
    try:
        answer = reply.json()
    except ValueError:
        raise DlscanError(f"Exchange Online: {cmdlet} answered with something that is not JSON") from None
    if not isinstance(answer, dict):
        raise DlscanError(f"Exchange Online: {cmdlet} answered with something that is not an object")
    return answer


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return [value] if isinstance(value, str) and value.strip() else []


def _resolved(item: ExchangeList, owners: dict[str, str | None]) -> ExchangeList:
    """The list with its owners by directory id; an owner whose name could not be resolved for certain makes
    its owners unknown, never "none"."""
    if item.managed_by is None:
        return item
    ids = [owners.get(name) for name in item.managed_by]
    if any(i is None for i in ids):
        return replace(item, managed_by=None)
    return replace(item, managed_by=tuple(i for i in ids if i))
