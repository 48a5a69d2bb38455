"""Progress lines appear on a terminal only, so cron mail and logs stay clean."""

from __future__ import annotations

import io

from dlscan.support.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal():
    stream = Terminal()
    progress = Progress("reading Active Directory", stream)
    progress.advance(objects=1500, pages=2)
    progress.finish()
    text = stream.getvalue()
    assert "reading Active Directory: 1,500 objects, 2 pages" in text and text.endswith(" s\n")


def test_progress_is_silent_elsewhere():
    stream = io.StringIO()
    progress = Progress("reading", stream)
    progress.advance(objects=10)
    progress.finish()
    assert stream.getvalue() == ""
