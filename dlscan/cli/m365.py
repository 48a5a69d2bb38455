"""`dlscan collect m365`: read a Microsoft 365 tenant through Microsoft Graph into a snapshot."""

from __future__ import annotations

import time
from pathlib import Path

import click

from dlscan.cli.collect import collection_options, override_domains, write_collected
from dlscan.operations.config import M365CollectConfig, load_config
from dlscan.sources.collect_settings import graph_settings, merged_options
from dlscan.sources.m365.settings import CLOUDS
from dlscan.support.errors import UsageError

_EPILOG = """\b
Examples:
  dlscan collect m365 --tenant-id contoso.onmicrosoft.com --client-id 00000000-0000-0000-0000-000000000000 \\
      --client-secret-env DLSCAN_CLIENT_SECRET --output tenant.json.gz
  dlscan collect m365 --tenant-id contoso.onmicrosoft.com --client-id ID --certificate dlscan.pem -o tenant.json.gz
  dlscan collect m365 --config dlscan.toml
  dlscan scan tenant.json.gz

\b
The app registration needs these Microsoft Graph application permissions, with admin consent:
User.Read.All, GroupMember.Read.All, OrgContact.Read.All and Domain.Read.All (or Directory.Read.All).
Secrets are never read from the command line: name an environment variable or a file.
Groups whose membership is hidden: without the Member.Read.Hidden permission Graph answers them as
empty, so dlscan records their members as unknown. Grant it, then pass --read-hidden-members (only
once it is granted).
Graph does not say whether a distribution list accepts outside senders, nor who owns an Exchange list,
and it holds no Exchange dynamic list: without --exchange those facts are recorded as unknown, and the
scan says which rules could not judge them. --exchange reads them from Exchange Online; the app then
also needs the Office 365 Exchange Online permission Exchange.ManageAsApp and the View-Only Recipients
role (docs/m365.md).
"""


@click.command("m365", epilog=_EPILOG)
@click.option(
    "--tenant-id",
    metavar="TENANT",
    help="The tenant's id or one of its verified domains (with --exchange: its id or initial domain).",
)
@click.option("--client-id", metavar="ID", help="The app registration's application (client) id.")
@click.option("--client-secret-env", metavar="VAR", help="Sign in with the client secret in this environment variable.")
@click.option(
    "--client-secret-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="... or in the first line of this file.",
)
@click.option(
    "--certificate",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Sign in with this certificate and private key (PEM or PKCS#12).",
)
@click.option("--certificate-password-env", metavar="VAR", help="The certificate's password, if it has one.")
@click.option("--managed-identity", is_flag=True, default=None, help="Sign in as the Azure managed identity.")
@click.option("--device-code", is_flag=True, default=None, help="Sign in interactively with a device code.")
@click.option("--access-token-env", metavar="VAR", help="Use the Graph access token in this environment variable.")
@click.option("--cloud", type=click.Choice(sorted(CLOUDS)), help="The Microsoft cloud.  [default: global]")
@click.option("--endpoint", metavar="URL", help="Another Graph service root, e.g. a proxy.  [default: the cloud's]")
@click.option("--authority-host", metavar="URL", help="Another Entra ID sign-in host.  [default: the cloud's]")
@click.option(
    "--ca-file",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="CA certificates for --endpoint, --authority-host and --exchange-endpoint (a TLS-inspecting proxy).",
)
@click.option("--concurrency", type=int, help="Batch requests in flight at once.  [default: 4]")
@click.option("--timeout", type=float, help="Seconds to wait for one answer, Graph's or Exchange's.  [default: 60]")
@click.option(
    "--retries", type=int, help="Retries of a throttled or failed request, Graph's or Exchange's.  [default: 5]"
)
@click.option(
    "--read-hidden-members",
    is_flag=True,
    default=None,
    help="The app holds Member.Read.Hidden: take the members of groups with hidden membership as read in full.",
)
@click.option(
    "--exchange",
    is_flag=True,
    default=None,
    help="Also read Exchange Online: who may send to each list, its owners, dynamic lists (Exchange.ManageAsApp).",
)
@click.option("--exchange-endpoint", metavar="URL", help="Another Exchange Online root, e.g. a proxy.")
@click.option("--exchange-access-token-env", metavar="VAR", help="With --access-token-env: the Exchange Online token.")
@click.option(
    "--delta-state",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Collect incrementally: keep what Graph's delta queries need here between runs.",
)
@collection_options("collect.m365", "the tenant's verified domains")
def collect_m365(config_path: Path | None, **options: object) -> int:
    """Collect groups, lists, users and contacts from Microsoft 365 through Microsoft Graph."""
    config = load_config(config_path).collect_m365 if config_path else M365CollectConfig()
    value = merged_options(options, config)
    output = value("output")
    if output is None:
        raise UsageError("name the snapshot to write with --output (or output in [collect.m365])")
    settings = graph_settings(value)
    try:
        from dlscan.sources.m365.collector import M365Collector
        from dlscan.sources.m365.delta import KINDS
    except ImportError as exc:
        raise UsageError(
            f"collecting from Microsoft 365 needs the m365 extra: pip install 'dlscan[m365]' ({exc.name})"
        ) from None
    started = time.monotonic()
    collector = M365Collector(settings, delta_state=value("delta_state"))
    snapshot = override_domains(collector.collect(), value("internal_domains") or ())
    for kind in collector.restarted:
        click.echo(f"dlscan: Graph no longer accepts the saved delta state for {kind}; read them in full", err=True)
    for kind, why in collector.reselected:
        click.echo(f"dlscan: {why}; read {kind} in full", err=True)
    read_in_full = {kind for kind, _ in collector.reselected}
    applied = [kind for kind in KINDS if kind not in collector.restarted and kind not in read_in_full]
    if collector.incremental and applied:
        click.echo(
            f"dlscan: incremental collection: applied Graph's changes since the last run to {', '.join(applied)}",
            err=True,
        )
    if collector.exchange is not None:
        merged = collector.exchange
        click.echo(
            f"dlscan: Exchange Online: {merged.updated} lists given their senders and owners, "
            f"{merged.added} dynamic lists added",
            err=True,
        )
    write_collected(snapshot, Path(output), started, then=collector.save_delta)
    return 0
