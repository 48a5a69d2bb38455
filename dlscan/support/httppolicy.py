"""What every outgoing HTTP connection of dlscan obeys, to Graph and to ticket systems alike.

Credentials travel only over TLS, or in plain http to this machine (tests, a local proxy). Waits
before a retry honour Retry-After, else back off exponentially with jitter. A failed connection is
described in a few words an admin can act on.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import SplitResult, urlsplit

from dlscan.support.errors import UsageError

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
"""The names plain http may go to; kiota, too, lets a token travel to these and no others."""


def safe_url(url: str, what: str) -> SplitResult:
    """The URL's parts, if it is https, or plain http to this machine; a usage error otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(f"{what} {url!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname.lower() not in LOOPBACK_NAMES:
        raise UsageError(f"{what} {url!r}: plain http is allowed only to this machine; use https")
    return parts


def backoff(attempt: int) -> float:
    return min(60.0, 2.0**attempt + random.random())  # noqa: S311 - jitter, not secrecy


def asked_seconds(value: Any) -> float | None:
    """The seconds a Retry-After header asks for, whole or decimal (Graph's throttling guide shows
    `2.128`); None for a date, nothing, or a number that is no wait (negative, infinite, not a number)."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 <= seconds < float("inf") else None


def retry_after(value: Any, attempt: int, *, limit: float | None = None) -> float:
    """Seconds to wait: as a Retry-After header asks, else the back-off for this attempt."""
    seconds = asked_seconds(value)
    if seconds is None:
        return backoff(attempt)
    return seconds if limit is None else min(limit, seconds)


def transport_problem(exc: Exception) -> str:
    import httpx  # only the collectors and ticket systems, which have it loaded, ever get here

    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if str(exc) else "cannot connect"
    return f"{type(exc).__name__} ({exc})" if str(exc) else type(exc).__name__
