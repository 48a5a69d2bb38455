"""What every ticket system offers dlscan: find, create, comment, close."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from dlscan.findings import Severity
from dlscan.operations.tickets.http import TicketHttp


@dataclass(frozen=True)
class TicketContent:
    key: str
    """The finding id (or a digest's id): how dlscan and the ticket system recognise the ticket again."""
    title: str
    body: str
    severity: Severity
    finding: dict[str, Any] | None = None
    """The finding as a row of the documented columns; None for a digest."""

    def to_payload(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "body": self.body,
            "severity": self.severity.value,
            "finding": self.finding,
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> TicketContent:
        return cls(
            payload["key"], payload["title"], payload["body"], Severity(payload["severity"]), payload.get("finding")
        )


@dataclass(frozen=True)
class TicketRef:
    ticket: str
    url: str = ""


class TicketSystem(ABC):
    name: ClassVar[str]

    def __init__(self, http: TicketHttp) -> None:
        self.http = http

    @abstractmethod
    def find(self, key: str) -> TicketRef | None:
        """The ticket already raised for this key, if the system can tell (so none is raised twice)."""

    @abstractmethod
    def create(self, content: TicketContent) -> TicketRef: ...

    @abstractmethod
    def comment(self, ticket: str, text: str) -> None: ...

    @abstractmethod
    def close(self, ticket: str, text: str) -> None: ...

    @abstractmethod
    def reopen(self, ticket: str, text: str, content: TicketContent, *, closed: bool) -> TicketRef:
        """Make a finding that came back visible on its ticket: reopen it if dlscan `closed` it (or raise a
        new ticket that names the old one, where the old cannot be reopened), else comment on it. The
        ticket that now follows the finding is returned."""

    def close_connections(self) -> None:
        self.http.close()
