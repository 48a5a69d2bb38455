"""What the Graph tests share: settings for the local server, the CLI run against it, comparable findings."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from graph_server import GraphServer

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan
from dlscan.sources.m365.settings import AuthMethod, GraphSettings
from dlscan.support.secret import Secret

TOKEN = "good-token"
UNSEEN_BY_GRAPH = {"DL009", "DL013"}
"""Outside senders and list owners: Graph v1.0 does not give them for Exchange's lists."""


def settings_for(server: GraphServer, **overrides) -> GraphSettings:
    values = dict(
        tenant_id=None,
        client_id=None,
        auth=AuthMethod.ACCESS_TOKEN,
        secret=Secret(TOKEN),
        endpoint=server.url,
        retry_time_scale=0.0,
    )
    return GraphSettings(**(values | overrides))


def collect_cli(dlscan, monkeypatch, server: GraphServer, output: Path, *extra: str, token: str = TOKEN):
    monkeypatch.setenv("GRAPH_TOKEN", token)
    # Waits before retries are still computed and recorded, but not slept.
    monkeypatch.setattr("dlscan.sources.collect_settings.GraphSettings", partial(GraphSettings, retry_time_scale=0.0))
    return dlscan(
        "collect", "m365", "--access-token-env", "GRAPH_TOKEN", "--endpoint", server.url, "--output", output, *extra
    )


def findings_of(snapshot) -> set[tuple]:
    result = run_scan(snapshot, [], load_rule_pack(rule_specs()))
    return {(f.code, f.severity.value, f.list, f.related, f.detail) for f in result.findings}


def reviewed(codes: set[str]) -> list[tuple[str, str]]:
    """(code, list) of the sample's findings of these rules, as a person reviewed them against the hazards
    sample_data/make_wyvern.py plants (tests/golden/wyvern_reviewed.csv), not as dlscan finds them."""
    import csv

    with (Path(__file__).parent / "golden" / "wyvern_reviewed.csv").open(encoding="utf-8", newline="") as stream:
        return sorted((row["code"], row["list"]) for row in csv.DictReader(stream) if row["code"] in codes)
