"""Requests to Graph through Microsoft's SDK stack, with JSON read directly.

msgraph-core and kiota send every request: sign-in, the token, redirects and the retry middleware that
honours Retry-After on 429 and 503. Responses are parsed with `json.loads` rather than into SDK model
objects: those cost milliseconds each, and a tenant has hundreds of thousands of memberships.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from kiota_abstractions.method import Method
from kiota_abstractions.native_response_handler import NativeResponseHandler
from kiota_abstractions.request_information import RequestInformation
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware import RetryHandler
from kiota_http.middleware.options import ResponseHandlerOption, RetryHandlerOption
from msgraph_core import BaseGraphRequestAdapter, GraphClientFactory

from dlscan.sources.m365.auth import GraphSignIn
from dlscan.sources.m365.settings import GraphSettings
from dlscan.support.httppolicy import asked_seconds, backoff, retry_after, transport_problem

RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
BATCH_LIMIT = 20
"""Graph's most requests in one $batch."""


@dataclass(frozen=True)
class GraphError(Exception):
    status: int
    """The HTTP status, or 0 when no answer came."""
    code: str
    message: str
    url: str

    def __str__(self) -> str:
        what = f"HTTP {self.status}" if self.status else "no answer"
        detail = f" {self.code}" if self.code else ""
        return f"{what}{detail} for {self.url}: {self.message}".rstrip(": ")


def _placed(page: dict[str, Any], url: str) -> dict[str, Any]:
    """The page, once every object in it has an id. Microsoft's own examples are shortened and often have
    none (group-list.md, user-list.md); Graph itself always gives one, and an object without one could be
    matched to nothing, so such an answer is refused, never read in part."""
    for item in page.get("value") or ():
        if not _has_id(item) or not all(map(_has_id, _changes(item))):
            raise GraphError(200, "", "the answer holds an object without an id, which dlscan cannot place", url)
    return page


def _has_id(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("id"), str) and bool(item["id"])


def _changes(item: Any) -> list[Any]:
    """A delta object's changed members and owners (members@delta, owners@delta), each needing an id too."""
    if not isinstance(item, dict):
        return []
    return [c for key in ("members@delta", "owners@delta") for c in (item.get(key) or ())]


class _RecordedRetry(RetryHandler):
    """kiota's retry middleware, with each wait recorded and scaled (tests scale waits to nothing)."""

    def __init__(self, options: RetryHandlerOption, scale: float, waits: list[float]) -> None:
        super().__init__(options)
        self.retry_on_status_codes = set(RETRIED_STATUSES)
        self._scale = scale
        self._waits = waits

    def get_delay_time(self, retry_count: int, response: Any = None, delay: float = 0) -> float:
        # throttling.md's own sample asks for `Retry-After: 2.128`, which kiota reads as whole seconds only
        # (and so ignores, falling back to its back-off): a decimal number of seconds is honoured here.
        asked = asked_seconds(response.headers.get("retry-after") if response is not None else None)
        wait = asked if asked else super().get_delay_time(retry_count, response, delay)
        self._waits.append(wait)
        return wait * self._scale if wait < RetryHandlerOption.MAX_DELAY else wait


