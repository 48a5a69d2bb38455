"""Facts Graph gives about a group beyond its members: hidden membership, dynamic rules, where it is
mastered, the Team behind it, and owners kept by the group delta. Each as Microsoft documents it."""

from __future__ import annotations

import json

import pytest
from graph_helpers import collect_cli, settings_for
from graph_server import ALL_PERMISSIONS, HIDDEN_MEMBERS, Fault, GraphServer
from graph_tenant import Tenant

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan
from dlscan.sources.m365.collector import M365Collector

STAFF = {"userType": "Member", "accountEnabled": True, "proxyAddresses": []}
M365_GROUP = {"mailEnabled": True, "securityEnabled": False, "groupTypes": ["Unified"], "proxyAddresses": []}


def _tenant() -> Tenant:
    """Two staff, a partner's contact, and lists around a group that hides its membership."""
    tenant = Tenant(domains=[{"id": "corp.example", "isVerified": True}])
    tenant.users["ann"] = STAFF | {"id": "ann", "displayName": "Ann", "mail": "ann@corp.example"}
    tenant.users["bob"] = STAFF | {"id": "bob", "displayName": "Bob", "mail": "bob@corp.example"}
    tenant.contacts["pat"] = {"id": "pat", "displayName": "Pat", "mail": "pat@partner.example", "proxyAddresses": []}
    tenant.groups["panel"] = M365_GROUP | {"id": "panel", "displayName": "Adoption Panel",
                                           "mail": "panel@corp.example", "visibility": "HiddenMembership"}  # fmt: skip
    tenant.groups["all"] = M365_GROUP | {"id": "all", "displayName": "All Panels", "mail": "panels@corp.example",
                                         "visibility": "Private"}  # fmt: skip
    tenant.groups["open"] = M365_GROUP | {"id": "open", "displayName": "Open Forum", "mail": "forum@corp.example",
                                          "visibility": "Public", "onPremisesSyncEnabled": None}  # fmt: skip
    tenant.members = {"panel": ["ann", "pat"], "all": ["bob", "panel"], "open": ["ann", "pat"]}
    tenant.owners = {"panel": ["ann"], "all": ["ann"], "open": ["ann"]}
    return tenant


def _scan(snapshot):
    return run_scan(snapshot, [], load_rule_pack(rule_specs()))


def test_a_hidden_membership_read_without_the_permission_is_unknown_not_empty():
    """group.md: with HiddenMembership, non-members cannot see the members; group-list-members.md: listing
    them needs Member.Read.Hidden. Without it Graph answers as if the group had none: no DL012, and the
    group, and the list that nests it, are left unjudged rather than called clean."""
    tenant = _tenant()
    with GraphServer(tenant) as server:
        server.state.tokens["good-token"] = ALL_PERMISSIONS - {HIDDEN_MEMBERS}
        snapshot = M365Collector(settings_for(server)).collect()
    panel = snapshot.lists["panel"]
    assert (panel.members, panel.members_known) == ((), False)
    assert snapshot.lists["all"].members_known and snapshot.lists["open"].members_known
    assert any("Member.Read.Hidden" in note for note in snapshot.notes)

    result = _scan(snapshot)
    assert not [f for f in result.findings if f.list in ("Adoption Panel", "All Panels") and f.code == "DL012"]
    for code in ("DL001", "DL003", "DL012", "DL014"):
        assert {"panel", "all"} <= result.summary.coverage_of(code).unjudged, code
    assert "open" not in result.summary.coverage_of("DL001").unjudged
    # The public list's partner is still found: what was seen is still judged.
    assert [f.list for f in result.findings if f.code == "DL001"] == ["Open Forum"]
    # DL012 found nothing, yet is not called clean: it could not judge the hidden panel.
    assert not [f for f in result.findings if f.code == "DL012"]
    assert "DL012" not in result.summary.clean_rules(result.findings)
    assert "DL012: the source could not read every member of 2 lists." in {
        c.reason for c in result.summary.coverage if c.code == "DL012"
    }
    note = next(n for n in result.summary.notes if "could not read every member" in n)
    assert "'Adoption Panel'" in note and "1 list nesting them" in note and "DL001" in note


def test_a_hidden_membership_read_with_the_permission_is_judged(tmp_path, dlscan, monkeypatch):
    """`--read-hidden-members` says the app holds Member.Read.Hidden: Graph then gives the members, and the
    partner's contact on the hidden panel, and on the list that nests it, is found."""
    with GraphServer(_tenant()) as server:
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "t.json", "--read-hidden-members")
        assert outcome.code == 0, outcome.err
    snapshot = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    panel = next(x for x in snapshot["lists"] if x["id"] == "panel")
    assert panel["members_known"] is True and panel["members"] == ["ann", "pat"]
    scanned = dlscan("scan", tmp_path / "t.json", "--format", "json", "--fail-on", "never")
    document = json.loads(scanned.out)
    assert {f["list"] for f in document["findings"] if f["code"] == "DL001"} == {
        "Adoption Panel",
        "All Panels",
        "Open Forum",
    }
    assert not any("could not read every member" in n for n in document["summary"]["not_evaluated"])
    # Only DL009 is left unjudged: Graph does not say whether any list accepts outside senders.
    assert [entry["code"] for entry in document["summary"]["unjudged"]] == ["DL009"]


