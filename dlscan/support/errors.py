"""Errors that end a run with exit code 2 and one line on stderr.

Anything raised as a `DlscanError` is the user's to fix (bad input, bad settings, an unreachable
source); the CLI prints its message alone, without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class DlscanError(Exception):
    """A problem with input, settings or a source, explained in one line."""


class InputError(DlscanError):
    """Bad content in a file, located by path and, where known, line."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str, int | None]]:
        # Rebuilt from its parts, as a check in the forked rule process sends it back whole.
        return InputError, (self.path, self.reason, self.line)


class UsageError(DlscanError):
    """Settings that contradict each other or leave dlscan unable to decide."""


class AlreadyReported(DlscanError):
    """An error the command has already logged in the format asked for (e.g. JSON lines); exit 2, print nothing."""
