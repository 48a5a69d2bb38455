"""Progress on stderr for long fetches, drawn by click's progress bar: only when stderr is a terminal, so
logs and cron mail stay clean (click draws nothing else, and the bar is hidden rather than labelled)."""

from __future__ import annotations

import itertools
import sys
import time
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

_EVERY = 0.2
"""Seconds between redraws: a fetch advances once per object, a million times."""


class Progress:
    """How much a fetch of unknown size has read so far: objects, pages and seconds."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        stream = stream or sys.stderr
        self.objects = 0
        self.pages = 0
        self.started = self._drawn = time.monotonic()
        self._bar: ProgressBar[int] = click.progressbar(
            itertools.count(),  # no length: a directory's size is known only once it has been read
            label=f"dlscan: {label}:",
            file=stream,
            # Off a terminal, click would still print the label once; a job's mail gets nothing instead.
            hidden=not stream.isatty(),
            show_eta=False,
            bar_template="%(label)s %(info)s",
            item_show_func=self._counts,
        )
        self._bar.__enter__()

    def advance(self, objects: int = 0, pages: int = 0) -> None:
        self.objects += objects
        self.pages += pages
        now = time.monotonic()
        if now - self._drawn >= _EVERY:
            self._drawn = now
            self._draw()

    def finish(self) -> None:
        self._draw()
        self._bar.__exit__(None, None, None)

    def _draw(self) -> None:
        self._bar.update(max(self.objects - self._bar.pos, 0))
        self._bar.render_progress()

    def _counts(self, _: int | None) -> str:
        return f"{self.objects:,} objects, {self.pages:,} pages, {time.monotonic() - self.started:.1f} s"
