"""Collecting from Microsoft 365: the real Graph SDK stack against a Graph-compatible server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from entra_server import EntraServer, EntraState, self_signed
from graph_helpers import TOKEN, UNSEEN_BY_GRAPH, collect_cli, findings_of, settings_for
from graph_server import Fault, GraphServer
from graph_tenant import Tenant, graph_id, tenant_from_ldif
from test_progress import Terminal, shown

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.findings import Severity
from dlscan.model import ListKind, RecipientKind
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source
from dlscan.sources.m365.collector import M365Collector
from dlscan.support.progress import Progress

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth
from conftest import SAMPLE


@pytest.fixture(scope="module")
def wyvern() -> Tenant:
    return tenant_from_ldif(SAMPLE)


@pytest.fixture
def server(wyvern):
    with GraphServer(wyvern) as running:
        yield running


def test_tenant_matching_the_sample_gives_its_findings_apart_from_what_graph_cannot_see(server):
    collected = M365Collector(settings_for(server)).collect()
    # The export's foreign security principal is, in a tenant, an object without a mailbox: so DL015 says.
    # Graph does not carry Exchange's dynamic distribution lists, so the tenant is the sample without them.
    sample = load_source(SAMPLE)
    assigned = {i: x for i, x in sample.lists.items() if x.kind is not ListKind.DYNAMIC}
    assert len(assigned) == len(sample.lists) - 2
    offline = {(*f[:4], f[4].replace("foreign security principal", "object without a mailbox"))
               for f in findings_of(dataclasses.replace(sample, lists=assigned))}  # fmt: skip
    through_graph = findings_of(collected)
    assert through_graph == {f for f in offline if f[0] not in UNSEEN_BY_GRAPH}
    assert {f[0] for f in offline - through_graph} == UNSEEN_BY_GRAPH
    assert len(collected.lists) == 62
    assert all(g.accepts_external_senders is None for g in collected.lists.values())


@pytest.mark.parametrize("seed", [7, 2024])
def test_unseen_tenant_yields_the_findings_its_content_implies(tmp_path, seed):
    council = synth.build(seed=seed)
    export = tmp_path / "northmoor.ldif"
    export.write_text(council.ldif(), encoding="utf-8")
    with GraphServer(tenant_from_ldif(export)) as server:
        server.state.page_size = 50
        snapshot = M365Collector(settings_for(server)).collect()
    result = run_scan(snapshot, [], load_rule_pack(rule_specs()))
    assert {(f.code, f.list) for f in result.findings} == {e for e in council.expected if e[0] not in UNSEEN_BY_GRAPH}
    assert any(note.startswith("DL009") for note in result.summary.notes)


def test_paging_follows_next_links_for_collections_and_members(server, wyvern):
    server.state.page_size = 3
    paged = M365Collector(settings_for(server)).collect()
    server.state.page_size = 999
    whole = M365Collector(settings_for(server)).collect()
    assert paged.recipients == whole.recipients
    assert paged.lists == whole.lists
    log = server.state.log
    assert any(line.startswith("GET /v1.0/users?") and "$skiptoken=" in line for line in log)
    assert any("/members?" in line and "$skiptoken=" in line for line in log)
    biggest = max(wyvern.members.values(), key=len)
    assert len(biggest) > 3
    assert any(len(g.members) == len(biggest) for g in paged.lists.values())


def test_requests_select_only_what_the_rules_need(server):
    M365Collector(settings_for(server)).collect()
    gets = [line for line in server.state.log if line.startswith("GET ")]
    assert gets and all("$select=" in line for line in gets)
    assert any("userType" in line and "accountEnabled" in line for line in gets if "/users?" in line)


def test_members_are_typed_users_contacts_groups_and_other_objects():
    tenant = Tenant(domains=[{"id": "corp.example", "isVerified": True}, {"id": "spare.example", "isVerified": False}])
    tenant.users["u1"] = {
        "id": "u1",
        "displayName": "Ann",
        "mail": "ann@corp.example",
        "userType": "Member",
        "accountEnabled": True,
        "proxyAddresses": ["SMTP:ann@corp.example", "smtp:a@corp.example"],
    }
    tenant.users["g1"] = {
        "id": "g1",
        "displayName": "Gus",
        "mail": "gus@partner.example",
        "userType": "Guest",
        "accountEnabled": False,
        "proxyAddresses": [],
    }
    tenant.contacts["c1"] = {"id": "c1", "displayName": "Cat", "mail": "cat@partner.example", "proxyAddresses": []}
    tenant.others["d1"] = "Laptop 7"
    tenant.groups["inner"] = {
        "id": "inner",
        "displayName": "Inner",
        "mail": "inner@corp.example",
        "mailEnabled": True,
        "securityEnabled": False,
        "groupTypes": ["Unified"],
        "proxyAddresses": [],
    }
    tenant.groups["outer"] = {
        "id": "outer",
        "displayName": "Outer",
        "mail": "outer@corp.example",
        "mailEnabled": True,
        "securityEnabled": True,
        "groupTypes": [],
        "proxyAddresses": [],
    }
    tenant.members = {"outer": ["u1", "g1", "c1", "d1", "inner"], "inner": ["u1"]}
    tenant.owners = {"inner": ["u1"], "outer": ["u1"]}
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    people = snapshot.recipients
    assert people["u1"].kind is RecipientKind.USER and people["u1"].addresses == ("ann@corp.example", "a@corp.example")
    assert people["g1"].guest and people["g1"].enabled is False
    assert people["c1"].kind is RecipientKind.CONTACT and people["c1"].target_address == "cat@partner.example"
    # Not an AD foreign security principal: a tenant's DL015 calls it an object without a mailbox.
    assert people["d1"].kind is RecipientKind.OBJECT and people["d1"].display_name == "Laptop 7"
    assert snapshot.lists["outer"].members == ("u1", "g1", "c1", "d1", "inner")
    assert snapshot.lists["inner"].kind is ListKind.M365 and snapshot.lists["inner"].owners == ("u1",)
    # A mail-enabled security group's owners live in Exchange, which Graph does not show: unknown, not none.
    assert snapshot.lists["outer"].kind is ListKind.SECURITY and snapshot.lists["outer"].owners is None
    assert [d.name for d in snapshot.internal_domains] == ["corp.example"]
    assert not [line for line in server.state.log if "/groups/outer/owners" in line]


def test_outsiders_are_guests_by_every_mark_microsoft_documents(tmp_path):
    """user-list.md: a B2B guest's userPrincipalName "always contains #EXT#"; user.md: creationType
    "Invitation" and externalUserState. An outsider made a Member, or with no userType, is still an
    outsider, not staff by tenant membership: a list that reaches one mixes staff and outside people."""
    tenant = Tenant(domains=[{"id": "corp.example", "isVerified": True}])
    staff = {"userType": "Member", "accountEnabled": True, "proxyAddresses": []}
    tenant.users["u1"] = staff | {"id": "u1", "displayName": "Ann", "mail": "ann@corp.example",
                                  "userPrincipalName": "ann@corp.example"}  # fmt: skip
    outsiders = {
        # As user-list.md's example of a guest, made a Member.
        "x1": {"userPrincipalName": "pat_partner.example#EXT#@corp.onmicrosoft.com"},
        "x2": {"userType": None, "creationType": "Invitation", "userPrincipalName": "sam@corp.example"},
        "x3": {"externalUserState": "PendingAcceptance", "userPrincipalName": "lee@corp.example"},
    }
    for n, (object_id, marks) in enumerate(outsiders.items()):
        tenant.users[object_id] = staff | {"id": object_id, "displayName": f"Outsider {n}",
                                           "mail": f"person{n}@partner.example"} | marks  # fmt: skip
    tenant.groups["team"] = {"id": "team", "displayName": "Team", "mail": "team@corp.example", "mailEnabled": True,
                             "securityEnabled": False, "groupTypes": ["Unified"], "proxyAddresses": []}  # fmt: skip
    tenant.members = {"team": ["u1", *outsiders]}
    tenant.owners = {"team": ["u1"]}
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    assert [r.id for r in snapshot.recipients.values() if r.guest] == list(outsiders)
    assert not snapshot.recipients["u1"].guest
    codes = {code for code, *_ in findings_of(snapshot)}
    assert {"DL001", "DL003"} <= codes


def test_a_verified_domain_that_serves_no_mail_is_not_internal():
    """domain.md: supportedServices lists Email for a mail domain. One verified for sign-in alone (as
    domain.md's example lists "OfficeCommunicationsOnline") is no mail domain; one without the field
    counts, as before."""
    tenant = Tenant(domains=[
        {"id": "corp.example", "isVerified": True, "supportedServices": ["Email", "OfficeCommunicationsOnline"]},
        {"id": "signin.example", "isVerified": True, "supportedServices": ["OfficeCommunicationsOnline"]},
        {"id": "legacy.example", "isVerified": True},
    ])  # fmt: skip
    tenant.users["u1"] = {"id": "u1", "displayName": "Ann", "mail": "ann@corp.example", "userType": "Member",
                          "accountEnabled": True, "proxyAddresses": []}  # fmt: skip
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    assert [d.name for d in snapshot.internal_domains] == ["corp.example", "legacy.example"]


def test_owners_graph_cannot_list_are_unknown_not_none():
    """group-list-owners.md: owners are "not available ... for groups synchronized from an on-premises
    environment", and "service principals are not listed as group owners". A synced group's owners are
    not asked for, and a group with none listed may be an app's: both are unknown, so DL013 does not judge
    them, and says so, rather than calling them ownerless."""
    tenant = Tenant(domains=[{"id": "corp.example", "isVerified": True}])
    tenant.users["u1"] = {"id": "u1", "displayName": "Ann", "mail": "ann@corp.example", "userType": "Member",
                          "accountEnabled": True, "proxyAddresses": []}  # fmt: skip
    group = {"mailEnabled": True, "securityEnabled": False, "groupTypes": ["Unified"], "proxyAddresses": []}
    tenant.groups["owned"] = group | {"id": "owned", "displayName": "Owned", "mail": "owned@corp.example"}
    tenant.groups["app"] = group | {"id": "app", "displayName": "App Owned", "mail": "app@corp.example"}
    tenant.groups["synced"] = {"id": "synced", "displayName": "Synced", "mail": None, "mailEnabled": False,
                               "securityEnabled": True, "groupTypes": [], "proxyAddresses": [],
                               "onPremisesSyncEnabled": True}  # fmt: skip
    tenant.members = {"owned": ["u1"], "app": ["u1"], "synced": ["u1"]}
    tenant.owners = {"owned": ["u1"], "app": [], "synced": ["u1"]}
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    assert not [line for line in server.state.log if "/groups/synced/owners" in line]
    owners = {g.id: g.owners for g in snapshot.lists.values()}
    assert owners == {"owned": ("u1",), "app": None, "synced": None}
    result = run_scan(snapshot, [], load_rule_pack(rule_specs()))
    assert not [f for f in result.findings if f.code == "DL013"]
    assert "app" in result.summary.coverage_of("DL013").unjudged


def test_a_group_that_can_hold_admin_roles_is_sensitive():
    """group.md: isAssignableToRole marks a group whose members may be given Entra admin roles. Such a list
    is sensitive whatever its name: a guest on it is a high finding, and the finding says why."""
    tenant = Tenant(domains=[{"id": "corp.example", "isVerified": True}])
    staff = {"userType": "Member", "accountEnabled": True, "proxyAddresses": []}
    tenant.users["u1"] = staff | {"id": "u1", "displayName": "Ann", "mail": "ann@corp.example"}
    tenant.users["g1"] = staff | {"id": "g1", "displayName": "Gus", "mail": "gus@partner.example", "userType": "Guest"}
    group = {"mailEnabled": True, "securityEnabled": True, "groupTypes": ["Unified"], "proxyAddresses": []}
    tenant.groups["ops"] = group | {"id": "ops", "displayName": "Service Operations", "mail": "ops@corp.example",
                                    "isAssignableToRole": True}  # fmt: skip
    tenant.groups["social"] = group | {"id": "social", "displayName": "Social Club", "mail": "club@corp.example",
                                       "isAssignableToRole": False}  # fmt: skip
    tenant.members = {"ops": ["u1", "g1"], "social": ["u1", "g1"]}
    tenant.owners = {"ops": ["u1"], "social": ["u1"]}
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    assert (snapshot.lists["ops"].role_assignable, snapshot.lists["social"].role_assignable) == (True, False)
    result = run_scan(snapshot, [], load_rule_pack(rule_specs()))
    mixed = {f.list: f for f in result.findings if f.code == "DL001"}
    assert mixed["Service Operations"].severity is Severity.HIGH
    assert "can be given admin roles in the tenant (isAssignableToRole)" in mixed["Service Operations"].detail
    assert mixed["Social Club"].severity is Severity.MEDIUM


def test_throttling_honours_retry_after_and_waits_can_be_made_instant(server):
    server.state.faults = [
        Fault(r"/v1\.0/users", 429, times=2, retry_after="7"),
        Fault(r"/v1\.0/groups/[^/]+/members", 429, times=3, retry_after="11", in_batch=True),
        Fault(r"/v1\.0/contacts", 503, times=1),
    ]
    collector = M365Collector(settings_for(server))
    snapshot = collector.collect()
    assert [f.hits for f in server.state.faults] == [2, 3, 1]
    assert collector.waits.count(7) == 2
    assert 11 in collector.waits
    assert len(snapshot.lists) == 62


@pytest.mark.parametrize("envelope", [424, 200], ids=["batch 424, as throttling.md says", "batch 200"])
def test_a_throttled_batch_item_is_sent_again_whatever_the_batch_answers(server, envelope):
    """A $batch whose item is throttled answers 424 (throttling.md) or 200, with the item's own 429 and its
    decimal Retry-After; throttling.md's sample asks for `Retry-After: 2.128`, on plain requests too."""
    server.state.batch_fails_when_throttled = envelope == 424
    server.state.faults = [
        Fault(r"/v1\.0/groups/[^/]+/members", 429, times=2, retry_after="2.128", in_batch=True),
        Fault(r"/v1\.0/users", 429, times=1, retry_after="1.5", in_batch=False),
    ]
    collector = M365Collector(settings_for(server))
    snapshot = collector.collect()
    assert [f.hits for f in server.state.faults] == [2, 1]
    assert ("POST", "/v1.0/$batch", envelope) in server.answered
    assert 2.128 in collector.waits and 1.5 in collector.waits
    assert len(snapshot.lists) == 62


def test_every_request_asks_for_low_throttle_priority(server):
    """throttling.md: requests marked `x-ms-throttle-priority: Low` are throttled before interactive ones;
    a nightly scan is background work."""
    M365Collector(settings_for(server)).collect()
    assert server.state.priorities and set(server.state.priorities) == {"Low"}


def test_throttling_that_never_ends_fails_the_collection(server, tmp_path, dlscan, monkeypatch):
    server.state.faults = [Fault(r"/v1\.0/groups/[^/]+/members", 429, times=None, retry_after="1", in_batch=True)]
    outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "t.json", "--retries", "2")
    assert outcome.code == 2
    assert "429" in outcome.err and len(outcome.err.strip().splitlines()) == 1
    assert not (tmp_path / "t.json").exists()


