"""The ticket desk's delivery rules, against a history on disk and a ticket system that answers as told:
a run stops after three failures in a row (not three in all), and a ticket already resolved is never
closed twice."""

from __future__ import annotations

from dlscan.findings import Severity
from dlscan.operations.history.store import HistoryStore
from dlscan.operations.tickets.base import TicketContent, TicketRef, TicketSystem
from dlscan.operations.tickets.desk import TicketDesk
from dlscan.operations.tickets.http import TicketError

NOW = "2026-12-03T02:00:00+00:00"


class Scripted(TicketSystem):
    """Answers each call with the next of `script` (True: done, False: refused), and records the calls."""

    name = "scripted"

    def __init__(self, script: list[bool]) -> None:
        super().__init__(http=None)  # type: ignore[arg-type]
        self.script, self.calls = list(script), []

    def _answer(self, call: str) -> None:
        self.calls.append(call)
        if not (self.script.pop(0) if self.script else True):
            raise TicketError(f"{call} refused")

    def find(self, key: str) -> TicketRef | None:
        return None

    def create(self, content: TicketContent) -> TicketRef:
        self._answer(f"create {content.key}")
        return TicketRef(f"T-{content.key}")

    def comment(self, ticket: str, text: str) -> None:
        self._answer(f"comment {ticket}")

    def close(self, ticket: str, text: str) -> None:
        self._answer(f"close {ticket}")

    def reopen(self, ticket: str, text: str, content: TicketContent, *, closed: bool) -> TicketRef:
        self._answer(f"reopen {ticket}")
        return TicketRef(ticket)

    def close_connections(self) -> None:
        pass


def content(key: str) -> dict:
    return TicketContent(key, f"[dlscan] high: {key}", "body", Severity.HIGH).to_payload()


def test_failures_stop_a_run_only_when_three_come_in_a_row(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite") as store:
        for n in range(6):
            store.enqueue("create", f"DL001-{n}", content(f"DL001-{n}"), NOW)
        system = Scripted([False, False, True, False, True, True])
        delivery = TicketDesk(store, system, NOW).deliver()
    # A success between failures starts the count again: every item is tried, the three refused wait for the next run.
    assert len(system.calls) == 6
    assert (len(delivery.done), delivery.waiting) == (3, 3)


def test_three_failures_in_a_row_leave_the_rest_for_the_next_run(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite") as store:
        for n in range(5):
            store.enqueue("create", f"DL001-{n}", content(f"DL001-{n}"), NOW)
        system = Scripted([False, False, False])
        delivery = TicketDesk(store, system, NOW).deliver()
    assert len(system.calls) == 3 and delivery.waiting == 5


def test_a_ticket_already_resolved_is_not_closed_again(tmp_path):
    with HistoryStore(tmp_path / "history.sqlite") as store:
        store.add_ticket("DL003-x", "scripted", "T-1", "", NOW)
        store.ticket_resolved("DL003-x", NOW)
        store.enqueue("close", "DL003-x", {"text": "dlscan no longer finds this"}, NOW)
        system = Scripted([])
        delivery = TicketDesk(store, system, NOW).deliver()
        assert system.calls == [] and delivery.done == ["nothing to do for DL003-x"]
        assert store.outbox() == []
