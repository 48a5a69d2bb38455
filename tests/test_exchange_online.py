"""`dlscan collect m365 --exchange`: Graph and Exchange Online's admin API read together, each from a
local server (tests/graph_server.py, tests/exchange_server.py) holding the sample council."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from conftest import SAMPLE
from exchange_server import TOKEN, ExchangeServer, exchange_from_ldif
from graph_helpers import collect_cli, reviewed
from graph_server import GraphServer
from graph_tenant import tenant_from_ldif

from dlscan.model import ListKind
from dlscan.sources import load_source
from dlscan.sources.m365.exchange_online import ExchangeOnline, ExchangeOnlineSettings

ORGANISATION = "wyvern.onmicrosoft.com"
ANCHOR = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@" + ORGANISATION


@pytest.fixture
def servers():
    with (
        GraphServer(tenant_from_ldif(SAMPLE)) as graph,
        ExchangeServer(exchange_from_ldif(SAMPLE, ORGANISATION)) as exo,
    ):
        yield graph, exo


def _collect(dlscan, monkeypatch, servers, output, *extra, token=TOKEN):
    graph, exo = servers
    monkeypatch.setenv("EXO_TOKEN", token)
    exchange = ("--tenant-id", ORGANISATION, "--exchange", "--exchange-endpoint", exo.url)
    return collect_cli(
        dlscan, monkeypatch, graph, output, *exchange, "--exchange-access-token-env", "EXO_TOKEN", *extra
    )


def _scan(dlscan, source) -> dict:
    outcome = dlscan("scan", source, "--format", "json", "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)


def test_with_exchange_online_dl009_dl013_and_dl021_judge_a_tenant(servers, tmp_path, dlscan, monkeypatch):
    outcome = _collect(dlscan, monkeypatch, servers, tmp_path / "tenant.json")
    assert outcome.code == 0, outcome.err
    assert "Exchange Online: 61 lists given their senders and owners, 2 dynamic lists added" in outcome.err
    found = _scan(dlscan, tmp_path / "tenant.json")
    judged = ("DL009", "DL013")
    # The planted hazards, as a person reviewed them (tests/golden/wyvern_reviewed.csv).
    assert sorted((f["code"], f["list"]) for f in found["findings"] if f["code"] in judged) == reviewed(set(judged))
    assert not {u["code"] for u in found["summary"]["unjudged"]} & set(judged)
    dl021 = [(f["list"], f["related"]) for f in found["findings"] if f["code"] == "DL021"]
    assert dl021 == [("Staff Briefing", "(RecipientType -eq 'MailContact')")]  # the filter's test that lets them in
    # Each request is anchored as the module anchors app-only requests.
    assert {anchor for _, anchor, _ in servers[1].state.log} == {ANCHOR}


def test_pages_are_followed_with_the_same_command(servers, tmp_path, dlscan, monkeypatch):
    whole = tmp_path / "whole.json"
    assert _collect(dlscan, monkeypatch, servers, whole).code == 0
    servers[1].state.page_size = 7
    paged = tmp_path / "paged.json"
    outcome = _collect(dlscan, monkeypatch, servers, paged)
    assert outcome.code == 0, outcome.err
    assert load_source(paged).lists == load_source(whole).lists
    pages = [token for cmdlet, _, token in servers[1].state.log if cmdlet == "Get-DistributionGroup"]
    assert pages[-9:] == [str(n) for n in range(0, 63, 7)]  # 61 lists, 7 to a page, after the first run's one
    dynamic = [x for x in load_source(paged).lists.values() if x.kind is ListKind.DYNAMIC]
    assert len(dynamic) == 2 and all(len(x.members) > 7 for x in dynamic)


def test_throttling_is_waited_out(servers, tmp_path, dlscan, monkeypatch):
    servers[1].state.throttled = 3
    outcome = _collect(dlscan, monkeypatch, servers, tmp_path / "tenant.json")
    assert outcome.code == 0, outcome.err
    assert servers[1].state.throttled == 0


@pytest.mark.parametrize(
    ("token", "throttled", "said"),
    [("stale-token", 0, "Exchange.ManageAsApp"), (TOKEN, 50, "still throttled")],
    ids=["refused", "throttled for good"],
)
def test_a_failure_exits_2_and_writes_nothing(servers, tmp_path, dlscan, monkeypatch, token, throttled, said):
    servers[1].state.throttled = throttled
    output = tmp_path / "tenant.json"
    outcome = _collect(dlscan, monkeypatch, servers, output, "--retries", "2", token=token)
    assert outcome.code == 2 and outcome.err.count("\n") == 1 and said in outcome.err, outcome.err
    assert "stale-token" not in outcome.err and TOKEN not in outcome.err
    assert not output.exists()


def test_exchange_with_a_given_graph_token_needs_an_exchange_token_too(servers, tmp_path, dlscan, monkeypatch):
    graph, _ = servers
    outcome = collect_cli(dlscan, monkeypatch, graph, tmp_path / "t.json", "--tenant-id", ORGANISATION, "--exchange")
    assert outcome.code == 2 and "--exchange-access-token-env" in outcome.err, outcome.err


def test_a_next_page_elsewhere_is_not_followed(servers, tmp_path, dlscan, monkeypatch):
    _, exo = servers
    exo.state.page_size = 7
    exo.state.next_link_base = exo.url.replace("127.0.0.1", "localhost")  # the same server by another name
    output = tmp_path / "tenant.json"
    outcome = _collect(dlscan, monkeypatch, servers, output)
    assert outcome.code == 2 and "pointed its next page elsewhere" in outcome.err, outcome.err
    assert not output.exists()
    assert all(token == "0" for _, _, token in exo.state.log)  # nothing was sent to the other name


@pytest.mark.parametrize("how", ["not found", "two recipients"])
def test_an_owner_exchange_cannot_name_for_certain_leaves_owners_unknown(servers, tmp_path, dlscan, monkeypatch, how):
    """Get-Recipient finds no one for an owner's name (it answers an error), or two: those lists' owners are
    unknown, never "none", and the collection goes on. Only Waste Rounds Supervisors has its own owner."""
    _, exo = servers
    waste = next(g for g in exo.state.groups if g["DisplayName"] == "Waste Rounds Supervisors")
    (owner,) = waste["ManagedBy"]
    if how == "not found":
        exo.state.recipients.pop(owner)
    else:
        exo.state.shared_names.add(owner)
    outcome = _collect(dlscan, monkeypatch, servers, tmp_path / "tenant.json")
    assert outcome.code == 0, outcome.err
    lists = {x.display_name: x for x in load_source(tmp_path / "tenant.json").lists.values()}
    assert lists["Waste Rounds Supervisors"].owners is None
    assert lists["Planning Policy"].owners  # another owner, resolved as before


def test_throttling_waits_as_retry_after_asks(servers):
    """Each 429 is waited out for as long as its Retry-After asks (3 s from the test server), not by
    the client's own back-off; the test scales the sleeping itself to nothing, not the waits."""
    async def token() -> str:
        return TOKEN

    servers[1].state.throttled = 2
    settings = ExchangeOnlineSettings(ORGANISATION, root=servers[1].url, retry_time_scale=0.0)
    exchange = ExchangeOnline(settings, token)

    async def read() -> list:
        async with httpx.AsyncClient() as client:
            return await exchange.invoke(client, "Get-DistributionGroup", {"ResultSize": "Unlimited"})

    assert asyncio.run(read())
    assert exchange.waits == [3.0, 3.0]
