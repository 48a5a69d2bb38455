"""A streaming reader for LDIF content records (RFC 2849) as AD tools write them.

Reads `ldifde` and `ldapsearch` output one record at a time, so a file of any size costs the memory of
its largest record. Handles folded lines, base64 values, comments, CRLF endings, UTF-8 or UTF-16 (with a
BOM) and gzip. Anything it cannot read exactly is an `InputError` naming the file and line: a partial
read must never look like a whole directory.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import gzip
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from dlscan.support.errors import InputError, UsageError

# Values of these attributes are bytes; everything else must be text.
BINARY_ATTRIBUTES = frozenset({"objectguid", "objectsid", "msexchmailboxguid", "thumbnailphoto", "usercertificate"})

_ATTRIBUTE_DESCRIPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-.]*(;[A-Za-z0-9\-=.*]+)*$")
_RANGE_OPTION = re.compile(r"^range=(\d+)-(\d+|\*)$", re.IGNORECASE)

Value = str | bytes


@dataclass(slots=True)
class LdifRecord:
    dn: str
    line: int | None
    """Where the record starts in its file; None for entries read over LDAP."""
    attributes: dict[str, list[Value]] = field(default_factory=dict)

    def first(self, name: str) -> Value | None:
        values = self.attributes.get(name)
        return values[0] if values else None

    def texts(self, name: str) -> list[str]:
        return [v for v in self.attributes.get(name, ()) if isinstance(v, str)]


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


def read_ldif(path: Path) -> Iterator[LdifRecord]:
    """Yield the content records of an LDIF file, in file order."""
    with open_binary(path) as stream:
        yield from _records(path, _logical_lines(path, _text_lines(path, stream)))


def _text_lines(path: Path, stream: BinaryIO) -> Iterator[tuple[int, str, bool]]:
    """(line number, text without line ending, whether the line was terminated)."""
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # ldifde -u writes UTF-16 with a byte-order mark.
        text = io.TextIOWrapper(stream, encoding="utf-16", newline="")
        for number, line in enumerate(text, start=1):
            yield number, line.rstrip("\r\n"), line.endswith("\n")
        return
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start]
            message = f"byte 0x{bad:02X} at column {exc.start + 1} is not UTF-8; export UTF-8 or base64 values"
            raise InputError(path, message, number) from None
        yield number, line.rstrip("\r\n"), line.endswith("\n")


def _logical_lines(path: Path, lines: Iterator[tuple[int, str, bool]]) -> Iterator[tuple[int, str]]:
    """Unfold continuation lines and drop comments; blank lines come through as ''."""
    start, parts, comment = 0, [], False
    number, terminated = 0, True
    for number, line, ended in lines:
        terminated = ended
        if line.startswith(" ") and (parts or comment):
            if not comment:
                parts.append(line[1:])
            continue
        if parts:
            yield start, "".join(parts)
        parts, comment = [], False
        if line.startswith("#"):
            comment = True
        elif line.strip() == "":
            yield number, ""
        else:
            start, parts = number, [line]
    if not terminated:
        raise InputError(path, "the file ends in the middle of a line: the export looks truncated", number)
    if parts:
        yield start, "".join(parts)


def _records(path: Path, lines: Iterator[tuple[int, str]]) -> Iterator[LdifRecord]:
    record: LdifRecord | None = None
    ranges: dict[str, tuple[int, str]] = {}
    first = True
    trailer = False
    for number, line in lines:
        if line == "":
            if record is not None:
                _check_ranges(path, record, ranges)
                yield record
            record, ranges, trailer = None, {}, False
            continue
        name, value = _split(path, number, line)
        if first and name == "version":
            first = False
            continue
        first = False
        if record is None and not trailer:
            if name in ("search", "result"):
                # plain ldapsearch (without -LLL) ends with a "search:/result:" block
                trailer = True
            elif name != "dn":
                raise InputError(path, f"record starts with '{name}:' instead of 'dn:'", number)
            else:
                record = LdifRecord(dn=_as_text(path, number, "dn", value), line=number)
                continue
        if trailer:
            _check_trailer(path, number, name, value)
            continue
        assert record is not None
        _add_value(path, number, record, ranges, name, value)
    if record is not None:
        _check_ranges(path, record, ranges)
        yield record


def _split(path: Path, number: int, line: str) -> tuple[str, Value]:
    description, sep, rest = line.partition(":")
    if not sep or not _ATTRIBUTE_DESCRIPTION.match(description):
        raise InputError(path, f"expected 'attribute: value', found {line[:40]!r}", number)
    if rest.startswith(":"):
        try:
            return description, base64.b64decode(rest[1:].strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(path, f"the base64 value of '{description}' is not valid base64", number) from None
    if rest.startswith("<"):
        raise InputError(path, f"'{description}' refers to a URL; export values inline", number)
    return description, rest[1:] if rest.startswith(" ") else rest


def _as_text(path: Path, number: int, name: str, value: Value) -> str:
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, f"the value of '{name}' decodes to bytes that are not UTF-8", number) from None


def _add_value(
    path: Path, number: int, record: LdifRecord, ranges: dict[str, tuple[int, str]], description: str, value: Value
) -> None:
    name, *options = description.lower().split(";")
    if name == "changetype":
        if value != "add":
            raise InputError(path, f"'changetype: {value}' is a change record; export content records", number)
        return
    for option in options:
        match = _RANGE_OPTION.match(option)
        if match:
            ranges[name] = (number, match.group(2))
    if name not in BINARY_ATTRIBUTES:
        value = _as_text(path, number, name, value)
    record.attributes.setdefault(name, []).append(value)


def _check_ranges(path: Path, record: LdifRecord, ranges: dict[str, tuple[int, str]]) -> None:
    for name, (number, end) in ranges.items():
        if end != "*":
            raise InputError(
                path,
                f"'{name}' of {record.dn!r} stops at value {end} (ranged retrieval): the export holds only "
                "part of it; use ldifde or 'dlscan collect ad'",
                number,
            )


def _check_trailer(path: Path, number: int, name: str, value: Value) -> None:
    if name == "result" and isinstance(value, str) and not value.strip().startswith("0"):
        raise InputError(path, f"the export is incomplete: the server answered 'result: {value.strip()}'", number)


def format_record(dn: str, attributes: list[tuple[str, Value]]) -> str:
    """One LDIF record, base64 where RFC 2849 requires it, folded at 76 columns."""
    lines = [_format_line("dn", dn)]
    lines += [_format_line(name, value) for name, value in attributes]
    return "".join(lines) + "\n"


def _format_line(name: str, value: Value) -> str:
    if isinstance(value, bytes) or not _is_safe_string(value):
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        line = f"{name}:: {base64.b64encode(raw).decode('ascii')}"
    else:
        line = f"{name}: {value}"
    folded = [line[:76]] + [" " + line[i : i + 75] for i in range(76, len(line), 75)]
    return "\n".join(folded) + "\n"


def _is_safe_string(value: str) -> bool:
    if not value:
        return True
    if value[0] in " :<" or value[-1] == " ":
        return False
    return all(0 < ord(ch) < 128 and ch not in "\r\n" for ch in value)