def test_failure_on_page_3_of_5_writes_nothing_and_keeps_the_old_snapshot(server, tmp_path, dlscan, monkeypatch):
    server.state.page_size = 40  # 170 users: five pages
    server.state.faults = [Fault(r"/v1\.0/users", 500, times=None, page=3)]
    output = tmp_path / "tenant.json"
    output.write_text("yesterday's snapshot", encoding="utf-8")
    outcome = collect_cli(dlscan, monkeypatch, server, output, "--retries", "1")
    assert outcome.code == 2
    assert outcome.err.startswith("dlscan: ") and len(outcome.err.strip().splitlines()) == 1
    assert "500" in outcome.err and "/users" in outcome.err
    assert output.read_text(encoding="utf-8") == "yesterday's snapshot"
    assert sum("$skiptoken=80" in line for line in server.state.log if "/users" in line) == 2


@pytest.mark.parametrize(
    ("granted", "permission"),
    [
        ({"User.Read.All", "GroupMember.Read.All", "Domain.Read.All"}, "OrgContact.Read.All"),
        ({"User.Read.All", "OrgContact.Read.All", "Domain.Read.All"}, "GroupMember.Read.All"),
        ({"OrgContact.Read.All", "GroupMember.Read.All", "Domain.Read.All"}, "User.Read.All"),
    ],
)
def test_missing_permission_is_named_in_one_line(server, tmp_path, dlscan, monkeypatch, granted, permission):
    server.state.tokens["narrow-token"] = frozenset(granted)
    outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "t.json", token="narrow-token")
    assert outcome.code == 2
    assert permission in outcome.err and "403" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_rejected_token_is_a_clear_error_and_is_never_shown(server, tmp_path, dlscan, monkeypatch):
    outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "t.json", token="expired-secret-token-123")
    assert outcome.code == 2
    assert "401" in outcome.err and "credentials" in outcome.err
    assert "expired-secret-token-123" not in outcome.out + outcome.err


