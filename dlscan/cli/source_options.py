"""The options every command that scans a source shares (`scan`, `plan`), and the scan request they make."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from dlscan.checks.rulepack import pack_reference
from dlscan.operations.config import DlscanConfig, ScanConfig, load_config

if TYPE_CHECKING:
    from dlscan.operations.runner import ScanRequest

Command = TypeVar("Command", bound=Callable[..., Any])


def domains_option(help_text: str) -> Callable[[Command], Command]:
    """`-d/--internal-domain`, repeatable, as every command that takes a directory has it."""
    return click.option("-d", "--internal-domain", "internal_domains", multiple=True, metavar="DOMAIN", help=help_text)


def config_option(help_text: str) -> Callable[[Command], Command]:
    """`-c/--config`: the TOML config file a command reads its section of."""
    return click.option(
        "-c", "--config", "config_path", type=click.Path(path_type=Path), metavar="FILE", help=help_text
    )


_OPTIONS = (
    domains_option(
        "A mail domain of the organisation (repeatable). '*.example.org' also covers subdomains. "
        "Added to the domains the source declares."
    ),
    config_option("TOML config file with a [scan] section (see docs/config.md)."),
    click.option(
        "--rules",
        multiple=True,
        metavar="PACK",
        help="A rule pack laid over the built-in one: a shipped pack's name (health, education) or a file; "
        "repeat to combine them, in order.",
    ),
    click.option(
        "--allow-unresolved",
        is_flag=True,
        default=None,
        help="Scan even when members point at objects missing from the export; they are reported "
        "under DL015 and never counted as internal.",
    ),
    click.option(
        "--allow-pipe",
        is_flag=True,
        default=None,
        help="Read SOURCE even when it is a pipe or a device, such as <(gzip -dc export.ldif.gz): it is "
        "copied to a temporary file first, up to DLSCAN_MAX_EXPANDED_BYTES (8 GiB).",
    ),
    click.option(
        "--organisation",
        metavar="NAME",
        help="In a shared directory, scan for this organisation of the boundary (see docs/boundary.md): "
        "everyone else counts as external.",
    ),
)


def source_options(command: Command) -> Command:
    """Add the shared options to a click command; they reach it as `source` (its argument), and the
    keywords `scan_request` takes."""
    for option in reversed(_OPTIONS):
        command = option(command)
    return click.argument("source", type=click.Path(path_type=Path))(command)


def scan_request(
    source: Path,
    *,
    internal_domains: tuple[str, ...],
    config_path: Path | None,
    rules: tuple[str, ...],
    allow_unresolved: bool | None,
    allow_pipe: bool | None,
    organisation: str | None,
) -> tuple[ScanRequest, ScanConfig]:
    """The scan the options ask for, laid over the config file's [scan] and [boundary], and that [scan]
    section, from which the command fills its own fields (format, output and the like)."""
    from dlscan.operations.runner import ScanRequest  # the scan machinery loads only when scanning

    whole: DlscanConfig | None = load_config(config_path) if config_path else None
    config = whole.scan if whole else ScanConfig()
    request = ScanRequest(
        source=source,
        internal_domains=internal_domains,
        config_domains=config.internal_domains,
        rules=tuple(pack_reference(r, Path.cwd()) for r in rules) or config.rules,
        allow_unresolved=bool(allow_unresolved if allow_unresolved is not None else config.allow_unresolved),
        allow_pipe=bool(allow_pipe if allow_pipe is not None else config.allow_pipe),
        boundary=whole.boundary if whole else {},
        organisation=organisation or config.organisation,
        config=config_path,
    )
    return request, config
