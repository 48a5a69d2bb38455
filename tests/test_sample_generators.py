"""The shipped samples are what their generators write: a generator that has drifted from its sample (or
stopped running) is found here, not by the next person to regenerate it."""

from __future__ import annotations

import runpy
import sys

import pytest
from conftest import ROOT

SAMPLES = ROOT / "sample_data"


@pytest.mark.parametrize(
    ("generator", "sample"),
    [
        ("make_wyvern", "wyvern.ldif"),
        ("make_shared", "shared_service.ldif"),
        ("make_shared_health", "shared_health.ldif"),
    ],
)
def test_each_generator_writes_its_sample_byte_for_byte(generator, sample, monkeypatch):
    monkeypatch.syspath_prepend(str(SAMPLES))
    module = runpy.run_path(str(SAMPLES / f"{generator}.py"), run_name="sample")
    assert module["build"]() == (SAMPLES / sample).read_text(encoding="utf-8")
    sys.modules.pop("sample_ldif", None)
