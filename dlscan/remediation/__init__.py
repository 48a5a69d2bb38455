"""Remediation plans: the directory changes that would resolve selected findings, written for review and
never applied. `build_plan` turns findings into steps (`steps`), each with its inverse; one writer per
plan format (`ldif`, `powershell`, `markdown`), found by `plan_writers()` as the sinks are found. May
import scan and every layer below it.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from dlscan.remediation.planner import PlanSettings, build_plan
from dlscan.remediation.steps import Plan
from dlscan.remediation.writer import PlanWriter

_NOT_WRITERS = frozenset({"filters", "planner", "steps", "writer"})


def plan_writers() -> dict[str, type[PlanWriter]]:
    """Every plan format by its `--format` name, in name order."""
    _import_writers(tuple(__path__))
    found = {cls.name: cls for cls in PlanWriter.__subclasses__() if getattr(cls, "name", None)}
    return dict(sorted(found.items()))


@functools.cache
def _import_writers(folders: tuple[str, ...]) -> None:
    for module in pkgutil.iter_modules(folders):
        if not module.ispkg and module.name not in _NOT_WRITERS:
            importlib.import_module(f"{__name__}.{module.name}")


__all__ = ["Plan", "PlanSettings", "PlanWriter", "build_plan", "plan_writers"]
