"""dlscan's own snapshot format: the whole directory as one JSON document, optionally gzipped.

Collectors write it once; scans read it as often as they like. The format is documented in
docs/snapshot-format.md. A snapshot is always whole: every member and owner id names an object in it
(an unreadable reference is an explicit recipient of kind "unresolved").
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import json
import mmap
import operator
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import msgspec
import orjson

from dlscan.model import (
    DistributionList,
    DomainDeclaration,
    Recipient,
    Snapshot,
    SourceInfo,
)
from dlscan.sources.compressed import open_binary
from dlscan.sources.snapshot_keys import top_level_problem
from dlscan.sources.snapshot_shape import Shape, fields_of, shape_of
from dlscan.sources.typed import decode_typed
from dlscan.support.atomic import atomic_writer
from dlscan.support.errors import InputError
from dlscan.support.memory import collector_paused

FORMAT_NAME = "dlscan-snapshot"
FORMAT_VERSION = 1
_ID = operator.attrgetter("id")


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "source": dataclasses.asdict(snapshot.source),
        "internal_domains": [dataclasses.asdict(d) for d in snapshot.internal_domains],
        "notes": list(snapshot.notes),
        "recipients": [_plain(r) for r in sorted(snapshot.recipients.values(), key=lambda r: r.id)],
        "lists": [_plain(x) for x in sorted(snapshot.lists.values(), key=lambda x: x.id)],
    }
    # One compact string, written once: streaming json.dump through gzip costs three times as much.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    with atomic_writer(path, binary=True, compress=path.suffix == ".gz") as stream:
        stream.write(text.encode("utf-8") + b"\n")


def read_snapshot(path: Path) -> Snapshot:
    with collector_paused(settle=True):
        with _contents(path) as data:
            problem = top_level_problem(data)
            if problem is not None:
                raise InputError(path, problem)
            typed = decode_typed(data)
            document = _parsed(path, data) if typed is None else None
        if typed is None:
            return snapshot_from_document(document, path)
        document, recipients, lists = typed
        return snapshot_from_document(document, path, objects=(recipients, lists))


@contextlib.contextmanager
def _contents(path: Path) -> Iterator[bytes | memoryview]:
    """The file's bytes: a plain file mapped into memory rather than copied (reading 47 MB took 25 to
    35 ms), a gzipped one (or one that cannot be mapped, such as a pipe) read whole."""
    with open_binary(path) as stream:
        mapped = None
        if isinstance(stream, io.BufferedReader):
            with contextlib.suppress(OSError, ValueError):  # ValueError: an empty file
                mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        if mapped is None:
            data = stream.read()
            yield data[_bom_length(data) :]
            return
        with mapped, memoryview(mapped) as view, view[_bom_length(view) :] as body:
            yield body


def _bom_length(data: bytes | memoryview) -> int:
    """UTF-8 with a byte-order mark, as Windows tools save it, is still UTF-8: the mark is passed over."""
    return 3 if bytes(data[:3]) == b"\xef\xbb\xbf" else 0


def _parsed(path: Path, data: bytes | memoryview) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "utf-8" in str(exc).lower():
            raise InputError(path, "a snapshot must be UTF-8 JSON") from None
        raise InputError(path, f"not valid JSON: {exc.msg}", exc.lineno) from None


def snapshot_from_document(
    document: Any, path: Path | str, *, objects: tuple[list[Recipient], list[DistributionList]] | None = None
) -> Snapshot:
    """The snapshot in a parsed JSON document; with `objects`, its recipients and lists already made."""
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise InputError(path, f'not a dlscan snapshot (no "format": "{FORMAT_NAME}")')
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise InputError(
            path, f"snapshot format version {version!r} is not supported (this dlscan reads {FORMAT_VERSION})"
        )
    if objects is None:
        objects = (
            _objects(path, document, "recipients", shape_of(Recipient)),
            _objects(path, document, "lists", shape_of(DistributionList)),
        )
    recipients, lists = objects
    snapshot = Snapshot(
        source=shape_of(SourceInfo).build(path, "source", document.get("source") or {}),
        recipients=dict(zip(map(_ID, recipients), recipients, strict=True)),
        lists=dict(zip(map(_ID, lists), lists, strict=True)),
        internal_domains=tuple(
            shape_of(DomainDeclaration).build(path, f"internal_domains[{i}]", d)
            for i, d in enumerate(_list_of(path, document, "internal_domains"))
        ),
        notes=tuple(str(n) for n in _list_of(path, document, "notes")),
    )
    _check_references(path, snapshot, len(recipients), len(lists))
    return snapshot


def _objects(path: Path | str, document: dict, key: str, shape: Shape) -> list:
    build = shape.build
    return [build(path, f"{key}[{i}]", item) for i, item in enumerate(_list_of(path, document, key))]


def _list_of(path: Path | str, document: dict, key: str) -> list:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise InputError(path, f"'{key}' must be a list")
    return value


def _check_references(path: Path | str, snapshot: Snapshot, n_recipients: int, n_lists: int) -> None:
    if len(snapshot.recipients) != n_recipients or len(snapshot.lists) != n_lists:
        raise InputError(path, "two objects share one id")
    shared = snapshot.recipients.keys() & snapshot.lists.keys()
    if shared:
        raise InputError(path, f"id {min(shared)!r} names both a recipient and a list")
    groups = snapshot.lists.values()
    references = itertools.chain(
        itertools.chain.from_iterable(g.members for g in groups),
        itertools.chain.from_iterable(g.owners for g in groups if g.owners),
    )
    # Five million references are looked up in C; only a snapshot that fails is walked to name the culprit.
    if {*snapshot.recipients, *snapshot.lists}.issuperset(references):
        return
    for group in groups:
        for ref in (*group.members, *(group.owners or ())):
            if ref not in snapshot.recipients and ref not in snapshot.lists:
                raise InputError(
                    path,
                    f"list {group.id!r} refers to {ref!r}, which is not in the snapshot; "
                    "record unreadable references as recipients of kind 'unresolved'",
                )


def _plain(obj: Any) -> dict:
    out = {}
    for name in fields_of(type(obj)):
        value = getattr(obj, name)
        if isinstance(value, Enum):
            value = value.value
        elif name == "attributes":
            value = dict(value)
        elif isinstance(value, msgspec.Struct):
            value = _plain(value)
        elif isinstance(value, tuple):
            value = [_plain(v) if isinstance(v, msgspec.Struct) else v for v in value]
        out[name] = value
    return out
