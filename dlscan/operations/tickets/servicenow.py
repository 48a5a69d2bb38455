"""ServiceNow, Table API: an incident per finding, its correlation id the finding's id."""

from __future__ import annotations

from dlscan.findings import Severity
from dlscan.operations.tickets.base import TicketContent, TicketRef, TicketSystem
from dlscan.operations.tickets.http import TicketHttp

# ServiceNow's 1 (high) to 3 (low) scales.
_URGENCY = {Severity.CRITICAL: "1", Severity.HIGH: "1", Severity.MEDIUM: "2", Severity.LOW: "3", Severity.INFO: "3"}
_IMPACT = {Severity.CRITICAL: "1", Severity.HIGH: "2", Severity.MEDIUM: "2", Severity.LOW: "3", Severity.INFO: "3"}


class ServiceNowTickets(TicketSystem):
    name = "servicenow"

    def __init__(
        self,
        http: TicketHttp,
        *,
        table: str = "incident",
        assignment_group: str | None = None,
        caller: str | None = None,
        category: str | None = None,
        resolved_state: str = "6",
        close_code: str = "Solved (Permanently)",
        reopen_state: str = "2",
    ) -> None:
        super().__init__(http)
        self.path = f"/api/now/table/{table}"
        self.extra = {
            k: v
            for k, v in (("assignment_group", assignment_group), ("caller_id", caller), ("category", category))
            if v
        }
        self.resolved_state = resolved_state
        self.close_code = close_code
        self.reopen_state = reopen_state

    def find(self, key: str) -> TicketRef | None:
        params = {"sysparm_query": f"correlation_id={key}", "sysparm_fields": "sys_id,number", "sysparm_limit": "1"}
        found = self.http.request("GET", self.path, params=params).json().get("result") or []
        return TicketRef(found[0]["sys_id"], self._link(found[0]["sys_id"])) if found else None

    def create(self, content: TicketContent) -> TicketRef:
        record = {
            "short_description": content.title[:160],
            "description": content.body,
            "urgency": _URGENCY[content.severity],
            "impact": _IMPACT[content.severity],
            "correlation_id": content.key,
            "correlation_display": "dlscan",
            **self.extra,
        }
        created = self.http.request("POST", self.path, json=record).json()["result"]
        return TicketRef(created["sys_id"], self._link(created["sys_id"]))

    def comment(self, ticket: str, text: str) -> None:
        self.http.request("PATCH", f"{self.path}/{ticket}", json={"work_notes": text})

    def close(self, ticket: str, text: str) -> None:
        record = {"state": self.resolved_state, "close_code": self.close_code, "close_notes": text}
        self.http.request("PATCH", f"{self.path}/{ticket}", json=record)

    def reopen(self, ticket: str, text: str, content: TicketContent, *, closed: bool) -> TicketRef:
        """The incident back to `reopen_state` (In Progress) with a work note, as a resolved incident is
        reopened; a work note alone when dlscan did not resolve it."""
        record = {"work_notes": text} | ({"state": self.reopen_state} if closed else {})
        self.http.request("PATCH", f"{self.path}/{ticket}", json=record)
        return TicketRef(ticket, self._link(ticket))

    def _link(self, sys_id: str) -> str:
        return f"{self.http.base_url}{self.path.replace('/api/now/table/', '/nav_to.do?uri=')}.do?sys_id={sys_id}"
