"""`dlscan import`: facts from another tool merged into a snapshot."""

from __future__ import annotations

from pathlib import Path

import click

_EPILOG = """\b
Examples:
  dlscan import exchange tenant.json.gz distribution-groups.json dynamic-groups.json -o tenant-exchange.json.gz
  dlscan import exchange export.ldif distribution-groups.json -o corp.json.gz

The JSON files come from Exchange's own cmdlets (Exchange Online or the Exchange Management Shell),
with the commands in docs/exchange-import.md. Lists are joined on ExternalDirectoryObjectId (a tenant)
or Guid (an AD export). Nothing is written unless every file is read and matches the snapshot.
"""


@click.group("import")
def import_group() -> None:
    """Merge facts from another tool into a snapshot."""


@import_group.command("exchange", epilog=_EPILOG)
@click.argument("snapshot", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("exports", nargs=-1, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, metavar="FILE",
    help="Write the merged snapshot here, atomically (.gz compresses it).",
)  # fmt: skip
@click.option("--allow-unresolved", is_flag=True, help="Read an AD export whose members are not all in it.")
def import_exchange(snapshot: Path, exports: tuple[Path, ...], output: Path, allow_unresolved: bool) -> None:
    """Lay Exchange's facts over SNAPSHOT: who may send to each list (DL009), its owners (DL013), whether
    it is hidden, and a tenant's dynamic distribution lists with their members (DL021)."""
    from dlscan.operations.importing import ImportRequest, execute_import

    merges = execute_import(ImportRequest(snapshot, exports, output, allow_unresolved))
    for export, merged in zip(exports, merges, strict=True):
        unmatched = f", {len(merged.unmatched)} not in the snapshot" if merged.unmatched else ""
        click.echo(
            f"dlscan: {export.name}: {merged.updated} lists updated, {merged.added} dynamic lists added{unmatched}",
            err=True,
        )
    click.echo(f"dlscan: wrote {output}", err=True)