def test_cli_writes_a_snapshot_that_scans_like_the_tenant(server, tmp_path, dlscan, monkeypatch):
    output = tmp_path / "tenant.json.gz"
    outcome = collect_cli(dlscan, monkeypatch, server, output)
    assert outcome.code == 0, outcome.err
    assert "collected 62 groups" in outcome.err
    assert TOKEN not in outcome.err
    scanned = dlscan("scan", output, "--format", "json", "--fail-on", "never")
    assert scanned.code == 0
    report = json.loads(scanned.out)
    assert any("DL009" in note for note in report["summary"]["not_evaluated"])
    assert TOKEN.encode() not in output.read_bytes()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["--access-token-env", "GRAPH_TOKEN", "--endpoint", "http://graph.example.org"],
            "plain http is allowed only to this machine",
        ),
        (["--tenant-id", "t"], "choose one way to sign in"),
        (["--access-token-env", "NO_SUCH_VAR_FOR_DLSCAN"], "NO_SUCH_VAR_FOR_DLSCAN"),
        (["--client-secret-env", "GRAPH_TOKEN", "--tenant-id", "t"], "--client-id"),
        (["--access-token-env", "GRAPH_TOKEN", "--cloud", "mars"], "mars"),
    ],
)
def test_bad_settings_give_one_line_and_exit_2(tmp_path, dlscan, monkeypatch, args, fragment):
    monkeypatch.setenv("GRAPH_TOKEN", TOKEN)
    outcome = dlscan("collect", "m365", "--output", tmp_path / "t.json", *args)
    assert outcome.code == 2
    assert fragment in outcome.err
    assert "Traceback" not in outcome.err


