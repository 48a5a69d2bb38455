"""`dlscan collect`: read a live directory into a snapshot file that `dlscan scan` analyses."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from dlscan.boundary import parse_domain_option
from dlscan.cli.source_options import config_option, domains_option
from dlscan.model import Snapshot
from dlscan.operations.config import AdCollectConfig, load_config
from dlscan.sources.collect_settings import ldap_settings, merged_options
from dlscan.sources.ldap import AdCollector
from dlscan.sources.snapshot import write_snapshot
from dlscan.support.errors import DlscanError, UsageError

_AD_EPILOG = """\b
Examples:
  dlscan collect ad --server ldaps://dc1.corp.example.org --user svc-dlscan@corp.example.org \\
      --password-env DLSCAN_PASSWORD --output corp.json.gz
  dlscan collect ad --config dlscan.toml
  dlscan scan corp.json.gz

\b
The password is never read from the command line: use --password-env, --password-file, or type it
at the prompt. The account needs only read access to the directory.
"""


def collection_options(section: str, found: str) -> Callable[[Callable], Callable]:
    """The options every `collect` command shares: domains to record, the config file, the snapshot."""
    options = [
        domains_option(f"Internal mail domains to record instead of {found} (repeatable)."),
        config_option(f"TOML config file with a [{section}] section."),
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path),
            metavar="FILE",
            help="The snapshot to write (.json or .json.gz); written only when collection completes.",
        ),
    ]

    def decorate(command: Callable) -> Callable:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def write_collected(snapshot: Snapshot, output: Path, started: float, then: Callable[[], None] | None = None) -> None:
    """Write the snapshot (and, once it is safely written, whatever `then` keeps), and say what was collected."""
    try:
        write_snapshot(snapshot, output)
        if then is not None:
            then()
    except OSError as exc:
        raise DlscanError(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from None
    report_collection(snapshot, output, time.monotonic() - started)


@click.group()
def collect() -> None:
    """Read a live directory into a snapshot file."""


@collect.command("ad", epilog=_AD_EPILOG)
@click.option(
    "--server",
    "servers",
    multiple=True,
    metavar="URL",
    help="Domain controller, e.g. ldaps://dc1.corp.example.org (repeatable: tried in order).",
)
@click.option("--base-dn", metavar="DN", help="Where to search.  [default: the domain]")
@click.option("--user", metavar="USER", help="Bind as this user: UPN, DN or DOMAIN\\user.")
@click.option("--password-env", metavar="VAR", help="Read the password from this environment variable.")
@click.option(
    "--password-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Read the password from the first line of this file.",
)
@click.option("--kerberos", is_flag=True, default=None, help="Bind with your Kerberos ticket (GSSAPI).")
@click.option(
    "--ca-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="CA certificates that issued the server's certificate.",
)
@click.option(
    "--tls-name",
    metavar="NAME",
    help="The server's own name, if not the URL's: its certificate must carry it (and, with --kerberos, "
    "the ticket is for ldap/NAME).",
)
@click.option("--starttls", is_flag=True, default=None, help="Upgrade ldap:// connections with StartTLS.")
@click.option(
    "--insecure-plain-ldap",
    is_flag=True,
    default=None,
    help="Allow ldap:// without TLS. INSECURE: the password crosses the network in clear text.",
)
@click.option("--page-size", type=int, help="Entries per page of the paged search.  [default: 1000]")
@click.option("--range-size", type=int, help="Member values per ranged read.  [default: 1500]")
@click.option("--timeout", type=float, help="Seconds for a connection or an operation.  [default: 30]")
@click.option("--retries", type=int, help="Times a dropped search is restarted.  [default: 3]")
@collection_options("collect.ad", "those found in the directory")
def collect_ad(config_path: Path | None, **options: object) -> int:
    """Collect users, contacts and groups from Active Directory over LDAP."""
    config = load_config(config_path).collect_ad if config_path else AdCollectConfig()
    value = merged_options(options, config)
    output = value("output")
    if output is None:
        raise UsageError("name the snapshot to write with --output (or output in [collect.ad])")
    settings = ldap_settings(value)
    if settings.insecure_plain_ldap:
        sent = "the directory's data" if settings.kerberos else "the password and the directory's data"
        click.echo(f"dlscan: warning: --insecure-plain-ldap sends {sent} in clear text", err=True)
    started = time.monotonic()
    snapshot = override_domains(AdCollector(settings).collect(), value("internal_domains") or ())
    write_collected(snapshot, Path(output), started)
    return 0


def override_domains(snapshot: Snapshot, domains: tuple[str, ...]) -> Snapshot:
    found = ", ".join(f"{d.name} ({d.origin})" for d in snapshot.internal_domains) or "none"
    click.echo(f"dlscan: internal domains found in the directory: {found}", err=True)
    if not domains:
        return snapshot
    chosen = tuple(parse_domain_option(d, "collect --internal-domain") for d in domains)
    click.echo(f"dlscan: recording instead: {', '.join(d.name for d in chosen)}", err=True)
    return Snapshot(snapshot.source, snapshot.recipients, snapshot.lists, chosen, snapshot.notes)


def report_collection(snapshot: Snapshot, output: Path, seconds: float) -> None:
    kinds: dict[str, int] = {}
    for recipient in snapshot.recipients.values():
        kinds[recipient.kind.value] = kinds.get(recipient.kind.value, 0) + 1
    counts = ", ".join(f"{n:,} {kind}s" for kind, n in sorted(kinds.items()))
    click.echo(
        f"dlscan: collected {len(snapshot.lists):,} groups and {counts} from {snapshot.source.name} "
        f"in {seconds:.1f} s; wrote {output}",
        err=True,
    )
