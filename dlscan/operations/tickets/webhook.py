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
        self._post("finding.resolved", ticket, {"ticket": ticket, "text": text})

    def close(self, ticket: str, text: str) -> None:
        self._post("finding.resolved", ticket, {"ticket": ticket, "text": text, "close": True})

    def _post(self, event: str, key: str, data: dict[str, Any]) -> None:
        body = json.dumps({"event": f"dlscan.{event}", **data}, ensure_ascii=False, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"{event}:{key}"}
        if self._secret is not None:
            digest = hmac.new(self._secret.reveal().encode(), body, hashlib.sha256).hexdigest()
            headers["X-Dlscan-Signature"] = f"sha256={digest}"
        self.http.request("POST", "", content=body, headers=headers)
