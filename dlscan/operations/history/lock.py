"""One nightly run at a time per state folder, on every platform (filelock), saying who holds it."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import filelock

from dlscan.support.errors import DlscanError

LOCK_NAME = "dlscan.lock"
OWNER_NAME = "dlscan.lock.owner"


class RunLock:
    def __init__(self, state_dir: Path) -> None:
        self._lock = filelock.FileLock(str(state_dir / LOCK_NAME), timeout=0)
        self._owner = state_dir / OWNER_NAME

    def __enter__(self) -> RunLock:
        try:
            self._lock.acquire()
        except filelock.Timeout:
            raise DlscanError(f"another dlscan run holds the lock on {self._owner.parent} ({self._holder()})") from None
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._owner.write_text(json.dumps(owner), encoding="utf-8")
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._owner.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def _holder(self) -> str:
        try:
            owner = json.loads(self._owner.read_text(encoding="utf-8"))
            return f"process {owner['pid']} on {owner['host']}, since {owner['since']}"
        except (OSError, ValueError, KeyError, TypeError):
            return "holder unknown"