def test_config_file_supplies_the_m365_settings(server, tmp_path, dlscan, monkeypatch):
    monkeypatch.setenv("GRAPH_TOKEN", TOKEN)
    config = tmp_path / "dlscan.toml"
    config.write_text(
        f'[collect.m365]\naccess_token_env = "GRAPH_TOKEN"\nendpoint = "{server.url}"\noutput = "tenant.json"\n',
        encoding="utf-8",
    )
    outcome = dlscan("collect", "m365", "--config", config)
    assert outcome.code == 0, outcome.err
    assert (tmp_path / "tenant.json").exists()


def test_graph_ids_are_stable_for_the_same_directory_object():
    # The test tenant's ids follow DNs case-insensitively, as AD's do, so that member references resolve.
    assert graph_id("CN=A,DC=x") == graph_id("cn=a,dc=X")


@pytest.fixture
def entra(server, tmp_path):
    state = EntraState(tenant="wyvern.example", client_id="app-123", client_secret="s3cret-value-never-shown")
    state.issued = server.state.tokens
    running = EntraServer(state, tmp_path)
    yield running
    running.close()


def signed_in(dlscan, entra, server, output, *how: str, trust: bool = True):
    """`dlscan collect m365` signing in at the local Entra endpoint, as an app would at Microsoft's."""
    trusted = ["--ca-file", str(entra.ca_file)] if trust else []
    return dlscan(
        "collect", "m365", "--tenant-id", "wyvern.example", "--client-id", "app-123",
        "--authority-host", entra.url, *trusted, *how, "--endpoint", server.url, "-o", output,
    )  # fmt: skip