def test_without_the_permission_a_hidden_group_would_have_looked_empty():
    """The fault the rule above guards against, shown: the same answer taken at face value is an empty list."""
    tenant = _tenant()
    with GraphServer(tenant) as server:
        server.state.tokens["good-token"] = ALL_PERMISSIONS - {HIDDEN_MEMBERS}
        seen = M365Collector(settings_for(server, read_hidden_members=True)).collect()
    assert seen.lists["panel"].members == () and seen.lists["panel"].members_known
    assert [f.list for f in _scan(seen).findings if f.code == "DL012"] == ["Adoption Panel"]


@pytest.mark.parametrize("hidden", [False, True], ids=["visible members", "hidden members"])
def test_the_group_delta_keeps_owners_so_a_night_reads_no_owner_list(tmp_path, hidden):
    """group-delta.md: selecting a directoryObject relationship (owners) tracks its changes as owners@delta.
    An incremental night then asks for no owner list, and gives the owners a full read gives."""
    tenant = _tenant()
    state = tmp_path / "delta.json"
    with GraphServer(tenant) as server:
        if hidden:
            server.state.tokens["good-token"] = ALL_PERMISSIONS - {HIDDEN_MEMBERS}
        settings = settings_for(server, read_hidden_members=not hidden)
        first = M365Collector(settings, delta_state=state)
        first.collect()
        first.save_delta()
        tenant.add_owner("all", "bob")
        tenant.remove_owner("all", "ann")
        tenant.add_member("panel", "bob")
        server.state.log.clear()
        night = M365Collector(settings, delta_state=state)
        incremental = night.collect()
        assert night.incremental and not [line for line in server.state.log if "/owners" in line]
        full = M365Collector(settings).collect()
    assert incremental.lists["all"].owners == ("bob",) == full.lists["all"].owners
    assert dict(incremental.lists) == dict(full.lists)
    assert incremental.lists["panel"].members_known is not hidden


def test_a_state_saved_by_a_dlscan_that_read_less_reads_that_kind_in_full(tmp_path, dlscan, monkeypatch):
    """A delta link keeps the $select it was started with, so a newer dlscan that reads more of groups would
    never see the new properties through it: that kind is read in full, and the night says so, truthfully."""
    state = tmp_path / "delta.json"
    with GraphServer(_tenant()) as server:
        assert collect_cli(dlscan, monkeypatch, server, tmp_path / "a.json", "--delta-state", state).code == 0
        saved = json.loads(state.read_text(encoding="utf-8"))
        saved["selected"]["groups"] = "id,displayName,mail,members"
        for group in saved["objects"]["groups"].values():
            group.pop("visibility", None)
        state.write_text(json.dumps(saved), encoding="utf-8")
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "b.json", "--delta-state", state)
    assert outcome.code == 0, outcome.err
    assert "selected other properties than this dlscan reads; read groups in full" in outcome.err
    assert "applied Graph's changes since the last run to users, contacts\n" in outcome.err
    # Read in full, the panel's hidden membership is known again (the stale state had lost it).
    again = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert next(x for x in again["lists"] if x["id"] == "panel")["members_known"] is False


