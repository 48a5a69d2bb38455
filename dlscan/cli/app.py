"""The command line: parse options, call the runner, map the outcome to an exit code.

Exit codes: 0 no finding at or above --fail-on; 1 at least one; 2 a usage, input or collection error
(one line on stderr, no traceback); 3 an internal error (set DLSCAN_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import click

from dlscan import __version__
from dlscan.checks.rulepack import pack_reference
from dlscan.cli.collect import collect
from dlscan.cli.import_cmd import import_group
from dlscan.cli.m365 import collect_m365
from dlscan.cli.plan import plan_command
from dlscan.cli.run import run_command
from dlscan.cli.source_options import scan_request, source_options
from dlscan.findings import Severity
from dlscan.support.errors import AlreadyReported, DlscanError
from dlscan.support.memory import settled_job
from dlscan.support.outcomes import EXIT_ERROR, EXIT_INTERNAL, NEVER

_SEVERITIES = [s.value for s in Severity]


class FormatChoice(click.Choice):
    """The output formats there are when the command runs: one per sink, found rather than listed."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        from dlscan.sinks import sink_classes

        return tuple(sink_classes())

    @choices.setter
    def choices(self, value: object) -> None:
        """click sets the choices it was given; they are found instead."""


_SCAN_EPILOG = """\b
Examples:
  dlscan scan export.ldif --internal-domain wyvern.gov.uk
  dlscan scan export.ldif -d wyvern.gov.uk -d '*.wyvern.gov.uk' --format csv -o findings.csv
  dlscan scan snapshot.json.gz --config dlscan.toml --fail-on critical

\b
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
2 bad usage or input, 3 internal error.
"""


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dlscan")
def cli() -> None:
    """Find distribution lists that send mail to the wrong people.

    dlscan reads an Active Directory export (LDIF) or a dlscan snapshot, expands nested lists, and
    reports lists that mix internal and external recipients, hide external recipients behind nesting,
    accept mail from anyone outside, nest in cycles, have no owner, and more. Every finding says why it
    matters and what to do about it.
    """


@cli.command(epilog=_SCAN_EPILOG)
@source_options
@click.option("-f", "--format", "output_format", type=FormatChoice(), help="Output format.  [default: table]")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write here (atomically) instead of standard output; never over the source, rule pack or config.",
)
@click.option(
    "--details",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also write a CSV with one row for each external recipient (and every other item) a finding "
    "lists, with its nesting path; atomically.",
)
@click.option(
    "--fail-on",
    type=click.Choice([*_SEVERITIES, NEVER]),
    help="Exit 1 when a finding is at least this severe.  [default: high]",
)
@click.option(
    "--min-severity",
    type=click.Choice(_SEVERITIES),
    help="Leave less severe findings out of the output (not out of --fail-on).  [default: info]",
)
def scan(
    source: Path,
    output_format: str | None,
    output: Path | None,
    details: Path | None,
    fail_on: str | None,
    min_severity: str | None,
    **shared: Any,
) -> int:
    """Scan SOURCE (an LDIF export or a dlscan snapshot) and report findings."""
    from dlscan.operations.runner import execute_scan  # the scan machinery loads only when scanning

    request, config = scan_request(source, **shared)
    request = replace(
        request,
        format=output_format or config.format or "table",
        output=output or config.output,
        details=details or config.details,
        fail_on=fail_on or config.fail_on or Severity.HIGH.value,
        min_severity=min_severity or config.min_severity or Severity.INFO.value,
    )
    result, code = execute_scan(request)
    if result.summary.boundary_doubt:
        click.echo(f"dlscan: warning: {result.summary.boundary_doubt}", err=True)
    if request.output is not None and sys.stderr.isatty():
        click.echo(f"dlscan: {len(result.findings)} findings written to {request.output}", err=True)
    return code


@cli.command("rules")
@click.option(
    "--rules", multiple=True, metavar="PACK", help="Show the rules as these packs (names or files) configure them."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def list_rules(rules: tuple[str, ...], as_json: bool) -> int:
    """List the rules: code, slug, severity, parameters and rationale."""
    from dlscan.checks import compile_custom_rules
    from dlscan.operations.runner import load_pack

    pack = load_pack(tuple(pack_reference(r, Path.cwd()) for r in rules))
    rules_shown = [*pack.rules.values(), *(c.config for c in compile_custom_rules(pack))]
    if as_json:
        click.echo(json.dumps([_rule_document(r) for r in rules_shown], indent=2, ensure_ascii=False))
        return 0
    for rule in rules_shown:
        sensitive = f", {rule.sensitive_severity.value} if sensitive" if rule.sensitive_severity else ""
        state = "" if rule.enabled else "  [disabled]"
        click.echo(f"{rule.code}  {rule.slug:<26} {rule.severity.value}{sensitive}{state}")
        click.echo(f"       {rule.title}.")
        if rule.params:
            settings = ", ".join(f"{k}={getattr(v, 'value', v)}" for k, v in rule.params.items())
            click.echo(f"       params: {settings}")
        click.echo(click.wrap_text(f"why: {rule.rationale}", 100, "       ", "            "))
        click.echo(click.wrap_text(f"fix: {rule.remediation}", 100, "       ", "            "))
        click.echo()
    return 0


collect.add_command(collect_m365)
cli.add_command(run_command)
cli.add_command(plan_command)
cli.add_command(collect)
cli.add_command(import_group)


def _rule_document(rule) -> dict:
    return {
        "code": rule.code,
        "slug": rule.slug,
        "title": rule.title,
        "severity": rule.severity.value,
        "sensitive_severity": rule.sensitive_severity.value if rule.sensitive_severity else None,
        "enabled": rule.enabled,
        "params": {k: getattr(v, "value", v) for k, v in rule.params.items()},
        "rationale": rule.rationale,
        "remediation": rule.remediation,
    }


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every failure into one line and an exit code."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
    if not os.environ.get("DLSCAN_DEBUG"):
        warnings.showwarning = _warning_in_one_line
    with settled_job(until_exit=True):  # the process ends with the command
        code = run(argv)
    sys.exit(code)


def _warning_in_one_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """A library's warning as one line of dlscan's, not the source line and file it came from: a job's
    mail should read as the rest of its output does (DLSCAN_DEBUG=1 shows them as Python does)."""
    text = " ".join(str(message).split())
    click.echo(f"dlscan: warning: {text} ({category.__name__})", err=True)


def run(argv: list[str] | None = None) -> int:
    try:
        code = cli.main(args=argv, prog_name="dlscan", standalone_mode=False)
    except click.exceptions.Abort:
        _fail("interrupted")
        return 130
    except click.ClickException as exc:
        command = exc.ctx.command_path if getattr(exc, "ctx", None) else "dlscan"
        _fail(f"{exc.format_message()} (see '{command} --help')")
        return EXIT_ERROR
    except AlreadyReported:
        return EXIT_ERROR
    except DlscanError as exc:
        _fail(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except Exception as exc:
        if os.environ.get("DLSCAN_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set DLSCAN_DEBUG=1 for details)")
        return EXIT_INTERNAL
    return code if isinstance(code, int) else 0


def _fail(message: str) -> None:
    click.echo(f"dlscan: error: {' '.join(message.split())}", err=True)


if __name__ == "__main__":
    main()
