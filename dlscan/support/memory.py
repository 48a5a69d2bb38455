"""Keeping Python's cycle collector out of the way while a large directory is built and scanned.

A million-recipient snapshot is several million objects, none of them in reference cycles. Each time the
collector runs it walks them all, to free nothing: at that size each walk takes about a second, and
without care a scan paid for six of them between its phases. So the snapshot, the graph and the
findings are built with the collector paused, and then settled: frozen (moved out of its sight) until
the job ends. Settled objects are still freed by reference counting as usual; only cycles among them
wait for the job to end, and they hold none. Frozen objects also keep forked rule processes from
copying pages merely by walking them.

Nothing outlives the job: `settled_job` gives every frozen object back to the collector when the job
returns, and outside a job nothing is frozen, so a program that embeds dlscan finds the collector as it
left it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_IN_JOB: ContextVar[bool] = ContextVar("dlscan_settled_job", default=False)


@contextmanager
def settled_job(*, until_exit: bool = False) -> Iterator[None]:
    """A whole job, from reading the source to writing the outputs: what is settled inside stays frozen
    until the job ends, then goes back to the collector. Jobs nest: the outermost one gives back. Objects
    that the caller froze before the job began are left frozen, and so is what the job froze with them,
    since the collector cannot tell the two apart.

    `until_exit` is for a job that is the whole process (the command line): nothing is given back, since
    the interpreter's last collection at exit would walk the whole heap for nothing (a quarter of the
    run's wall time on a 10,000-recipient directory)."""
    if _IN_JOB.get():
        yield
        return
    token = _IN_JOB.set(True)
    frozen_before = gc.get_freeze_count()
    try:
        yield
    finally:
        _IN_JOB.reset(token)
        if frozen_before == 0 and not until_exit:
            gc.unfreeze()


@contextmanager
def collector_paused(*, settle: bool = False) -> Iterator[None]:
    """The collector stays off for the block; with `settle`, inside a job, everything alive when the
    block ends is frozen, so that no later collection of the job walks it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if settle and _IN_JOB.get():
            gc.freeze()
        if was_enabled:
            gc.enable()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Everything alive frozen while a child process is forked, so the child keeps its pages shared
    instead of copying the heap the first time a collection walks it; outside a job, unfrozen again
    once the child has started (the child keeps its own frozen copy)."""
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not _IN_JOB.get() and frozen_before == 0:
            gc.unfreeze()
