"""`dlscan run`: one whole nightly job. Collect, scan, compare with history, write outputs, raise tickets.

Order matters for what survives a failure. The lock comes first, then the history (a damaged one stops
the job before anything is read). A collection that fails is recorded as a failed run and changes no
finding. Outputs are written atomically before the history records the run, and the ticket actions are
queued in the same transaction as the findings they are for; delivery comes last and may fail without
losing anything.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from dlscan.boundary import parse_domain_option
from dlscan.findings import Severity
from dlscan.model import Snapshot
from dlscan.operations.config import DlscanConfig
from dlscan.operations.guard import DirectorySize, ShrinkGuard
from dlscan.operations.history.lifecycle import Lifecycle, Status, Tracked, classify
from dlscan.operations.history.lock import RunLock
from dlscan.operations.history.paths import default_state_dir
from dlscan.operations.history.store import HISTORY_NAME, HistoryStore
from dlscan.operations.protect import job_inputs, job_outputs, refuse_overwriting, remove_leftovers
from dlscan.operations.runner import load_pack
from dlscan.operations.suppressions import SuppressionReport, apply_suppressions, load_suppressions
from dlscan.operations.tickets.desk import Delivery, PlannedAction, TicketDesk, plan_tickets
from dlscan.operations.tickets.factory import ticket_policy, ticket_system
from dlscan.scan.engine import ScanResult, run_scan
from dlscan.sinks import sink_classes
from dlscan.sinks.base import PastRun, RunCounts, RunMark, RunView
from dlscan.support.atomic import atomic_writer
from dlscan.support.errors import AlreadyReported, DlscanError, UsageError
from dlscan.support.memory import settled_job
from dlscan.support.outcomes import EXIT_CLEAN, EXIT_FINDINGS, NEVER

SOURCES = ("ad", "m365", "file")


@dataclass(frozen=True)
class NightlyOptions:
    config: DlscanConfig
    dry_run: bool = False
    only_new: bool = False
    show_suppressed: bool = False
    state_dir: Path | None = None
    fail_on: str = Severity.HIGH.value
    accept_shrink: bool = False
    """This night's directory really is smaller, or most findings really were fixed: let it resolve them."""
    clock: Callable[[], datetime.datetime] = field(default=lambda: datetime.datetime.now(datetime.UTC))
    retry_time_scale: float = 1.0


@dataclass(frozen=True)
class NightlyResult:
    scan: ScanResult
    lifecycle: Lifecycle
    suppressions: SuppressionReport
    shown: tuple[Tracked, ...]
    planned: tuple[PlannedAction, ...]
    delivery: Delivery
    exit_code: int
    started_at: str
    counts: RunCounts = field(default_factory=RunCounts)


def run_nightly(options: NightlyOptions, log: logging.Logger) -> NightlyResult:
    with settled_job():
        return _run_nightly(options, log)


