"""YAML that remembers where each key was written, so errors can name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dlscan.support.errors import InputError


class LineDict(dict):
    """A mapping from YAML that knows its own line and the line of each key."""

    line: int = 0
    lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loading, by libyaml when PyYAML was built with it: the rule pack loads in 2 ms instead of 20."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            # A value a constructor refuses (2099-13-45): the innermost node names the line.
            if not hasattr(exc, "yaml_line"):
                exc.yaml_line = node.start_mark.line + 1  # type: ignore[attr-defined]
            raise


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a word or a number, not a list or a mapping", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {result.lines[key]})", key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except UnicodeDecodeError:
        raise InputError(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _refuse_aliases(path, node)
        return loader.construct_document(node)
    except RecursionError:
        raise InputError(path, "invalid YAML: nested too deeply") from None
    except (ValueError, OverflowError) as exc:  # a constructor's: a date such as 2099-13-45
        raise InputError(path, f"invalid YAML value: {exc}", getattr(exc, "yaml_line", None)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(path, f"invalid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _refuse_aliases(path: Path, root: yaml.Node) -> None:
    """Refuse a document that uses anchors and aliases (`&name`, `*name`, `<<: *name`): rule packs and
    accepted risks have no need of them, and a few hundred bytes of nested aliases expand to gigabytes.
    An alias is a node met twice in the walk, so the walk ends at the first."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            line = node.start_mark.line + 1
            raise InputError(path, "YAML anchors and aliases (&name, *name) are not accepted: write each out", line)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            pending.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
