"""From findings to tickets through the outbox: plan, queue with the run's results, deliver, retry next run.

Every ticket action is first written to the history's outbox in the same transaction that records
the run's findings, then delivered. An action that fails stays queued and is tried again on the next
run, so a ticket system that is down loses nothing. A finding gets at most one ticket: before creating
one, dlscan checks its own records and asks the ticket system (a create whose answer was lost is found
there, not raised twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from dlscan.findings import Finding, Severity
from dlscan.operations.history.lifecycle import Lifecycle, Status
from dlscan.operations.history.store import HistoryStore, OutboxItem
from dlscan.operations.tickets.base import TicketContent, TicketSystem
from dlscan.operations.tickets.http import TicketError

MAX_FAILURES_PER_RUN = 3
"""After this many failed deliveries in a row the system is taken to be down; the rest wait."""


class OnResolve(StrEnum):
    NONE = "none"
    COMMENT = "comment"
    CLOSE = "close"


@dataclass(frozen=True)
class TicketPolicy:
    min_severity: Severity = Severity.HIGH
    digest: bool = False
    on_resolve: OnResolve = OnResolve.NONE


@dataclass(frozen=True)
class PlannedAction:
    action: str
    key: str
    payload: dict[str, Any]


@dataclass
class Delivery:
    done: list[str] = field(default_factory=list)
    """One line per delivered action, e.g. 'created PROJ-12 for DL002-…'."""
    errors: list[str] = field(default_factory=list)
    waiting: int = 0


def plan_tickets(
    lifecycle: Lifecycle, policy: TicketPolicy, has_ticket: Callable[[str], bool], run_label: str
) -> list[PlannedAction]:
    """A ticket for every finding that needs attention and has none, the resolution of those that
    resolved, and word on the ticket of each that came back: reopened, or commented on.

    Tickets follow the findings' state, not only the night's news: a finding whose accepted risk expired,
    or one left below a threshold since lowered, needs attention without being new, and gets its ticket."""
    needing = [t for t in lifecycle.tracked if t.active and t.finding.severity.at_least(policy.min_severity)]
    arrived = [t.finding for t in needing if t.status.arrived]
    wanted = [t.finding for t in needing if not has_ticket(t.finding.finding_id)]
    planned: list[PlannedAction] = []
    if policy.digest and wanted:
        planned.append(_digest(wanted, run_label))
    else:
        planned += [PlannedAction("create", f.finding_id, ticket_content(f).to_payload()) for f in wanted]
    for finding in arrived:
        if has_ticket(finding.finding_id):
            text = f"dlscan finds this again on {run_label}: {finding.rule}, {finding.list}. {finding.detail}"
            payload = ticket_content(finding).to_payload() | {"text": text}
            planned.append(PlannedAction("reopen", finding.finding_id, payload | {"closes": policy.on_resolve.value}))
    if policy.on_resolve is not OnResolve.NONE:
        for tracked in lifecycle.with_status(Status.RESOLVED):
            key = tracked.finding.finding_id
            if has_ticket(key):
                text = f"dlscan no longer finds this on {run_label}: {tracked.finding.rule}, {tracked.finding.list}."
                planned.append(PlannedAction(policy.on_resolve.value, key, {"text": text}))
    return planned


def ticket_content(finding: Finding) -> TicketContent:
    lines = [
        finding.detail,
        f"Why it matters: {finding.rationale}",
        f"What to do: {finding.remediation}",
        f"List: {finding.list} <{finding.list_address}>" if finding.list_address else f"List: {finding.list}",
    ]
    if finding.path:
        lines.append("Path: " + " > ".join(finding.path))
    lines.append(f"dlscan finding {finding.finding_id} ({finding.code}).")
    return TicketContent(
        key=finding.finding_id,
        title=f"[dlscan] {finding.severity.value}: {finding.rule}: {finding.list}",
        body="\n\n".join(lines),
        severity=finding.severity,
        finding={
            "finding_id": finding.finding_id,
            "code": finding.code,
            "list": finding.list,
            "list_id": finding.list_id,
            "related": finding.related,
            "severity": finding.severity.value,
        },
    )


def _digest(findings: list[Finding], run_label: str) -> PlannedAction:
    worst = max((f.severity for f in findings), key=lambda s: s.rank)
    key = "digest-" + "".join(c for c in run_label if c.isalnum())
    body = "\n\n".join(f"[{f.severity.value}] {f.rule}: {f.list}. {f.detail} ({f.finding_id})" for f in findings)
    content = TicketContent(key, f"[dlscan] {len(findings)} new findings, {run_label}", body, worst)
    return PlannedAction("create", key, content.to_payload() | {"covers": [f.finding_id for f in findings]})


class TicketDesk:
    def __init__(self, store: HistoryStore, system: TicketSystem, now: str) -> None:
        self.store = store
        self.system = system
        self.now = now

    def enqueue(self, planned: list[PlannedAction]) -> None:
        for item in planned:
            self.store.enqueue(item.action, item.key, item.payload, self.now)

    def deliver(self) -> Delivery:
        delivery = Delivery()
        failures = 0
        for item in self.store.outbox():
            if failures >= MAX_FAILURES_PER_RUN:
                delivery.waiting += 1
                continue
            try:
                line = self._deliver(item)
            except TicketError as exc:
                failures += 1
                self.store.failed(item.id, str(exc))
                delivery.errors.append(f"{item.action} {item.fingerprint}: {exc}")
                delivery.waiting += 1
                continue
            failures = 0
            delivery.done.append(line)
        return delivery

    def _deliver(self, item: OutboxItem) -> str:
        actions = {"create": self._create, "comment": self._resolve, "close": self._resolve, "reopen": self._reopen}
        return actions[item.action](item)

    def _create(self, item: OutboxItem) -> str:
        covers = item.payload.get("covers") or [item.fingerprint]
        known = self.store.ticket(item.fingerprint)
        how = "already raised as"
        if known is not None:
            ref, url = known.ticket, known.url
        else:
            found = self.system.find(item.fingerprint)
            if found is None:
                found = self.system.create(TicketContent.from_payload(item.payload))
                how = "created"
            ref, url = found.ticket, found.url
        with self.store.transaction():
            for key in {item.fingerprint, *covers}:
                self.store.add_ticket(key, self.system.name, ref, url, self.now)
            self.store.delivered(item.id)
        return f"{how} {ref} for {item.fingerprint}"

    def _resolve(self, item: OutboxItem) -> str:
        ticket = self.store.ticket(item.fingerprint)
        if ticket is None or ticket.resolved_action_at is not None:
            self.store.delivered(item.id)
            return f"nothing to do for {item.fingerprint}"
        action = self.system.close if item.action == "close" else self.system.comment
        action(ticket.ticket, str(item.payload.get("text", "")))
        with self.store.transaction():
            self.store.ticket_resolved(item.fingerprint, self.now)
            self.store.delivered(item.id)
        verb = "closed" if item.action == "close" else "commented on"
        return f"{verb} {ticket.ticket} for {item.fingerprint}"

    def _reopen(self, item: OutboxItem) -> str:
        ticket = self.store.ticket(item.fingerprint)
        if ticket is None:
            self.store.delivered(item.id)
            return f"nothing to do for {item.fingerprint}"
        # Reopened only if dlscan closed it: a ticket that was merely commented on is still open.
        closed = ticket.resolved_action_at is not None and item.payload.get("closes") == OnResolve.CLOSE.value
        content = TicketContent.from_payload(item.payload)
        now = self.system.reopen(ticket.ticket, str(item.payload.get("text", "")), content, closed=closed)
        with self.store.transaction():
            self.store.ticket_reopened(item.fingerprint, now.ticket, now.url or ticket.url)
            self.store.delivered(item.id)
        if now.ticket != ticket.ticket:
            return f"raised {now.ticket} for {item.fingerprint}, back after {ticket.ticket} was closed"
        return f"{'reopened' if closed else 'commented on'} {ticket.ticket} for {item.fingerprint}, which is back"
