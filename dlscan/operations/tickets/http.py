"""HTTP for ticket systems: timeouts, bounded retries with back-off, TLS verified, credentials unseen."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from dlscan.support.httppolicy import backoff, retry_after, safe_url, transport_problem

RETRIED = frozenset({429, 502, 503, 504})


class TicketError(Exception):
    """A ticket system refused or could not be reached; the action stays in the outbox."""


@dataclass
class TicketHttp:
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    auth: httpx.Auth | None = None
    timeout: float = 30.0
    retries: int = 3
    time_scale: float = 1.0
    """Multiplies waits before retries; tests set 0."""
    waits: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = safe_url(self.base_url, "ticket system url").geturl().rstrip("/")
        self._client = httpx.Client(timeout=self.timeout, headers=self.headers, auth=self.auth)

    def close(self) -> None:
        self._client.close()

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        url = self.base_url + path
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._client.request(method, url, **options)
            except httpx.TransportError as exc:
                # A POST whose answer was lost may have been carried out: sending it again could raise a
                # second ticket. It stays in the outbox instead, and the next run looks for it first.
                unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                if last or not (method == "GET" or unsent):
                    raise TicketError(f"{method} {urlsplit(url).path}: {transport_problem(exc)}") from None
                self._wait(backoff(attempt))
                continue
            if response.status_code in RETRIED and not last:
                self._wait(retry_after(response.headers.get("Retry-After"), attempt, limit=300.0))
                continue
            if response.is_success:
                return response
            raise TicketError(f"{method} {urlsplit(url).path}: HTTP {response.status_code} {_reason(response)}")
        raise TicketError(f"{method} {urlsplit(url).path}: no answer")

    def _wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds * self.time_scale)


def _reason(response: httpx.Response) -> str:
    text = " ".join(response.text.split())[:200]
    return f"{response.reason_phrase}: {text}" if text else response.reason_phrase
