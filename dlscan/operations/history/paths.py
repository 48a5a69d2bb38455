"""Where the history lives unless the config says otherwise."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from dlscan.support.folders import service_folder


def default_state_dir() -> Path:
    """systemd's StateDirectory= when running as a service, else the platform's per-user state folder.

    Linux: ~/.local/state/dlscan; Windows: %LOCALAPPDATA%\\dlscan; macOS: ~/Library/Application Support/dlscan.
    """
    return service_folder("STATE_DIRECTORY") or platformdirs.user_state_path("dlscan", appauthor=False)
