"""A scan job from settings to written output; the CLI only gathers the settings."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from dlscan.boundary import BoundaryError, parse_domain_option
from dlscan.checks import compile_custom_rules, rule_specs
from dlscan.checks.rulepack import RulePack, load_rule_pack
from dlscan.findings import Severity
from dlscan.model import Snapshot
from dlscan.operations.protect import Named, refuse_overwriting, remove_leftovers
from dlscan.scan.engine import ScanResult, run_scan
from dlscan.sinks import Sink, sink_classes
from dlscan.sinks.details import DetailsSink
from dlscan.sources import load_source
from dlscan.support.atomic import atomic_writer
from dlscan.support.errors import DlscanError, UsageError
from dlscan.support.memory import settled_job
from dlscan.support.outcomes import EXIT_CLEAN, EXIT_FINDINGS, NEVER


@dataclass(frozen=True)
class ScanRequest:
    source: Path
    internal_domains: tuple[str, ...] = ()
    config_domains: tuple[str, ...] = ()
    rules: tuple[Path, ...] = ()
    """Rule packs laid over the built-in one, in order."""
    format: str = "table"
    output: Path | None = None
    details: Path | None = None
    """Where to write the details CSV too: one row per item of evidence (`dlscan.sinks.details`)."""
    fail_on: str = Severity.HIGH.value
    min_severity: str = Severity.INFO.value
    allow_unresolved: bool = False
    allow_pipe: bool = False
    """Read a source that is a pipe or a device (copied first, within a bound)."""
    boundary: Mapping[str, Any] = field(default_factory=dict)
    organisation: str | None = None
    config: Path | None = None
    """The config file the settings came from: an input that --output may not overwrite."""


def load_pack(
    rules: Sequence[Path] | None = (), boundary: Mapping[str, Any] | None = None, organisation: str | None = None
) -> RulePack:
    """Load and fully validate the rule pack, custom rules included, before any source is read; then lay
    the config's [boundary] and the organisation asked for over the pack's boundary."""
    pack = load_rule_pack(rule_specs(), *(rules or ()))
    compile_custom_rules(pack)
    settings = pack.boundary.overlaid(boundary or {}).for_organisation(organisation)
    try:
        settings.own  # noqa: B018 - names an undeclared organisation now, before the source is read
    except BoundaryError as exc:
        raise UsageError(str(exc)) from None
    return replace(pack, boundary=settings)


def execute_scan(request: ScanRequest) -> tuple[ScanResult, int]:
    """Run the scan, write its output, and return the result with the exit code it earns."""
    with settled_job():
        return _execute(request)


def _execute(request: ScanRequest) -> tuple[ScanResult, int]:
    formats = sink_classes()
    if request.format not in formats:
        raise UsageError(f"unknown format {request.format!r} (choose from {', '.join(formats)})")
    fail_on = _threshold(request.fail_on, "fail-on", allow_never=True)
    min_severity = _threshold(request.min_severity, "min-severity", allow_never=False)
    refuse_overwriting_input(request, [("--output", request.output), ("--details", request.details)])
    scanned = scan_source(request)
    result = scanned.result
    shown = [f for f in result.findings if min_severity is None or f.severity.at_least(min_severity)]
    _write(request.output, formats[request.format](), result, shown)
    if request.details is not None:
        _write(request.details, DetailsSink(), result, shown)
    failed = fail_on is not None and any(f.severity.at_least(fail_on) for f in result.findings)
    return result, EXIT_FINDINGS if failed else EXIT_CLEAN


@dataclass(frozen=True)
class Scanned:
    """A scan with what it was made from: the rule pack and the snapshot (a plan needs both)."""

    pack: RulePack
    snapshot: Snapshot
    result: ScanResult


def scan_source(request: ScanRequest, pack: RulePack | None = None) -> Scanned:
    """Read the request's source and scan it, with `pack` if the caller loaded it already. The domains and
    the rule pack are checked first, so that a mistake in either is reported before a large source is read."""
    domains = [parse_domain_option(d, "--internal-domain") for d in request.internal_domains]
    domains += [parse_domain_option(d, "config file") for d in request.config_domains]
    pack = pack or load_pack(request.rules, request.boundary, request.organisation)
    snapshot = load_source(request.source, allow_unresolved=request.allow_unresolved, allow_pipe=request.allow_pipe)
    return Scanned(pack, snapshot, run_scan(snapshot, domains, pack))


def _threshold(value: str, option: str, *, allow_never: bool) -> Severity | None:
    if allow_never and value == NEVER:
        return None
    try:
        return Severity(value)
    except ValueError:
        choices = [s.value for s in Severity] + ([NEVER] if allow_never else [])
        raise UsageError(f"--{option} {value!r} is not one of {', '.join(choices)}") from None


def refuse_overwriting_input(request: ScanRequest, outputs: Sequence[Named], more_inputs: Sequence[Named] = ()) -> None:
    """One line and exit 2, before anything is read, if an output would overwrite an input or cannot be
    written: a folder, or in a folder that does not exist."""
    packs = [("the rule pack", pack) for pack in request.rules]
    inputs = [("the source", request.source), *packs, ("the config file", request.config), *more_inputs]
    refuse_overwriting(outputs, inputs)
    for option, path in outputs:
        if path is None:
            continue
        target = path.resolve()
        if target.is_dir():
            raise UsageError(f"{option} {path} is a folder; name a file")
        if not target.parent.is_dir():
            raise UsageError(f"{option} {path}: the folder {target.parent} does not exist")
        # A scan writes in seconds: one left an hour ago was killed, and its half-written file is nobody's.
        remove_leftovers(target, older_than=3600)


def _write(output: Path | None, sink: Sink, result: ScanResult, shown: list) -> None:
    if output is None:
        stream = sys.stdout.buffer if sink.binary else sys.stdout
        sink.write(result, shown, stream)
        stream.flush()
        return
    write_atomically(output, lambda stream: sink.write(result, shown, stream), binary=sink.binary)


def write_atomically(output: Path, write: Callable[[IO], object], *, binary: bool = False) -> None:
    """`write` into `output` atomically; an error writing it is one line."""
    try:
        with atomic_writer(output, binary=binary) as stream:
            write(stream)
    except OSError as exc:
        raise DlscanError(f"cannot write {output}: {exc.strerror or exc}") from None
