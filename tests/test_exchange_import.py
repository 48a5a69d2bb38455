"""`dlscan import exchange`: what Exchange's cmdlets say, laid over a tenant's snapshot.

The tenant is the sample council as the local Graph server serves it (tests/graph_tenant.py). The Exchange
files are written as Get-DistributionGroup and Get-DynamicDistributionGroup piped to ConvertTo-Json would
write them, in the shapes PowerShell 7 and Windows PowerShell 5.1 give (docs/exchange-import.md): no
PowerShell runs on this machine, so the shapes follow Microsoft's documented property types, and each
one the reader accepts is exercised here.
"""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path

import pytest
from conftest import SAMPLE
from graph_helpers import reviewed, settings_for
from graph_server import GraphServer
from graph_tenant import graph_id, tenant_from_ldif

from dlscan.model import ListKind
from dlscan.sources import load_source
from dlscan.sources.ldif import read_ldif
from dlscan.sources.m365.collector import M365Collector
from dlscan.sources.snapshot import write_snapshot

STAFF_BRIEFING_FILTER = "((RecipientType -eq 'UserMailbox') -or (RecipientType -eq 'MailContact'))"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Path:
    with GraphServer(tenant_from_ldif(SAMPLE)) as server:
        snapshot = M365Collector(settings_for(server)).collect()
    target = tmp_path_factory.mktemp("tenant") / "tenant.json.gz"
    write_snapshot(snapshot, target)
    return target


def _records():
    return {r.dn.lower(): r for r in read_ldif(SAMPLE)}


def _address(record) -> str | None:
    return next((p[5:] for p in record.texts("proxyaddresses") if p.startswith("SMTP:")), record.first("mail"))


def _item(record, records, *, windows: bool) -> dict:
    """One list as ConvertTo-Json writes it; `windows`: Windows PowerShell 5.1's shapes."""
    owners = [_address(records[dn.lower()]) for dn in record.texts("managedby")]
    required = record.first("msexchrequireauthtosendto")
    item = {
        "Guid": str(uuid.UUID(bytes_le=record.first("objectguid"))),
        "ExternalDirectoryObjectId": graph_id(record.dn),
        "DisplayName": record.first("displayname"),
        "PrimarySmtpAddress": _address(record),
        "RequireSenderAuthenticationEnabled": None if required is None else required == "TRUE",
        "HiddenFromAddressListsEnabled": record.first("msexchhidefromaddresslists") == "TRUE",
        "ManagedBy": owners,
        "AcceptMessagesOnlyFromSendersOrMembers": [],
    }
    if windows:  # 5.1 wraps arrays held in properties, and may give a deserialised address as an object
        item["ManagedBy"] = {"value": owners, "Count": len(owners)}
        item["AcceptMessagesOnlyFromSendersOrMembers"] = {"value": [], "Count": 0}
        item["PrimarySmtpAddress"] = {"Address": item["PrimarySmtpAddress"], "Length": 0}
        item["Guid"] = {"Guid": item["Guid"]}
    return item


def _exports(folder: Path, *, windows: bool) -> tuple[Path, Path]:
    records = _records()
    expanded = {x.dn.lower(): x for x in load_source(SAMPLE).lists.values()}
    sample = load_source(SAMPLE)
    groups, dynamic = [], []
    for record in records.values():
        classes = {c.lower() for c in record.texts("objectclass")}
        if "group" in classes and _address(record):
            groups.append(_item(record, records, windows=windows))
        elif "msexchdynamicdistributionlist" in classes:
            item = _item(record, records, windows=windows)
            members = [
                (sample.recipients.get(m) or sample.lists[m]).primary_address
                for m in expanded[record.dn.lower()].members
            ]
            item["RecipientFilter"] = record.first("msexchqueryfilter")
            item["Members"] = {"value": members, "Count": len(members)} if windows else members
            dynamic.append(item)
    encoding = "utf-16" if windows else "utf-8"  # Windows PowerShell's `>` writes UTF-16 with a BOM
    paths = (folder / "distribution-groups.json", folder / "dynamic-groups.json")
    for path, items in zip(paths, (groups, dynamic), strict=True):
        path.write_text(json.dumps(items, indent=2, ensure_ascii=False), encoding=encoding)
    return paths


