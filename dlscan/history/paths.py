"""Where the history lives unless the config says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def default_state_dir() -> Path:
    """systemd's StateDirectory= when running as a service, else the platform's per-user state folder.

    Linux: ~/.local/state/dlscan; Windows: %LOCALAPPDATA%\\dlscan; macOS: ~/Library/Application Support/dlscan.
    """
    given = os.environ.get("STATE_DIRECTORY")
    if given:
        return Path(given.split(os.pathsep)[0])
    return platformdirs.user_state_path("dlscan", appauthor=False)
