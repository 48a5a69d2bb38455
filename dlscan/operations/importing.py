"""`dlscan import exchange`: a snapshot with Exchange's own facts laid over it, written as a new snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlscan.operations.protect import refuse_overwriting
from dlscan.sources import load_source
from dlscan.sources.exchange_export import read_exchange_export
from dlscan.sources.exchange_merge import Merged, merge_exchange
from dlscan.sources.snapshot import write_snapshot
from dlscan.support.errors import DlscanError, UsageError
from dlscan.support.memory import settled_job


@dataclass(frozen=True)
class ImportRequest:
    snapshot: Path
    """What the facts are laid over: a snapshot from `dlscan collect`, or an export dlscan reads."""
    exports: tuple[Path, ...]
    """The JSON files of Exchange's cmdlets (docs/exchange-import.md)."""
    output: Path
    allow_unresolved: bool = False


def execute_import(request: ImportRequest) -> list[Merged]:
    """Every export merged in turn; nothing is written unless all of them are read and matched."""
    if not request.exports:
        raise UsageError("name at least one file exported from Exchange")
    inputs = [("the snapshot", request.snapshot), *(("an Exchange export", p) for p in request.exports)]
    refuse_overwriting([("--output", request.output)], inputs)
    if request.output.resolve().is_dir():
        raise UsageError(f"--output {request.output} is a folder; name a file")
    merges: list[Merged] = []
    with settled_job():
        snapshot = load_source(request.snapshot, allow_unresolved=request.allow_unresolved)
        for export in request.exports:
            merged = merge_exchange(snapshot, read_exchange_export(export), export)
            merges.append(merged)
            snapshot = merged.snapshot
        try:
            write_snapshot(snapshot, request.output)
        except OSError as exc:
            raise DlscanError(f"cannot write {request.output}: {exc.strerror or exc}") from None
    return merges
