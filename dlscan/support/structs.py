"""Settings documents checked against msgspec Structs, each refusal located by file and line.

msgspec checks a document's shape in one call: every key known, every value of its declared type. It
says what is wrong in words, with the path to the value (`$.suppressions[3].expires`); this module
reads that path back once, here, into a `Refusal` (what is wrong, and where in the document), finds the
line the YAML put it on, and lets each reader word the refusal as its users know it.

A mapping with free keys (`rules: {DL001: ...}`) is converted entry by entry, because msgspec names a
dictionary's entry `[...]` and not by its key.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from dlscan.support.errors import InputError
from dlscan.support.yamlfile import LineDict

T = TypeVar("T")


class Problem(StrEnum):
    UNKNOWN_KEY = "unknown key"
    MISSING_KEY = "missing key"
    WRONG_TYPE = "wrong type"
    BAD_VALUE = "bad value"


@dataclass(frozen=True)
class Refusal:
    """Why a document does not fit its Struct, and where."""

    problem: Problem
    location: tuple[str | int, ...]
    """The keys and indexes from the document's top to the value refused (for an unknown or missing key:
    to the mapping that holds it, or lacks it)."""
    key: object = None
    """The unknown or missing key."""
    key_not_text: bool = False
    """The unknown key is one that is not text (`1:`, `yes:`, `null:`): then even None names it."""

    @property
    def names_key(self) -> bool:
        return self.key is not None or self.key_not_text

    def key_at(self, depth: int) -> object:
        """The key or index at this depth of the location; past its end, the unknown or missing key."""
        return self.location[depth] if len(self.location) > depth else self.key


_AT = " - at "
_PATH = re.compile(r"(`key` in )?`\$(.*)`", re.DOTALL)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
_NAMED = re.compile(r"Object (contains unknown|missing required) field `(.*)`", re.DOTALL)


def refusal_of(error: msgspec.ValidationError, prefix: tuple[str | int, ...] = ()) -> Refusal:
    """msgspec's message read into a Refusal: the one place its wording is relied on. The path is what
    follows the last ' - at ' (a key may hold those words, a path of field names cannot)."""
    text = str(error)
    words, _, where = text.rpartition(_AT)
    found = _PATH.fullmatch(where) if words else None
    if found is None:
        words, found = text, None
    location = list(prefix)
    if found is not None:
        for name, index in _STEP.findall(found.group(2)):
            location.append(int(index) if index else name)
        if found.group(1):  # a key that is not text: msgspec does not say which, `convert` finds it
            return Refusal(Problem.UNKNOWN_KEY, tuple(location), key_not_text=True)
    named = _NAMED.fullmatch(words)
    if named:
        problem = Problem.UNKNOWN_KEY if named.group(1) == "contains unknown" else Problem.MISSING_KEY
        return Refusal(problem, tuple(location), named.group(2))
    problem = Problem.WRONG_TYPE if words.startswith("Expected `") and ", got `" in words else Problem.BAD_VALUE
    return Refusal(problem, tuple(location))


def convert(
    path: Path | str,
    document: Any,
    kind: type[T],
    word: Callable[[Refusal, Any], str],
    *,
    prefix: tuple[str | int, ...] = (),
    root: Any = None,
) -> T:
    """`document` as a `kind`; a refusal raises InputError with `word(refusal, value refused)` and the
    line of the refused value. `prefix` and `root` place a part of a larger document within it."""
    try:
        return msgspec.convert(document, kind, strict=True)
    except msgspec.ValidationError as error:
        refusal = refusal_of(error, prefix)
        whole = document if root is None else root
        if refusal.key_not_text:
            refusal = dataclasses.replace(refusal, key=_key_not_text(_walk(whole, refusal.location)))
        raise InputError(path, word(refusal, value_at(whole, refusal)), line_of(whole, refusal)) from None


def value_at(document: Any, refusal: Refusal) -> Any:
    """The value refused (for an unknown key, the value written under it)."""
    named = refusal.problem is Problem.UNKNOWN_KEY and refusal.names_key
    return _walk(document, (*refusal.location, refusal.key) if named else refusal.location)


def _walk(document: Any, steps: tuple[object, ...]) -> Any:
    value = document
    for step in steps:
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def line_of(document: Any, refusal: Refusal) -> int | None:
    """The line of the refused value's key (for a missing key, of the key the mapping that lacks it is
    written under), or of the nearest mapping holding it that knows its line."""
    line, value = None, document
    steps = list(refusal.location)
    if refusal.problem is Problem.UNKNOWN_KEY and refusal.names_key:
        steps.append(refusal.key)
    for step in steps:
        if isinstance(value, LineDict):
            line = value.line_of(step)
        elif isinstance(value, list) and isinstance(step, int) and isinstance(_item(value, step), LineDict):
            line = value[step].line
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            break
    if refusal.problem is Problem.MISSING_KEY and line is None and isinstance(value, LineDict):
        return value.line  # no key names the mapping that lacks one: its own first line does
    return line


def _item(items: list, index: int) -> Any:
    return items[index] if 0 <= index < len(items) else None


def _key_not_text(mapping: Any) -> object:
    """The first key of a mapping that is not text (YAML reads `1:`, `yes:` and dates as such)."""
    return next((k for k in mapping if not isinstance(k, str)), None) if isinstance(mapping, dict) else None
