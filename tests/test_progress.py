"""Progress lines appear on a terminal only, so cron mail and logs stay clean."""

from __future__ import annotations

import io
import re

from dlscan.support.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def shown(stream: io.StringIO) -> str:
    """What a person sees: the last state of each line, without the terminal's control sequences."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())
    return "\n".join(line.rsplit("\r", 1)[-1].rstrip() for line in text.split("\n"))


def test_progress_is_shown_on_a_terminal():
    stream = Terminal()
    progress = Progress("reading Active Directory", stream)
    progress.advance(objects=1500, pages=2)
    progress.finish()
    text = shown(stream)
    assert "dlscan: reading Active Directory: 1,500 objects, 2 pages" in text and text.endswith(" s\n")


def test_progress_is_silent_elsewhere():
    stream = io.StringIO()
    progress = Progress("reading", stream)
    progress.advance(objects=10)
    progress.finish()
    assert stream.getvalue() == ""
