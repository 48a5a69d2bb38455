"""Ticket systems on 127.0.0.1 that speak enough of Jira's REST API, ServiceNow's Table API and a webhook
receiver to create, find, comment on and close tickets, with switches to be down or to lose an answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from local_http import LocalServer, hang_up, json_answer
from werkzeug.wrappers import Request, Response

DROP = object()
"""Returned by an app: do the work but hang up without answering (the answer is lost on the way)."""


@dataclass
class App:
    down: bool = False
    """Answer 503 to everything, as a system in maintenance does."""
    lose_next_create: bool = False
    throttle: int = 0
    """Answer this many next requests with 429 and Retry-After."""
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    expected_auth: str = ""

    def dispatch(self, method: str, path: str, query: dict[str, str], body: Any, headers: Any) -> Any:
        with self.lock:
            self.requests.append((method, path))
            if self.down:
                return 503, {"error": "down for maintenance"}
            if self.throttle:
                self.throttle -= 1
                return 429, {"error": "too many requests"}, {"Retry-After": "7"}
            if self.expected_auth and headers.get("Authorization") != self.expected_auth:
                return 401, {"error": "unauthorised"}
            return self.handle(method, path, query, body, headers)

    def handle(self, method: str, path: str, query: dict[str, str], body: Any, headers: Any) -> Any:
        raise NotImplementedError


@dataclass
class JiraApp(App):
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: Any = field(default_factory=lambda: itertools.count(1))
    open_transitions: dict[str, str] = field(default_factory=lambda: {"11": "In Progress", "31": "Done"})
    reopen_transitions: dict[str, str] = field(default_factory=lambda: {"41": "To Do"})

    def handle(self, method, path, query, body, headers):
        match = re.fullmatch(r"/rest/api/(2|3)/(.*)", path)
        if not match:
            return 404, {"errorMessages": ["not found"]}
        version, rest = int(match.group(1)), match.group(2)
        if method == "POST" and rest == "issue":
            fields = body["fields"]
            description_ok = isinstance(fields["description"], dict if version == 3 else str)
            if not description_ok or not fields.get("summary") or "project" not in fields:
                return 400, {"errors": {"description": "bad format"}}
            key = f"{fields['project']['key']}-{next(self.counter)}"
            self.issues[key] = {"fields": fields, "comments": [], "status": "To Do"}
            if self.lose_next_create:
                self.lose_next_create = False
                return DROP
            return 201, {"id": key.split("-")[1], "key": key, "self": f"/rest/api/{version}/issue/{key}"}
        if method == "GET" and rest in ("search", "search/jql"):
            label = re.fullmatch(r'labels = "([^"]+)"', query.get("jql", ""))
            found = [k for k, i in self.issues.items() if label and label.group(1) in i["fields"]["labels"]]
            return 200, {"issues": [{"key": k} for k in found]}
        if method == "POST" and rest == "issueLink":
            inward, outward = body["inwardIssue"]["key"], body["outwardIssue"]["key"]
            if inward not in self.issues or outward not in self.issues:
                return 404, {"errorMessages": ["Issue does not exist"]}
            self.issues[inward].setdefault("links", []).append((body["type"]["name"], outward))
            return 201, None
        issue = re.fullmatch(r"issue/([A-Z]+-\d+)/(comment|transitions)", rest)
        if not issue or issue.group(1) not in self.issues:
            return 404, {"errorMessages": ["Issue does not exist"]}
        record = self.issues[issue.group(1)]
        if issue.group(2) == "comment" and method == "POST":
            record["comments"].append(body["body"])
            return 201, {"id": str(len(record["comments"]))}
        # As Jira's simplified workflow: from Done the way back is "To Do" (unless the workflow has none).
        offered = self.reopen_transitions if record["status"] == "Done" else self.open_transitions
        if issue.group(2) == "transitions" and method == "GET":
            return 200, {"transitions": [{"id": i, "name": n} for i, n in offered.items()]}
        if issue.group(2) == "transitions" and method == "POST":
            chosen = body["transition"]["id"]
            if chosen not in offered:
                return 400, {"errorMessages": [f"transition {chosen} is not valid from {record['status']}"]}
            record["status"] = offered[chosen]
            return 204, None
        return 405, {"errorMessages": ["method not allowed"]}


@dataclass
class ServiceNowApp(App):
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: Any = field(default_factory=lambda: itertools.count(1))

    def handle(self, method, path, query, body, headers):
        match = re.fullmatch(r"/api/now/table/incident(?:/([0-9a-f]+))?", path)
        if not match:
            return 404, {"error": {"message": "Invalid table"}}
        sys_id = match.group(1)
        if method == "POST" and sys_id is None:
            number = next(self.counter)
            sys_id = f"{number:032x}"
            self.records[sys_id] = dict(body) | {
                "sys_id": sys_id,
                "number": f"INC{number:07d}",
                "state": "1",
                "work_notes_log": [],
            }
            if self.lose_next_create:
                self.lose_next_create = False
                return DROP
            return 201, {"result": self.records[sys_id]}
        if method == "GET" and sys_id is None:
            wanted = query.get("sysparm_query", "").removeprefix("correlation_id=")
            found = [r for r in self.records.values() if r.get("correlation_id") == wanted]
            return 200, {"result": [{"sys_id": r["sys_id"], "number": r["number"]} for r in found[:1]]}
        if method == "PATCH" and sys_id in self.records:
            record = self.records[sys_id]
            if "work_notes" in body:
                record["work_notes_log"].append(body.pop("work_notes"))
            record.update(body)
            return 200, {"result": record}
        return 404, {"error": {"message": "No Record found"}}


@dataclass
class WebhookApp(App):
    secret: str = ""
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    bad_signatures: int = 0

    def handle(self, method, path, query, body, headers):
        raw = headers["_raw"]
        if self.secret:
            expected = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, headers.get("X-Dlscan-Signature", "")):
                self.bad_signatures += 1
                return 401, {"error": "bad signature"}
        self.deliveries.append({"key": headers.get("Idempotency-Key"), "body": body})
        if self.lose_next_create:
            self.lose_next_create = False
            return DROP
        return 202, {"accepted": True}


def _respond(app: App, request: Request) -> Response:
    if request.method not in ("GET", "POST", "PATCH"):  # what the three APIs are called with; nothing else is heard
        return json_answer(501, None)
    raw = request.get_data()
    body = json.loads(raw) if raw else None
    query = {k: v[-1] for k, v in parse_qs(request.query_string.decode()).items()}
    headers = dict(request.headers) | {"_raw": raw}
    answer = app.dispatch(request.method, request.path, query, body, headers)
    if answer is DROP:
        return hang_up(request)
    status, payload, *extra = answer
    return json_answer(status, payload, *extra)


class TicketServer:
    def __init__(self, app: App) -> None:
        self.app = app
        self._listening = LocalServer(lambda request: _respond(app, request))
        self.url = self._listening.url

    def close(self) -> None:
        self._listening.close()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
