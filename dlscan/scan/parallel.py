"""Checks on both cores: the costliest checks run in a forked copy of this process while the rest run here.

Fork shares the snapshot, the graph and the classifications copy-on-write, so nothing large crosses
between the processes; only the child's findings come back. Where fork is unavailable (Windows) or
unsafe (other threads are running), or the directory is small, the checks run one after another. The
findings are the same either way: the scan puts them in its stable order afterwards.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Sequence
from typing import Any

from dlscan.checks import ScanContext
from dlscan.checks.base import Check
from dlscan.findings import Finding
from dlscan.support.memory import frozen_for_fork

PARALLEL_FROM = 5_000
"""Recipients from which a second process pays for itself: forking costs a few milliseconds (4 ms at
10,000 recipients, where the scan takes 124 to 137 ms forked against 200 to 219 ms in one process)."""


def run_checks(checks: Sequence[Check], ctx: ScanContext, *, parallel_from: int = PARALLEL_FROM) -> list[list[Finding]]:
    """Each check's findings, in the order of `checks`."""
    side = [c for c in checks if c.runs_apart]
    if not side or len(ctx.snapshot.recipients) < parallel_from or not _can_fork():
        return [list(c.run(ctx)) for c in checks]
    ctx.prepare()
    forking = multiprocessing.get_context("fork")
    reader, writer = forking.Pipe(duplex=False)
    child = forking.Process(target=_run_in_child, args=(side, ctx, writer), daemon=True)
    with frozen_for_fork():  # what prepare() made included
        child.start()
    writer.close()
    found = {id(c): list(c.run(ctx)) for c in checks if c not in side}
    status, received = _receive(reader, len(side))
    if status != "ok":
        child.join()
    # Otherwise the child is left to exit on its own (multiprocessing reaps it later): handing back the
    # pages of a forked copy takes milliseconds that the scan need not wait for.
    if status == "error":
        raise received
    for position, check in enumerate(side):
        # A check whose child died before it finished runs here rather than lose its findings.
        found[id(check)] = received[position] if position in received else list(check.run(ctx))
    return [found[id(c)] for c in checks]


def _receive(reader: Any, count: int) -> tuple[str, Any]:
    """The child's findings as they come, a part at a time: unpickling them here overlaps the child's
    work on the rest. ("ok", {position: findings} for every check), ("error", the exception) or ("lost",
    the findings of the checks the child finished)."""
    parts: dict[int, list[Finding]] = {}
    finished: dict[int, list[Finding]] = {}
    try:
        while len(finished) < count:
            status, position, payload = reader.recv()
            if status == "error":
                return status, payload
            parts.setdefault(position, []).extend(payload)
            if status == "done":
                finished[position] = parts.pop(position)
        return "ok", finished
    except EOFError:
        return "lost", finished
    finally:
        reader.close()


_PART = 10_000
"""Findings sent from a child at a time."""


def _run_in_child(checks: Sequence[Check], ctx: ScanContext, writer: Any) -> None:
    """The checks one after another, their findings sent a part at a time, each check's last part
    marked done."""
    try:
        for position, check in enumerate(checks):
            part: list[Finding] = []
            for finding in check.run(ctx):
                part.append(finding)
                if len(part) == _PART:
                    writer.send(("part", position, part))
                    part = []
            writer.send(("done", position, part))
    except Exception as exc:
        try:
            writer.send(("error", None, exc))
        except Exception:
            writer.send(("error", None, RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        writer.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
