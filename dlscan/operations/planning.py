"""`dlscan plan`: scan, select findings, and write the changes that would resolve them, never applying any."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path

from dlscan.operations.runner import ScanRequest, load_pack, refuse_overwriting_input, scan_source, write_atomically
from dlscan.operations.suppressions import apply_suppressions, load_suppressions
from dlscan.remediation import Plan, PlanSettings, build_plan, plan_writers
from dlscan.support.errors import UsageError
from dlscan.support.memory import settled_job


@dataclass(frozen=True)
class PlanRequest:
    scan: ScanRequest
    """The source and every setting of the scan the plan is made from (its format and output unused)."""
    format: str
    output: Path
    settings: PlanSettings = field(default_factory=PlanSettings)
    accepted_risks: Path | None = None
    """An accepted-risk file (docs/nightly.md): the findings it covers are never planned."""


def undo_path(output: Path) -> Path:
    """Where a format whose way back is a file of its own writes it: beside the plan, `.undo` before the
    suffix (plan.ldif, plan.undo.ldif)."""
    return output.with_name(f"{output.stem}.undo{output.suffix}")


def execute_plan(request: PlanRequest) -> Plan:
    writers = plan_writers()
    if request.format not in writers:
        raise UsageError(f"unknown plan format {request.format!r} (choose from {', '.join(writers)})")
    writer = writers[request.format]()
    scan = request.scan
    outputs = [("--output", request.output)]
    if writer.undo_file():
        outputs.append(("the undo plan", undo_path(request.output)))
    refuse_overwriting_input(scan, outputs, [("the accepted-risk file", request.accepted_risks)])
    with settled_job():
        pack = load_pack(scan.rules, scan.boundary, scan.organisation)
        rules = [*pack.rules, *(custom.code for custom in pack.custom_rules)]
        entries = load_suppressions(request.accepted_risks, rules) if request.accepted_risks else ()
        scanned = scan_source(scan, pack)
        findings = scanned.result.findings
        accepted = apply_suppressions(entries, findings, datetime.date.today()).suppressed
        settings = replace(request.settings, accepted=frozenset(accepted))
        plan = build_plan(findings, scanned.snapshot, settings, pack.settings.marked_external)
    write_atomically(request.output, lambda stream: writer.write(plan, stream))
    if writer.undo_file():
        write_atomically(undo_path(request.output), lambda stream: writer.write(plan.undo(), stream))
    return plan
