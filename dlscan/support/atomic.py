"""Write files so that readers see the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO


@contextlib.contextmanager
def atomic_writer(path: Path, *, binary: bool = False, compress: bool = False) -> Iterator[IO]:
    """Yield a stream to a temporary file beside `path`; replace `path` only when the block succeeds.

    If anything fails, the temporary file is removed and whatever `path` held before is untouched.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as raw:
            sink: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=3) if compress else raw
            stream: IO = sink if binary else io.TextIOWrapper(sink, encoding="utf-8", newline="\n")
            yield stream
            if isinstance(stream, io.TextIOWrapper):
                stream.flush()
                stream.detach()
            if compress:
                sink.close()  # writes the gzip trailer; `raw` stays open
            raw.flush()
            os.fsync(raw.fileno())
        _keep_mode(path, temp)
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _keep_mode(path: Path, temp: Path) -> None:
    """A replaced file keeps its permissions; a new one gets the usual umask-based mode."""
    try:
        temp.chmod(path.stat().st_mode & 0o7777)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        temp.chmod(0o666 & ~umask)
