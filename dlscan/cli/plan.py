"""`dlscan plan`: the changes that would resolve the findings, written for review and never applied."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from dlscan.cli.source_options import scan_request, source_options

_FORMATS = ("ldif", "md", "ps1")

_EPILOG = """\b
Examples:
  dlscan plan export.ldif --format ldif --only DL013,DL015 --owner it.admin@example.org -o plan.ldif
  dlscan plan corp.json.gz --format ps1 -o plan.ps1      (then: .\\plan.ps1, and .\\plan.ps1 -Apply)
  dlscan plan export.ldif --format md --finding DL003-1a2b3c4d5e6f -o change-request.md
  dlscan plan export.ldif --format ldif --only DL005 --hide-confusable -o hide.ldif

The LDIF plan's way back is written beside it (plan.undo.ldif); the PowerShell plan takes -Undo; the
Markdown plan says how to undo each change. See docs/remediation.md.
"""


@click.command("plan", epilog=_EPILOG)
@source_options
@click.option("--format", "plan_format", type=click.Choice(_FORMATS), required=True, help="ldif, ps1 or md.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    metavar="FILE",
    help="Write the plan here, atomically.",
)
@click.option("--only", "codes", metavar="CODE,...", help="Plan only the findings of these rules, e.g. DL003,DL013.")
@click.option("--finding", "finding_ids", multiple=True, metavar="ID", help="Plan only this finding (repeatable).")
@click.option(
    "--owner", metavar="ADDRESS", help="Make this recipient (address, DN or id) the owner of lists without one."
)
@click.option(
    "--marker-suffix", default=" (EXT)", show_default=True, help="What a rename adds to carry the external marker."
)
@click.option(
    "--hide-confusable",
    is_flag=True,
    help=(
        "For a confusable pair (DL005), hide from the address book the list a slip alone sends outside, "
        "where the rule says that helps; without it such pairs are steps by hand."
    ),
)
@click.option(
    "--accepted-risks",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Accepted-risk file: never plan what it covers.",
)
def plan_command(
    source: Path,
    plan_format: str,
    output: Path,
    codes: str | None,
    finding_ids: tuple[str, ...],
    owner: str | None,
    marker_suffix: str,
    hide_confusable: bool,
    accepted_risks: Path | None,
    **shared: Any,
) -> int:
    """Write the changes that would resolve SOURCE's findings: LDIF, PowerShell or Markdown.

    Nothing is applied: the plan is for a person to review and run. Each change reads the value the scan
    saw first and is skipped if it has changed since; each carries its way back.
    """
    from dlscan.operations.planning import PlanRequest, execute_plan, undo_path  # the scan machinery loads only now
    from dlscan.remediation import PlanSettings

    scan, _ = scan_request(source, **shared)
    settings = PlanSettings(
        marker_suffix=marker_suffix,
        owner=owner,
        codes=frozenset(c.strip().upper() for c in (codes or "").split(",") if c.strip()),
        finding_ids=frozenset(finding_ids),
        hide_confusable=hide_confusable,
    )
    plan = execute_plan(PlanRequest(scan, plan_format, output, settings, accepted_risks))
    if sys.stderr.isatty():
        undo = f"; the way back in {undo_path(output)}" if plan_format == "ldif" else ""
        click.echo(
            f"dlscan: {len(plan.steps)} changes and {len(plan.manual)} steps by hand written to {output}{undo}",
            err=True,
        )
    return 0
