"""A shared directory scanned for each of its bodies: the other bodies' look-alike lists in the same address
book, a boundary that matches nobody (or a sliver), and a sector's vocabulary. The expected findings are a
reviewed list (tests/golden/shared_health_reviewed.csv), each with the reason a person gave."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import ROOT

SAMPLE = ROOT / "sample_data" / "shared_health.ldif"
CONFIG = ROOT / "sample_data" / "shared_health.toml"
REVIEWED = ROOT / "tests" / "golden" / "shared_health_reviewed.csv"
BODIES = ("Wyvern Health NHS Trust", "Wyvern Children's Hospital", "Brookside Surgery")


def findings_for(dlscan, organisation: str, *extra: str) -> list[dict]:
    outcome = dlscan(
        "scan", SAMPLE, "--config", CONFIG, "--organisation", organisation, "--format", "json", "--fail-on", "never",
        *extra,
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    return json.loads(outcome.out)["findings"]


@pytest.mark.parametrize("organisation", BODIES)
def test_each_body_gets_the_reviewed_findings(dlscan, organisation):
    with REVIEWED.open(encoding="utf-8", newline="") as stream:
        reviewed = {
            (r["code"], r["severity"], r["list"], r["related"])
            for r in csv.DictReader(stream)
            if r["organisation"] == organisation
        }
    found = {(f["code"], f["severity"], f["list"], f["related"]) for f in findings_for(dlscan, organisation)}
    assert found == reviewed


def test_the_other_bodys_look_alike_list_is_named_with_its_organisation(dlscan):
    """The classic slip of a shared address book: a list one letter from another body's. The finding is on
    the scan's own list (the one it can rename), names the other body, and says what to change."""
    (pair,) = [f for f in findings_for(dlscan, "Wyvern Health NHS Trust") if f["code"] == "DL005"]
    assert pair["list"] == "WHT Discharge Team" and pair["related"] == "WCH Discharge Team"
    assert "is Wyvern Children's Hospital's list, in the same shared address book" in pair["detail"]
    assert "agree with them which list to rename" in pair["remediation"]
    assert "hide 'WCH Discharge Team' from Wyvern Health NHS Trust's address book" in pair["remediation"]


def test_a_plan_never_hides_a_list_from_an_address_book_other_bodies_share(dlscan, tmp_path):
    """Hiding the scan's own list would hide it from its own staff too; the other body's is theirs to hide."""
    plan = tmp_path / "plan.ldif"
    outcome = dlscan(
        "plan", SAMPLE, "--config", CONFIG, "--organisation", "Wyvern Health NHS Trust", "--only", "DL005",
        "--hide-confusable", "--format", "ldif", "-o", plan,
    )  # fmt: skip
    assert outcome.code == 0, outcome.err
    text = plan.read_text(encoding="utf-8")
    assert "\ndn:" not in text and "# By hand, DL005-" in text and "--hide-confusable" not in text


def test_hidden_lists_and_the_other_bodies_own_pairs_are_left_alone(dlscan):
    """'WCH Theatre Staff' is hidden from address lists, so nobody picks it from there by mistake; 'WCH
    Pharmacy' and 'Brookside Pharmacy' are two other bodies' lists, theirs to judge."""
    for organisation in BODIES:
        names = {f["list"] for f in findings_for(dlscan, organisation)} | {
            f["related"] for f in findings_for(dlscan, organisation)
        }
        assert not names & {"WHT Theatre Staff", "WCH Theatre Staff", "WCH Pharmacy", "Brookside Pharmacy"}


def test_without_the_health_vocabulary_maternity_is_not_sensitive(dlscan, tmp_path):
    """The gap the health pack closes: a council's keywords do not know "maternity"."""
    config = tmp_path / "council-words.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8").replace('rules = ["health"]\n', ""), encoding="utf-8")
    outcome = dlscan("scan", SAMPLE, "--config", config, "--format", "json", "--fail-on", "never")
    mixed = [f for f in json.loads(outcome.out)["findings"] if f["code"] == "DL001"]
    assert [(f["list"], f["severity"]) for f in mixed] == [("Maternity Team", "medium")]
    combined = dlscan(
        "scan", SAMPLE, "--config", config, "--rules", "health", "--rules", "education", "--format", "json",
        "--fail-on", "never",
    )  # fmt: skip
    mixed = [f for f in json.loads(combined.out)["findings"] if f["code"] == "DL001"]
    assert [(f["list"], f["severity"]) for f in mixed] == [("Maternity Team", "high")]
    assert json.loads(combined.out)["summary"]["rule_files"] == ["built-in", "health (shipped)", "education (shipped)"]


def test_a_boundary_that_matches_nobody_stops_the_scan_in_one_line(dlscan, tmp_path):
    """The export carries no extensionAttribute1 (a boundary written for the tenant, used on an AD export):
    every list would be left out and the directory reported clean. It exits 2 and says why instead."""
    config = tmp_path / "wrong.toml"
    config.write_text(
        '[scan]\norganisation = "Wyvern Health NHS Trust"\n[[boundary.organisations]]\n'
        'name = "Wyvern Health NHS Trust"\nattribute = "extensionAttribute1"\nvalues = ["WHT"]\n',
        encoding="utf-8",
    )
    outcome = dlscan("scan", SAMPLE, "--config", config, "--format", "json", "--output", tmp_path / "out.json")
    assert outcome.code == 2
    assert outcome.err.strip().splitlines() == [
        "dlscan: error: the boundary of organisation 'Wyvern Health NHS Trust' (extensionAttribute1 'WHT') matches "
        "no recipient: 0 of 15 people in internal domains carry extensionAttribute1 at all; check its attribute, "
        "values, OUs and groups against the export"
    ]
    assert not (tmp_path / "out.json").exists()


def test_a_boundary_that_matches_a_sliver_warns_and_fails_a_nightly_run(dlscan, tmp_path):
    """A misspelt value can match a handful: below min_share of the people in internal domains, the scan
    warns with the figures, and a nightly run fails like a collection, resolving nothing."""
    config = tmp_path / "dlscan.toml"
    text = CONFIG.read_text(encoding="utf-8").replace(
        'organisation = "Wyvern Health NHS Trust"', 'organisation = "Brookside Surgery"'
    )
    config.write_text(text + "\n[boundary]\nmin_share = 0.25\n", encoding="utf-8")
    scanned = dlscan("scan", SAMPLE, "--config", config, "--format", "json", "--fail-on", "never")
    assert scanned.code == 0
    assert (
        "dlscan: warning: The boundary of organisation 'Brookside Surgery' (companyName 'Brookside Surgery') "
        "matches only 3 of 15 people in internal domains (20.00%, below the boundary's min_share of 25.00%)"
    ) in scanned.err
    assert any("matches only 3 of 15" in note for note in json.loads(scanned.out)["summary"]["boundary"])

    nightly = tmp_path / "nightly.toml"
    nightly.write_text(
        text.replace("[scan]", f'[run]\nsource = "file"\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\n'
                     'json = "findings.json"\n\n[scan]') + "\n[boundary]\nmin_share = 0.25\n",
        encoding="utf-8",
    )  # fmt: skip
    run = dlscan("run", "--config", nightly)
    assert run.code == 2
    assert "Treated as a failed collection; no finding was resolved." in run.err
    assert not (tmp_path / "findings.json").exists()
