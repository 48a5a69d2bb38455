"""A scan leaves Python's cycle collector as it found it: nothing frozen, enabled or not as before.

Within a job the snapshot is frozen out of the collector's sight (dlscan.support.memory); a program that
embeds dlscan must not inherit that.
"""

from __future__ import annotations

import gc

import pytest
from conftest import SAMPLE

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.operations.runner import ScanRequest, execute_scan
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source
from dlscan.support.memory import settled_job


@pytest.fixture(autouse=True)
def _nothing_frozen():
    gc.unfreeze()  # whatever an earlier test of the session left
    yield
    gc.unfreeze()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_scan_job_gives_back_what_it_froze(enabled, tmp_path):
    (gc.enable if enabled else gc.disable)()
    try:
        execute_scan(ScanRequest(source=SAMPLE, format="json", output=tmp_path / "out.json"))
        assert gc.get_freeze_count() == 0
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


@pytest.mark.parametrize("parallel_from", [0, 10**9], ids=["forked", "one process"])
def test_reading_and_scanning_outside_a_job_freeze_nothing(parallel_from):
    snapshot = load_source(SAMPLE)
    assert gc.get_freeze_count() == 0
    run_scan(snapshot, [], load_rule_pack(rule_specs()), parallel_from=parallel_from)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_inside_a_job_the_snapshot_stays_frozen_until_the_job_ends():
    with settled_job():
        snapshot = load_source(SAMPLE)
        assert gc.get_freeze_count() > 0
        with settled_job():  # a job inside a job gives back nothing early
            run_scan(snapshot, [], load_rule_pack(rule_specs()), parallel_from=0)
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_what_the_caller_froze_stays_frozen():
    held = [object() for _ in range(10)]
    gc.freeze()
    before = gc.get_freeze_count()
    execute_scan(ScanRequest(source=SAMPLE, format="json", output=None))
    assert gc.get_freeze_count() >= before
    del held


def test_a_job_that_is_the_whole_process_gives_nothing_back():
    """The command line's job: the interpreter's last collection at exit would walk the heap for nothing."""
    with settled_job(until_exit=True):
        execute_scan(ScanRequest(source=SAMPLE, format="json", output=None))  # a job inside gives back nothing
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() > 0  # less what reference counting freed as the block ended
