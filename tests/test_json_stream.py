"""The JSON sink writes finding by finding; the bytes are those of the whole document encoded at once."""

from __future__ import annotations

import json

import orjson
from conftest import ROOT, SAMPLE


def _whole(text: bytes) -> bytes:
    return orjson.dumps(json.loads(text), option=orjson.OPT_INDENT_2) + b"\n"


def test_a_streamed_scan_is_the_document_encoded_whole(dlscan, tmp_path):
    for output, args in (
        (tmp_path / "sample.json", (SAMPLE,)),
        (tmp_path / "none.json", (SAMPLE, "--min-severity", "critical", "--rules", "health")),
        (
            tmp_path / "brookside.json",
            (
                ROOT / "sample_data" / "shared_health.ldif",
                "--config",
                ROOT / "sample_data" / "shared_health.toml",
                "--organisation",
                "Brookside Surgery",
            ),
        ),
    ):
        assert dlscan("scan", *args, "--format", "json", "--fail-on", "never", "--output", output).code == 0
        written = output.read_bytes()
        assert written == _whole(written)
    assert json.loads((tmp_path / "brookside.json").read_bytes())["findings"] == []


def test_a_nightly_document_keeps_its_run_counts_after_the_findings(dlscan, tmp_path):
    config = tmp_path / "dlscan.toml"
    config.write_text(
        f'[run]\nsource = "file"\ninput = "{SAMPLE.as_posix()}"\nstate_dir = "state"\njson = "night.json"\n',
        encoding="utf-8",
    )
    assert dlscan("run", "--config", config, "--fail-on", "never").code == 0
    written = (tmp_path / "night.json").read_bytes()
    assert written == _whole(written)
    assert list(json.loads(written))[-2:] == ["findings", "run"]
