"""Never write over an input: an output path that is the source, the config, a rule pack, the accepted
risks, the history or a state file is refused before anything is read or written.

A report pointed at the export by mistake replaced the export; pointed at the config, it replaced the
config, and the next night failed. Paths are compared as files, through symbolic and hard links.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from pathlib import Path

from dlscan.operations.config import DlscanConfig
from dlscan.operations.history.lock import LOCK_NAME, OWNER_NAME
from dlscan.support.errors import UsageError

Named = tuple[str, Path | None]
"""What a path is for people ("the config file", "[run] csv") and the path, if one is set."""


def refuse_overwriting(outputs: Iterable[Named], inputs: Iterable[Named]) -> None:
    """One line and exit 2 if an output is an input, or two outputs are one file."""
    inputs = [(what, path) for what, path in inputs if path is not None]
    written: list[tuple[str, Path]] = []
    for what, path in outputs:
        if path is None:
            continue
        for other, read in inputs:
            if same_file(path, read):
                raise UsageError(f"{what} {path} is {other}; refusing to overwrite it")
        for other, earlier in written:
            if same_file(path, earlier):
                raise UsageError(f"{what} and {other} are the same file, {path}; name one file for each")
        written.append((what, path))


def same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file: the same file where both exist (a hard link is the same file),
    else the same path once links are followed."""
    with contextlib.suppress(OSError):
        return Path(one).samefile(other)
    return one.resolve() == other.resolve()


def remove_leftovers(path: Path, *, older_than: float = 0.0) -> list[Path]:
    """Remove the temporary files a killed run left beside `path` (`.<name>.<random>.tmp`, as
    `dlscan.support.atomic` makes them), if at least `older_than` seconds old; the files removed."""
    removed = []
    now = time.time()
    folder = path.parent if str(path.parent) else Path()
    with contextlib.suppress(OSError):
        for leftover in folder.glob(f".{_glob_escaped(path.name)}.*.tmp"):
            with contextlib.suppress(OSError):
                if leftover.is_file() and not leftover.is_symlink() and now - leftover.stat().st_mtime >= older_than:
                    leftover.unlink()
                    removed.append(leftover)
    return removed


def _glob_escaped(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def job_outputs(config: DlscanConfig) -> list[Named]:
    """What a nightly job writes, besides its history."""
    outputs: list[Named] = [(f"[run] {name}", path) for name, path in sorted(config.run.outputs.items())]
    return [*outputs, ("[run] keep_snapshot", config.run.keep_snapshot)]


def job_inputs(config: DlscanConfig, history: Path) -> list[Named]:
    """What a nightly job reads, or keeps as its state (the history and the lock beside it)."""
    ad, m365 = config.collect_ad, config.collect_m365
    return [
        ("the run lock", history.parent / LOCK_NAME),
        ("the run lock's owner file", history.parent / OWNER_NAME),
        ("the config file", config.path),
        ("the export it scans ([run] input)", config.run.input),
        *(("the rule pack ([scan] rules)", pack) for pack in config.scan.rules),
        ("the accepted risks ([run] suppressions)", config.run.suppressions),
        ("the history", history),
        ("the delta state ([collect.m365] delta_state)", m365.delta_state),
        ("the password file ([collect.ad] password_file)", ad.password_file),
        ("the CA file ([collect.ad] ca_file)", ad.ca_file),
        ("the client secret file ([collect.m365] client_secret_file)", m365.client_secret_file),
        ("the certificate ([collect.m365] certificate)", m365.certificate),
        ("the CA file ([collect.m365] ca_file)", m365.ca_file),
    ]
