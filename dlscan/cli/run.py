"""`dlscan run`: the nightly job, configured by one file (docs/nightly.md)."""

from __future__ import annotations

from pathlib import Path

import click

from dlscan.findings import Severity
from dlscan.operations.config import load_config
from dlscan.support.errors import AlreadyReported, DlscanError
from dlscan.support.logs import configure_logging
from dlscan.support.outcomes import NEVER

_EPILOG = """\b
Examples:
  dlscan run --config /etc/dlscan/dlscan.toml
  dlscan run --config dlscan.toml --dry-run          # what would change and be sent; nothing written
  dlscan run --config dlscan.toml --only-new --log-format json

\b
Exit codes: 0 no active finding at or above --fail-on; 1 at least one (with --only-new: a new one);
2 bad settings, a source that could not be read in full, a damaged history, or another run holding the lock;
3 an internal error (set DLSCAN_DEBUG=1 for the traceback).
"""


@click.command("run", epilog=_EPILOG)
@click.option(
    "-c", "--config", "config_path", required=True, type=click.Path(path_type=Path), metavar="FILE",
    help="The job's TOML config file: [run], [scan], [collect.*] and [tickets] (see docs/nightly.md).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Show what would change and what tickets would be sent; write nothing.")
@click.option("--only-new", is_flag=True, default=None, help="Report, and set the exit code by, new findings only.")
@click.option("--show-suppressed", is_flag=True, default=None, help="Include findings covered by accepted risks.")
@click.option(
    "--accept-shrink", is_flag=True,
    help="This night's directory really is much smaller, or most findings really were fixed: resolve them "
    "(without it such a night is treated as a failed collection).",
)  # fmt: skip
@click.option(
    "--state-dir", type=click.Path(path_type=Path), metavar="DIR",
    help="Where the history is kept.  [default: [run] state_dir, else $STATE_DIRECTORY under systemd, else "
    "~/.local/state/dlscan on Linux, %LOCALAPPDATA%\\dlscan on Windows]",
)  # fmt: skip
@click.option(
    "--fail-on", type=click.Choice([*(s.value for s in Severity), NEVER]), metavar="SEVERITY",
    help="Exit 1 when an active finding is at least this severe.  [default: high]",
)  # fmt: skip
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True
)
def run_command(config_path: Path, log_format: str, log_level: str, **given: object) -> int:
    """Run the nightly job: collect, scan, compare with history, write outputs, raise tickets."""
    from dlscan.operations.nightly import NightlyOptions, run_nightly

    log = configure_logging(log_format, log_level)
    try:
        config = load_config(config_path)
        run = config.run
        options = NightlyOptions(
            config=config,
            dry_run=bool(given["dry_run"]),
            accept_shrink=bool(given["accept_shrink"]),
            only_new=bool(given["only_new"] if given["only_new"] is not None else run.only_new),
            show_suppressed=bool(
                given["show_suppressed"] if given["show_suppressed"] is not None else run.show_suppressed
            ),
            state_dir=given["state_dir"],  # type: ignore[arg-type]
            fail_on=str(given["fail_on"] or run.fail_on or Severity.HIGH.value),
        )
        outcome = run_nightly(options, log)
    except AlreadyReported:
        raise
    except DlscanError as exc:
        if log_format != "json":
            raise
        log.error("%s", exc)
        raise AlreadyReported(str(exc)) from None
    click.echo(_report(outcome, options), nl=False)
    return outcome.exit_code


def _active_again(count: int) -> str:
    if count == 0:
        return "it covers no finding now"
    return f"{count} finding{'s are' if count > 1 else ' is'} active again"


def _report(outcome, options) -> str:
    from dlscan.operations.history.lifecycle import Status

    counts = outcome.counts
    hidden = counts.suppressed if not options.show_suppressed else 0
    lines = [
        f"dlscan run {outcome.started_at}{' (dry run: nothing written or sent)' if options.dry_run else ''}",
        f"{counts.new} new, "
        + (f"{counts.reopened} reopened, " if counts.reopened else "")
        + f"{counts.open} open, {counts.resolved} resolved"
        + (f"; {counts.suppressed} accepted risks" if counts.suppressed else "")
        + (f" ({hidden} hidden: --show-suppressed)" if hidden else "")
        + (f"; {counts.carried} carried open (rule not evaluated)" if counts.carried else ""),
    ]
    shown_statuses = (Status.NEW, Status.REOPENED) + (() if options.only_new else (Status.RESOLVED,))
    for status in shown_statuses:
        chosen = sorted(
            (t for t in outcome.shown if t.status is status),
            key=lambda t: (-t.finding.severity.rank, t.finding.sort_key),
        )
        if chosen:
            lines.append(f"{status.value}:")
            lines += [
                f"  {t.finding.severity.value.upper():<9}{t.finding.code} {t.finding.list}: {t.finding.rule}"
                f"{'  [accepted risk]' if t.suppression else ''}  ({t.finding.finding_id})"
                for t in chosen
            ]
    for entry, covered in outcome.suppressions.expired:
        lines.append(f"expired accepted risk: {entry.label}; {_active_again(len(covered))}")
    for entry in outcome.suppressions.stale:
        lines.append(f"stale accepted risk (matches nothing): {entry.label}")
    if options.dry_run and outcome.planned:
        lines.append("would send:")
        lines += [f"  {p.action} {p.key}: {p.payload.get('title') or p.payload.get('text')}" for p in outcome.planned]
    delivery = outcome.delivery
    if delivery.done or delivery.waiting:
        lines.append(f"tickets: {len(delivery.done)} delivered, {delivery.waiting} waiting in the outbox")
    return "\n".join(lines) + "\n"
