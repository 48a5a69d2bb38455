"""A shared mail service at benchmark shape: organisations on one domain, each scanned for itself.

The expected findings are worked out here from the generator's own lists and people, independently of
dlscan's graph: a list is mixed for an organisation when the people it reaches, nesting expanded,
include someone of that organisation and someone who is not.
"""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

from dlscan.operations.runner import load_pack
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source

sys.path.insert(0, str(ROOT / "benchmarks"))
import bigdir

ORGANISATIONS = 3
BOUNDARY = bigdir.boundary(ORGANISATIONS)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    people, groups = bigdir.build("S", seed=1, organisations=ORGANISATIONS)
    folder = tmp_path_factory.mktemp("shared")
    bigdir.write_snapshot(people, groups, folder / "S.json")
    bigdir.write_ldif(people, groups, folder / "S.ldif")
    return people, groups, folder


def expected_mixed(people, groups, organisation: str) -> set[str]:
    company = {p.id: p.company for p in people}
    by_id = {g.id: g for g in groups}
    reach: dict[str, set[str]] = {}

    def reached(group_id: str, path: frozenset[str] = frozenset()) -> set[str]:
        if group_id in reach:
            return reach[group_id]
        found: set[str] = set()
        for member in by_id[group_id].members:
            if member in by_id:
                if member not in path:
                    found |= reached(member, path | {group_id})
            else:
                found.add(member)
        if not path:
            reach[group_id] = found
        return found

    mixed = set()
    for group in groups:
        recipients = reached(group.id)
        ours = {r for r in recipients if company.get(r) == organisation}
        if ours and recipients - ours:
            mixed.add(group.id)
    return mixed


@pytest.mark.parametrize("organisation", [f"Organisation {n}" for n in range(1, ORGANISATIONS + 1)])
def test_each_organisation_finds_exactly_the_lists_that_mix_it_with_others(shared, organisation):
    people, groups, folder = shared
    result = run_scan(load_source(folder / "S.json"), [], load_pack(None, BOUNDARY, organisation))
    found = {f.list_id for f in result.findings if f.code == "DL001"}
    expected = expected_mixed(people, groups, organisation)
    assert found == expected and len(expected) > 10
    cross = [f for f in result.findings if f.code == "DL001" and "is not 'Organisation" in f.detail]
    assert cross, "some lists mix organisations of the shared domain, not only outside contacts"


def test_the_ldif_export_gives_the_same_findings(shared):
    _, _, folder = shared
    pack = load_pack(None, BOUNDARY, "Organisation 2")
    from_snapshot = {f.finding_id for f in run_scan(load_source(folder / "S.json"), [], pack).findings}
    from_ldif = {f.finding_id for f in run_scan(load_source(folder / "S.ldif"), [], pack).findings}
    assert from_ldif == {i for i in from_snapshot if not i.startswith("DL009")} and len(from_ldif) > 100
