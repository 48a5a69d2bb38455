"""A generic JSON webhook: one POST per action, signed with HMAC-SHA256 when a secret is configured.

The receiver verifies `X-Dlscan-Signature: sha256=<hex>` over the raw body, and can drop a repeated
delivery by its `Idempotency-Key` (dlscan sends an action again only if it never saw it acknowledged).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from dlscan.operations.tickets.base import TicketContent, TicketRef, TicketSystem
from dlscan.operations.tickets.http import TicketHttp
from dlscan.support.secret import Secret


def _once(ticket: str, text: str) -> str:
    """An idempotency key for one resolution or one return of a finding: the same action sent again keeps
    it, and the next time the finding resolves or comes back (another run, another text) gets another."""
    return f"{ticket}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


class WebhookTickets(TicketSystem):
    name = "webhook"

    def __init__(self, http: TicketHttp, secret: Secret | None = None) -> None:
        super().__init__(http)
        self._secret = secret

    def find(self, key: str) -> TicketRef | None:
        return None  # A webhook cannot be asked; its Idempotency-Key lets the receiver drop repeats.

    def create(self, content: TicketContent) -> TicketRef:
        self._post("finding.new", content.key, content.to_payload())
        return TicketRef(ticket=f"webhook:{content.key}")

    def comment(self, ticket: str, text: str) -> None:
        self._post("finding.resolved", _once(ticket, text), {"ticket": ticket, "text": text})

    def close(self, ticket: str, text: str) -> None:
        self._post("finding.resolved", _once(ticket, text), {"ticket": ticket, "text": text, "close": True})

    def reopen(self, ticket: str, text: str, content: TicketContent, *, closed: bool) -> TicketRef:
        data = {"ticket": ticket, "text": text, "reopen": closed, "finding": content.finding}
        self._post("finding.reopened", _once(ticket, text), data)
        return TicketRef(ticket)

    def _post(self, event: str, key: str, data: dict[str, Any]) -> None:
        body = json.dumps({"event": f"dlscan.{event}", **data}, ensure_ascii=False, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"{event}:{key}"}
        if self._secret is not None:
            digest = hmac.new(self._secret.reveal().encode(), body, hashlib.sha256).hexdigest()
            headers["X-Dlscan-Signature"] = f"sha256={digest}"
        self.http.request("POST", "", content=body, headers=headers)
