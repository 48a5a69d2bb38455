"""The careful reading of one snapshot object: every field checked against the model, and a wrong one
named (`recipients[12].kind must be one of …`), where the fast reader (`dlscan.sources.typed`) only
knows that something is wrong."""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import msgspec

from dlscan.model import BOUNDARY_ATTRIBUTES, Attributes, canonical_attribute, make_attributes
from dlscan.sources.typed import AttributeReader
from dlscan.support.errors import InputError


class Shape:
    """How to check and build one model class from a JSON object, worked out once per class.

    A large snapshot holds a million objects: the per-field work is a dictionary lookup and an
    isinstance test; anything unusual falls back to the careful conversion that names the bad field.
    """

    def __init__(self, cls: type) -> None:
        self.cls = cls
        hints = get_type_hints(cls)
        fields = fields_of(cls)
        self.known = frozenset(fields)
        self.required = tuple(name for name, required in fields.items() if required)
        self.hints = {name: hints[name] for name in fields}
        self.fast = {name: _fast_converter(hint) for name, hint in self.hints.items()}

    def build(self, path: Path | str, where: str, data: Any) -> Any:
        if not isinstance(data, dict):
            raise InputError(path, f"{where} must be an object")
        if not self.known.issuperset(data):
            raise InputError(path, f"{where} has unknown field '{sorted(set(data) - self.known)[0]}'")
        for name in self.required:
            if name not in data:
                raise InputError(path, f"{where} lacks the field '{name}'")
        values = {}
        for name, value in data.items():
            converted = self.fast[name](value)
            if converted is _SLOW:
                converted = _convert(path, f"{where}.{name}", self.hints[name], value)
            values[name] = converted
        return self.cls(**values)


_SLOW = object()


def _fast_converter(hint: Any) -> Callable[[Any], Any]:
    """The common cases of `_convert`, without its error reporting; _SLOW hands the value back to it."""
    options = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    nullable = type(None) in options
    kinds = [o for o in options if o is not type(None)]
    kind = kinds[0] if len(kinds) == 1 else None
    if kind is str or kind is bool:

        def plain(value: Any) -> Any:
            if value is None:
                return None if nullable else _SLOW
            return value if type(value) is kind else _SLOW

        return plain
    if isinstance(kind, type) and issubclass(kind, Enum):
        members = {m.value: m for m in kind}

        def enum(value: Any) -> Any:
            if value is None:
                return None if nullable else _SLOW
            return members.get(value, _SLOW) if isinstance(value, str) else _SLOW

        return enum
    if kind == Attributes:
        reader = AttributeReader()

        def attributes(value: Any) -> Any:
            found = reader.read(value)
            return _SLOW if found is None else found

        return attributes
    if kind is not None and get_origin(kind) is tuple:

        def strings(value: Any) -> Any:
            if value is None:
                return None if nullable else _SLOW
            if type(value) is list and all(type(v) is str for v in value):
                return tuple(value)
            return _SLOW

        return strings
    return lambda value: _SLOW


def _convert(path: Path | str, where: str, hint: Any, value: Any) -> Any:
    options = get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise InputError(path, f"{where} must not be null")
    if hint == Attributes:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise InputError(path, f"{where} must be an object of text values")
        unknown = sorted(k for k in value if canonical_attribute(k) != k)
        if unknown:
            allowed = ", ".join(BOUNDARY_ATTRIBUTES[:3])
            raise InputError(path, f"{where} has unknown attribute {unknown[0]!r} (expected e.g. {allowed})")
        return make_attributes(value.items(), {})
    for option in options:
        if isinstance(option, type) and issubclass(option, Enum):
            try:
                return option(value)
            except ValueError:
                allowed = ", ".join(m.value for m in option)
                raise InputError(path, f"{where} is {value!r}; expected one of {allowed}") from None
        if option is bool and isinstance(value, bool):
            return value
        if option is str and isinstance(value, str):
            return value
        if isinstance(option, type) and issubclass(option, msgspec.Struct):
            return shape_of(option).build(path, where, value)
        if get_origin(option) is tuple and isinstance(value, list):
            item = get_args(option)[0]
            if isinstance(item, type) and issubclass(item, msgspec.Struct):
                return tuple(shape_of(item).build(path, f"{where}[{i}]", v) for i, v in enumerate(value))
            if all(isinstance(v, str) for v in value):
                return tuple(value)
            raise InputError(path, f"{where} must be a list of strings")
    raise InputError(path, f"{where} has the wrong type ({type(value).__name__})")


@functools.cache
def shape_of(cls: type) -> Shape:
    return Shape(cls)


@functools.cache
def fields_of(cls: type) -> dict[str, bool]:
    """Each field of a model class (a msgspec struct or a dataclass) -> whether a JSON object must give it."""
    if issubclass(cls, msgspec.Struct):
        return {f.name: f.required for f in msgspec.structs.fields(cls)}
    return {
        f.name: f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        for f in dataclasses.fields(cls)
        if f.init
    }
