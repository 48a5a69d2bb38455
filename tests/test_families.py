"""A family of look-alike lists: one finding, whose other pairs the JSON and the HTML report list."""

from __future__ import annotations

import json

from casefile import case_snapshot

from dlscan.sources.snapshot import write_snapshot

FAMILY = {
    "users": [{"id": "alice"}],
    "contacts": [{"id": "pat", "address": "pat@partner.example"}, {"id": "sue", "address": "sue@other.example"}],
    "lists": [
        {"id": "int", "name": "Payroll Queries", "members": ["alice"]},
        {"id": "ext", "name": "Payroll Querys", "members": ["pat"]},
        {"id": "ext2", "name": "Payroll Query", "members": ["sue"]},
    ],
}


def family_source(tmp_path, lists=FAMILY["lists"]):
    path = tmp_path / "family.json"
    write_snapshot(case_snapshot({**FAMILY, "lists": lists}), path)
    return path


def dl005(dlscan, source, *extra):
    outcome = dlscan("scan", source, "--format", "json", *extra)
    assert outcome.code == 1, outcome.err
    return [f for f in json.loads(outcome.out)["findings"] if f["code"] == "DL005"]


def test_the_json_lists_every_other_pair_of_the_family(dlscan, tmp_path):
    (finding,) = dl005(dlscan, family_source(tmp_path))
    assert finding["list_id"] == "ext2" and finding["related"] == "Payroll Queries"
    listed = {item["subject_id"]: item for item in finding["evidence"]}
    assert set(listed) == {"ext|ext2", "ext|int"}
    assert listed["ext|int"]["note"].startswith("critical: ")
    assert listed["ext|ext2"]["note"].startswith("medium: ")
    assert "2 other pairs" in finding["detail"] and finding["evidence_count"] == 2


def test_the_family_keeps_its_id_as_it_grows(dlscan, tmp_path):
    (before,) = dl005(dlscan, family_source(tmp_path))
    grown = [*FAMILY["lists"], {"id": "ext3", "name": "Payrol Queries", "members": ["sue"]}]
    (after,) = dl005(dlscan, family_source(tmp_path, grown))
    assert after["finding_id"] == before["finding_id"]
    assert len(after["evidence"]) > len(before["evidence"])


def test_the_html_card_lists_the_family(dlscan, tmp_path):
    out = tmp_path / "report.html"
    outcome = dlscan("scan", family_source(tmp_path), "--format", "html", "--output", out)
    assert outcome.code == 1, outcome.err
    html = out.read_text(encoding="utf-8")
    assert "<summary>Listed: 2</summary>" in html
    assert "<code>ext|int</code>" in html and "&#39;Payroll Querys&#39; and &#39;Payroll Queries&#39;" in html


def test_copies_of_one_audience_belong_to_the_family_they_are_alike_to(dlscan, tmp_path):
    """The copy reaches what the internal list reaches: a slip between those two is no hazard, yet the
    copy is one of the family, counted among its lists."""
    lists = [
        {"id": "int", "name": "Payroll Queries", "members": ["alice"]},
        {"id": "copy", "name": "Payroll Queries 2", "members": ["alice"]},
        {"id": "ext", "name": "Payroll Querys", "members": ["pat"]},
    ]
    (finding,) = dl005(dlscan, family_source(tmp_path, lists))
    assert finding["list_id"] == "ext"
    assert len(finding["evidence"]) == 1
    assert "These two and 1 more list form a family of look-alike lists: 1 other pair" in finding["detail"]


def test_a_finding_names_the_lists_owner_and_whether_they_are_still_active(dlscan, tmp_path):
    directory = {
        "users": [{"id": "alice", "name": "Alice Moss"}, {"id": "leaver", "name": "Len Gone", "enabled": False}],
        "contacts": [{"id": "pat", "address": "pat@partner.example"}],
        "lists": [
            {"id": "kept", "name": "Planning Team", "members": ["alice", "pat"], "owners": ["alice"]},
            {"id": "orphan", "name": "Parks Team", "members": ["alice", "pat"], "owners": ["leaver"]},
        ],
    }
    path = tmp_path / "owners.json"
    write_snapshot(case_snapshot(directory), path)
    outcome = dlscan("scan", path, "--format", "json")
    by_list = {(f["code"], f["list_id"]): f for f in json.loads(outcome.out)["findings"]}
    assert (by_list["DL001", "kept"]["owner"], by_list["DL001", "kept"]["owner_state"]) == ("Alice Moss", "active")
    assert (by_list["DL001", "orphan"]["owner"], by_list["DL001", "orphan"]["owner_state"]) == ("Len Gone", "inactive")
    report = tmp_path / "report.html"
    dlscan("scan", path, "--format", "html", "--output", report)
    assert "<dt>Owner</dt><dd>Len Gone (inactive)</dd>" in report.read_text(encoding="utf-8")