def test_a_dynamic_group_a_synced_group_and_a_team_say_where_the_fix_is_made():
    """group.md: a dynamic group's members follow its membershipRule, and membershipRuleProcessingState
    Paused stops them following it (DL020); onPremisesSyncEnabled marks a group mastered on-premises;
    resourceProvisioningOptions holds "Team" for a group behind a Team. A finding on each says where the
    change is made, and that a Team's outsiders also see its conversations."""
    tenant = _tenant()
    rule = '(user.department -eq "Waste") or (user.userType -eq "Guest")'
    dynamic = M365_GROUP | {
        "groupTypes": ["Unified", "DynamicMembership"],
        "membershipRule": rule,
        "membershipRuleProcessingState": "Paused",
        "resourceProvisioningOptions": ["Team"],
    }
    tenant.groups["waste"] = dynamic | {"id": "waste", "displayName": "Waste Crews", "mail": "crews@corp.example"}
    tenant.groups["synced"] = M365_GROUP | {"id": "synced", "displayName": "Depot Staff", "mail": "depot@corp.example",
                                            "groupTypes": [], "onPremisesSyncEnabled": True}  # fmt: skip
    tenant.members |= {"waste": ["ann", "pat"], "synced": ["bob", "pat"]}
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    waste, synced = snapshot.lists["waste"], snapshot.lists["synced"]
    assert (waste.membership_rule, waste.membership_rule_paused, waste.team) == (rule, True, True)
    assert (synced.membership_rule, synced.synced_from_premises, synced.team) == (None, True, None)
    # group.md: null for a group never synchronised from on-premises, so it is mastered in the cloud.
    assert snapshot.lists["open"].synced_from_premises is False

    found = {(f.code, f.list): f for f in _scan(snapshot).findings}
    paused = found[("DL020", "Waste Crews")]
    assert rule in paused.detail and "resume its processing" in paused.remediation
    mixed = found[("DL001", "Waste Crews")]
    assert f"change the rule ({rule})" in mixed.remediation
    assert "also see the Team's conversations and files" in mixed.detail
    assert "on-premises Active Directory: make the change there" in found[("DL001", "Depot Staff")].remediation
    # DL020's fix is the rule's processing, not its text: no second sentence on where to change it.
    assert "change the rule" not in paused.remediation
    assert "Team" not in found[("DL001", "Open Forum")].detail


def test_a_state_from_before_dlscan_kept_its_selection_reads_every_kind_in_full_and_says_so(
    tmp_path, dlscan, monkeypatch
):
    """A state saved without `selected` cannot say what its links ask for: each kind is read in full once,
    and the night names every one of them rather than claim an incremental read."""
    state = tmp_path / "delta.json"
    with GraphServer(_tenant()) as server:
        assert collect_cli(dlscan, monkeypatch, server, tmp_path / "a.json", "--delta-state", state).code == 0
        saved = json.loads(state.read_text(encoding="utf-8"))
        del saved["selected"]
        state.write_text(json.dumps(saved), encoding="utf-8")
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "b.json", "--delta-state", state)
    assert outcome.code == 0, outcome.err
    for kind in ("users", "contacts", "groups"):
        assert f"read {kind} in full" in outcome.err
    assert "applied Graph's changes" not in outcome.err


def test_granting_hidden_members_on_an_incremental_night_reads_the_groups_in_full(tmp_path):
    """Graph's delta never sends again the members it hid: when --read-hidden-members is turned on, the
    groups are read in full, so the hidden panel gets its members instead of looking empty."""
    tenant = _tenant()
    state = tmp_path / "delta.json"
    with GraphServer(tenant) as server:
        server.state.tokens["good-token"] = ALL_PERMISSIONS - {HIDDEN_MEMBERS}
        first = M365Collector(settings_for(server), delta_state=state)
        assert first.collect().lists["panel"].members_known is False
        first.save_delta()
        server.state.tokens["good-token"] = ALL_PERMISSIONS
        night = M365Collector(settings_for(server, read_hidden_members=True), delta_state=state)
        panel = night.collect().lists["panel"]
    assert (panel.members, panel.members_known) == (("ann", "pat"), True)
    assert [kind for kind, _ in night.reselected] == ["groups"]


# Example answers from Microsoft's pages, as given (learn.microsoft.com/graph/api/…; the JSON is the pages').
GROUP_LIST_EXAMPLE_1 = {  # group-list.md, example 1: no displayName, no groupTypes
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups",
    "value": [
        {
            "id": "11111111-2222-3333-4444-555555555555",
            "mail": "group1@contoso.com",
            "mailEnabled": True,
            "mailNickname": "ContosoGroup1",
            "securityEnabled": True,
        }
    ],
}
GROUP_MEMBERS_EXAMPLE_1 = {  # group-list-members.md, example 1: a member with no @odata.type
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
    # The page's placeholder id is the group's own (11111111-…); its example 4's second id stands in here,
    # so that the group does not nest itself.
    "value": [{"id": "66666666-7777-8888-9999-000000000000", "mail": "user1@contoso.com"}],
}
GROUP_LIST_EXAMPLE_5 = {  # group-list.md, example 5: shortened so far that the group has no id
    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups",
    "@odata.count": 1396,
    "value": [{"displayName": "SFA Videos", "mail": "SFAVideos@service.contoso.com", "mailNickname": "SFAVideos"}],
}


