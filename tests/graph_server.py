"""A Graph-compatible HTTP server for tests and benchmarks: a tenant in memory behind Graph's v1.0 URLs.

It speaks what dlscan reads: collections paged by @odata.nextLink, $select (unknown properties are
refused, as Graph does), typed members and owners, /domains, $batch, single-object reads and delta
queries. Faults are scripted: throttling with Retry-After, 5xx, 401/403 by permission, and a failure on
a chosen page. Run it alone with `python tests/graph_server.py TENANT.json` (prints its URL).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from graph_tenant import Tenant
from local_http import JsonHandler, LocalService
from werkzeug.wrappers import Response

ODATA_TYPES = {
    "users": "#microsoft.graph.user",
    "contacts": "#microsoft.graph.orgContact",
    "groups": "#microsoft.graph.group",
}
PERMISSIONS = {
    "domains": {"Domain.Read.All", "Directory.Read.All"},
    "users": {"User.Read.All", "Directory.Read.All"},
    "contacts": {"OrgContact.Read.All", "Directory.Read.All"},
    "groups": {"Group.Read.All", "GroupMember.Read.All", "Directory.Read.All"},
}
HIDDEN_MEMBERS = "Member.Read.Hidden"
"""group-list-members.md: needed to list the members of a group whose visibility is HiddenMembership.
Without it the members are left out and nothing says so, as admins report (an empty answer)."""
ALL_PERMISSIONS = frozenset({HIDDEN_MEMBERS, *(p for ps in PERMISSIONS.values() for p in ps)})


@dataclass
class Fault:
    """Answer `status` to requests whose path matches `path` (a regex), `times` times (None: always)."""

    path: str
    status: int
    times: int | None = 1
    page: int | None = None
    """Only the n-th page (1-based) of a collection."""
    retry_after: str | None = None
    in_batch: bool | None = None
    """True: only inside $batch; False: only outside; None: both."""
    query: str | None = None
    """Only requests whose query string contains this regex."""
    code: str | None = None
    """The error code Graph gives (delta-query-overview.md: syncStateNotFound for a lost delta state)."""
    hits: int = 0

    def applies(self, path: str, query: str, page: int, in_batch: bool) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.query is not None and not re.search(self.query, query):
            return False
        if self.in_batch is not None and self.in_batch != in_batch:
            return False
        if self.page is not None and self.page != page:
            return False
        if not re.fullmatch(self.path, path):
            return False
        self.hits += 1
        return True


@dataclass
class GraphState:
    tenant: Tenant
    tokens: dict[str, frozenset[str]] = field(default_factory=lambda: {"good-token": ALL_PERMISSIONS})
    faults: list[Fault] = field(default_factory=list)
    page_size: int = 999
    """The most objects on one page, whatever $top asks (Graph caps some collections, too)."""
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    priorities: list[str | None] = field(default_factory=list)
    """The x-ms-throttle-priority each request asked for (throttling.md)."""
    batch_fails_when_throttled: bool = True
    """As throttling.md documents: a $batch with a throttled item answers 424; False answers 200."""
    canned: dict[str, Any] = field(default_factory=dict)
    """Path (e.g. /v1.0/groups) -> a body answered as given, whatever the query: a documented example."""


class GraphHandler(JsonHandler):
    state: GraphState
    base: str

    def do_GET(self) -> Response:
        return self.reply(*self.answer("GET", self.path, None, in_batch=False))

    def do_POST(self) -> Response:
        return self.reply(*self.answer("POST", self.path, self.read_json(), in_batch=False))

    def answer(self, method: str, raw: str, payload: Any, *, in_batch: bool) -> tuple[int, dict[str, str], Any]:
        state = self.state
        parts = urlsplit(raw)
        path = re.sub("/+", "/", parts.path)
        if in_batch:
            path = "/v1.0" + path if not path.startswith("/v1.0") else path
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with state.lock:
            state.log.append(f"{method} {path}?{parts.query}" if parts.query else f"{method} {path}")
        if not in_batch:
            with state.lock:
                state.priorities.append(self.headers.get("x-ms-throttle-priority"))
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            if token not in state.tokens:
                return _error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
            self.granted = state.tokens[token]
        if method == "POST" and path == "/v1.0/$batch":
            return self.batch(payload)
        page = int(query.get("$skiptoken", "0")) // max(1, _top(query, state)) + 1
        with state.lock:
            fault = next((f for f in state.faults if f.applies(path, parts.query, page, in_batch)), None)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            code = {401: "InvalidAuthenticationToken", 403: "Authorization_RequestDenied", 429: "TooManyRequests"}
            return (
                fault.status,
                headers,
                _error(fault.status, fault.code or code.get(fault.status, "ServiceUnavailable"), "Scripted fault.")[2],
            )
        if path in state.canned:
            return 200, {}, state.canned[path]
        segments = path.split("/")[2:]
        if not segments or segments[0] not in PERMISSIONS:
            return _error(404, "Request_ResourceNotFound", f"Resource '{path}' does not exist.")
        if not self.granted & PERMISSIONS[segments[0]]:
            return _error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        try:
            return 200, {}, self.route(segments, query)
        except LookupError as exc:
            return _error(404, "Request_ResourceNotFound", str(exc))
        except ValueError as exc:
            return _error(400, "BadRequest", str(exc))

    def route(self, segments: list[str], query: dict[str, str]) -> Any:
        tenant = self.state.tenant
        kind = segments[0]
        if kind == "domains" and len(segments) == 1:
            return self.collection("domains", [dict(d) for d in tenant.domains], query)
        if len(segments) == 2 and segments[1] == "delta":
            return tenant.delta(kind, query, self.link, hidden_readable=HIDDEN_MEMBERS in self.granted)
        objects = tenant.collection(kind)
        if len(segments) == 1:
            return self.collection(kind, list(objects.values()), query)
        if segments[1] not in objects:
            raise LookupError(
                f"Resource '{segments[1]}' does not exist or one of its queried reference-property "
                "objects are not present."
            )
        if len(segments) == 2:
            return _select(objects[segments[1]], query, None)
        if kind == "groups" and len(segments) == 3 and segments[2] in ("members", "owners"):
            ids = (tenant.members if segments[2] == "members" else tenant.owners).get(segments[1], [])
            if segments[2] == "members" and tenant.hides_members(segments[1]) and HIDDEN_MEMBERS not in self.granted:
                ids = []
            return self.collection(f"groups/{segments[1]}/{segments[2]}", [tenant.typed(i) for i in ids], query)
        raise LookupError("no such resource")

    def collection(self, path: str, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        top = _top(query, self.state)
        start = int(query.get("$skiptoken", "0"))
        chosen = [_select(item, query, item.get("@odata.type")) for item in items[start : start + top]]
        for item in chosen:  # group.md: "Supported only on the Get group API (GET /groups/{ID})"
            for name in _SINGLE_READ_ONLY:
                item.pop(name, None)
        body: dict[str, Any] = {"@odata.context": f"{self.base}/$metadata#{path}", "value": chosen}
        if start + top < len(items):
            body["@odata.nextLink"] = self.link(path, {**query, "$skiptoken": str(start + top)})
        return body

    def link(self, path: str, query: dict[str, str]) -> str:
        return f"{self.base}/{path}?{urlencode(query, safe='$,')}"

    def batch(self, payload: Any) -> tuple[int, dict[str, str], Any]:
        requests = payload.get("requests") if isinstance(payload, dict) else None
        if not isinstance(requests, list) or not 1 <= len(requests) <= 20:
            return _error(400, "BadRequest", "A batch holds between 1 and 20 requests.")
        responses = []
        for request in requests:
            status, headers, body = self.answer(request["method"], request["url"], None, in_batch=True)
            responses.append({"id": request["id"], "status": status, "headers": headers, "body": body})
        # throttling.md: a throttled item fails with 429, and "the batch itself fails with a status code of 424".
        throttled = any(r["status"] == 429 for r in responses)
        return (424 if throttled and self.state.batch_fails_when_throttled else 200), {}, {"responses": responses}


def _top(query: dict[str, str], state: GraphState) -> int:
    top = int(query.get("$top", state.page_size))
    if not 1 <= top <= 999:
        raise ValueError(f"Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive.")
    return min(top, state.page_size)


def _select(item: dict[str, Any], query: dict[str, str], odata_type: str | None) -> dict[str, Any]:
    chosen = query.get("$select")
    if not chosen:
        return {k: v for k, v in item.items() if not k.startswith("_")}
    names = [n.strip() for n in chosen.split(",") if n.strip()]
    known = set(item) | set(_KNOWN_PROPERTIES)
    for name in names:
        if name not in known:
            raise ValueError(f"Could not find a property named '{name}' on type 'microsoft.graph.directoryObject'.")
    picked = {"id": item["id"], **{n: item.get(n) for n in names if n in item}}
    if odata_type:
        picked = {"@odata.type": odata_type, **picked}
    return picked


_SINGLE_READ_ONLY = ("allowExternalSenders", "hideFromAddressLists")

_KNOWN_PROPERTIES = [
    *_SINGLE_READ_ONLY,
    "id",
    "displayName",
    "mail",
    "mailEnabled",
    "securityEnabled",
    "groupTypes",
    "proxyAddresses",
    "description",
    "userType",
    "creationType",
    "externalUserState",
    "accountEnabled",
    "userPrincipalName",
    "isVerified",
    "supportedServices",
    "mailNickname",
    "members",
    "companyName",
    "department",
    "onPremisesExtensionAttributes",
    "onPremisesDistinguishedName",
    "onPremisesSyncEnabled",
    "isAssignableToRole",
    "visibility",
    "membershipRule",
    "membershipRuleProcessingState",
    "resourceProvisioningOptions",
    "owners",
]


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], Any]:
    return status, {}, {"error": {"code": code, "message": message, "innerError": {"request-id": "test"}}}


class GraphServer(LocalService):
    """The server on 127.0.0.1, in a background thread, until `close()`."""

    def __init__(self, tenant: Tenant, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = GraphState(tenant)
        handler = type("Handler", (GraphHandler,), {"state": self.state})
        super().__init__(handler, host=host, port=port)
        handler.base = f"{self.url}/v1.0"


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as stream:
        served = GraphServer(Tenant.from_json(json.load(stream)), port=int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(served.url, flush=True)
    threading.Event().wait()
