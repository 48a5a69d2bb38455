"""Sources: where a snapshot comes from. Each reader returns a whole `Snapshot` or raises.

Offers `load_source` (an LDIF export or a snapshot, told apart by content); the LDAP and Graph collectors
live in `ldap` and `m365`. May import model and support only.
"""

from __future__ import annotations

import dataclasses
import tempfile
import zlib
from pathlib import Path

from dlscan.model import Snapshot, SourceInfo
from dlscan.sources.ad import AdSnapshotBuilder
from dlscan.sources.compressed import MAX_EXPANDED_VARIABLE, max_expanded, open_binary
from dlscan.sources.ldif import LdifExport
from dlscan.sources.ldif_filters import scan_for_filters
from dlscan.sources.snapshot import read_snapshot
from dlscan.support.errors import InputError
from dlscan.support.memory import collector_paused


def load_source(path: Path, *, allow_unresolved: bool = False, allow_pipe: bool = False) -> Snapshot:
    """Read an LDIF export or a dlscan snapshot, told apart by content rather than file name. A pipe or
    a device is read only when `allow_pipe` says so, and then copied first, within a bound."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a folder; name an LDIF export or a snapshot file")
    if not path.is_file():
        if allow_pipe:
            return _load_copy(path, allow_unresolved=allow_unresolved)
        # /dev/zero or a pipe never ends, or ends anywhere: a scan reads a whole file, or nothing.
        raise InputError(
            path,
            "is not a regular file (a device, a pipe or a socket); save the export to a file, or pass --allow-pipe",
        )
    try:
        with open_binary(path) as stream:
            head = stream.read(64)
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") and head[2:].replace(b"\x00", b"").lstrip().startswith(b"{"):
            raise InputError(path, "is UTF-16 JSON; a snapshot must be UTF-8: save it again as UTF-8")
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
            snapshot, what = read_snapshot(path), "the whole snapshot"
        else:
            snapshot, what = read_ldif_snapshot(path, allow_unresolved=allow_unresolved), "an LDIF export"
        if not snapshot.lists and not snapshot.recipients:
            # An empty or emptied source is no directory: scanned, it would read as a clean one.
            raise InputError(path, f"holds no recipients and no lists; is it {what}?")
        return snapshot
    except MemoryError:
        raise InputError(path, "is too large to read in this machine's memory (a value of gigabytes?)") from None
    except (OSError, EOFError, zlib.error) as exc:
        # A gzip stream cut short or corrupted, or a disk error mid-read: never half a directory.
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise InputError(path, f"cannot read the whole file: {reason}") from None


def read_ldif_snapshot(path: Path, *, allow_unresolved: bool = False) -> Snapshot:
    filters = scan_for_filters(path)
    builder = AdSnapshotBuilder(
        origin=str(path),
        source=SourceInfo(kind="ldif", name=path.name),
        allow_unresolved=allow_unresolved,
        keeps_filter_values=filters.dynamic,
        filter_attributes=filters.tested,
    )
    export = LdifExport(path)
    with collector_paused(settle=True):
        builder.add_all(export)
        snapshot = builder.build()
    assert export.completeness is not None  # the builder read every record
    return dataclasses.replace(snapshot, source=dataclasses.replace(snapshot.source, completeness=export.completeness))


def _load_copy(path: Path, *, allow_unresolved: bool) -> Snapshot:
    """A pipe or device read once, into a temporary file, and no further than `max_expanded` bytes: the
    content is sniffed, and a gzip stream opened, by reading the start twice, which a pipe cannot do."""
    limit = max_expanded()
    with tempfile.TemporaryDirectory(prefix="dlscan-") as folder:
        copy = Path(folder) / path.name
        copied = 0
        try:
            with path.open("rb") as source, copy.open("wb") as target:
                while chunk := source.read(1 << 20):
                    copied += len(chunk)
                    if copied > limit:
                        raise InputError(
                            path, f"gives more than {limit:,} bytes; {MAX_EXPANDED_VARIABLE} sets another limit"
                        )
                    target.write(chunk)
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
        try:
            return load_source(copy, allow_unresolved=allow_unresolved)
        except InputError as exc:
            raise InputError(path, exc.reason, exc.line) from None
