"""The details CSV: one row per item a finding lists, so that every external recipient can be gone through."""

from __future__ import annotations

import csv
import io
import json

from conftest import SAMPLE, empty_scan_result


def read_csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_one_row_per_item_of_evidence_beside_the_findings_csv(dlscan, tmp_path):
    findings, details = tmp_path / "findings.csv", tmp_path / "recipients.csv"
    outcome = dlscan("scan", SAMPLE, "--format", "csv", "--output", findings, "--details", details)
    assert outcome.code == 1, outcome.err
    rows, items = read_csv(findings.read_bytes()), read_csv(details.read_bytes())
    assert list(items[0]) == ["finding_id", "code", "severity", "fix_rank", "list", "list_address", "list_id",
                              "item", "item_id", "note", "path"]  # fmt: skip
    per_finding = {r["finding_id"]: int(r["evidence_count"]) for r in rows}
    assert len(items) == sum(per_finding.values())
    assert {i["finding_id"] for i in items} == {fid for fid, n in per_finding.items() if n}
    # Every external recipient of a list that reaches outside is a row, with the path that reaches it.
    document = json.loads(dlscan("scan", SAMPLE, "--format", "json").out)
    expected = {(f["finding_id"], e["subject_id"], " > ".join(e["path"])) for f in document["findings"]
                for e in f["evidence"]}  # fmt: skip
    assert {(i["finding_id"], i["item_id"], i["path"]) for i in items} == expected
    hidden = [i for i in items if i["code"] == "DL002"]
    assert {i["item"] for i in hidden} == {"anna.kowalski@wyvern.police.uk", "marcus.reid@wyvernhealth.nhs.uk"}
    assert all(i["path"].startswith("Children's Services All > Children's Services Partners > ") for i in hidden)
    # Rows in the findings CSV's order, and the same plan.
    order = [r["finding_id"] for r in rows if per_finding[r["finding_id"]]]
    assert list(dict.fromkeys(i["finding_id"] for i in items)) == order
    rank = {r["finding_id"]: r["fix_rank"] for r in rows}
    assert all(i["fix_rank"] == rank[i["finding_id"]] for i in items)


def test_a_recipient_address_cannot_run_as_a_formula(dlscan, write_ldif, tmp_path):
    body = """dn: CN=Pat,OU=Staff,DC=corp,DC=example
objectClass: user
displayName: Pat
mail: pat@corp.example

dn: CN=Evil,OU=Contacts,DC=corp,DC=example
objectClass: contact
displayName: =HYPERLINK("http://x")
mail: =cmd@evil.example

dn: CN=Team,DC=corp,DC=example
objectClass: group
displayName: Housing Team
mail: housing@corp.example
member: CN=Pat,OU=Staff,DC=corp,DC=example
member: CN=Evil,OU=Contacts,DC=corp,DC=example

"""
    details = tmp_path / "details.csv"
    outcome = dlscan("scan", write_ldif(body), "--format", "details", "--output", details)
    assert outcome.code == 1, outcome.err
    items = read_csv(details.read_bytes())
    assert items and {i["item"] for i in items} == {"'=cmd@evil.example"}
    assert all(not v.startswith(("=", "+", "-", "@")) for i in items for v in i.values())


def test_details_may_not_overwrite_an_input_or_the_other_output(dlscan, tmp_path):
    same = tmp_path / "out.csv"
    outcome = dlscan("scan", SAMPLE, "--output", same, "--details", same)
    assert outcome.code == 2 and "--details and --output are the same file" in outcome.err
    outcome = dlscan("scan", SAMPLE, "--details", SAMPLE)
    assert outcome.code == 2 and "is the source; refusing to overwrite it" in outcome.err
    outcome = dlscan("scan", SAMPLE, "--details", tmp_path / "missing" / "d.csv")
    assert outcome.code == 2 and "does not exist" in outcome.err


def test_a_nightly_job_writes_details_under_its_key(dlscan, tmp_path):
    config = tmp_path / "dlscan.toml"
    config.write_text(f'[run]\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\ndetails = "recipients.csv"\n',
                      encoding="utf-8")  # fmt: skip
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    items = read_csv((tmp_path / "recipients.csv").read_bytes())
    assert items and all(i["fix_rank"] for i in items)


def test_in_a_run_each_row_says_its_status_and_accepted_risk(dlscan, tmp_path):
    from dlscan.findings import Evidence, Finding, Severity
    from dlscan.sinks.base import RunMark, RunView
    from dlscan.sinks.details import DetailsSink

    item = Evidence("pat@partner.example", "id-pat", "external", ("Team", "pat@partner.example"))
    accepted = Finding("DL001", "mixed", Severity.HIGH, "Team", "", "team", "", "", "", (), "", "", evidence=(item,))
    stream = io.BytesIO()
    run = RunView({accepted.finding_id: RunMark("open", "2026-11-01", suppressed_by="risk-1")})
    DetailsSink().write(empty_scan_result(), [accepted], stream, run)
    (row,) = read_csv(stream.getvalue())
    assert (row["status"], row["suppressed_by"], row["fix_rank"]) == ("open", "risk-1", "")
