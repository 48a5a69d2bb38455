"""Who counts as internal beyond domains, through both ways in: the LDIF export and the Graph-compatible server.

The shared-service sample puts three organisations on one domain; each organisation's scan must find
the lists that mix it with the others, and the same findings must come through Graph.
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from graph_helpers import UNSEEN_BY_GRAPH, settings_for
from graph_server import GraphServer
from graph_tenant import Tenant, tenant_from_ldif

from dlscan.operations.config import load_config
from dlscan.operations.runner import load_pack
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source
from dlscan.sources.m365.collector import M365Collector

SHARED = ROOT / "sample_data" / "shared_service.ldif"
CONFIG = ROOT / "sample_data" / "shared_service.toml"
TRUST, PRACTICE, COUNCIL = "Wyvern Health NHS Trust", "Brookside Surgery", "Wyvern Borough Council"


def scan(snapshot, organisation: str, **boundary):
    config = load_config(CONFIG)
    return run_scan(snapshot, [], load_pack(None, {**config.boundary, **boundary}, organisation))


def rows(result) -> set[tuple[str, str, str]]:
    return {(f.code, f.severity.value, f.list) for f in result.findings}


@pytest.fixture(scope="module")
def collected():
    with GraphServer(tenant_from_ldif(SHARED)) as server:
        return M365Collector(settings_for(server)).collect()


EXPECTED = {
    TRUST: {
        ("DL001", "medium", "Discharge Planning"),
        ("DL003", "high", "Discharge Planning"),
        ("DL001", "medium", "Prescribing Leads"),
        ("DL003", "high", "Prescribing Leads"),
        ("DL001", "low", "Adult Safeguarding Hub"),
        ("DL003", "low", "Adult Safeguarding Hub"),
    },
    PRACTICE: {
        ("DL001", "medium", "Prescribing Leads"),
        ("DL003", "high", "Prescribing Leads"),
        ("DL001", "high", "Brookside Clinical"),
        ("DL003", "critical", "Brookside Clinical"),
        ("DL016", "critical", "Visiting Physio"),
    },
    COUNCIL: {
        ("DL001", "medium", "Discharge Planning"),
        ("DL003", "high", "Discharge Planning"),
        ("DL001", "low", "Adult Safeguarding Hub"),
        ("DL003", "low", "Adult Safeguarding Hub"),
    },
}


@pytest.mark.parametrize("organisation", [TRUST, PRACTICE, COUNCIL])
def test_each_organisation_of_a_shared_domain_gets_its_own_findings(organisation):
    result = scan(load_source(SHARED), organisation)
    assert rows(result) == EXPECTED[organisation]
    mixed = next(
        f for f in result.findings if f.code == "DL001" and f.list in ("Discharge Planning", "Prescribing Leads")
    )
    assert f"is not '{organisation}'" in mixed.detail or f"so not {organisation}" in mixed.detail


@pytest.mark.parametrize("organisation", [TRUST, PRACTICE, COUNCIL])
def test_graph_gives_each_organisation_the_same_findings(collected, organisation):
    offline = scan(load_source(SHARED), organisation)
    through_graph = scan(collected, organisation)
    details = {(f.code, f.list, f.detail) for f in through_graph.findings}
    assert details == {(f.code, f.list, f.detail) for f in offline.findings if f.code not in UNSEEN_BY_GRAPH}
    assert len(details) >= 4  # never two empty scans agreeing


def test_a_mixing_list_explains_each_classification():
    result = scan(load_source(SHARED), COUNCIL)
    mixed = next(f for f in result.findings if f.code == "DL001" and f.list == "Discharge Planning")
    assert "external: companyName 'Wyvern Health NHS Trust' is not 'Wyvern Borough Council'" in mixed.detail


def test_a_trusted_partner_is_reported_lower_and_shown_in_the_summary(tmp_path, dlscan):
    result = scan(load_source(SHARED), COUNCIL)
    hub = next(f for f in result.findings if f.code == "DL001" and f.list == "Adult Safeguarding Hub")
    assert hub.severity.value == "low" and "trusted partner 'Adult safeguarding hub'" in hub.detail
    assert any("Trusted partner 'Adult safeguarding hub'" in note for note in result.summary.boundary)
    outcome = dlscan("scan", SHARED, "--config", CONFIG, "--organisation", COUNCIL, "--format", "json")
    assert any("Adult Safeguarding Hub" in note for note in json.loads(outcome.out)["summary"]["boundary"])
    without = scan(load_source(SHARED), COUNCIL, partners=[])
    hub = next(f for f in without.findings if f.code == "DL001" and f.list == "Adult Safeguarding Hub")
    assert hub.severity.value == "high" and not without.summary.boundary[1:]


def test_internal_looking_contact_delivering_outside_through_graph(collected):
    found = [f for f in scan(collected, PRACTICE).findings if f.code == "DL016"]
    assert [f.related for f in found] == ["physio.jones@gmail.com"]


def tenant_with_guest_and_strangers() -> Tenant:
    """The shared tenant plus, on 'Ward 7 Nurses': a guest with an address on the shared domain, a member
    user at a domain the tenant has not verified, and a contact at a subdomain of the shared domain."""
    tenant = tenant_from_ldif(SHARED)
    team = next(g for g, item in tenant.groups.items() if item["displayName"] == "Ward 7 Nurses")
    people = {
        "guest": ("users", "Sam Lee", "sam.lee@wyvernshared.example", {"userType": "Guest"}),
        "member": ("users", "Ravi Nair", "ravi.nair@brookside-legacy.example", {"userType": "Member"}),
        "sub": ("contacts", "Ola Berg", "ola.berg@ward7.wyvernshared.example", {}),
    }
    for n, (kind, name, mail, extra) in enumerate(people.values()):
        object_id = f"00000000-0000-4000-8000-{n:012d}"
        getattr(tenant, kind)[object_id] = {
            "id": object_id,
            "displayName": name,
            "mail": mail,
            "proxyAddresses": [f"SMTP:{mail}"],
            "companyName": TRUST,
            **({"accountEnabled": True} if kind == "users" else {}),
            **extra,
        }
        tenant.members[team].append(object_id)
    return tenant


def test_graph_guest_member_and_subdomain_cases():
    with GraphServer(tenant_with_guest_and_strangers()) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    result = scan(snapshot, TRUST, partners=[])
    guests = [f for f in result.findings if f.code == "DL017"]
    assert [f.related for f in guests] == ["sam.lee@wyvernshared.example"]
    ward = next(f for f in result.findings if f.code == "DL001" and f.list == "Ward 7 Nurses")
    # The guest and the subdomain user are outside; the member at an unverified domain is a colleague.
    assert "2 external recipients" in ward.detail and "ward7.wyvernshared.example is not an internal" in ward.detail
    assert "ravi.nair" not in ward.detail
    with_subdomains = scan(snapshot, TRUST, partners=[], match_subdomains=True)
    ward = next(f for f in with_subdomains.findings if f.code == "DL001" and f.list == "Ward 7 Nurses")
    assert "1 external recipient," in ward.detail
    members_off = scan(snapshot, TRUST, partners=[], tenant_members=False)
    ward = next(f for f in members_off.findings if f.code == "DL001" and f.list == "Ward 7 Nurses")
    assert "3 external recipients" in ward.detail


def test_bad_boundary_settings_are_one_line_and_exit_2(tmp_path, dlscan):
    outcome = dlscan("scan", SHARED, "--config", CONFIG, "--organisation", "Nowhere NHS")
    assert outcome.code == 2 and "organisation 'Nowhere NHS' is not declared" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('[[boundary.organisations]]\nname = "X"\nattribute = "shoeSize"\nvalues = ["9"]\n')
    outcome = dlscan("scan", SHARED, "--config", bad)
    assert outcome.code == 2 and "bad.toml: [boundary]: 'attribute' of organisation 'X' must be one of" in outcome.err
    pack = tmp_path / "pack.yaml"
    pack.write_text("boundary:\n  partners:\n    - {name: Hub, domains: [police.example]}\n")
    outcome = dlscan("scan", SHARED, "--rules", pack)
    assert outcome.code == 2 and "'reason' of partner 'Hub'" in outcome.err


def test_snapshot_keeps_attributes(tmp_path):
    from dlscan.sources.snapshot import write_snapshot

    snapshot = load_source(SHARED)
    target = tmp_path / "shared.json"
    write_snapshot(snapshot, target)
    again = load_source(target)
    assert again == snapshot
    assert rows(scan(again, TRUST)) == EXPECTED[TRUST]


def test_examples_in_the_docs_name_real_settings():
    text = (ROOT / "docs" / "boundary.md").read_text(encoding="utf-8")
    assert "--organisation" in text and "match_subdomains" in text and "partners" in text


def test_subdomains_through_an_ldif_export(tmp_path):
    export = tmp_path / "sub.ldif"
    export.write_text(
        "version: 1\n\n"
        "dn: DC=corp,DC=example\nobjectClass: domainDNS\n\n"
        "dn: CN=Ann,OU=Staff,DC=corp,DC=example\nobjectClass: user\nobjectGUID: 1\nmail: ann@corp.example\n\n"
        "dn: CN=Bo,OU=Schools,DC=corp,DC=example\nobjectClass: contact\nobjectGUID: 2\n"
        "mail: bo@schools.corp.example\ntargetAddress: SMTP:bo@schools.corp.example\n\n"
        "dn: CN=Team,OU=Groups,DC=corp,DC=example\nobjectClass: group\nobjectGUID: 3\ngroupType: 8\n"
        "mail: team@corp.example\nmanagedBy: CN=Ann,OU=Staff,DC=corp,DC=example\n"
        "member: CN=Ann,OU=Staff,DC=corp,DC=example\nmember: CN=Bo,OU=Schools,DC=corp,DC=example\n\n",
        encoding="utf-8",
    )
    off = run_scan(load_source(export), [], load_pack(None))
    on = run_scan(load_source(export), [], load_pack(None, {"match_subdomains": True}))
    assert [f.list for f in off.findings if f.code == "DL001"] == ["Team"]
    assert not [f for f in on.findings if f.code == "DL001"]


def organisation_by(criterion: dict) -> dict:
    return {"organisation": "Trust", "organisations": [{"name": "Trust", **criterion}]}


def test_extension_attribute_and_group_through_an_ldif_export(tmp_path):
    export = tmp_path / "nhs.ldif"
    people = "".join(
        f"dn: CN={name},OU=Staff,DC=nhs,DC=example\nobjectClass: user\nobjectGUID: {n}\nmail: {name}@nhs.example\n"
        f"extensionAttribute1: {code}\n\n"
        for n, (name, code) in enumerate([("ann", "RX1"), ("ben", "RX1"), ("cat", "GP7")], start=1)
    )
    export.write_text(
        "version: 1\n\ndn: DC=nhs,DC=example\nobjectClass: domainDNS\n\n"
        + people
        + "dn: CN=All Trust Staff,OU=Groups,DC=nhs,DC=example\nobjectClass: group\nobjectGUID: 10\n"
        "groupType: -2147483646\nmember: CN=ann,OU=Staff,DC=nhs,DC=example\n"
        "member: CN=ben,OU=Staff,DC=nhs,DC=example\n\n"
        "dn: CN=Ward Round,OU=Groups,DC=nhs,DC=example\nobjectClass: group\nobjectGUID: 11\ngroupType: 8\n"
        "mail: ward.round@nhs.example\nmanagedBy: CN=ann,OU=Staff,DC=nhs,DC=example\n"
        "member: CN=ann,OU=Staff,DC=nhs,DC=example\nmember: CN=cat,OU=Staff,DC=nhs,DC=example\n\n",
        encoding="utf-8",
    )
    snapshot = load_source(export)
    by_code = organisation_by({"attribute": "extensionAttribute1", "values": ["RX1"]})
    found = [f for f in run_scan(snapshot, [], load_pack(None, by_code)).findings if f.code == "DL001"]
    assert [f.list for f in found] == ["Ward Round"] and "extensionAttribute1 'GP7' is not 'RX1'" in found[0].detail
    by_group = organisation_by({"groups": ["All Trust Staff"]})
    found = [f for f in run_scan(snapshot, [], load_pack(None, by_group)).findings if f.code == "DL001"]
    assert [f.list for f in found] == ["Ward Round"] and "not a member of 'All Trust Staff'" in found[0].detail


def test_extension_attribute_and_group_through_graph():
    tenant = tenant_from_ldif(SHARED)
    for user in tenant.users.values():
        code = "RX1" if user.get("companyName") == TRUST else "GP7"
        user["onPremisesExtensionAttributes"] = {"extensionAttribute1": code, "extensionAttribute2": None}
    with GraphServer(tenant) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    by_code = organisation_by({"attribute": "extensionAttribute1", "values": ["RX1"]})
    found = {f.list for f in run_scan(snapshot, [], load_pack(None, by_code)).findings if f.code == "DL001"}
    assert {"Discharge Planning", "Prescribing Leads"} <= found
    by_group = organisation_by({"groups": ["Ward 7 Nurses"]})
    found = {f.list for f in run_scan(snapshot, [], load_pack(None, by_group)).findings if f.code == "DL001"}
    assert "Discharge Planning" in found and "Ward 7 Nurses" not in found


@pytest.mark.parametrize("name", ["html", "table"])
def test_reports_show_the_boundary(name):
    import io

    from dlscan.sinks import sink_classes

    result = scan(load_source(SHARED), COUNCIL)
    sink = sink_classes()[name]()
    stream = io.BytesIO() if sink.binary else io.StringIO()
    sink.write(result, list(result.findings), stream)
    text = stream.getvalue().decode() if sink.binary else stream.getvalue()
    assert "Boundary" in text and "Trusted partner" in text and "Scanned for the organisation" in text


def test_nightly_run_scans_for_the_configured_organisation(tmp_path, dlscan):
    config = tmp_path / "dlscan.toml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8")
        + f'\n[run]\ninput = "{SHARED.as_posix()}"\nstate_dir = "state"\njson = "findings.json"\n',
        encoding="utf-8",
    )
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    document = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert {(f["code"], f["severity"], f["list"]) for f in document["findings"]} == EXPECTED[TRUST]
    assert any(TRUST in note for note in document["summary"]["boundary"])


def _awkward_recipients():
    """Recipients that share a domain and kind with a plain one, yet are judged otherwise."""
    from dlscan.model import Recipient, RecipientKind

    user, contact = RecipientKind.USER, RecipientKind.CONTACT
    return [
        Recipient("u1", user, "Sam Staff", "sam@wyvern.gov.uk"),
        Recipient("g1", user, "Guest Gale", "gale@wyvern.gov.uk", guest=True),  # a guest, internal-looking
        Recipient("c1", contact, "Routed Rae", "rae@wyvern.gov.uk", target_address="rae@elsewhere.example"),
        Recipient("u2", user, "Unverified Una", "una@partner.example"),  # a member user, for tenant_members
        Recipient("c2", contact, "Partner Pat", "pat@partner.example"),  # same domain, another kind
        Recipient("c3", contact, "Trailing Dot", "dot@Partner.Example."),  # the same domain, written otherwise
        Recipient("x1", RecipientKind.UNRESOLVED, "?", "gone@wyvern.gov.uk"),
        Recipient("p1", RecipientKind.PRINCIPAL, "S-1-5-21", None),
        Recipient("n1", user, "No Mail", None),
    ]


@pytest.mark.parametrize("tenant_members", [False, True])
def test_classifying_all_at_once_gives_each_recipient_its_own_classification(collected, tenant_members):
    """Plain recipients take the judgement of the first of their domain and kind; every other kind of
    recipient (guests, routed contacts, references, organisations and partners) is judged alone."""
    from dlscan.boundary import Boundary, BoundarySettings
    from dlscan.model import Snapshot

    config = load_config(CONFIG)
    wyvern = load_source(ROOT / "sample_data" / "wyvern.ldif")
    awkward = Snapshot(wyvern.source, {r.id: r for r in _awkward_recipients()}, {}, wyvern.internal_domains)
    plain = BoundarySettings(tenant_members=tenant_members)  # no organisation, no partners: the quick path
    packs = [load_pack(None, config.boundary, organisation).boundary for organisation in (None, TRUST)]
    weighed = [BoundarySettings(**{**vars(b), "tenant_members": tenant_members}) for b in packs]
    for snapshot in (awkward, wyvern, load_source(SHARED), collected):
        for settings in (plain, *weighed):
            boundary = Boundary.for_snapshot(snapshot, (), settings)
            one_by_one = {rid: boundary.classify(r) for rid, r in snapshot.recipients.items()}
            assert boundary.classify_all(snapshot.recipients) == one_by_one
    judged = Boundary.for_snapshot(awkward).classify_all(awkward.recipients)
    assert len({judged[r].reason for r in ("u1", "g1", "c1")}) == 3, "the awkward ones must differ from the plain"


def test_partners_of_an_organisation_are_judged_one_by_one():
    """A partner declared by organisation is told apart by an attribute, not by domain and kind: two
    contacts at one domain, one of the partner organisation and one not, must not share a judgement."""
    from dlscan.boundary import Boundary, BoundarySettings, Organisation, TrustedPartner
    from dlscan.model import Attributes, Recipient, RecipientKind, Snapshot

    hub = Organisation("Police", attribute="companyName", values=("Police",))
    settings = BoundarySettings(
        organisations=(hub,), partners=(TrustedPartner("Police", "the shared hub", organisations=("Police",)),)
    )
    contact, police = RecipientKind.CONTACT, Attributes([("companyName", "Police")])
    recipients = {
        "c1": Recipient("c1", contact, "Officer", "one@hub.example", attributes=police),
        "c2": Recipient("c2", contact, "Someone Else", "two@hub.example"),
    }
    wyvern = load_source(ROOT / "sample_data" / "wyvern.ldif")
    snapshot = Snapshot(wyvern.source, recipients, {}, wyvern.internal_domains)
    boundary = Boundary.for_snapshot(snapshot, (), settings)
    judged = boundary.classify_all(recipients)
    assert judged == {rid: boundary.classify(r) for rid, r in recipients.items()}
    assert judged["c1"].partner is not None and judged["c1"].partner.name == "Police"
    assert judged["c2"].partner is None



@pytest.mark.parametrize(
    "own",
    [
        {"ous": ("OU=Ours,DC=shared,DC=example",)},
        {"groups": ("Our Team",)},
        {"attribute": "companyName", "values": ("Other",), "groups": ("Our Team",)},
    ],
)
def test_classifying_all_at_once_weighs_what_an_organisation_is_told_by(own):
    """An organisation told by OU or by group is judged by a recipient's DN or group membership, not only
    by its domain, kind and attributes: two staff alike in all of those but their OU or their group must
    not share a judgement."""
    from dlscan.boundary import Boundary, BoundarySettings, Organisation, TrustedPartner
    from dlscan.model import Attributes, DistributionList, DomainDeclaration, Recipient, RecipientKind, Snapshot

    company = Attributes([("companyName", "Shared")])
    staff = [
        Recipient(f"u{n}", RecipientKind.USER, f"Staff {n}", f"s{n}@shared.example", attributes=company, dn=dn)
        for n, dn in enumerate(["CN=S0,OU=Others,DC=shared,DC=example", "CN=S1,OU=Ours,DC=shared,DC=example"] * 2)
    ]
    team = DistributionList("l1", "Our Team", "team@shared.example", members=("u1", "u2"))
    snapshot = Snapshot(
        load_source(ROOT / "sample_data" / "wyvern.ldif").source, {r.id: r for r in staff}, {"l1": team},
        (DomainDeclaration("shared.example", "test"),),
    )  # fmt: skip
    settings = BoundarySettings(
        organisation="Ours",
        organisations=(Organisation("Ours", **own), Organisation("Others", ous=("OU=Others,DC=shared,DC=example",))),
        partners=(TrustedPartner("Others", "the body next door", organisations=("Others",)),),
    )
    boundary = Boundary.for_snapshot(snapshot, (), settings)
    one_by_one = {rid: boundary.classify(r) for rid, r in snapshot.recipients.items()}
    assert Boundary.for_snapshot(snapshot, (), settings).classify_all(snapshot.recipients) == one_by_one
    assert len({c.audience for c in one_by_one.values()}) > 1  # the organisation splits the domain's staff


def test_an_address_without_an_at_is_judged_alone():
    """A primary address with no @ (a bare domain from proxyAddresses) is no address to `classify`: it must
    not take the judgement of a colleague whose address ends with that domain."""
    from dlscan.boundary import Boundary
    from dlscan.model import Recipient, RecipientKind, Snapshot

    wyvern = load_source(ROOT / "sample_data" / "wyvern.ldif")
    user = RecipientKind.USER
    recipients = {
        "u1": Recipient("u1", user, "Sam Staff", "sam@wyvern.gov.uk"),
        "u2": Recipient("u2", user, "Bare Domain", "wyvern.gov.uk"),
    }
    boundary = Boundary.for_snapshot(Snapshot(wyvern.source, recipients, {}, wyvern.internal_domains))
    judged = boundary.classify_all(recipients)
    assert judged == {rid: boundary.classify(r) for rid, r in recipients.items()}
    assert judged["u1"].audience != judged["u2"].audience

