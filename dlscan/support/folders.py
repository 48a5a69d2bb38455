"""Folders systemd gives a service, shared by what dlscan keeps between runs (history, derived tables)."""

from __future__ import annotations

import os
from pathlib import Path


def service_folder(variable: str) -> Path | None:
    """The first folder systemd names in `variable` (STATE_DIRECTORY for StateDirectory=, CACHE_DIRECTORY
    for CacheDirectory=), which holds several when the unit lists several; None outside such a service."""
    given = os.environ.get(variable)
    return Path(given.split(os.pathsep)[0]) if given else None
