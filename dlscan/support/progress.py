"""Progress on stderr for long fetches: only when stderr is a terminal, so logs and cron mail stay clean."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self.started = time.monotonic()
        self._shown = 0.0
        self.objects = 0
        self.pages = 0

    def advance(self, objects: int = 0, pages: int = 0) -> None:
        self.objects += objects
        self.pages += pages
        now = time.monotonic()
        if self.enabled and now - self._shown >= 0.2:
            self._shown = now
            self.stream.write(f"\r{self._line(now)}")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write(f"\r{self._line(time.monotonic())}\n")
            self.stream.flush()

    def _line(self, now: float) -> str:
        return f"dlscan: {self.label}: {self.objects:,} objects, {self.pages:,} pages, {now - self.started:.1f} s"
