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
or Guid (an AD export). Nothing is written unless every file is read and each names at least one
list of SOURCE; lists SOURCE does not hold are counted, and left out.
"""


@click.group("import")
def import_group() -> None:
    """Merge facts from another tool into a snapshot."""


@import_group.command("exchange", epilog=_EPILOG)
@click.argument("source", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("exports", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), required=True, metavar="FILE",
    help="Write the merged snapshot here, atomically (.gz compresses it).",
)  # fmt: skip
@click.option(
    "--allow-unresolved", is_flag=True, help="For an LDIF SOURCE: read it even if some members are not in it."
)
def import_exchange(source: Path, exports: tuple[Path, ...], output: Path, allow_unresolved: bool) -> None:
    """Lay Exchange's facts, from the JSON files EXPORTS, over SOURCE (a snapshot from dlscan collect, or
    an export dlscan reads): who may send to each list (DL009), its owners (DL013), whether it is hidden,
    and a tenant's dynamic distribution lists with their members (DL021). Owners and members must be
    given as addresses, as the commands in docs/exchange-import.md write them."""
    from dlscan.operations.importing import ImportRequest, execute_import

    merges = execute_import(ImportRequest(source, exports, output, allow_unresolved))
    for export, merged in zip(exports, merges, strict=True):
        unmatched = f", {len(merged.unmatched)} not in the snapshot" if merged.unmatched else ""
        updated = f"{merged.updated} list{'' if merged.updated == 1 else 's'} updated"
        added = f"{merged.added} dynamic list{'' if merged.added == 1 else 's'} added"
        click.echo(f"dlscan: {export.name}: {updated}, {added}{unmatched}", err=True)
    click.echo(f"dlscan: wrote {output}", err=True)
