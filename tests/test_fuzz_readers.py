"""Bounded property tests of every reader: a mutated input is read, or refused with a dlscan error (one
line, exit 2), never anything else. The long run is benchmarks/fuzz_readers.py; both mutate the seeds of
tests/fuzz_inputs.py."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from fuzz_inputs import TARGETS, mutate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.operations.config import load_config
from dlscan.operations.suppressions import load_suppressions
from dlscan.sources import load_source
from dlscan.support.errors import DlscanError


def read(target: str, path: Path) -> None:
    if target in ("ldif", "snapshot"):
        load_source(path)
    elif target == "config":
        load_config(path)
    elif target == "rulepack":
        load_rule_pack(rule_specs(), path)
    else:
        load_suppressions(path, list(rule_specs()))


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_seed_reads(target, tmp_path):
    path = tmp_path / TARGETS[target].file_name
    path.write_bytes(TARGETS[target].seed)
    read(target, path)


@pytest.mark.parametrize("target", sorted(TARGETS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False), steps=st.integers(1, 6))
def test_a_mutated_input_is_read_or_refused_in_one_line(target, tmp_path, rng: random.Random, steps: int):
    path = tmp_path / TARGETS[target].file_name
    path.write_bytes(mutate(TARGETS[target].seed, rng, steps))
    began = time.monotonic()
    try:
        read(target, path)
    except DlscanError as exc:
        assert str(exc).strip()  # the command line prints it as one line
    assert time.monotonic() - began < 10
