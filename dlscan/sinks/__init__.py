"""Sinks: where findings go. One small class per output format, one module each.

Offers `sink_classes()`, every format by name. A format is added by adding one module to this package
with a `Sink` subclass in it: the modules are found by looking, and the classes by their base, so no
list is kept by hand. May import scan and every layer below it.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from dlscan.sinks.base import COLUMNS, Sink

_NOT_SINKS = frozenset({"base"})


def sink_classes() -> dict[str, type[Sink]]:
    """Every output format, by its `--format` name, in name order: the sinks of this package's modules,
    and any other `Sink` subclass already defined (a format of a program that embeds dlscan)."""
    _import_sink_modules(tuple(__path__))
    found: dict[str, type[Sink]] = {}
    pending = list(Sink.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "name", None):
            found[cls.name] = cls
    return dict(sorted(found.items()))


@functools.cache
def _import_sink_modules(folders: tuple[str, ...]) -> None:
    """Import every sink module of the package's folders, once: the folders are listed on the first call
    only (a scan asks for the formats from the config, the runner and the command line alike)."""
    for module in pkgutil.iter_modules(folders):
        if not module.ispkg and module.name not in _NOT_SINKS:
            importlib.import_module(f"{__name__}.{module.name}")


__all__ = ["COLUMNS", "Sink", "sink_classes"]