def test_client_secret_sign_in_through_azure_identity(server, entra, tmp_path, dlscan, monkeypatch):
    monkeypatch.setenv("DLSCAN_SECRET", "s3cret-value-never-shown")
    output = tmp_path / "t.json"
    outcome = signed_in(dlscan, entra, server, output, "--client-secret-env", "DLSCAN_SECRET")
    assert outcome.code == 0, outcome.err
    assert len(entra.state.requests) == 1
    assert entra.state.requests[0]["scope"] == f"{server.url}/.default"
    assert "s3cret-value-never-shown" not in outcome.err + output.read_text(encoding="utf-8")


@pytest.mark.parametrize("known", [True, False])
def test_certificate_sign_in_through_azure_identity(server, entra, tmp_path, dlscan, known):
    cert_file, key_file, cert = self_signed("dlscan-app", tmp_path)
    entra.state.client_cert = cert if known else self_signed("someone-else", tmp_path)[2]
    pem = tmp_path / "app.pem"
    pem.write_bytes(key_file.read_bytes() + cert_file.read_bytes())
    outcome = signed_in(dlscan, entra, server, tmp_path / "t.json", "--certificate", str(pem))
    assert entra.state.requests[0]["client_assertion_type"].endswith("jwt-bearer")
    assert outcome.code == (0 if known else 2), outcome.err


