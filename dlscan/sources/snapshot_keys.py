"""A snapshot's top level: each key once, the required ones present, no other.

JSON parsers keep the last of two equal keys, so `"recipients": [], "lists": []` added at the end of a
snapshot would empty it and the scan would report a clean directory. msgspec reads the top level alone
(each value kept as raw bytes, 0.25 s for a 466 MB snapshot); the bytes it accounts for, with the keys
and punctuation, add up to the whole file exactly when no key was dropped. Only a file with more between
its top-level values than that (pretty-printed, or hiding a second key) is parsed a second time, key by
key, to tell which.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

REQUIRED = ("format", "format_version", "source", "recipients", "lists")
OPTIONAL = ("internal_domains", "notes")


class _TopLevel(msgspec.Struct):
    format: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    format_version: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    source: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    internal_domains: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    notes: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    recipients: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    lists: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET


def top_level_problem(data: bytes | memoryview) -> str | None:
    """What is wrong with the snapshot's top level, or None (also for text that is not JSON, or not a
    snapshot at all: the readers say so themselves)."""
    try:
        top = msgspec.json.decode(data, type=_TopLevel)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    if top.format is msgspec.UNSET:
        return None  # not a snapshot: said by the reader, in its own words
    missing = [key for key in REQUIRED if getattr(top, key) is msgspec.UNSET]
    if missing:
        return f"not a whole snapshot: it has no '{missing[0]}' (a snapshot holds {', '.join(REQUIRED)})"
    present = [key for key in (*REQUIRED, *OPTIONAL) if getattr(top, key) is not msgspec.UNSET]
    # Each key with its quotes and colon, a comma between values, the braces around them all.
    accounted = sum(len(getattr(top, key)) + len(key) + 3 for key in present) + len(present) - 1 + 2
    return None if accounted == _stripped_length(data) else _keys_problem(data)


def _stripped_length(data: bytes | memoryview) -> int:
    """The document's length without a byte-order mark and the blanks before and after it."""
    start = 3 if bytes(data[:3]) == b"\xef\xbb\xbf" else 0
    end = len(data)
    while end > start and data[end - 1] in b" \t\r\n":
        end -= 1
    while start < end and data[start] in b" \t\r\n":
        start += 1
    return end - start


def _keys_problem(data: bytes | memoryview) -> str | None:
    """The second, key-by-key reading: a repeated or unknown top-level key, or None."""
    last: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> None:
        last[:] = [key for key, _ in items]  # the outermost object is the last one completed

    json.loads(bytes(data).decode("utf-8-sig", errors="replace"), object_pairs_hook=pairs)
    for key in last:
        if last.count(key) > 1:
            return f"the key '{key}' appears {last.count(key)} times at the top level; a snapshot holds it once"
    unknown = sorted(set(last) - {*REQUIRED, *OPTIONAL})
    if unknown:
        known = ", ".join((*REQUIRED, *OPTIONAL))
        return f"unknown field '{unknown[0]}' at the top level (a snapshot holds {known})"
    return None