def _scan(dlscan, source: Path) -> dict:
    outcome = dlscan("scan", source, "--format", "json", "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)


def test_exchange_s_facts_let_dl009_and_dl013_judge_a_tenant_s_lists(tenant, tmp_path, dlscan):
    exports = _exports(tmp_path, windows=False)
    merged = tmp_path / "merged.json.gz"
    outcome = dlscan("import", "exchange", tenant, *exports, "-o", merged)
    assert outcome.code == 0, outcome.err
    assert "distribution-groups.json: 61 lists updated" in outcome.err and "2 dynamic lists added" in outcome.err
    before, after = _scan(dlscan, tenant), _scan(dlscan, merged)
    judged = {"DL009", "DL013"}
    assert not {f["code"] for f in before["findings"]} & judged
    assert {u["code"] for u in before["summary"]["unjudged"]} >= judged
    # Now the planted hazards, as a person reviewed them, and judged for every list.
    assert sorted((f["code"], f["list"]) for f in after["findings"] if f["code"] in judged) == reviewed(judged)
    assert not {u["code"] for u in after["summary"]["unjudged"]} & judged
    assert not [n for n in after["summary"]["not_evaluated"] if n.startswith(("DL009", "DL013"))]


def test_a_tenant_s_dynamic_list_comes_with_exchange_s_members_and_is_judged(tenant, tmp_path, dlscan):
    merged = tmp_path / "merged.json"
    assert dlscan("import", "exchange", tenant, *_exports(tmp_path, windows=False), "-o", merged).code == 0
    lists = {x.display_name: x for x in load_source(merged).lists.values()}
    briefing = lists["Staff Briefing"]
    assert (
        briefing.kind is ListKind.DYNAMIC
        and briefing.members_known
        and briefing.membership_rule == STAFF_BRIEFING_FILTER
    )
    found = [f for f in _scan(dlscan, merged)["findings"] if f["code"] == "DL021"]
    # Exchange gives the members, not the clause: the filter's own test of the recipient type is quoted.
    assert [(f["list"], f["related"]) for f in found] == [("Staff Briefing", "(RecipientType -eq 'MailContact')")]


def test_a_filter_without_a_type_test_is_quoted_whole(tenant, tmp_path, dlscan):
    groups, dynamic = _exports(tmp_path, windows=False)
    items = json.loads(dynamic.read_text())
    for item in items:
        item["RecipientFilter"] = "(CustomAttribute1 -eq 'Bulletin')"
    dynamic.write_text(json.dumps(items), encoding="utf-8")
    assert dlscan("import", "exchange", tenant, groups, dynamic, "-o", tmp_path / "m.json").code == 0
    found = [f for f in _scan(dlscan, tmp_path / "m.json")["findings"] if f["code"] == "DL021"]
    assert [f["related"] for f in found] == ["(CustomAttribute1 -eq 'Bulletin')"]


def test_windows_powershell_s_shapes_read_as_powershell_7_s(tenant, tmp_path, dlscan):
    seven, windows = tmp_path / "7", tmp_path / "5.1"
    seven.mkdir(), windows.mkdir()
    for folder, shapes in ((seven, False), (windows, True)):
        assert (
            dlscan("import", "exchange", tenant, *_exports(folder, windows=shapes), "-o", folder / "m.json").code == 0
        )
    assert load_source(seven / "m.json").lists == load_source(windows / "m.json").lists


def test_one_list_is_one_object_not_an_array(tenant, tmp_path, dlscan):
    groups, _ = _exports(tmp_path, windows=False)
    (enquiries,) = [g for g in json.loads(groups.read_text()) if g["DisplayName"] == "Public Enquiries"]
    groups.write_text(json.dumps(enquiries), encoding="utf-8-sig")  # Out-File -Encoding utf8, BOM and all
    outcome = dlscan("import", "exchange", tenant, groups, "-o", tmp_path / "one.json")
    assert outcome.code == 0 and "1 list updated" in outcome.err, outcome.err
    found = {(f["code"], f["list"]) for f in _scan(dlscan, tmp_path / "one.json")["findings"]}
    assert ("DL009", "Public Enquiries") in found


def test_a_list_that_takes_mail_only_from_named_senders_is_not_open(tenant, tmp_path, dlscan):
    groups, _ = _exports(tmp_path, windows=False)
    items = json.loads(groups.read_text())
    for item in items:
        if item["DisplayName"] == "Public Enquiries":
            item["AcceptMessagesOnlyFromSendersOrMembers"] = ["Customer Services Team"]
    groups.write_text(json.dumps(items), encoding="utf-8")
    assert dlscan("import", "exchange", tenant, groups, "-o", tmp_path / "m.json").code == 0
    assert not [f for f in _scan(dlscan, tmp_path / "m.json")["findings"] if f["code"] == "DL009"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[{\"Guid\": \"x\",", "is not JSON"),
        ('[{"DisplayName": "Team"}]', "neither Guid nor ExternalDirectoryObjectId"),
        ('{"ExternalDirectoryObjectId": "00000000-0000-4000-8000-000000000001", "DisplayName": "Elsewhere"}',
         "none of its 1 lists is in the snapshot"),
        ('{"ExternalDirectoryObjectId": "%s", "ManagedBy": ["Gareth Price"]}', "neither an address nor an id"),
        ('{"ExternalDirectoryObjectId": "%s", "RequireSenderAuthenticationEnabled": "sometimes"}', "not true or false"),
        ("", "is empty"),
        ("[]", "holds no lists"),
        ('{"ExternalDirectoryObjectId": "%s", "HiddenFromAddressListsEnabled": ' + "9" * 5000 + "}",
         "no cmdlet writes"),
        ("[" * 100000 + "]" * 100000, "no cmdlet writes"),
    ],
    ids=["cut short", "no ids", "another tenant", "owners by name", "not a flag", "empty", "no lists",
         "huge number", "deep"],
)  # fmt: skip
def test_a_bad_or_mismatched_file_is_one_line_and_nothing_is_written(tenant, tmp_path, dlscan, content, said):
    enquiries = next(x.id for x in load_source(tenant).lists.values() if x.display_name == "Public Enquiries")
    export = tmp_path / "groups.json"
    export.write_text(content.replace("%s", enquiries), encoding="utf-8")
    outcome = dlscan("import", "exchange", tenant, export, "-o", tmp_path / "out.json")
    assert outcome.code == 2 and outcome.err.count("\n") == 1 and said in outcome.err, outcome.err
    assert not (tmp_path / "out.json").exists()


def test_a_gzip_file_cut_short_is_one_line(tenant, tmp_path, dlscan):
    groups, _ = _exports(tmp_path, windows=False)
    cut = tmp_path / "groups.json.gz"
    cut.write_bytes(gzip.compress(groups.read_bytes())[:200])
    outcome = dlscan("import", "exchange", tenant, cut, "-o", tmp_path / "out.json")
    assert outcome.code == 2 and outcome.err.count("\n") == 1 and "cut short" in outcome.err, outcome.err


def test_owners_or_members_powershell_could_not_resolve_are_unknown_not_none(tenant, tmp_path, dlscan):
    """PowerShell writes null where Get-Recipient failed: those owners, and that dynamic list's members,
    are not known in full, so no rule calls the list ownerless or small."""
    groups, dynamic = _exports(tmp_path, windows=False)
    items = json.loads(groups.read_text())
    for item in items:
        if item["DisplayName"] == "Adult Social Care Team":
            item["ManagedBy"] = None
        if item["DisplayName"] == "Finance Team":
            item["ManagedBy"] = [None]
    groups.write_text(json.dumps(items), encoding="utf-8")
    chosen = json.loads(dynamic.read_text())
    chosen[0]["Members"] = [*chosen[0]["Members"][:3], None]
    dynamic.write_text(json.dumps(chosen), encoding="utf-8")
    assert dlscan("import", "exchange", tenant, groups, dynamic, "-o", tmp_path / "m.json").code == 0
    lists = {x.display_name: x for x in load_source(tmp_path / "m.json").lists.values()}
    assert lists["Adult Social Care Team"].owners is None and lists["Finance Team"].owners is None
    assert not lists[chosen[0]["DisplayName"]].members_known
    owned = [f["list"] for f in _scan(dlscan, tmp_path / "m.json")["findings"] if f["code"] == "DL013"]
    assert "Adult Social Care Team" not in owned and "Finance Team" not in owned


def test_the_merged_snapshot_never_replaces_its_input(tenant, tmp_path, dlscan):
    groups, _ = _exports(tmp_path, windows=False)
    outcome = dlscan("import", "exchange", tenant, groups, "-o", tenant)
    assert outcome.code == 2 and "overwrite" in outcome.err, outcome.err