class GraphClient:
    def __init__(self, settings: GraphSettings, sign_in: GraphSignIn) -> None:
        self.settings = settings
        self.waits: list[float] = []
        """Every wait before a retry, as Graph asked or back-off chose, in seconds."""
        self.requests = 0
        verify: ssl.SSLContext | bool = True
        if settings.ca_file is not None:
            verify = ssl.create_default_context(cafile=str(settings.ca_file))
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.timeout),
            verify=verify,
            limits=httpx.Limits(max_connections=settings.concurrency * 2),
        )
        middleware = [
            _RecordedRetry(
                RetryHandlerOption(delay=0, max_retries=settings.retries), settings.retry_time_scale, self.waits
            )
            if isinstance(handler, RetryHandler)
            else handler
            for handler in KiotaClientFactory.get_default_middleware(None)
        ]
        self._http = GraphClientFactory.create_with_custom_middleware(middleware, client=http)
        self._adapter = BaseGraphRequestAdapter(sign_in.provider, http_client=self._http)
        self._adapter.base_url = settings.base_url

    async def close(self) -> None:
        await self._http.aclose()

    def absolute(self, url: str) -> str:
        return url if "://" in url else self.settings.base_url + url

    def relative(self, url: str) -> str | None:
        """The part of a Graph URL after the version root, for a $batch item; None for another host."""
        return url[len(self.settings.base_url) :] if url.startswith(self.settings.base_url + "/") else None

    async def get(self, url: str) -> dict[str, Any]:
        return await self._send(Method.GET, url, None)

    async def pages(self, url: str) -> AsyncIterator[dict[str, Any]]:
        """Every page of a collection, following @odata.nextLink; the last page holds any @odata.deltaLink."""
        next_url: str | None = url
        while next_url:
            page = _placed(await self.get(next_url), self.absolute(next_url))
            yield page
            next_url = page.get("@odata.nextLink")

    async def batch(self, urls: list[str], *, refused_ok: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
        """The bodies of up to 20 GETs sent as one $batch; items Graph throttles are sent again. An item
        answered with a status in `refused_ok` gives `{REFUSED: status}` instead of raising."""
        pending = {str(i): url for i, url in enumerate(urls)}
        bodies: dict[str, dict[str, Any]] = {}
        # The last attempt re-queues nothing (a throttled item then raises), so the loop always ends in
        # a break or a raise.
        for attempt in range(self.settings.retries + 1):
            # throttling.md: when an item is throttled "the batch itself fails with a status code of 424";
            # its answer still holds each item's own status and Retry-After, read as a 200's is.
            requests = [{"id": k, "method": "GET", "url": u} for k, u in pending.items()]
            reply = await self._send(Method.POST, "/$batch", {"requests": requests}, also=(424,))
            again: dict[str, str] = {}
            wait = 0.0
            for item in reply.get("responses", []):
                key = str(item.get("id"))
                if key not in pending:
                    continue
                status = int(item.get("status", 0))
                body = item.get("body") if isinstance(item.get("body"), dict) else {}
                if 200 <= status < 300:
                    bodies[key] = _placed(body, self.absolute(pending[key]))
                elif status in refused_ok:
                    bodies[key] = {REFUSED: status}
                elif status in _RETRIED_IN_BATCH and attempt < self.settings.retries:
                    again[key] = pending[key]
                    wait = max(wait, _retry_after(item.get("headers") or {}, attempt))
                else:
                    raise _error(status, body, self.absolute(pending[key]))
            missing = [k for k in pending if k not in bodies and k not in again]
            if missing:
                raise GraphError(0, "", "the $batch answer left out a request", self.absolute(pending[missing[0]]))
            if not again:
                break
            self.waits.append(wait)
            await asyncio.sleep(wait * self.settings.retry_time_scale)
            pending = again
        return [bodies[str(i)] for i in range(len(urls))]

    async def _send(
        self, method: Method, url: str, body: dict[str, Any] | None, also: tuple[int, ...] = ()
    ) -> dict[str, Any]:
        """The JSON answer; a status outside 2xx and `also` raises GraphError."""
        target = self.absolute(url)
        attempt = 0
        while True:
            info = RequestInformation(method)
            info.url = target
            info.headers.try_add("Accept", "application/json")
            # throttling.md: a batch job's requests marked Low are throttled first, before people's work.
            info.headers.try_add("x-ms-throttle-priority", "Low")
            if body is not None:
                info.headers.try_add("Content-Type", "application/json")
                info.content = json.dumps(body).encode()
            info.add_request_options([ResponseHandlerOption(NativeResponseHandler())])
            self.requests += 1
            try:
                response: httpx.Response = await self._adapter.send_primitive_async(info, "bytes", None)
            except httpx.TransportError as exc:
                # The retry middleware sees answers only; a dropped connection or a timeout is retried here.
                if attempt >= self.settings.retries:
                    raise GraphError(0, "", transport_problem(exc), target) from None
                wait = backoff(attempt)
                self.waits.append(wait)
                await asyncio.sleep(wait * self.settings.retry_time_scale)
                attempt += 1
                continue
            return _json_of(response, target, also)


def _json_of(response: httpx.Response, url: str, also: tuple[int, ...] = ()) -> dict[str, Any]:
    try:
        document = json.loads(response.content) if response.content else {}
    except ValueError:
        document = None
    if not 200 <= response.status_code < 300 and response.status_code not in also:
        raise _error(response.status_code, document if isinstance(document, dict) else {}, url)
    if not isinstance(document, dict):
        raise GraphError(response.status_code, "", "the answer is not a JSON object", url)
    return document


def _error(status: int, body: dict[str, Any], url: str) -> GraphError:
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    message = str(error.get("message") or "").splitlines()[0:1]
    return GraphError(status, str(error.get("code") or ""), message[0] if message else "", url)


_RETRIED_IN_BATCH = frozenset({*RETRIED_STATUSES, 424})
REFUSED = "@dlscan.refused"
"""The key of a $batch item's body that Graph refused with a status the caller accepts (`batch`)."""
"""An item that failed because another was throttled (424 Failed Dependency) is sent again with it."""


def _retry_after(headers: dict[str, Any], attempt: int) -> float:
    """A $batch item's own Retry-After (its headers are a plain mapping, in any case)."""
    value = next((v for name, v in headers.items() if name.lower() == "retry-after"), None)
    return retry_after(value, attempt)
