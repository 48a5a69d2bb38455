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
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from dlscan.model import Completeness
from dlscan.sources.ad_attributes import TEXT_ATTRIBUTES
from dlscan.sources.compressed import open_binary
from dlscan.sources.ldif_proof import LdifProof
from dlscan.support.errors import InputError

# Values of these attributes are bytes, always; others are text, or bytes when not text (see `_add_value`).
BINARY_ATTRIBUTES = frozenset({"objectguid", "objectsid", "msexchmailboxguid", "thumbnailphoto", "usercertificate"})
_ATTRIBUTE_DESCRIPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-.]*(;[A-Za-z0-9\-=.*]+)*$")
_RANGE_OPTION = re.compile(r"^range=(\d+)-(\d+|\*)$", re.IGNORECASE)

Value = str | bytes

_UNSAFE_IN_PLAIN = re.compile(r"[\x00\r\n]")
_CHARACTER_NAMES = {"\x00": "a NUL character", "\r": "a carriage return (CR)", "\n": "a line feed (LF)"}


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


class LdifExport:
    """The content records of one LDIF file, in file order; once they are all read, what the file showed
    of its own wholeness (`completeness`, see `dlscan.sources.ldif_proof`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.completeness: Completeness | None = None

    def __iter__(self) -> Iterator[LdifRecord]:
        proof = LdifProof(self.path)
        with open_binary(self.path) as stream:
            yield from _records(self.path, _logical_lines(self.path, _text_lines(self.path, stream)), proof)
        self.completeness = proof.outcome


def read_ldif(path: Path) -> Iterator[LdifRecord]:
    """Yield the content records of an LDIF file, in file order."""
    return iter(LdifExport(path))


def _text_lines(path: Path, stream: BinaryIO) -> Iterator[tuple[int, str, bool]]:
    """(line number, text without line ending, whether the line was terminated)."""
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # ldifde -u writes UTF-16 with a byte-order mark.
        # Lines end at LF alone, as they do in UTF-8 below: a lone CR is a character, and refused as one.
        text = io.TextIOWrapper(stream, encoding="utf-16", newline="\n")
        for number, line in enumerate(text, start=1):
            yield number, _without_ending(line), line.endswith("\n")
        return
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        # Only LF or CRLF is taken off, so that a CR inside a value is seen, and refused; inline, as this
        # runs once a line (20 million at a million recipients).
        ended = raw.endswith(b"\n")
        body = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if ended else raw
        try:
            line = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = body[exc.start]
            message = f"byte 0x{bad:02X} at column {exc.start + 1} is not UTF-8; export UTF-8 or base64 values"
            raise InputError(path, message, number) from None
        yield number, line, ended


def _without_ending(line: str) -> str:
    """The line without its LF or CRLF: only those, so that a CR inside a value is seen, and refused."""
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith("\n") else line


def _logical_lines(path: Path, lines: Iterator[tuple[int, str, bool]]) -> Iterator[tuple[int, str]]:
    """Unfold continuation lines; blank lines come through as '', comments with their '#' (unfolded: the
    evidence of wholeness they hold is short)."""
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
            yield number, line
        elif line.strip() == "":
            yield number, ""
        else:
            start, parts = number, [line]
    if not terminated:
        raise InputError(path, "the file ends in the middle of a line: the export looks truncated", number)
    if parts:
        yield start, "".join(parts)


def _records(path: Path, lines: Iterator[tuple[int, str]], proof: LdifProof) -> Iterator[LdifRecord]:
    record: LdifRecord | None = None
    ranges: dict[str, tuple[int, str]] = {}
    first = True
    skipping = False
    """In a block that is no entry: ldapsearch's result trailer, or a search reference."""
    number = 0
    for number, line in lines:
        if line.startswith("#"):
            proof.comment(number, line[1:])
            continue
        if line == "":
            if record is not None:
                _check_ranges(path, record, ranges)
                yield record
            record, ranges, skipping = None, {}, False
            continue
        name, value = _split(path, number, line)
        if first and name == "version":
            first = False
            continue
        first = False
        if record is None and not skipping:
            if name in ("search", "result", "ref"):
                # plain ldapsearch (without -LLL) ends with a "search:/result:" block, and writes the
                # referrals an AD domain always returns as "ref:" blocks
                skipping = True
            elif name != "dn":
                raise InputError(path, f"record starts with '{name}:' instead of 'dn:'", number)
            else:
                record = LdifRecord(dn=_as_text(path, number, "dn", value), line=number)
                proof.entry()
                continue
        if skipping:
            _check_trailer(path, number, name, value)
            continue
        assert record is not None
        _add_value(path, number, record, ranges, name, value)
    if record is not None:
        _check_ranges(path, record, ranges)
        yield record
    proof.finish(number, last_entry_ended=record is None)


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
    value = rest[1:] if rest.startswith(" ") else rest
    # Two `in` tests per line, in C: a regular-expression search here cost a second per million lines.
    unsafe = _UNSAFE_IN_PLAIN.search(value) if "\r" in value or "\x00" in value else None
    if unsafe:
        # RFC 2849 allows neither in a plain value: one is a damaged file, or a name built to hide.
        raise InputError(
            path,
            f"the value of '{description}' holds {_CHARACTER_NAMES[unsafe.group()]} at column "
            f"{len(line) - len(value) + unsafe.start() + 1}, which LDIF writes only in base64: the export is damaged",
            number,
        )
    return description, value


def _as_text(path: Path, number: int, name: str, value: Value) -> str:
    if isinstance(value, str):
        return value
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, f"the value of '{name}' decodes to bytes that are not UTF-8", number) from None
    if "\x00" in text:
        # No directory string holds NUL; tools that meet one cut the name there, and show another.
        raise InputError(path, f"the base64 value of '{name}' holds a NUL character: the export is damaged", number)
    return text


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
    # A value of an attribute dlscan reads must be text; any other's that is not (auditingPolicy, logonHours:
    # binary attributes an export of every attribute carries) is kept as bytes.
    if name in TEXT_ATTRIBUTES or (name not in BINARY_ATTRIBUTES and _is_text(value)):
        value = _as_text(path, number, name, value)
    record.attributes.setdefault(name, []).append(value)


def _is_text(value: Value) -> bool:
    if isinstance(value, str):
        return True
    try:
        return "\x00" not in value.decode("utf-8")
    except UnicodeDecodeError:
        return False


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
