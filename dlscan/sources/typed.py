"""Reading a well-formed snapshot straight into typed rows, with msgspec.

msgspec decodes the JSON in C into rows whose every field it checks against the model's types, without
first building a dictionary per object: at a million recipients that halves the load. Objects decode into
rows of the model's fields, whose attributes are still a JSON object, and the rows become model objects
column by column (one attribute getter per field, the fields set through the class's slots). Anything
msgspec rejects (malformed JSON, an unknown field, a wrong type) is left to the careful path in
`dlscan.sources.snapshot`, which says exactly what is wrong.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
from collections.abc import Callable
from operator import attrgetter
from typing import Any, get_type_hints

import msgspec

from dlscan.model import Attributes, DistributionList, Recipient

Rows = tuple[dict[str, Any], list[Recipient], list[DistributionList]]
"""The document's other members (format, source, notes...) as plain values, then the model objects."""


def decode_typed(data: bytes, attributes: Callable[[Any], Any], slow: object) -> Rows | None:
    """The snapshot in `data`, or None to leave it to the careful path. `attributes` is the careful path's
    converter of an attribute object, which returns `slow` for one it cannot take."""
    try:
        document = _decoder().decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    recipients = _objects(Recipient, document.recipients, attributes, slow)
    lists = _objects(DistributionList, document.lists, attributes, slow)
    if recipients is None or lists is None:
        return None
    rest = {f: getattr(document, f) for f in ("format", "format_version", "source", "internal_domains", "notes")}
    return rest, recipients, lists


def _objects(cls: type, rows: list, attributes: Callable[[Any], Any], slow: object) -> list | None:
    hints = get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    columns: list[list] = []
    for name in names:
        column = list(map(attrgetter(name), rows))
        if hints[name] == Attributes:  # still a JSON object in the row (see `_row`)
            if not any(column):  # none has any (a directory of one organisation): no call per object
                column = [()] * len(column)
            else:
                column = list(map(attributes, column))
                if any(value is slow for value in column):
                    return None
        columns.append(column)
    return _made(cls, names, columns, len(rows))


def _made(cls: type, names: list[str], columns: list[list], count: int) -> list:
    """The objects, their fields set column by column through the class's slots: the generated __init__
    of a frozen dataclass sets them one call at a time, twice as slow at a million objects. A class with
    a __post_init__ (checks of its own) or without slots is made through its __init__."""
    if hasattr(cls, "__post_init__") or "__slots__" not in vars(cls):
        return list(map(cls, *columns))
    objects = list(map(object.__new__, itertools.repeat(cls, count)))
    for name, column in zip(names, columns, strict=True):
        collections.deque(map(vars(cls)[name].__set__, objects, column), maxlen=0)
    return objects


@functools.cache
def _decoder() -> msgspec.json.Decoder:
    document = msgspec.defstruct(
        "SnapshotDocument",
        [
            ("format", Any, None),
            ("format_version", Any, None),
            ("source", Any, None),
            ("internal_domains", Any, []),
            ("notes", Any, []),
            ("recipients", list[_row(Recipient)], []),  # type: ignore[misc]
            ("lists", list[_row(DistributionList)], []),  # type: ignore[misc]
        ],
    )
    return msgspec.json.Decoder(document)


def _row(cls: type) -> type:
    """A msgspec type with the fields of the model class `cls`, no others; attributes as a JSON object."""
    hints = get_type_hints(cls)
    fields = []
    for field in dataclasses.fields(cls):
        if hints[field.name] == Attributes:
            fields.append((field.name, dict[str, str], {}))
        elif field.default is dataclasses.MISSING:
            fields.append((field.name, hints[field.name]))
        else:
            fields.append((field.name, hints[field.name], field.default))
    return msgspec.defstruct(f"{cls.__name__}Row", fields, forbid_unknown_fields=True)
