"""Reading input files that may be gzipped, within a bound on what they expand to."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import BinaryIO

from dlscan.support.errors import InputError, UsageError

MAX_EXPANDED_VARIABLE = "DLSCAN_MAX_EXPANDED_BYTES"
DEFAULT_MAX_EXPANDED = 8 * 2**30
"""8 GiB: fourteen times the LDIF export of a million recipients (570 MB), and far more than a few
megabytes of gzip should ever expand to. The variable above sets another, in bytes."""


def open_binary(path: Path) -> BinaryIO:
    """Open a file for reading, transparently un-gzipping it, within `max_expanded`."""
    raw = path.open("rb")
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return _CappedGzip(raw, path, max_expanded())  # type: ignore[return-value]
    return raw


def max_expanded() -> int:
    """How far a gzipped input may expand: DLSCAN_MAX_EXPANDED_BYTES, or 8 GiB."""
    given = os.environ.get(MAX_EXPANDED_VARIABLE, "").strip()
    if not given:
        return DEFAULT_MAX_EXPANDED
    if not given.isdigit() or int(given) == 0:
        raise UsageError(f"{MAX_EXPANDED_VARIABLE}={given!r} is not a number of bytes, e.g. 17179869184 (16 GiB)")
    return int(given)


class _CappedGzip(gzip.GzipFile):
    """A gzip stream that refuses to expand past a limit: a few megabytes can inflate to gigabytes (a gzip
    bomb), and would be read into memory before any check saw them."""

    def __init__(self, raw: BinaryIO, path: Path, limit: int) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._path, self._limit, self._given = path, limit, 0

    def _counted(self, data: bytes) -> bytes:
        self._given += len(data)
        if self._given > self._limit:
            raise InputError(
                self._path,
                f"expands past {self._limit:,} bytes when un-gzipped; a directory that really is larger needs "
                f"{MAX_EXPANDED_VARIABLE} set higher",
            )
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while chunk := self._counted(super().read(1 << 20)):
                chunks.append(chunk)
            return b"".join(chunks)
        return self._counted(super().read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._counted(super().read1(size if size >= 0 else 1 << 20))

    def readline(self, size: int | None = -1) -> bytes:
        limit = self._limit - self._given + 1
        return self._counted(super().readline(limit if size is None or size < 0 else min(size, limit)))
