"""A council-sized export the rules were not written against: every planted hazard, no false alarm."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import synth


@pytest.mark.parametrize("seed", [7, 2024])
def test_planted_hazards_found_and_clean_lists_silent(tmp_path, seed):
    council = synth.build(seed=seed)
    export = tmp_path / "northmoor.ldif"
    export.write_text(council.ldif(), encoding="utf-8")
    assert len(council.records) >= 1900
    findings = run_scan(load_source(export), [], load_rule_pack(rule_specs())).findings
    found = {(f.code, f.list) for f in findings}
    assert found == council.expected
    severities = {(f.code, f.list): f.severity.value for f in findings}
    assert severities[("DL002", "Children and Families Leadership")] == "critical"
    assert severities[("DL003", "Adult Care Safeguarding Board")] == "critical"
    assert {severities[k] for k in found if k[1].endswith("[EXT]")} == {"info"}


def test_confusable_hazards_have_the_right_severity(tmp_path):
    council = synth.build()
    export = tmp_path / "northmoor.ldif"
    export.write_text(council.ldif(), encoding="utf-8")
    findings = run_scan(load_source(export), [], load_rule_pack(rule_specs())).findings
    severity = {(f.code, f.list): f.severity.value for f in findings}
    assert {severity[k] for k in severity if k[0] == "DL005"} <= {"high", "critical"}
    assert severity[("DL005", "P\u0430yroll Queries")] == "critical"  # payroll is sensitive
    assert severity[("DL007", "Accounts Payable")] == "high"
    assert severity[("DL008", "Fostering Network")] == "high"
    assert not [f for f in findings if "Ward" in f.list]
