"""An LDIF file's lines, as its records are read from them: decoded, split and unfolded.

UTF-8 is decoded and split a block at a time, in C (`_BLOCK` bytes, cut at the last line end), which
reads a million-recipient export twice as fast as a line at a time; the lines, and which fault is
named first, are the same. UTF-16 (`ldifde -u`, with a byte-order mark) is read a line at a time.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from dlscan.support.errors import InputError

_BLOCK = 1 << 22
"""Bytes read at a time: decoded and split into lines in C, a block at once."""


def line_blocks(path: Path, stream: BinaryIO) -> Iterator[tuple[list[str], bool]]:
    """The file's lines without their endings, a block at a time, and whether the block's last line was
    terminated (only the file's last may not be). Only LF or CRLF is taken off, so that a CR inside a
    value is seen, and refused."""
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # ldifde -u writes UTF-16 with a byte-order mark.
        # Lines end at LF alone, as they do in UTF-8 below: a lone CR is a character, and refused as one.
        text = io.TextIOWrapper(stream, encoding="utf-16", newline="\n")
        yield from _utf16_blocks(path, text)
        return
    number, rest, first, marked = 0, b"", True, False
    while block := stream.read(_BLOCK):
        data = rest + block
        if first and (len(data) >= len(codecs.BOM_UTF8) or not codecs.BOM_UTF8.startswith(data)):
            first = False  # a byte-order mark is taken off the first line only
            marked = data.startswith(codecs.BOM_UTF8)
            data = data.removeprefix(codecs.BOM_UTF8)
        cut = data.rfind(b"\n") + 1
        rest = data[cut:]
        if cut:
            lines, error = _decoded(path, data[:cut], number)
            number += len(lines)
            yield lines, True
            if error:
                raise error  # after the lines before it, whose own faults come first
    if rest or (marked and not number):  # the last line, not terminated (a byte-order mark alone is one)
        lines, error = _decoded(path, rest + b"\n", number)
        yield lines, False
        if error:
            raise error


def _utf16_blocks(path: Path, text: io.TextIOWrapper) -> Iterator[tuple[list[str], bool]]:
    """As `line_blocks`, for UTF-16: read a line at a time, so that the faults of the lines before text
    that cannot be decoded come first; the codec decodes a few kilobytes ahead, so that text is named as
    at or after the line reached (a file cut in the middle of a character, in its last line)."""
    lines: list[str] = []
    number, ended = 0, True
    try:
        for line in text:
            ended = line.endswith("\n")
            lines.append(_without_ending(line))
            if len(lines) == 10_000:
                number += len(lines)
                yield lines, True
                lines = []
    except UnicodeDecodeError as exc:
        yield lines, True
        where = number + len(lines) + 1
        message = f"the UTF-16 text cannot be decoded at or after this line ({exc.reason}); export it again"
        raise InputError(path, message, where) from None
    yield lines, ended


def _decoded(path: Path, block: bytes, before: int) -> tuple[list[str], InputError | None]:
    """The lines of a block of whole lines (each ending in LF), without their endings; where a line is not
    UTF-8, the lines before it and the error that names it."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = block.rfind(b"\n", 0, exc.start) + 1
        message = (
            f"byte 0x{block[exc.start]:02X} at column {exc.start - line_start + 1} is not UTF-8; "
            "export UTF-8 or base64 values"
        )
        lines, _ = _decoded(path, block[:line_start], before)
        return lines, InputError(path, message, before + len(lines) + 1)
    lines = text.split("\n")
    lines.pop()  # after the last LF
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines, None


def _without_ending(line: str) -> str:
    """The line without its LF or CRLF: only those, so that a CR inside a value is seen, and refused."""
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith("\n") else line


def logical_lines(path: Path, blocks: Iterator[tuple[list[str], bool]]) -> Iterator[tuple[int, str]]:
    """Unfold continuation lines; blank lines come through as '', comments with their '#' (unfolded: the
    evidence of wholeness they hold is short). Runs once a line: 20 million at a million recipients."""
    start, parts, comment = 0, [], False
    number, terminated = 0, True
    for lines, ended in blocks:
        terminated = ended
        for line in lines:
            number += 1
            if line[:1] == " " and (parts or comment):
                if not comment:
                    parts.append(line[1:])
                continue
            if parts:
                yield start, parts[0] if len(parts) == 1 else "".join(parts)
                parts = []
            comment = False
            if line[:1] == "#":
                comment = True
                yield number, line
            elif not line or line.isspace():
                yield number, ""
            else:
                start, parts = number, [line]
    if not terminated:
        raise InputError(path, "the file ends in the middle of a line: the export looks truncated", number)
    if parts:
        yield start, "".join(parts)
