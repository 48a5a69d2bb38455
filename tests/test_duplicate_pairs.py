"""DL014's candidate pairs (prefix filtering) propose every pair a brute-force comparison accepts."""

from __future__ import annotations

import random

import pytest

from dlscan.checks.structure import _candidate_pairs


def brute_force(audiences: dict[str, frozenset[str]], threshold: float) -> set[tuple[str, str]]:
    found = set()
    for a in audiences:
        for b in audiences:
            if a < b and audiences[a] & audiences[b]:
                common = len(audiences[a] & audiences[b])
                if common / (len(audiences[a]) + len(audiences[b]) - common) >= threshold:
                    found.add((a, b))
    return found


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.8, 0.9, 1.0])
@pytest.mark.parametrize("seed", range(4))
def test_prefix_filtering_loses_no_pair(threshold, seed):
    rng = random.Random(seed)
    people = [f"p{n:03d}" for n in range(60)]
    audiences = {}
    for n in range(120):
        base = rng.sample(people, rng.randint(3, 25))
        audiences[f"L{n:03d}"] = frozenset(base)
        if rng.random() < 0.4:  # near-duplicates, as directories have
            twin = set(base)
            for _ in range(rng.randint(0, 2)):
                twin.discard(rng.choice(base))
                twin.add(rng.choice(people))
            audiences[f"T{n:03d}"] = frozenset(twin)
    expected = brute_force(audiences, threshold)
    proposed = set(_candidate_pairs(audiences, threshold))
    assert expected <= proposed
    if threshold >= 0.8:
        assert len(proposed) < len(audiences) ** 2 / 8  # and it prunes
