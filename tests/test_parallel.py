"""The costliest check in a forked process gives exactly the findings of the one-process scan."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading

import pytest
from conftest import ROOT, SAMPLE

from dlscan.checks import build_checks, rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.scan.engine import run_scan
from dlscan.scan.parallel import _can_fork
from dlscan.sources import load_source

sys.path.insert(0, str(ROOT / "benchmarks"))
import synth

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")


def both_ways(snapshot):
    pack = load_rule_pack(rule_specs())
    # Otherwise the "parallel" scan below would quietly run in one process, and compare a thing to itself.
    assert _can_fork(), f"threads still running: {threading.enumerate()}"
    assert any(check.runs_apart for check in build_checks(pack))
    alone = run_scan(snapshot, [], pack, parallel_from=10**9)
    shared = run_scan(snapshot, [], pack, parallel_from=0)
    return alone, shared


def test_sample_scans_the_same_on_two_cores():
    alone, shared = both_ways(load_source(SAMPLE))
    assert shared.findings == alone.findings
    assert shared.summary == alone.summary
    assert any(f.code == "DL006" for f in shared.findings)  # the forked check did report


def test_council_scans_the_same_on_two_cores(tmp_path, monkeypatch):
    import dlscan.scan.parallel

    monkeypatch.setattr(dlscan.scan.parallel, "_PART", 1)  # the child's findings come one part each
    export = tmp_path / "council.ldif"
    export.write_text(synth.build(seed=7).ldif(), encoding="utf-8")
    alone, shared = both_ways(load_source(export))
    assert shared.findings == alone.findings


def test_an_error_in_the_forked_check_reaches_the_scan():
    from dlscan.checks import ScanContext
    from dlscan.checks.base import Check
    from dlscan.graph import MembershipGraph
    from dlscan.scan.engine import Boundary
    from dlscan.scan.parallel import run_checks

    class Broken(Check):
        code, slug, runs_apart = "DL999", "broken", True

        def run(self, ctx):
            yield from ()
            if os.getpid() != parent:  # in the parent it is fine: the error must come from the child
                raise ValueError("broken in the child")

    parent = os.getpid()

    snapshot = load_source(SAMPLE)
    pack = load_rule_pack(rule_specs())
    ctx = ScanContext(snapshot, MembershipGraph(snapshot), Boundary.for_snapshot(snapshot), pack.settings)
    broken = Broken(next(iter(pack.rules.values())))
    with pytest.raises(ValueError, match="broken in the child"):
        run_checks([broken], ctx, parallel_from=0)


def test_several_checks_apart_share_one_child_and_each_keeps_its_findings(monkeypatch):
    import dlscan.scan.parallel
    from dlscan.checks import ScanContext
    from dlscan.graph import MembershipGraph
    from dlscan.scan.engine import Boundary
    from dlscan.scan.parallel import run_checks

    monkeypatch.setattr(dlscan.scan.parallel, "_PART", 1)  # parts of different checks interleave on the pipe
    snapshot = load_source(SAMPLE)
    pack = load_rule_pack(rule_specs())

    def context():
        return ScanContext(
            snapshot, MembershipGraph(snapshot, deferred=True), Boundary.for_snapshot(snapshot), pack.settings
        )

    checks = build_checks(pack)
    alone = [list(c.run(context())) for c in checks]
    for check in checks:
        if check.code in ("DL001", "DL006", "DL013"):
            check.runs_apart = True
    shared = run_checks(checks, context(), parallel_from=0)
    assert shared == alone
    assert sum(1 for c, found in zip(checks, shared, strict=True) if c.runs_apart and found) >= 2


def _placed_checks(behaviour):
    """A context on the sample, and a maker of checks that report where they ran (here, or in the child),
    each doing `behaviour(code, in_child)` first."""
    from dlscan.checks import ScanContext
    from dlscan.checks.base import Check
    from dlscan.graph import MembershipGraph
    from dlscan.scan.engine import Boundary

    parent = os.getpid()
    snapshot = load_source(SAMPLE)
    pack = load_rule_pack(rule_specs())
    config = next(iter(pack.rules.values()))
    group = next(iter(snapshot.lists.values()))

    class Reporting(Check):
        slug = "where"

        def run(self, ctx):
            in_child = os.getpid() != parent
            behaviour(self.code, in_child)
            yield self.finding(ctx, group, detail=f"{self.code} ran {'child' if in_child else 'here'}.")

    def check(code, **placement):
        return type(f"Check{code}", (Reporting,), {"code": code, **placement})(config)

    ctx = ScanContext(snapshot, MembershipGraph(snapshot), Boundary.for_snapshot(snapshot), pack.settings)
    return ctx, check


def _run_placed(behaviour, either_side):
    """DL900 apart, DL901 here, then DL910... that either side may run, each doing `behaviour` first."""
    from dlscan.scan.parallel import run_checks

    ctx, check = _placed_checks(behaviour)
    checks = [
        check("DL900", runs_apart=True),
        check("DL901"),
        *(check(f"DL91{n}", runs_either_side=True) for n in range(either_side)),
    ]
    return run_checks(checks, ctx, parallel_from=0)


def _where(found):
    return [f.detail.split(".")[0] for findings in found for f in findings]


def test_the_free_process_takes_the_checks_either_side_may_run():
    """While this process is busy with its own check, the child, done with its own, takes every check that
    may run on either side; the findings are those of one process, in the order of the checks."""
    taken = multiprocessing.get_context("fork").Event()

    def behaviour(code, in_child):
        if code == "DL901":
            taken.wait(timeout=20)  # busy here until the child has taken the last, or long past it
        if code == "DL913":
            taken.set()

    assert _where(_run_placed(behaviour, either_side=4)) == [
        "DL900 ran child",
        "DL901 ran here",
        *(f"DL91{n} ran child" for n in range(4)),
    ]


def test_a_check_the_child_took_and_never_finished_runs_here():
    """A child that dies in a check it claimed (killed, out of memory) loses no findings: the check runs here."""
    claimed = multiprocessing.get_context("fork").Event()

    def behaviour(code, in_child):
        if code == "DL901":
            claimed.wait(timeout=20)
        if code == "DL910" and in_child:
            claimed.set()
            os._exit(1)

    assert _where(_run_placed(behaviour, either_side=3)) == [
        "DL900 ran child",
        "DL901 ran here",
        "DL910 ran here",
        "DL911 ran here",
        "DL912 ran here",
    ]


def test_the_claims_hand_out_each_position_once_then_stop():
    import itertools

    from dlscan.scan.parallel import _Claims

    claims = _Claims(multiprocessing.get_context("fork").Value("i", 0), [3, 5, 8])
    assert list(itertools.islice(claims, 10)) == [3, 5, 8]  # bounded: a counter that never moves fails, not hangs
    assert list(claims) == []  # spent for both processes, as the counter is shared
