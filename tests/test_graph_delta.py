"""Incremental collection from Microsoft 365 with delta queries: the same tenant a full read gives, for less."""

from __future__ import annotations

import copy

import pytest
from conftest import SAMPLE
from graph_helpers import collect_cli, settings_for
from graph_server import Fault, GraphServer
from graph_tenant import Tenant, tenant_from_ldif

from dlscan.model import RecipientKind
from dlscan.sources.m365.collector import M365Collector
from dlscan.support.errors import InputError


@pytest.fixture
def tenant() -> Tenant:
    return copy.deepcopy(_WYVERN)


_WYVERN = tenant_from_ldif(SAMPLE)


def comparable(snapshot):
    """Recipients and lists; a delta read knows a non-mail member object by id alone, so names aside."""
    recipients = {k: (r if r.kind is not RecipientKind.OBJECT else r.kind) for k, r in snapshot.recipients.items()}
    return recipients, dict(snapshot.lists), snapshot.internal_domains


def change(tenant: Tenant) -> None:
    """A night's worth of changes: joiners, a leaver, a changed address, moved members, a new and a gone list."""
    user_id = next(iter(tenant.users))
    tenant.update("users", user_id, mail="someone@gmail.example", proxyAddresses=["SMTP:someone@gmail.example"])
    tenant.put(
        "users",
        {
            "id": "new-user",
            "displayName": "New Starter",
            "mail": "new.starter@wyvern.gov.uk",
            "proxyAddresses": [],
            "userType": "Member",
            "accountEnabled": True,
            "userPrincipalName": "new.starter@wyvern.gov.uk",
        },
    )
    contact_id = next(iter(tenant.contacts))
    tenant.remove("contacts", contact_id)
    group_ids = list(tenant.groups)
    tenant.add_member(group_ids[0], "new-user")
    first_member = tenant.members[group_ids[1]][0]
    tenant.remove_member(group_ids[1], first_member)
    tenant.put(
        "groups",
        {
            "id": "new-group",
            "displayName": "Partners Briefing",
            "mail": "briefing@wyvern.gov.uk",
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": [],
            "proxyAddresses": [],
            "description": "",
        },
    )
    tenant.add_member("new-group", "new-user")
    tenant.add_member("new-group", next(iter(tenant.contacts)))
    gone = group_ids[-1]
    for parent, members in tenant.members.items():
        if gone in members:
            tenant.remove_member(parent, gone)
    tenant.remove("groups", gone)


def test_incremental_run_gives_what_a_full_read_gives(tenant, tmp_path):
    state = tmp_path / "delta.json.gz"
    with GraphServer(tenant) as server:
        server.state.page_size = 25
        first = M365Collector(settings_for(server), delta_state=state)
        initial = first.collect()
        first.save_delta()
        assert not first.incremental
        assert comparable(initial) == comparable(M365Collector(settings_for(server)).collect())

        change(tenant)
        server.state.log.clear()
        second = M365Collector(settings_for(server), delta_state=state)
        incremental = second.collect()
        second.save_delta()
        assert second.incremental
        requests = list(server.state.log)
        full = M365Collector(settings_for(server)).collect()
        assert comparable(incremental) == comparable(full)
        assert "new-group" in incremental.lists and "new-user" in incremental.lists["new-group"].members
        delta_reads = [line for line in requests if "/delta" in line]
        assert len(delta_reads) == 3 and all("$deltatoken=" in line for line in delta_reads)
        assert not [line for line in requests if "/members" in line or "/users?" in line]

        # Nothing changed since: the third run reads three short pages and agrees again.
        server.state.log.clear()
        third = M365Collector(settings_for(server), delta_state=state)
        assert comparable(third.collect()) == comparable(full)
        assert len([line for line in server.state.log if "/delta" in line]) == 3


def test_expired_delta_token_reads_that_kind_in_full(tenant, tmp_path, dlscan, monkeypatch):
    state = tmp_path / "delta.json"
    with GraphServer(tenant) as server:
        assert collect_cli(dlscan, monkeypatch, server, tmp_path / "a.json", "--delta-state", state).code == 0
        change(tenant)
        server.state.faults = [Fault(r"/v1\.0/users/delta", 410, query=r"\$deltatoken=")]
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "b.json", "--delta-state", state)
        assert outcome.code == 0, outcome.err
        assert "no longer accepts the saved delta state for users" in outcome.err
        full = M365Collector(settings_for(server)).collect()
    from dlscan.sources import load_source

    assert comparable(load_source(tmp_path / "b.json")) == comparable(full)


