"""Jira (Cloud or Data Center), REST API v2 or v3: an issue per finding, labelled with its id."""

from __future__ import annotations

from typing import Any

from dlscan.findings import Severity
from dlscan.operations.tickets.base import TicketContent, TicketRef, TicketSystem
from dlscan.operations.tickets.http import TicketError, TicketHttp

DEFAULT_PRIORITIES = ("Highest", "High", "Medium", "Low", "Lowest")
"""Jira's stock priorities, for critical, high, medium, low and info."""


class JiraTickets(TicketSystem):
    name = "jira"

    def __init__(
        self,
        http: TicketHttp,
        *,
        project: str,
        issue_type: str = "Task",
        labels: tuple[str, ...] = (),
        priorities: tuple[str, ...] = DEFAULT_PRIORITIES,
        api_version: int = 2,
        close_transition: str = "Done",
        reopen_transition: str = "To Do",
    ) -> None:
        super().__init__(http)
        self.project = project
        self.issue_type = issue_type
        self.labels = labels
        self.priorities = dict(zip(reversed(Severity), priorities, strict=True))
        self.api = f"/rest/api/{api_version}"
        self.version = api_version
        self.close_transition = close_transition
        self.reopen_transition = reopen_transition

    def find(self, key: str) -> TicketRef | None:
        jql = f'labels = "{_label(key)}"'
        if self.version >= 3:
            found = self.http.request("GET", f"{self.api}/search/jql", params={"jql": jql, "fields": "key"}).json()
        else:
            found = self.http.request("GET", f"{self.api}/search", params={"jql": jql, "fields": "key"}).json()
        issues = found.get("issues") or []
        return TicketRef(issues[0]["key"], self._browse(issues[0]["key"])) if issues else None

    def create(self, content: TicketContent) -> TicketRef:
        fields = {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": content.title[:250],
            "description": self._text(content.body),
            "labels": ["dlscan", _label(content.key), *self.labels],
            "priority": {"name": self.priorities[content.severity]},
        }
        created = self.http.request("POST", f"{self.api}/issue", json={"fields": fields}).json()
        return TicketRef(created["key"], self._browse(created["key"]))

    def comment(self, ticket: str, text: str) -> None:
        self.http.request("POST", f"{self.api}/issue/{ticket}/comment", json={"body": self._text(text)})

    def close(self, ticket: str, text: str) -> None:
        self.comment(ticket, text)
        transitions = self._transitions(ticket)
        chosen = _named(transitions, self.close_transition)
        if chosen is None:
            names = ", ".join(str(t.get("name")) for t in transitions) or "none"
            raise TicketError(f"Jira issue {ticket} has no transition '{self.close_transition}' (it has: {names})")
        self._transition(ticket, chosen)

    def reopen(self, ticket: str, text: str, content: TicketContent, *, closed: bool) -> TicketRef:
        """A transition back (`reopen_transition`), or, where the workflow offers none from where the issue
        is, a new issue whose description names the old one and that is linked to it."""
        if not closed:
            self.comment(ticket, text)
            return TicketRef(ticket, self._browse(ticket))
        chosen = _named(self._transitions(ticket), self.reopen_transition)
        if chosen is not None:
            self.comment(ticket, text)
            self._transition(ticket, chosen)
            return TicketRef(ticket, self._browse(ticket))
        follow = TicketContent(content.key, content.title, f"{text}\n\nIt was {ticket} before.", content.severity,
                               content.finding)  # fmt: skip
        created = self.create(follow)
        link = {"type": {"name": "Relates"}, "inwardIssue": {"key": created.ticket}, "outwardIssue": {"key": ticket}}
        self.http.request("POST", f"{self.api}/issueLink", json=link)
        return created

    def _transitions(self, ticket: str) -> list[dict[str, Any]]:
        return self.http.request("GET", f"{self.api}/issue/{ticket}/transitions").json().get("transitions", [])

    def _transition(self, ticket: str, chosen: dict[str, Any]) -> None:
        self.http.request("POST", f"{self.api}/issue/{ticket}/transitions", json={"transition": {"id": chosen["id"]}})

    def _text(self, text: str) -> Any:
        """v2 takes plain text; v3 takes an Atlassian Document Format document."""
        if self.version < 3:
            return text
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        return {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs],
        }

    def _browse(self, key: str) -> str:
        return f"{self.http.base_url}/browse/{key}"


def _named(transitions: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    wanted = name.casefold()
    return next((t for t in transitions if str(t.get("name", "")).casefold() == wanted), None)


def _label(key: str) -> str:
    return f"dlscan-{key}"
