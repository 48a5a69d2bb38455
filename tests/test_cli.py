"""The command line as admins and scheduled jobs use it: exit codes, errors, outputs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import SAMPLE, run_process

CLEAN = """dn: CN=Team,DC=corp,DC=example
objectClass: group
mail: team@corp.example
managedBy: CN=Alice,OU=Staff,DC=corp,DC=example
msExchRequireAuthToSendTo: TRUE
member: CN=Alice,OU=Staff,DC=corp,DC=example

"""


def test_clean_directory_exits_0(write_ldif, dlscan):
    outcome = dlscan("scan", write_ldif(CLEAN))
    assert outcome.code == 0, outcome.err
    assert "0 findings [none]" in outcome.out


def test_findings_at_fail_on_exit_1_and_below_exit_0(dlscan):
    assert dlscan("scan", SAMPLE).code == 1
    assert dlscan("scan", SAMPLE, "--fail-on", "never").code == 0
    outcome = dlscan("scan", SAMPLE, "--fail-on", "critical", "--format", "json")
    assert outcome.code == 1
    assert json.loads(outcome.out)["summary"]["by_severity"]["critical"] > 0


def test_no_internal_domain_is_an_error_not_a_guess(tmp_path, dlscan):
    path = tmp_path / "x.ldif"
    path.write_text("dn: CN=A,OU=Staff,DC=corp,DC=example\nobjectClass: user\nmail: a@corp.example\n\n")
    outcome = dlscan("scan", path)
    assert outcome.code == 2
    assert "no internal domain is known" in outcome.err
    assert dlscan("scan", path, "--internal-domain", "corp.example").code == 0


def test_internal_domain_option_is_case_insensitive_and_takes_subdomains(tmp_path, dlscan):
    path = tmp_path / "x.ldif"
    path.write_text(
        "dn: CN=A,OU=Staff,DC=corp,DC=example\nobjectClass: user\nmail: a@Mail.Corp.Example\n\n"
        "dn: CN=T,DC=corp,DC=example\nobjectClass: group\nmail: t@corp.example\n"
        "managedBy: CN=A,OU=Staff,DC=corp,DC=example\nmember: CN=A,OU=Staff,DC=corp,DC=example\n\n"
    )
    outcome = dlscan("scan", path, "-d", "CORP.example", "--format", "json")
    assert [f["code"] for f in json.loads(outcome.out)["findings"]] == ["DL003"]
    outcome = dlscan("scan", path, "-d", "*.corp.example", "--format", "json")
    assert json.loads(outcome.out)["findings"] == []


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["scan"], "Missing argument"),
        (["scan", "nowhere.ldif"], "nowhere.ldif: no such file"),
        (["scan", "{sample}", "--format", "xml"], "'xml' is not one of"),
        (["scan", "{sample}", "-d", "not a domain"], "is not a mail domain"),
        (["scan", "{sample}", "--output", "{sample}"], "refusing to overwrite"),
        (["scan", "{sample}", "--output", "{tmp}/missing/out.csv"], "does not exist"),
        (["scan", "{sample}", "--rules", "{tmp}/none.yaml"], "none.yaml: no such file"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, fragment, tmp_path, dlscan):
    args = [a.format(sample=SAMPLE, tmp=tmp_path) for a in args]
    outcome = dlscan(*args)
    assert outcome.code == 2
    lines = outcome.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlscan: error: "), outcome.err
    assert fragment in lines[0]


def test_console_script_shows_no_traceback_for_bad_input(tmp_path):
    bad = tmp_path / "bad.ldif"
    bad.write_bytes(b"dn: CN=X,DC=a\nobjectClass: group\ndescription:: !!!\n\n")
    outcome = run_process("scan", bad)
    assert outcome.code == 2
    assert "Traceback" not in outcome.err and len(outcome.err.strip().splitlines()) == 1


def test_csv_output_is_atomic_sorted_and_formula_safe(tmp_path, write_ldif, dlscan):
    body = """dn: CN=Evil,OU=Contacts,DC=corp,DC=example
objectClass: contact
mail: x@evil.example
displayName: =HYPERLINK("http://evil.example","click")

dn: CN=@SUM(1+1),DC=corp,DC=example
objectClass: group
displayName: @SUM(1+1)
mail: team@corp.example
member: CN=Alice,OU=Staff,DC=corp,DC=example
member: CN=Evil,OU=Contacts,DC=corp,DC=example

dn: CN=Minus,DC=corp,DC=example
objectClass: group
displayName: -2+3 Team
mail: minus@corp.example
member: CN=Alice,OU=Staff,DC=corp,DC=example
member: CN=Evil,OU=Contacts,DC=corp,DC=example