@pytest.mark.parametrize(
    ("status", "code", "expired"),
    [(400, "syncStateNotFound", True), (404, "syncStateInvalid", True), (400, "BadRequest", False)],
    ids=["400 syncStateNotFound", "another 40X with its code", "an unrelated 400"],
)
def test_a_delta_token_is_expired_as_graph_documents_it(tenant, tmp_path, dlscan, monkeypatch, status, code, expired):
    """delta-query-overview.md: 410, or "a 40X-series error with error codes such as syncStateNotFound".
    An unrelated 400 is an error, not a reason for a full read; a kind read in full is not said to have had
    Graph's changes applied."""
    state = tmp_path / "delta.json"
    with GraphServer(tenant) as server:
        assert collect_cli(dlscan, monkeypatch, server, tmp_path / "a.json", "--delta-state", state).code == 0
        server.state.faults = [Fault(r"/v1\.0/users/delta", status, query=r"\$deltatoken=", code=code)]
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "b.json", "--delta-state", state)
    if expired:
        assert outcome.code == 0, outcome.err
        assert "no longer accepts the saved delta state for users" in outcome.err
        assert "applied Graph's changes since the last run to contacts, groups" in outcome.err
    else:
        assert outcome.code == 2 and "BadRequest" in outcome.err, outcome.err
        assert not (tmp_path / "b.json").exists()


def test_failed_incremental_run_keeps_the_state_and_writes_nothing(tenant, tmp_path, dlscan, monkeypatch):
    state = tmp_path / "delta.json"
    output = tmp_path / "tenant.json"
    with GraphServer(tenant) as server:
        assert collect_cli(dlscan, monkeypatch, server, output, "--delta-state", state).code == 0
        saved, written = state.read_bytes(), output.read_bytes()
        change(tenant)
        server.state.faults = [Fault(r"/v1\.0/groups/delta", 503, times=None)]
        outcome = collect_cli(dlscan, monkeypatch, server, output, "--delta-state", state, "--retries", "1")
        assert outcome.code == 2
        assert state.read_bytes() == saved and output.read_bytes() == written
        # The next night, Graph is back: the changes missed are all applied.
        server.state.faults = []
        assert collect_cli(dlscan, monkeypatch, server, output, "--delta-state", state).code == 0
        full = M365Collector(settings_for(server)).collect()
    from dlscan.sources import load_source

    assert comparable(load_source(output)) == comparable(full)


def test_damaged_state_is_an_error_and_is_kept(tenant, tmp_path, dlscan, monkeypatch):
    state = tmp_path / "delta.json"
    state.write_text('{"format": "dlscan-m365-delta", "format_version": 1, "links": ', encoding="utf-8")
    with GraphServer(tenant) as server:
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "t.json", "--delta-state", state)
    assert outcome.code == 2
    assert "damaged" in outcome.err and len(outcome.err.strip().splitlines()) == 1
    assert state.read_text(encoding="utf-8").endswith('"links": ')
    assert not (tmp_path / "t.json").exists()


def test_state_of_another_tenant_is_refused(tenant, tmp_path):
    state = tmp_path / "delta.json"
    with GraphServer(tenant) as server:
        collector = M365Collector(settings_for(server), delta_state=state)
        collector.collect()
        collector.save_delta()
    with GraphServer(tenant) as other, pytest.raises(Exception, match="another tenant"):
        M365Collector(settings_for(other), delta_state=state).collect()


def test_state_file_of_the_wrong_kind_is_refused(tenant, tmp_path):
    state = tmp_path / "delta.json"
    state.write_text('{"format": "dlscan-snapshot"}', encoding="utf-8")
    with GraphServer(tenant) as server, pytest.raises(InputError, match="not a dlscan delta state"):
        M365Collector(settings_for(server), delta_state=state).collect()


def test_nightly_job_collects_a_tenant_incrementally(tenant, tmp_path, dlscan, monkeypatch):
    """`dlscan run` with source m365: the tenant is collected, delta state kept, findings tracked."""
    from functools import partial

    from dlscan.sources.collect_settings import GraphSettings as Settings

    monkeypatch.setenv("GRAPH_TOKEN", "good-token")
    monkeypatch.setattr("dlscan.sources.collect_settings.GraphSettings", partial(Settings, retry_time_scale=0.0))
    with GraphServer(tenant) as server:
        config = tmp_path / "dlscan.toml"
        config.write_text(
            '[run]\nsource = "m365"\nstate_dir = "state"\njson = "findings.json"\n'
            f'[collect.m365]\naccess_token_env = "GRAPH_TOKEN"\nendpoint = "{server.url}"\n'
            'delta_state = "state/m365-delta.json.gz"\n',
            encoding="utf-8",
        )
        first = dlscan("run", "--config", config, "--fail-on", "never")
        assert first.code == 0, first.err
        assert (tmp_path / "state" / "m365-delta.json.gz").exists()
        change(tenant)
        server.state.log.clear()
        second = dlscan("run", "--config", config, "--fail-on", "never")
        assert second.code == 0, second.err
        assert all("$deltatoken=" in line for line in server.state.log if "/delta" in line)
    import json

    rows = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))["findings"]
    statuses = {row["status"] for row in rows}
    assert "open" in statuses and ("new" in statuses or "resolved" in statuses)
    assert not any(row["code"] == "DL009" and row["status"] == "resolved" for row in rows)
