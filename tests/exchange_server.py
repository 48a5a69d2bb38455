"""A local Exchange Online admin API: `InvokeCommand` answered in the shapes Microsoft's
ExchangeOnlineManagement v3 module receives (a `value` list, `@odata.nextLink` paging followed with the
same body, 429 with Retry-After when throttled), holding the sample council as Exchange Online would."""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from graph_tenant import graph_id
from local_http import JsonHandler, LocalService
from werkzeug.wrappers import Response

from dlscan.model import ListKind
from dlscan.sources import load_source
from dlscan.sources.ldif import read_ldif

TOKEN = "exo-token"
_PATH = re.compile(r"^/adminapi/beta/([^/]+)/InvokeCommand$")


@dataclass
class ExchangeState:
    organisation: str
    groups: list[dict[str, Any]] = field(default_factory=list)
    dynamic: list[dict[str, Any]] = field(default_factory=list)
    recipients: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Name -> the recipient Get-Recipient gives."""
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """A dynamic list's Guid -> the members Exchange computes for it."""
    shared_names: set[str] = field(default_factory=set)
    """Names Get-Recipient finds two recipients for."""
    next_link_base: str | None = None
    """Where next links point, if not here (a server that sends the client, and its token, elsewhere)."""
    page_size: int = 1000
    throttled: int = 0
    """How many requests, from the next, to answer 429 with Retry-After."""
    log: list[tuple[str, str, str]] = field(default_factory=list)
    """(cmdlet, X-AnchorMailbox, page token) of every request answered."""
    lock: threading.Lock = field(default_factory=threading.Lock)


def exchange_from_ldif(path: Path, organisation: str) -> ExchangeState:
    """What Exchange Online holds for an AD export synchronised to it (as tests/graph_tenant.py does for Graph)."""
    records = {r.dn.lower(): r for r in read_ldif(path)}
    state = ExchangeState(organisation)

    def name(record) -> str:
        return str(record.first("displayname") or record.dn.split(",")[0].split("=", 1)[1])

    for record in records.values():
        address = next((p[5:] for p in record.texts("proxyaddresses") if p.startswith("SMTP:")), record.first("mail"))
        if address:
            state.recipients[name(record)] = {"Name": name(record), "ExternalDirectoryObjectId": graph_id(record.dn),
                                              "PrimarySmtpAddress": address}  # fmt: skip
        classes = {c.lower() for c in record.texts("objectclass")}
        if not address or not classes & {"group", "msexchdynamicdistributionlist"}:
            continue
        item = {
            "Name": name(record),
            "DisplayName": name(record),
            "Guid": str(uuid.UUID(bytes_le=record.first("objectguid"))),
            "ExternalDirectoryObjectId": graph_id(record.dn),
            "PrimarySmtpAddress": address,
            "RequireSenderAuthenticationEnabled": record.first("msexchrequireauthtosendto") == "TRUE",
            "HiddenFromAddressListsEnabled": record.first("msexchhidefromaddresslists") == "TRUE",
            "ManagedBy": [name(records[dn.lower()]) for dn in record.texts("managedby")],
            "AcceptMessagesOnlyFromSendersOrMembers": [],
        }
        if "group" in classes:
            state.groups.append(item | {"RecipientTypeDetails": "MailUniversalDistributionGroup"})
        else:
            # A dynamic list lives in Exchange Online alone, with no Entra object: no ExternalDirectoryObjectId.
            state.dynamic.append(
                item | {"ExternalDirectoryObjectId": "", "RecipientFilter": record.first("msexchqueryfilter")}
            )
    # What Exchange computes for each dynamic list: the expansion tests/test_ldap.py checks against a DC.
    sample = load_source(path)
    for group in sample.lists.values():
        if group.kind is ListKind.DYNAMIC:
            chosen = [sample.recipients.get(m) or sample.lists[m] for m in group.members]
            state.members[group.id] = [{"ExternalDirectoryObjectId": graph_id(m.dn)} for m in chosen]
    return state


class ExchangeHandler(JsonHandler):
    state: ExchangeState
    base: str

    def do_POST(self) -> Response:
        return self.reply(*self.answer(self.read_json()))

    def answer(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
        state = self.state
        parts = urlsplit(self.path)
        match = _PATH.match(parts.path)
        if match is None or match.group(1) != state.organisation:
            return 404, {}, {"error": {"code": "NotFound", "message": f"no such endpoint {parts.path}"}}
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {}, {"error": {"code": "Unauthorized", "message": "The token is not valid for this API."}}
        with state.lock:
            if state.throttled > 0:
                state.throttled -= 1
                return 429, {"Retry-After": "3"}, {"error": {"code": "TooManyRequests", "message": "Throttled."}}
        command = payload.get("CmdletInput") or {}
        cmdlet, parameters = command.get("CmdletName"), command.get("Parameters") or {}
        skip = int(parse_qs(parts.query).get("$skiptoken", ["0"])[0])
        with state.lock:
            state.log.append((str(cmdlet), self.headers.get("X-AnchorMailbox") or "", str(skip)))
        if cmdlet == "Get-DistributionGroup":
            items = state.groups
        elif cmdlet == "Get-DynamicDistributionGroup":
            items = state.dynamic
        elif cmdlet == "Get-Recipient":
            identity = str(parameters.get("Identity"))
            found = state.recipients.get(identity)
            if found is None:  # as the cmdlet does: an error, not an empty answer
                message = f"The operation couldn't be performed because object '{identity}' couldn't be found."
                return 404, {}, {"error": {"code": "NotFound", "message": message}}
            items = [found, found] if identity in state.shared_names else [found]
        elif cmdlet == "Get-DynamicDistributionGroupMember":
            items = state.members.get(str(parameters.get("Identity")), [])
        else:
            return 400, {}, {"error": {"code": "BadRequest", "message": f"unknown cmdlet {cmdlet}"}}
        page = items[skip : skip + state.page_size]
        answer: dict[str, Any] = {"@odata.context": f"{self.base}/$metadata#Collection", "value": page}
        if skip + state.page_size < len(items):
            answer["@odata.nextLink"] = (
                f"{state.next_link_base or self.base}{parts.path}?$skiptoken={skip + state.page_size}"
            )
        return 200, {}, answer


class ExchangeServer(LocalService):
    def __init__(self, state: ExchangeState) -> None:
        self.state = state
        handler = type("Handler", (ExchangeHandler,), {"state": state})
        super().__init__(handler)
        handler.base = self.url
