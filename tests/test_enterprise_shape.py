"""DL005 on the enterprise shape (benchmarks/enterprise.py): numbered and generated addresses (Teams'
`msteams_…`, tools' bare GUIDs), region x department x team names and families of copied lists. Of all
the look-alike names, only the hazards are reported: the three planted, and the partner lists of one
department that differ by a region and reach different firms."""

from __future__ import annotations

import sys

from conftest import ROOT

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source

sys.path.insert(0, str(ROOT / "benchmarks"))
import bigdir
import enterprise

PLANTED = {"Payables (old)", "Safeguarding B\u043eard (External)", "Ward 07 Councillors"}


def test_only_the_hazards_among_the_enterprise_look_alikes_are_reported(tmp_path):
    people, groups = enterprise.build("S", seed=1)
    assert any(g.address[8] == "-" and g.address[36] == "@" for g in groups)  # bare GUID aliases are there
    path = tmp_path / "S-enterprise.json"
    bigdir.write_snapshot(people, groups, path)
    findings = [f for f in run_scan(load_source(path), [], load_rule_pack(rule_specs())).findings if f.code == "DL005"]
    partners = [f for f in findings if f.list.endswith("Partners (External)")]
    assert all(f.severity.value == "medium" and "different organisations" in f.detail for f in partners)
    assert all(f.related.endswith("Partners (External)") for f in partners)
    rest = [f for f in findings if f not in partners]
    found = {next((p for p in PLANTED if p in f.list or p in f.related), f.list) for f in rest}
    assert found == PLANTED and len(rest) == enterprise.PLANTED, [(f.list, f.related) for f in rest]
    # A numbered or generated address is never the reason two lists are alike.
    assert not any("their addresses" in f.detail or "alias" in f.detail for f in findings)
    # The partner families do not grow with the directory: one per department and round of names.
    assert len(partners) <= len(enterprise.DEPARTMENTS) + 1
