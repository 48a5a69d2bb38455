"""A streaming reader for LDIF content records (RFC 2849) as AD tools write them.

Reads `ldifde` and `ldapsearch` output one record at a time, so a file of any size costs the memory of
its largest record and of a block of lines (`dlscan.sources.ldif_lines`). Handles folded lines, base64
values, comments, CRLF endings, UTF-8 or UTF-16 (with a BOM) and gzip. Anything it cannot read exactly
is an `InputError` naming the file and line: a partial read must never look like a whole directory.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from dlscan.model import Completeness
from dlscan.sources.ad_attributes import TEXT_ATTRIBUTES
from dlscan.sources.compressed import open_binary
from dlscan.sources.ldif_lines import line_blocks, logical_lines
from dlscan.sources.ldif_proof import LdifProof
from dlscan.support.errors import InputError

# Values of these attributes are bytes, always; others are text, or bytes when not text (see `_records`).
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
            yield from _records(self.path, logical_lines(self.path, line_blocks(self.path, stream)), proof)
        self.completeness = proof.outcome


def read_ldif(path: Path) -> Iterator[LdifRecord]:
    """Yield the content records of an LDIF file, in file order."""
    return iter(LdifExport(path))


class _Description(NamedTuple):
    """An attribute description as read once: its name in lower case, and where a range option stops."""

    name: str
    range_end: str | None
    text: bool
    """Its values are always text (an attribute dlscan reads)."""
    binary: bool
    """Its values are always bytes."""

    @classmethod
    def of(cls, description: str) -> _Description:
        name, *options = description.lower().split(";")
        end = None
        for option in options:
            match = _RANGE_OPTION.match(option)
            if match:
                end = match.group(2)
        return cls(name, end, name in TEXT_ATTRIBUTES, name in BINARY_ATTRIBUTES)


def _records(path: Path, lines: Iterator[tuple[int, str]], proof: LdifProof) -> Iterator[LdifRecord]:
    record: LdifRecord | None = None
    ranges: dict[str, tuple[int, str]] = {}
    described: dict[str, _Description] = {}
    """Each attribute description once checked and split: an export has a few dozen, on millions of lines."""
    first = True
    skipping = False
    """In a block that is no entry: ldapsearch's result trailer, or a search reference."""
    number = 0
    for number, line in lines:
        if line[:1] == "#":
            proof.comment(number, line[1:])
            continue
        if line == "":
            if record is not None:
                _check_ranges(path, record, ranges)
                yield record
            record, ranges, skipping = None, {}, False
            continue
        description, sep, rest = line.partition(":")
        known = described.get(description) if sep else None
        if known is None:
            if not sep or not _ATTRIBUTE_DESCRIPTION.match(description):
                raise InputError(path, f"expected 'attribute: value', found {line[:40]!r}", number)
            known = described[description] = _Description.of(description)
        value = _value(path, number, line, description, rest)
        if first and description == "version":
            first = False
            continue
        first = False
        if record is None and not skipping:
            if description in ("search", "result", "ref"):
                # plain ldapsearch (without -LLL) ends with a "search:/result:" block, and writes the
                # referrals an AD domain always returns as "ref:" blocks
                skipping = True
            elif description != "dn":
                raise InputError(path, f"record starts with '{description}:' instead of 'dn:'", number)
            else:
                record = LdifRecord(dn=_as_text(path, number, "dn", value), line=number)
                proof.entry()
                continue
        if skipping:
            _check_trailer(path, number, description, value)
            continue
        assert record is not None
        name = known.name
        if name == "changetype":
            if value != "add":
                raise InputError(path, f"'changetype: {value}' is a change record; export content records", number)
            continue
        if known.range_end is not None:
            ranges[name] = (number, known.range_end)
        # A value of an attribute dlscan reads must be text; any other's that is not (auditingPolicy, logonHours:
        # binary attributes an export of every attribute carries) is kept as bytes.
        if value.__class__ is not str and (known.text or (not known.binary and _is_text(value))):
            value = _as_text(path, number, name, value)
        values = record.attributes.get(name)
        if values is None:
            record.attributes[name] = [value]
        else:
            values.append(value)
    if record is not None:
        _check_ranges(path, record, ranges)
        yield record
    proof.finish(number, last_entry_ended=record is None)


def _value(path: Path, number: int, line: str, description: str, rest: str) -> Value:
    """The value after `description:` on a logical line: plain text, or the bytes of a base64 value."""
    if rest[:1] == ":":
        try:
            return base64.b64decode(rest[1:].strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InputError(path, f"the base64 value of '{description}' is not valid base64", number) from None
    if rest[:1] == "<":
        raise InputError(path, f"'{description}' refers to a URL; export values inline", number)
    value = rest[1:] if rest[:1] == " " else rest
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
    return value


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
