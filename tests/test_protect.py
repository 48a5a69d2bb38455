"""Outputs never overwrite inputs: the source, the config, rule packs, accepted risks, the history.

Each case is what a careless admin did: pointed a report at a file dlscan reads.
"""

from __future__ import annotations

import os
import time

import pytest
from conftest import SAMPLE

from dlscan.operations.protect import remove_leftovers


@pytest.fixture
def job(tmp_path):
    """A nightly job's folder: its own copy of the export, accepted risks, rules and config."""
    export = tmp_path / "export.ldif"
    export.write_bytes(SAMPLE.read_bytes())
    (tmp_path / "accepted.yaml").write_text("suppressions: []\n", encoding="utf-8")
    (tmp_path / "rules.yaml").write_text("settings: {}\n", encoding="utf-8")
    return tmp_path


def write_config(folder, output_key: str, output: str) -> os.PathLike:
    config = folder / "dlscan.toml"
    config.write_text(
        '[run]\ninput = "export.ldif"\nstate_dir = "state"\nsuppressions = "accepted.yaml"\n'
        f'{output_key} = "{output}"\n[scan]\nrules = "rules.yaml"\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    ("output_key", "output", "what"),
    [
        ("csv", "export.ldif", "the export it scans"),
        ("json", "dlscan.toml", "the config file"),
        ("html", "accepted.yaml", "the accepted risks"),
        ("table", "rules.yaml", "the rule pack"),
        ("csv", "state/history.sqlite", "the history"),
        ("html", "state/dlscan.lock", "the run lock"),
        ("keep_snapshot", "export.ldif", "the export it scans"),
    ],
)
def test_a_nightly_output_naming_an_input_is_refused(job, dlscan, output_key, output, what):
    config = write_config(job, output_key, output)
    before = {p.name: p.read_bytes() for p in job.iterdir() if p.is_file()}
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 2
    assert what in outcome.err and "refusing to overwrite it" in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1
    assert {p.name: p.read_bytes() for p in job.iterdir() if p.is_file()} == before


def test_an_output_reached_through_a_link_is_the_same_file(job, dlscan):
    (job / "report.csv").symlink_to(job / "export.ldif")
    os.link(job / "accepted.yaml", job / "hard.json")
    for key, name in (("csv", "report.csv"), ("json", "hard.json")):
        outcome = dlscan("run", "--config", write_config(job, key, name), "--fail-on", "never")
        assert outcome.code == 2 and "refusing to overwrite it" in outcome.err, outcome.err
    assert (job / "export.ldif").read_bytes() == SAMPLE.read_bytes()


def test_two_outputs_of_one_file_are_refused(job, dlscan):
    config = write_config(job, "csv", "out.txt")
    config.write_text(config.read_text(encoding="utf-8").replace("[scan]", 'json = "out.txt"\n[scan]'), "utf-8")
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 2 and "are the same file" in outcome.err


@pytest.mark.parametrize("target", ["dlscan.toml", "rules.yaml", "export.ldif"])
def test_scan_output_naming_an_input_is_refused(job, dlscan, target):
    config = job / "dlscan.toml"
    config.write_text("[scan]\nformat = \"csv\"\n", encoding="utf-8")
    before = (job / target).read_bytes()
    outcome = dlscan(
        "scan", job / "export.ldif", "--config", config, "--rules", job / "rules.yaml", "-o", job / target
    )
    assert outcome.code == 2 and "refusing to overwrite it" in outcome.err
    assert (job / target).read_bytes() == before


def test_a_killed_runs_half_written_files_are_removed(job, dlscan):
    config = write_config(job, "csv", "findings.csv")
    left = job / ".findings.csv.a1b2c3d4.tmp"
    left.write_bytes(b"half a report")
    unrelated = job / ".other.csv.a1b2c3d4.tmp"
    unrelated.write_bytes(b"not ours")
    assert dlscan("run", "--config", config, "--fail-on", "never").code == 0
    assert not left.exists() and unrelated.exists() and (job / "findings.csv").exists()


def test_a_scan_removes_only_leftovers_old_enough_to_be_a_killed_run(tmp_path):
    target = tmp_path / "findings.csv"
    old, fresh = tmp_path / ".findings.csv.old00000.tmp", tmp_path / ".findings.csv.new00000.tmp"
    for path in (old, fresh):
        path.write_bytes(b"x")
    an_hour_ago = time.time() - 7200
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert remove_leftovers(target, older_than=3600) == [old]
    assert fresh.exists()
