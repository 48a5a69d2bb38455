"""Building a snapshot's million objects column by column, when nothing about them is unusual.

The careful path (`dlscan.sources.snapshot`) checks every field of every object in Python and names the
first bad one. Here each field is checked over all objects at once, with one type test per value in C,
and the objects are made positionally. Anything unusual (a missing or unknown field, a wrong type, an
enum value that does not exist) makes this give up and return None; the careful path then reads the
objects again and says exactly what is wrong.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import operator
import types
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import Any, get_args, get_origin

from dlscan.model import Attributes

_NONE = type(None)


def build_by_columns(
    cls: type, hints: Mapping[str, Any], converters: Mapping[str, Callable[[Any], Any]], slow: object, items: list
) -> list | None:
    """`cls` made from each JSON object in `items`, or None to leave them to the careful path. `hints` are
    the dataclass's fields in order; `converters` are the careful path's per-value fast converters, which
    return `slow` for a value they cannot take. Each field must be in every object or in none (then it
    takes its default), as one writer writes them."""
    if not items:
        return []
    if set(map(type, items)) != {dict}:
        return None
    key_sets = set(map(frozenset, set(map(tuple, items))))
    if len(key_sets) != 1:
        return None
    (keys,) = key_sets
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    if not keys.issubset(hints) or any(defaults[name] is dataclasses.MISSING for name in set(hints) - keys):
        return None  # an unknown field, or a required one missing
    columns: list[Sequence] = []
    for name, hint in hints.items():
        if name not in keys:
            columns.append(itertools.repeat(defaults[name], len(items)))  # type: ignore[arg-type]
            continue
        converted = _column(hint, converters[name], slow, list(map(operator.itemgetter(name), items)))
        if converted is None:
            return None
        columns.append(converted)
    return made(cls, list(hints), columns, len(items))


def made(cls: type, names: list[str], columns: list[Sequence], count: int) -> list:
    """The objects, their fields set column by column through the class's slots: the generated __init__
    of a frozen dataclass sets them one call at a time, twice as slow at a million objects. A class with
    a __post_init__ (checks of its own) or without slots is made through its __init__."""
    if hasattr(cls, "__post_init__") or "__slots__" not in vars(cls):
        return list(map(cls, *columns))
    objects = list(map(object.__new__, itertools.repeat(cls, count)))
    for name, column in zip(names, columns, strict=True):
        collections.deque(map(vars(cls)[name].__set__, objects, column), maxlen=0)
    return objects


def _column(hint: Any, converter: Callable[[Any], Any], slow: object, column: list) -> Sequence | None:
    options = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    nullable = _NONE in options
    kinds = [o for o in options if o is not _NONE]
    kind = kinds[0] if len(kinds) == 1 else None
    if kind is str or kind is bool:
        return column if set(map(type, column)) <= {kind, _NONE if nullable else kind} else None
    if isinstance(kind, type) and issubclass(kind, Enum):
        members: dict[Any, Any] = {m.value: m for m in kind}
        if nullable:
            members[None] = None
        try:
            return list(map(members.__getitem__, column))
        except (KeyError, TypeError):  # an unknown value, or one that cannot be a key (a list)
            return None
    if kind == Attributes:
        converted = list(map(converter, column))
        return None if any(map(operator.is_, converted, itertools.repeat(slow))) else converted
    if kind is not None and get_origin(kind) is tuple:
        present = [v for v in column if v is not None] if nullable else column
        if not set(map(type, present)) <= {list}:
            return None
        if not set(map(type, itertools.chain.from_iterable(present))) <= {str}:
            return None
        return [None if v is None else tuple(v) for v in column] if nullable else list(map(tuple, column))
    return None
