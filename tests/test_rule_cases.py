"""Every rule's pass and fail cases, kept as data in tests/rule_cases/, run as tests."""

from __future__ import annotations

import pytest
import yaml
from casefile import case_snapshot, load_cases

from dlscan.checks import CHECK_CLASSES, rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan

CASES = load_cases()
PACK = load_rule_pack(rule_specs())


@pytest.mark.parametrize(("rule", "name", "case"), CASES, ids=[f"{r}: {n}" for r, n, _ in CASES])
def test_rule_case(rule: str, name: str, case: dict, tmp_path) -> None:
    pack = PACK
    if case["pack"]:
        overlay = tmp_path / "pack.yaml"
        overlay.write_text(yaml.safe_dump(case["pack"]), encoding="utf-8")
        pack = load_rule_pack(rule_specs(), overlay)
    snapshot = case_snapshot(case["directory"])
    findings = [f for f in run_scan(snapshot, [], pack).findings if f.code == rule]
    expected = case["expect"]
    got = sorted(f.list_id for f in findings)
    assert got == sorted(e["list"] for e in expected), [f.detail for f in findings]
    by_list: dict[str, list] = {}
    for finding in findings:
        by_list.setdefault(finding.list_id, []).append(finding)
    for want in expected:
        candidates = by_list[want["list"]]
        finding = candidates.pop(0)
        if "severity" in want:
            assert finding.severity.value == want["severity"], finding.detail
        if "related" in want:
            assert finding.related == want["related"]
        for fragment in [want["detail"]] if "detail" in want else []:
            assert fragment in finding.detail
        assert finding.remediation and finding.rationale


def test_every_rule_has_pass_and_fail_cases() -> None:
    outcomes: dict[str, set[bool]] = {c.code: set() for c in CHECK_CLASSES}
    for rule, _, case in CASES:
        outcomes.setdefault(rule, set()).add(bool(case["expect"]))
    missing = {code: sorted(o) for code, o in outcomes.items() if o != {True, False}}
    assert not missing, f"rules without both a passing and a failing case: {missing}"
