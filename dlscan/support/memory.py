"""Keeping Python's cycle collector out of the way while a large directory is built and scanned.

A million-recipient snapshot is several million objects, none of them in reference cycles. Each time the
collector runs it walks them all, to free nothing: at that size each walk takes about a second, and
without care a scan paid for six of them between its phases. So the snapshot, the graph and the
findings are built with the collector paused, and then settled: frozen (moved out of its sight) for the
rest of the process, which for a batch scan is the rest of the job. Settled objects are still freed by
reference counting as usual; only cycles among them would wait for the process to end, and they hold
none. Frozen objects also keep forked rule processes from copying pages merely by walking them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused(*, settle: bool = False) -> Iterator[None]:
    """The collector stays off for the block; with `settle`, everything alive when the block ends is
    frozen, so that no later collection walks it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if settle:
            gc.freeze()
        if was_enabled:
            gc.enable()
