"""Keeping Python's cycle collector out of the way while a large directory is built and scanned.

A million-recipient snapshot is several million objects, none of them in reference cycles. Each time the
collector runs it walks them all, to free nothing; building them with it paused, and then freezing them
(moving them out of its sight) saves seconds at that size, and keeps forked rule processes from copying
pages merely by being walked. Objects are still freed by reference counting as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """Everything alive now is left alone by the collector until the block ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
