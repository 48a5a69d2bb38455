"""The plan the reports lead with: the objects to fix first, each with the findings that go with it."""

from __future__ import annotations

import csv
import io
import json

from conftest import SAMPLE, empty_scan_result

from dlscan.findings import Finding, Severity, fix_plan, worst_first
from dlscan.sinks.base import RunMark, RunView
from dlscan.sinks.csv import CsvSink


def finding(code: str, severity: Severity, list_id: str, name: str | None = None, key: str = "") -> Finding:
    return Finding(code, "rule", severity, name or list_id, "", list_id, "", key, "", (), "", "")


def test_the_worst_severity_leads_then_how_many_have_it_then_the_rest():
    findings = [
        finding("DL001", Severity.HIGH, "three-highs", key="a"),
        finding("DL003", Severity.HIGH, "three-highs", key="b"),
        finding("DL008", Severity.HIGH, "three-highs", key="c"),
        finding("DL003", Severity.CRITICAL, "one-critical"),
        finding("DL003", Severity.CRITICAL, "critical-and-low"),
        finding("DL013", Severity.LOW, "critical-and-low"),
        finding("DL005", Severity.CRITICAL, "two-criticals", key="a"),
        finding("DL003", Severity.CRITICAL, "two-criticals", key="b"),
    ]
    plan = fix_plan(findings)
    assert [item.object_id for item in plan] == ["two-criticals", "critical-and-low", "one-critical", "three-highs"]
    assert [item.rank for item in plan] == [1, 2, 3, 4]
    assert plan[1].codes == ("DL003", "DL013")
    assert plan[1].by_severity() == ((Severity.CRITICAL, 1), (Severity.LOW, 1))
    assert [f.severity for f in plan[1].findings] == [Severity.CRITICAL, Severity.LOW]


def test_within_a_severity_the_object_to_fix_first_leads():
    findings = [
        finding("DL003", Severity.CRITICAL, "a-list"),
        finding("DL003", Severity.CRITICAL, "b-list"),
        finding("DL013", Severity.LOW, "b-list", key="1"),
        finding("DL013", Severity.LOW, "b-list", key="2"),
        finding("DL013", Severity.LOW, "a-list"),
    ]
    ordered = worst_first(findings, fix_plan(findings))
    assert [(f.severity, f.list_id) for f in ordered] == [
        (Severity.CRITICAL, "b-list"),
        (Severity.CRITICAL, "a-list"),
        (Severity.LOW, "b-list"),
        (Severity.LOW, "b-list"),
        (Severity.LOW, "a-list"),
    ]


def test_a_recipient_without_an_id_is_its_own_object():
    findings = [finding("DL006", Severity.HIGH, "", name="Gareth Price (home)"), finding("DL006", Severity.HIGH, "x")]
    assert {item.object_id for item in fix_plan(findings)} == {"Gareth Price (home)", "x"}


def test_every_format_leads_with_the_same_plan(dlscan):
    document = json.loads(dlscan("scan", SAMPLE, "--format", "json").out)
    plan = document["fix_first"]
    assert [item["fix_rank"] for item in plan] == list(range(1, len(plan) + 1))
    assert sum(len(item["findings"]) for item in plan) == document["summary"]["findings"]
    first = plan[0]
    assert (first["list"], first["worst"], first["codes"]) == ("Children's Services All", "critical",
                                                                ["DL001", "DL002", "DL003"])  # fmt: skip
    rank_of = {fid: item["fix_rank"] for item in plan for fid in item["findings"]}
    assert all(int(row["fix_rank"]) == rank_of[row["finding_id"]] for row in document["findings"])

    rows = list(csv.DictReader(io.StringIO(dlscan("scan", SAMPLE, "--format", "csv").out.lstrip("\ufeff"))))
    assert [int(r["fix_rank"]) for r in rows] == [rank_of[r["finding_id"]] for r in rows]
    assert rows[0]["list"] == first["list"] and rows[0]["severity"] == "critical"

    table = dlscan("scan", SAMPLE).out
    lead = table.split("\n\n", 1)[0]
    assert lead.startswith("Fix these first: 5 of the 30 lists and recipients with findings.")
    assert "1. Children's Services All <childrens.all@wyvern.gov.uk>: 3 findings (2 critical, 1 high)" in lead
    assert lead.index("2. " + plan[1]["list"]) < lead.index("5. " + plan[4]["list"])


def test_in_a_run_what_needs_no_attention_is_not_in_the_plan():
    fixed = finding("DL003", Severity.CRITICAL, "fixed-list")
    accepted = finding("DL003", Severity.CRITICAL, "accepted-list")
    open_ = finding("DL013", Severity.LOW, "open-list")
    marks = {
        fixed.finding_id: RunMark("resolved", "2026-11-01"),
        accepted.finding_id: RunMark("open", "2026-11-01", suppressed_by="risk-1"),
        open_.finding_id: RunMark("open", "2026-11-01"),
    }
    stream = io.BytesIO()
    CsvSink().write(empty_scan_result(), [fixed, accepted, open_], stream, RunView(marks))
    rows = list(csv.DictReader(io.StringIO(stream.getvalue().decode("utf-8-sig"))))
    assert {r["list"]: r["fix_rank"] for r in rows} == {"fixed-list": "", "accepted-list": "", "open-list": "1"}


def test_one_list_to_fix_is_said_as_one(dlscan, write_ldif):
    export = write_ldif(
        "dn: CN=Bob,OU=Contacts,DC=corp,DC=example\nobjectClass: contact\nmail: bob@partner.example\n\n"
        "dn: CN=Team,OU=Groups,DC=corp,DC=example\nobjectClass: group\nmail: team@corp.example\n"
        "member: CN=Alice,OU=Staff,DC=corp,DC=example\nmember: CN=Bob,OU=Contacts,DC=corp,DC=example\n\n"
    )
    lead = dlscan("scan", export, "--fail-on", "never").out.split("\n", 1)[0]
    assert lead == "Fix this: the one list or recipient with findings."