def test_wrong_client_secret_is_one_line_without_the_secret(server, entra, tmp_path, dlscan, monkeypatch):
    monkeypatch.setenv("DLSCAN_SECRET", "not-the-s3cret")
    outcome = signed_in(dlscan, entra, server, tmp_path / "t.json", "--client-secret-env", "DLSCAN_SECRET")
    assert outcome.code == 2
    assert "cannot sign in" in outcome.err and "AADSTS7000215" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1
    assert "not-the-s3cret" not in outcome.err


def test_untrusted_sign_in_host_is_refused(server, entra, tmp_path, dlscan, monkeypatch):
    monkeypatch.setenv("DLSCAN_SECRET", "s3cret-value-never-shown")
    outcome = signed_in(dlscan, entra, server, tmp_path / "t.json", "--client-secret-env", "DLSCAN_SECRET", trust=False)
    assert outcome.code == 2
    assert "cannot sign in" in outcome.err and "certificate" in outcome.err.lower()
    assert not entra.state.requests


def test_progress_is_shown_while_collecting(server):
    stream = Terminal()
    M365Collector(settings_for(server), progress=Progress("reading Microsoft 365", stream)).collect()
    text = shown(stream)
    assert "reading Microsoft 365" in text and "objects" in text and text.endswith(" s\n")


def test_without_the_m365_extra_the_command_says_what_to_install(tmp_path, dlscan, monkeypatch):
    for name in [
        m for m in sys.modules if m.startswith(("dlscan.sources.m365.collector", "dlscan.sources.m365.client"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "msgraph_core", None)
    monkeypatch.setenv("GRAPH_TOKEN", TOKEN)
    outcome = dlscan("collect", "m365", "--access-token-env", "GRAPH_TOKEN", "-o", tmp_path / "t.json")
    assert outcome.code == 2
    assert "pip install 'dlscan[m365]'" in outcome.err