def _run_nightly(options: NightlyOptions, log: logging.Logger) -> NightlyResult:
    config, run = options.config, options.config.run
    source = run.source or ("file" if run.input else None)
    if source not in SOURCES:
        raise UsageError(f"[run] source must be one of {', '.join(SOURCES)} (or give [run] input)")
    fail_on = None if options.fail_on == NEVER else _severity(options.fail_on, "fail_on")
    pack = load_pack(config.scan.rules, config.boundary, config.scan.organisation)
    domains = [parse_domain_option(d, "[scan] internal_domains") for d in config.scan.internal_domains]
    rules = [*pack.rules, *(custom.code for custom in pack.custom_rules)]
    accepted = load_suppressions(run.suppressions, rules) if run.suppressions else ()
    for entry in accepted:
        if entry.by_name:
            log.warning("accepted risk by name pattern, which a directory name can come to match: %s; prefer "
                        "'list:' (an id or address) or 'finding:' (a finding id)", entry.label)  # fmt: skip
    policy = ticket_policy(config)
    system = None if options.dry_run else ticket_system(config, time_scale=options.retry_time_scale)
    state_dir = options.state_dir or run.state_dir or default_state_dir()
    history = state_dir / HISTORY_NAME
    refuse_overwriting(job_outputs(config), job_inputs(config, history))
    if options.dry_run and not history.exists():
        state_dir, history = None, Path(":memory:")  # a dry run creates nothing, not even an empty history
    elif not options.dry_run:
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DlscanError(f"cannot create the state folder {state_dir}: {exc.strerror or exc}") from None
    try:
        with _locked(state_dir), HistoryStore(history) as store:
            if not options.dry_run:  # the lock is held: what a killed run left half-written is nobody's
                for _, path in job_outputs(config):
                    if path is not None:
                        remove_leftovers(path)
            now = options.clock()
            started_at = now.isoformat(timespec="seconds")
            run_id = None if options.dry_run else store.start_run(source, started_at)
            began = time.monotonic()
            log.info("run started: source %s, history %s%s", source, history, " (dry run)" if options.dry_run else "")

            def failed(message: str, logged: str) -> AlreadyReported:
                """The night ends failed, resolving nothing; logged, so the command line prints nothing more."""
                if run_id is not None:
                    store.finish_run(run_id, "failed", _stamp(options), time.monotonic() - began, message=message)
                log.error("%s", logged)
                return AlreadyReported(message)

            try:
                snapshot = _collect(source, config, log)
                if run.keep_snapshot and not options.dry_run:
                    from dlscan.sources.snapshot import write_snapshot

                    write_snapshot(snapshot, run.keep_snapshot)
            except (DlscanError, OSError) as exc:
                message = str(exc) if isinstance(exc, DlscanError) else f"cannot write snapshot: {exc}"
                raise failed(message, f"collection failed; no finding was resolved: {exc}") from exc
            try:
                result = run_scan(snapshot, domains, pack)
            except DlscanError as exc:  # a boundary that matches nobody: the night cannot be judged
                raise failed(str(exc), f"scan refused; no finding was resolved: {exc}") from exc
            doubt = result.summary.boundary_doubt
            if doubt:
                raise failed(doubt, f"{doubt} Treated as a failed collection; no finding was resolved.")
            if not result.summary.source_whole:
                log.warning("%s", result.summary.source.doubt())
            known_open = store.findings(open_only=True)
            known_resolved = store.resolved_fingerprints()
            past = [r for r in store.runs() if r["id"] != run_id]
            last_good = next((r for r in reversed(past) if r["outcome"] == "ok"), None)
            first_seen = {fp: known.first_seen for fp, known in known_open.items()}
            report = apply_suppressions(accepted, result.findings, now.date())
            newly_covered = report.newly_covered(last_good["covered"] if last_good else {})
            for entry, objects in newly_covered:
                log.warning("accepted risk by name pattern now also covers %s, which it did not on the last good "
                            "night: %s", ", ".join(objects), entry.label)  # fmt: skip
            lifecycle = classify(
                result.findings, known_open, known_resolved, first_seen, result.summary.coverage_of, started_at,
                report.suppressed,
            )
            size = DirectorySize.of(snapshot)
            problem = _guard(config).problem(
                *_last_size(last_good), size, len(known_open), len(lifecycle.with_status(Status.RESOLVED))
            )
            if problem and not options.accept_shrink:
                raise failed(problem, f"{problem}; treated as a failed collection, no finding was resolved "
                                      "(--accept-shrink if it is real)")  # fmt: skip
            counts = lifecycle.counts()
            _log_lifecycle(log, counts, report)
            shown = _shown(lifecycle, options)
            planned = plan_tickets(lifecycle, policy, lambda key: store.ticket(key) is not None, started_at[:10])
            if not options.dry_run:
                _write_outputs(config, result, shown, past, counts)
                resolved = [t.finding.finding_id for t in lifecycle.with_status(Status.RESOLVED)]
                desk = TicketDesk(store, system, started_at) if system else None
                with store.transaction():
                    store.saw(result.findings, started_at)
                    store.resolve(resolved, started_at)
                    for fingerprint in resolved:
                        store.withdraw("create", fingerprint)
                    for back in lifecycle.with_status(Status.REOPENED):
                        # A resolution still queued is moot: the finding is back before it was delivered.
                        store.withdraw("close", back.finding.finding_id)
                        store.withdraw("comment", back.finding.finding_id)
                    if desk:
                        desk.enqueue(planned)
                    store.finish_run(
                        run_id, "ok", _stamp(options), time.monotonic() - began,
                        findings=len(result.findings), new=sum(t.status.arrived for t in lifecycle.tracked),
                        resolved=len(resolved), by_severity={s.value: n for s, n in result.summary.counts(
                            result.findings).items()}, lists=size.lists, recipients=size.recipients,
                        memberships=size.memberships, by_status=dict(counts.named()), covered=report.by_name,
                    )  # fmt: skip
                delivery = desk.deliver() if desk else Delivery()
                _log_delivery(log, delivery, system.name if system else "")
            else:
                delivery = Delivery()
    finally:
        if system is not None:
            system.close_connections()
    considered = [t for t in shown if t.active]
    failed = fail_on is not None and any(t.finding.severity.at_least(fail_on) for t in considered)
    return NightlyResult(
        result, lifecycle, report, tuple(shown), tuple(planned), delivery, EXIT_FINDINGS if failed else EXIT_CLEAN,
        started_at, counts,
    )  # fmt: skip


