"""`dlscan plan`: scan, select findings, and write the changes that would resolve them, never applying any."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path

from dlscan.boundary import parse_domain_option
from dlscan.operations.protect import refuse_overwriting
from dlscan.operations.runner import ScanRequest, load_pack
from dlscan.operations.suppressions import apply_suppressions, load_suppressions
from dlscan.remediation import Plan, PlanSettings, PlanWriter, build_plan, plan_writers
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source
from dlscan.support.atomic import atomic_writer
from dlscan.support.errors import DlscanError, UsageError
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
    inputs = [("the source", scan.source), ("the config file", scan.config)]
    inputs.append(("the accepted-risk file", request.accepted_risks))
    refuse_overwriting(outputs, [*inputs, *(("the rule pack", pack) for pack in scan.rules)])
    with settled_job():
        domains = [parse_domain_option(d, "--internal-domain") for d in scan.internal_domains]
        domains += [parse_domain_option(d, "config file") for d in scan.config_domains]
        pack = load_pack(scan.rules, scan.boundary, scan.organisation)
        rules = [*pack.rules, *(custom.code for custom in pack.custom_rules)]
        entries = load_suppressions(request.accepted_risks, rules) if request.accepted_risks else ()
        snapshot = load_source(scan.source, allow_unresolved=scan.allow_unresolved, allow_pipe=scan.allow_pipe)
        result = run_scan(snapshot, domains, pack)
        accepted = apply_suppressions(entries, result.findings, datetime.date.today()).suppressed
        settings = replace(request.settings, accepted=frozenset(accepted))
        plan = build_plan(result.findings, snapshot, settings, pack.settings.marked_external)
    _write(writer, plan, request.output)
    if writer.undo_file():
        _write(writer, plan.undo(), undo_path(request.output))
    return plan


def _write(writer: PlanWriter, plan: Plan, path: Path) -> None:
    if not path.resolve().parent.is_dir():
        raise UsageError(f"--output {path}: the folder {path.resolve().parent} does not exist")
    try:
        with atomic_writer(path) as stream:
            writer.write(plan, stream)
    except OSError as exc:
        raise DlscanError(f"cannot write {path}: {exc.strerror or exc}") from None
