"""Size S of the scale benchmark scans to exactly the findings it gave before any optimisation.

The golden file holds each finding's id and a digest of its row, so that a faster graph, loader or rule
that changes a single word of a single finding fails here. A change meant to alter findings is listed,
finding by finding with why, in scale_S_reviewed.yaml; the golden file itself stays as it was.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from conftest import ROOT

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan
from dlscan.sinks.base import COLUMNS, finding_row
from dlscan.sources import load_source

sys.path.insert(0, str(ROOT / "benchmarks"))
import bigdir
import yaml

GOLDEN = ROOT / "tests" / "golden" / "scale_S.json"
REVIEWED = ROOT / "tests" / "golden" / "scale_S_reviewed.yaml"
GOLDEN_COLUMNS = COLUMNS[:12]
"""The columns of a row when the golden file was made (columns are only ever appended): columns added
since do not change its digests."""


def digest(row: dict[str, str]) -> str:
    kept = {name: row[name] for name in GOLDEN_COLUMNS}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def expected_rows() -> dict[str, str]:
    """The golden findings with the reviewed changes applied."""
    rows = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for change in yaml.safe_load(REVIEWED.read_text(encoding="utf-8")):
        assert change["why"] and (change["id"] in rows) is (change["change"] != "new"), change
        if change["change"] == "gone":
            del rows[change["id"]]
        else:  # changed, or new: a finding the golden scan did not have
            rows[change["id"]] = change["digest"]
    return rows


def scan_rows(folder: Path, reader: str) -> dict[str, str]:
    people, groups = bigdir.build("S", seed=1)
    path = folder / f"S.{reader}"
    (bigdir.write_snapshot if reader == "json" else bigdir.write_ldif)(people, groups, path)
    result = run_scan(load_source(path), [], load_rule_pack(rule_specs()))
    return {f.finding_id: digest(finding_row(f)) for f in result.findings}


def test_size_s_findings_are_unchanged(tmp_path):
    found = scan_rows(tmp_path, "json")
    expected = expected_rows()
    assert len(found) == len(expected) > 500
    assert found == expected


def test_size_s_from_ldif_gives_the_same_findings(tmp_path):
    # The LDIF carries no Exchange attributes, so DL009 is not evaluated there; everything else agrees.
    expected = {k for k in expected_rows() if not k.startswith("DL009")}
    assert scan_rows(tmp_path, "ldif").keys() == expected