def _locked(state_dir: Path | None) -> AbstractContextManager[object]:
    return RunLock(state_dir) if state_dir is not None else nullcontext()


def _collect(source: str, config: DlscanConfig, log: logging.Logger) -> Snapshot:
    """The directory now: from a domain controller, a tenant, or an export a previous step wrote."""
    from dlscan.sources.collect_settings import graph_settings, ldap_settings, merged_options

    if source == "ad":
        from dlscan.sources.ldap import AdCollector

        return AdCollector(ldap_settings(merged_options({}, config.collect_ad))).collect()
    if source == "m365":
        from dlscan.sources.m365.collector import M365Collector

        section = config.collect_m365
        collector = M365Collector(graph_settings(merged_options({}, section)), delta_state=section.delta_state)
        snapshot = collector.collect()
        collector.save_delta()
        return snapshot
    from dlscan.sources import load_source

    if config.run.input is None:
        raise UsageError("[run] source = 'file' needs [run] input: the export or snapshot to scan")
    log.info("reading %s", config.run.input)
    return load_source(
        config.run.input, allow_unresolved=bool(config.scan.allow_unresolved), allow_pipe=bool(config.scan.allow_pipe)
    )


def _guard(config: DlscanConfig) -> ShrinkGuard:
    limits = {"max_shrink": config.run.max_shrink, "max_resolved": config.run.max_resolved}
    for key, value in limits.items():
        if value is not None and not 0 < value <= 1:
            raise UsageError(f"[run] {key} = {value} is not a share between 0 and 1 (0.25 is a quarter)")
    return ShrinkGuard(**{k: v for k, v in limits.items() if v is not None})


def _last_size(last: dict | None) -> tuple[DirectorySize | None, str]:
    if last is None or last.get("lists") is None:
        return None, ""
    return DirectorySize(last["lists"], last["recipients"], last["memberships"]), last["started_at"]


def _shown(lifecycle: Lifecycle, options: NightlyOptions) -> list[Tracked]:
    shown = [t for t in lifecycle.tracked if options.show_suppressed or t.suppression is None]
    if options.only_new:
        shown = [t for t in shown if t.status.arrived]
    return shown


def _write_outputs(
    config: DlscanConfig, result: ScanResult, shown: list[Tracked], past: list[dict], counts: RunCounts
) -> None:
    marks = {
        t.finding.finding_id: RunMark(t.status.value, t.first_seen, t.suppression.label if t.suppression else "")
        for t in shown
    }
    history = tuple(
        PastRun(r["started_at"], r["outcome"], r["findings"], r["new"], r["resolved"],
                RunCounts(**r["counts"]) if r.get("counts") else None)
        for r in past
    )  # fmt: skip
    view = RunView(marks, history, counts)
    findings = [t.finding for t in shown]
    formats = sink_classes()
    for name, path in sorted(config.run.outputs.items()):
        sink = formats[name]()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)  # a job's first night makes its reports folder
            with atomic_writer(path, binary=sink.binary) as stream:
                sink.write(result, findings, stream, view)
        except OSError as exc:
            raise DlscanError(f"cannot write {path}: {exc.strerror or exc}") from None


def _log_lifecycle(log: logging.Logger, counts: RunCounts, report: SuppressionReport) -> None:
    log.info(
        "findings: %d new, %d reopened, %d open, %d resolved, %d suppressed, %d carried (rule not evaluated)",
        *(n for _, n in counts.named()),
    )
    for entry, covered in report.expired:
        again = f"{len(covered)} finding{'s are' if len(covered) > 1 else ' is'} active again"
        log.warning("suppression expired: %s; %s", entry.label, again if covered else "it covers no finding now")
    for entry in report.stale:
        log.warning("suppression matches no finding (stale): %s", entry.label)


def _log_delivery(log: logging.Logger, delivery: Delivery, system: str) -> None:
    for line in delivery.done:
        log.info("%s: %s", system, line)
    for line in delivery.errors:
        log.warning("%s: %s", system, line)
    if delivery.waiting:
        log.warning("%s: %d ticket action(s) wait in the outbox for the next run", system, delivery.waiting)


def _severity(value: str, what: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise UsageError(f"{what} {value!r} is not one of {', '.join(s.value for s in Severity)}, never") from None


def _stamp(options: NightlyOptions) -> str:
    return options.clock().isoformat(timespec="seconds")