"""
    out = tmp_path / "findings.csv"
    out.write_text("previous content")
    outcome = dlscan("scan", write_ldif(body), "--format", "csv", "--output", out)
    assert outcome.code == 1
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows and list(rows[0]) == [
        "finding_id",
        "code",
        "rule",
        "severity",
        "list",
        "list_address",
        "list_id",
        "related",
        "detail",
        "path",
        "remediation",
        "rationale",
        "severity_rank",
        "evidence_count",
        "owner",
        "owner_state",
        "fix_rank",
    ]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert {r["list"] for r in rows} == {"'@SUM(1+1)", "'-2+3 Team"}
    # Worst first, then the list to fix first, then by rule: the rank columns sort as the rows stand.
    assert rows == sorted(rows, key=lambda r: (int(r["severity_rank"]), int(r["fix_rank"]), r["code"]))
    ranks = {"critical": "1", "high": "2", "medium": "3", "low": "4", "info": "5"}
    assert all(r["severity_rank"] == ranks[r["severity"]] for r in rows)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_write_keeps_the_users_file(tmp_path, dlscan, monkeypatch):
    from dlscan.sinks.csv import CsvSink

    out = tmp_path / "findings.csv"
    out.write_text("yesterday's findings")

    def explode(self, result, findings, stream):
        stream.write(b"half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CsvSink, "write", explode)
    outcome = dlscan("scan", SAMPLE, "--format", "csv", "--output", out)
    assert outcome.code == 2 and "No space left on device" in outcome.err
    assert out.read_text() == "yesterday's findings"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["findings.csv"]


def test_output_is_identical_between_runs(dlscan):
    first = dlscan("scan", SAMPLE, "--format", "json").out
    second = dlscan("scan", SAMPLE, "--format", "json").out
    assert first == second


def test_min_severity_filters_output_but_not_exit_code(dlscan):
    outcome = dlscan("scan", SAMPLE, "--min-severity", "critical", "--format", "json")
    severities = {f["severity"] for f in json.loads(outcome.out)["findings"]}
    assert severities == {"critical"} and outcome.code == 1


def test_config_file_supplies_settings(tmp_path, write_ldif, dlscan):
    export = tmp_path / "x.ldif"
    export.write_text("dn: CN=A,OU=Staff,DC=corp,DC=example\nobjectClass: user\nmail: a@corp.example\n\n")
    (tmp_path / "dlscan.toml").write_text(
        '[scan]\ninternal_domains = ["corp.example"]\nformat = "json"\nfail_on = "never"\n'
    )
    outcome = dlscan("scan", export, "--config", tmp_path / "dlscan.toml")
    assert outcome.code == 0 and json.loads(outcome.out)["summary"]["internal_domains"][0]["origin"] == "config file"
    (tmp_path / "bad.toml").write_text("[scan]\nfrobs = 1\n")
    outcome = dlscan("scan", export, "--config", tmp_path / "bad.toml")
    assert outcome.code == 2 and "unknown key 'frobs'" in outcome.err


def test_rules_command_lists_every_rule(dlscan):
    outcome = dlscan("rules", "--json")
    codes = [r["code"] for r in json.loads(outcome.out)]
    assert codes == [f"DL{n:03d}" for n in range(1, 22)]
    text = dlscan("rules").out
    assert "DL011  deep-nesting" in text and "max_depth=5" in text


def test_help_and_version(dlscan):
    assert "--internal-domain" in dlscan("scan", "--help").out
    assert dlscan("--version").out.startswith("dlscan, version")


def test_the_formats_the_cli_offers_are_the_sinks_there_are(dlscan):
    offered = dlscan("scan", "--help").out.split("--format [", 1)[1].split("]", 1)[0].split("|")
    assert {"csv", "html", "json", "table"} <= set(offered)


def test_a_short_report_names_the_rules_that_ran_and_found_nothing(tmp_path, dlscan):
    path = tmp_path / "x.ldif"
    path.write_text(
        "dn: CN=A,OU=Staff,DC=corp,DC=example\nobjectClass: user\nmail: a@corp.example\n\n"
        "dn: CN=Team,OU=Groups,DC=corp,DC=example\nobjectClass: group\ndisplayName: Team\nmail: team@corp.example\n"
        "managedBy: CN=A,OU=Staff,DC=corp,DC=example\nmember: CN=A,OU=Staff,DC=corp,DC=example\n\n",
        encoding="utf-8",
    )
    outcome = dlscan("scan", path, "--internal-domain", "corp.example", "--format", "json")
    summary = json.loads(outcome.out)["summary"]
    assert outcome.code == 0 and summary["findings"] == 0
    # DL009 and DL017 could not be judged from such an export: not clean, but not evaluated.
    assert "DL001" in summary["clean_rules"] and "DL005" in summary["clean_rules"]
    assert "DL009" not in summary["clean_rules"] and "DL017" not in summary["clean_rules"]
    table = dlscan("scan", path, "--internal-domain", "corp.example").out
    assert "Ran and found nothing: DL001, DL002," in " ".join(table.split())
