"""The careful reading of one snapshot object: every field checked against the model, and a wrong one
named (`recipients[12].kind must be one of …`), where the fast reader (`dlscan.sources.typed`) only
knows that something is wrong."""

from __future__ import annotations

import dataclasses
import functools
import types
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import msgspec

from dlscan.model import BOUNDARY_ATTRIBUTES, Attributes, canonical_attribute, make_attributes
from dlscan.support.errors import InputError


class Shape:
    """How to check and build one model class from a JSON object, worked out once per class.

    The fast reader builds every object of a well-formed snapshot; this careful one runs only where it
    refused (to name the problem) and for the few objects it leaves as plain values (the source, the
    declared domains), so it converts each field the one careful way.
    """

    def __init__(self, cls: type) -> None:
        self.cls = cls
        hints = get_type_hints(cls)
        fields = fields_of(cls)
        self.known = frozenset(fields)
        self.required = tuple(name for name, required in fields.items() if required)
        self.hints = {name: hints[name] for name in fields}

    def build(self, path: Path | str, where: str, data: Any) -> Any:
        if not isinstance(data, dict):
            raise InputError(path, f"{where} must be an object")
        if not self.known.issuperset(data):
            raise InputError(path, f"{where} has unknown field '{sorted(set(data) - self.known)[0]}'")
        for name in self.required:
            if name not in data:
                raise InputError(path, f"{where} lacks the field '{name}'")
        hints = self.hints
        return self.cls(**{name: _convert(path, f"{where}.{name}", hints[name], v) for name, v in data.items()})


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