def test_the_documented_example_answers_are_read_as_microsoft_gives_them():
    """A group with no name or type, and an untyped member known only by id and mail, as the pages show."""
    tenant = Tenant(domains=[{"id": "contoso.com", "isVerified": True}])
    group_id = GROUP_LIST_EXAMPLE_1["value"][0]["id"]
    with GraphServer(tenant) as server:
        server.state.canned = {
            "/v1.0/groups": GROUP_LIST_EXAMPLE_1,
            f"/v1.0/groups/{group_id}/members": GROUP_MEMBERS_EXAMPLE_1,
        }
        snapshot = M365Collector(settings_for(server)).collect()
    group = snapshot.lists[group_id]
    assert (group.label, group.alias, group.kind.value, group.mail_enabled) == (
        "group1@contoso.com",
        "ContosoGroup1",
        "security",
        True,
    )
    # A member Graph gives no type for, and that no user or contact read names: its address is kept, its
    # audience is unknown (neither internal nor external), and DL015 asks for it to be looked at.
    member = snapshot.recipients[group.members[0]]
    assert (member.kind.value, member.primary_address) == ("object", "user1@contoso.com")
    stale = [f for f in _scan(snapshot).findings if f.code == "DL015"]
    assert [f.detail for f in stale] == [
        "Direct members include 1 object of unknown type: user1@contoso.com."
    ]


def test_an_answer_holding_an_object_without_an_id_is_refused_in_one_line(tmp_path, dlscan, monkeypatch):
    """Microsoft's shortened examples drop ids; such an object could be matched to nothing, so the
    collection stops, writes nothing, and says why."""
    with GraphServer(Tenant(domains=[{"id": "contoso.com", "isVerified": True}])) as server:
        server.state.canned = {"/v1.0/groups": GROUP_LIST_EXAMPLE_5}
        outcome = collect_cli(dlscan, monkeypatch, server, tmp_path / "t.json")
    assert outcome.code == 2, outcome.err
    assert outcome.err.strip().splitlines() == [
        "dlscan: error: Microsoft Graph: /groups: HTTP 200: the answer holds an object without an id, which dlscan "
        "cannot place; nothing was written"
    ]
    assert not (tmp_path / "t.json").exists()


def test_a_scan_for_one_body_keeps_a_hidden_list_it_cannot_place():
    """A hidden list with no known owner reaches nobody seen, so it cannot be told to concern the body or
    not: it stays in that body's scan, unjudged, rather than being left out as another body's."""
    from dataclasses import replace

    from dlscan.boundary.settings import BoundarySettings, Organisation
    from dlscan.checks import rule_specs
    from dlscan.checks.rulepack import load_rule_pack

    tenant = _tenant()
    tenant.owners["panel"] = []
    for user in tenant.users.values():
        user["companyName"] = "Corp"
    with GraphServer(tenant) as server:
        server.state.tokens["good-token"] = ALL_PERMISSIONS - {HIDDEN_MEMBERS}
        snapshot = M365Collector(settings_for(server)).collect()
    corp = Organisation(name="Corp", attribute="companyName", values=("Corp",))
    pack = load_rule_pack(rule_specs())
    pack = replace(pack, boundary=BoundarySettings(organisation="Corp", organisations=(corp,)))
    result = run_scan(snapshot, [], pack)
    assert "panel" in result.summary.coverage_of("DL001").unjudged
    assert any("'Adoption Panel'" in n for n in result.summary.notes if "could not read every member" in n)


def test_a_microsoft_365_group_s_own_read_says_who_may_send_and_whether_it_is_hidden():
    """group.md: allowExternalSenders and hideFromAddressLists are "returned only on $select" and "supported
    only on the Get group API". One group lets outsiders send, one is hidden; for the third Graph refuses
    the read (403, as it may for an app signed in on its own): that one stays unknown, and says so."""
    tenant = _tenant()
    tenant.groups["open"] |= {"allowExternalSenders": True, "hideFromAddressLists": False}
    tenant.groups["all"] |= {"allowExternalSenders": False, "hideFromAddressLists": True}
    tenant.groups["panel"] |= {"allowExternalSenders": True, "hideFromAddressLists": False}
    with GraphServer(tenant) as server:
        server.state.faults.append(Fault(r"/v1.0/groups/panel", 403, times=None, in_batch=True))
        snapshot = M365Collector(settings_for(server)).collect()
        asked = [line for line in server.state.log if "allowExternalSenders" in line]
    lists = snapshot.lists
    assert (lists["open"].accepts_external_senders, lists["open"].hidden_from_address_book) == (True, False)
    assert (lists["all"].accepts_external_senders, lists["all"].hidden_from_address_book) == (False, True)
    assert (lists["panel"].accepts_external_senders, lists["panel"].hidden_from_address_book) == (None, None)
    assert sorted(asked) == [
        f"GET /v1.0/groups/{g}?$select=allowExternalSenders,hideFromAddressLists" for g in ("all", "open", "panel")
    ]
    assert any("did not give allowExternalSenders" in note and "1 refused (403)" in note for note in snapshot.notes)
    result = _scan(snapshot)
    assert [f.list for f in result.findings if f.code == "DL009"] == ["Open Forum"]
    assert result.summary.coverage_of("DL009").unjudged == {"panel"}
