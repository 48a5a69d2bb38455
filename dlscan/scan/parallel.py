"""Checks on both cores: the costliest checks run in a forked copy of this process while the rest run here,
and the checks that may run on either side go to whichever process is free first.

Fork shares the snapshot, the graph and the classifications copy-on-write, so nothing large crosses
between the processes; only the child's findings come back. Where fork is unavailable (Windows) or
unsafe (other threads are running), or the directory is small, the checks run one after another. The
findings are the same either way: the scan puts them in its stable order afterwards.
"""

from __future__ import annotations

import itertools
import multiprocessing
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from dlscan.checks import ScanContext
from dlscan.checks.base import Check
from dlscan.findings import Finding
from dlscan.support.memory import frozen_for_fork

PARALLEL_FROM = 5_000
"""Recipients from which a second process pays for itself: forking costs a few milliseconds (4 ms at
10,000 recipients, where the scan takes 124 to 137 ms forked against 200 to 219 ms in one process)."""


def run_checks(checks: Sequence[Check], ctx: ScanContext, *, parallel_from: int = PARALLEL_FROM) -> list[list[Finding]]:
    """Each check's findings, in the order of `checks`.

    The checks that run apart go to the child first, the rest stay here; then each process, once free,
    takes the next check that may run on either side, until none is left. Which costs most depends on
    the directory's shape (a shared service's evidence here, a council's outsiders in the child), so the
    free core takes what is left rather than a fixed half."""
    apart = [k for k, c in enumerate(checks) if c.runs_apart]
    if not apart or len(ctx.snapshot.recipients) < parallel_from or not _can_fork():
        return [list(c.run(ctx)) for c in checks]
    either = [k for k, c in enumerate(checks) if c.runs_either_side and not c.runs_apart]
    here = [k for k in range(len(checks)) if k not in apart and k not in either]
    ctx.prepare()
    forking = multiprocessing.get_context("fork")
    reader, writer = forking.Pipe(duplex=False)
    claims = _Claims(forking.Value("i", 0), either)
    child = forking.Process(target=_run_in_child, args=(checks, apart, claims, ctx, reader, writer), daemon=True)
    with frozen_for_fork():  # what prepare() made included
        child.start()
    writer.close()
    # Drained as the child sends, so that it never waits on a full pipe while this process is busy.
    receiving = _Receiver(reader)
    try:
        found = {k: list(checks[k].run(ctx)) for k in here}
        found.update((k, list(checks[k].run(ctx))) for k in claims)
    except BaseException:
        _stop(child, receiving)  # neither left running behind an error here
        raise
    status, received = receiving.result()
    if status != "ok":
        _stop(child, receiving)
    # Otherwise the child is left to exit on its own (multiprocessing reaps it later): handing back the
    # pages of a forked copy takes milliseconds that the scan need not wait for.
    if status == "error":
        raise received
    for k, check in enumerate(checks):
        if k not in found:
            # A check whose child died before it finished runs here rather than lose its findings.
            found[k] = received[k] if k in received else list(check.run(ctx))
    return [found[k] for k in range(len(checks))]


def _stop(child: Any, receiving: _Receiver) -> None:
    """The child ended, whatever it was doing, and the thread that read from it."""
    child.terminate()
    child.join()
    receiving.result()


class _Claims:
    """The checks that either process may run, each taken once, by whichever process is free first: a
    counter both processes share (made before the fork), advanced under its lock."""

    def __init__(self, counter: Any, positions: list[int]) -> None:
        self._counter = counter
        self._positions = positions

    def __iter__(self) -> Iterator[int]:
        lock = self._counter.get_lock()
        while True:
            # A process killed while it held the lock would leave it held: the rest then run here, unclaimed.
            if not lock.acquire(timeout=_CLAIM_WAIT):
                return
            try:
                taken = self._counter.value
                self._counter.value = taken + 1
            finally:
                lock.release()
            if taken >= len(self._positions):
                return
            yield self._positions[taken]


_CLAIM_WAIT = 30.0
"""Seconds to wait for the claims' lock, held by either process for a few instructions at a time."""


class _Receiver:
    """The child's findings as they come, a part at a time, read by a thread of this process."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._outcome: tuple[str, Any] = ("lost", {})
        self._thread = threading.Thread(target=self._receive, name="dlscan-child-findings", daemon=True)
        self._thread.start()

    def result(self) -> tuple[str, Any]:
        """("ok", {position: findings} for every check the child ran), ("error", the exception) or ("lost",
        the findings of the checks the child finished)."""
        self._thread.join()
        return self._outcome

    def _receive(self) -> None:
        parts: dict[int, list[Finding]] = {}
        finished: dict[int, list[Finding]] = {}
        self._outcome = ("lost", finished)
        try:
            while True:
                status, position, payload = self._reader.recv()
                if status == "error":
                    self._outcome = (status, payload)
                    return
                if status == "end":
                    self._outcome = ("ok", finished)
                    return
                parts.setdefault(position, []).extend(payload)
                if status == "done":
                    finished[position] = parts.pop(position)
        except EOFError:
            return  # the child ended without saying so: what it finished is kept, the rest runs here
        except BaseException as exc:  # a message that cannot be read is the scan's error, not a lost thread
            self._outcome = ("error", exc)
        finally:
            self._reader.close()


_PART = 10_000
"""Findings sent from a child at a time."""


def _run_in_child(
    checks: Sequence[Check], apart: list[int], claims: _Claims, ctx: ScanContext, reader: Any, writer: Any
) -> None:
    """The checks that run apart, then those it can claim, one after another; their findings sent a part
    at a time, each check's last part marked done, and the end marked once all are."""
    # Its copy of the reading end closed, a send fails once the parent stops reading, rather than wait.
    reader.close()
    try:
        for position in itertools.chain(apart, claims):
            part: list[Finding] = []
            for finding in checks[position].run(ctx):
                part.append(finding)
                if len(part) == _PART:
                    writer.send(("part", position, part))
                    part = []
            writer.send(("done", position, part))
        writer.send(("end", None, None))
    except Exception as exc:
        try:
            writer.send(("error", None, exc))
        except Exception:
            writer.send(("error", None, RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        writer.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
