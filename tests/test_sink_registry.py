"""An output format is one module: a `Sink` subclass, found by the CLI, the scan and the nightly job alike.

The toy format below is the whole of what a new format needs; no other file of dlscan is edited.
"""

from __future__ import annotations

import gc
import sys
from typing import IO

import pytest
from conftest import SAMPLE

from dlscan import sinks as sinks_package
from dlscan.sinks import Sink, sink_classes

TOY_MODULE = '''
from dlscan.sinks.base import Sink


class CountSink(Sink):
    """One line: how many findings, by code."""

    name = "count"

    def write(self, result, findings, stream, run=None):
        codes = sorted({f.code for f in findings})
        stream.write(" ".join(f"{c}={sum(f.code == c for f in findings)}" for c in codes) + "\\n")
'''


@pytest.fixture
def toy_format():
    """A format defined by a program or a test: defining the class is all it takes."""

    class CodesSink(Sink):
        name = "codes"

        @classmethod
        def config_key(cls) -> str:
            return "codes_file"

        def write(self, result, findings, stream: IO, run=None) -> None:
            for finding in findings:
                status = f" {run.marks[finding.finding_id].status}" if run is not None else ""
                stream.write(f"{finding.finding_id}{status}\n")

    return CodesSink


def test_a_sink_subclass_is_a_format(dlscan, toy_format, tmp_path):
    assert sink_classes()["codes"] is toy_format
    assert "codes" in dlscan("scan", "--help").out
    output = tmp_path / "found.txt"
    outcome = dlscan("scan", SAMPLE, "--format", "codes", "--output", output, "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    lines = output.read_text(encoding="utf-8").splitlines()
    json_out = dlscan("scan", SAMPLE, "--format", "json", "--fail-on", "never").out
    assert len(lines) == 50 and all(line in json_out for line in lines)


def test_a_nightly_job_writes_it_under_its_config_key(dlscan, toy_format, tmp_path):
    config = tmp_path / "dlscan.toml"
    config.write_text(
        f'[run]\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\ncodes_file = "night.txt"\n', encoding="utf-8"
    )
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 0, outcome.err
    lines = (tmp_path / "night.txt").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 50 and all(line.endswith(" new") for line in lines)


def test_a_key_of_no_format_is_unknown(dlscan, tmp_path):
    config = tmp_path / "dlscan.toml"
    config.write_text(f'[run]\ninput = "{SAMPLE.as_posix()}"\npdf = "night.pdf"\n', encoding="utf-8")
    outcome = dlscan("run", "--config", config, "--fail-on", "never")
    assert outcome.code == 2 and "unknown key 'pdf' in [run]" in outcome.err


def test_a_module_dropped_into_the_package_is_found(dlscan, tmp_path, monkeypatch):
    """The package is searched, not listed: a new module of dlscan/sinks/ is a new format."""
    folder = tmp_path / "more_sinks"
    folder.mkdir()
    (folder / "count.py").write_text(TOY_MODULE, encoding="utf-8")
    monkeypatch.setattr(sinks_package, "__path__", [*sinks_package.__path__, str(folder)])
    try:
        outcome = dlscan("scan", SAMPLE, "--format", "count", "--fail-on", "never")
        assert outcome.code == 0, outcome.err
        assert outcome.out.startswith("DL001=")
    finally:
        sys.modules.pop("dlscan.sinks.count", None)
        gc.collect()
