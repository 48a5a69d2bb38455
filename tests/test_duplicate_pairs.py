"""DL014's candidate pairs (prefix filtering) propose every pair a brute-force comparison accepts."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dlscan.matching.set_join import _ranked_members, candidate_pairs


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
    proposed = proposed_pairs(audiences, threshold)
    assert expected <= proposed
    if threshold >= 0.8:
        assert len(proposed) < len(audiences) ** 2 / 8  # and it prunes


def proposed_pairs(audiences: dict[str, frozenset], threshold: float) -> set[tuple[str, str]]:
    ids = list(audiences)
    pairs = candidate_pairs([audiences[i] for i in ids], threshold).tolist()
    assert all(a < b for a, b in pairs)
    return {tuple(sorted((ids[a], ids[b]))) for a, b in pairs}


class Colliding:
    """A member whose hash is shared with others: members are known by their hash unless two in one set share it."""

    def __init__(self, name: str, hash_: int) -> None:
        self.name, self.hash_ = name, hash_

    def __hash__(self) -> int:
        return self.hash_

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Colliding) and other.name == self.name


@pytest.mark.parametrize("seed", range(4))
def test_members_that_share_a_hash_lose_no_pair(seed):
    rng = random.Random(seed)
    people = [Colliding(f"p{n:02d}", n % 7) for n in range(40)]  # every set holds some that collide
    audiences = {}
    for n in range(60):
        base = rng.sample(people, rng.randint(3, 12))
        audiences[f"L{n:02d}"] = frozenset(base)
        audiences[f"T{n:02d}"] = frozenset([*base[1:], rng.choice(people)])
    for threshold in (0.5, 0.8, 0.9):
        assert brute_force(audiences, threshold) <= proposed_pairs(audiences, threshold)


def test_a_member_of_every_list_comes_last_in_every_list():
    # Lists of four people, all with the manager. With the manager in every prefix, every two lists would
    # be paired (and dropped) once for each: 300 lists, 45,000 pairs. Ranked by rarity, it is in none.
    sets = [frozenset({"manager", f"a{n}", f"b{n}", f"c{n}"}) for n in range(300)]
    owner = np.repeat(np.arange(300), 4)
    ranks = _ranked_members(sets, owner, hash).reshape(300, 4)
    assert (ranks[:, 3] == ranks[0, 3]).all()
    assert (ranks[:, :3] < ranks[0, 3]).all()
    twins = {f"T{n:03d}": s for n, s in enumerate(sets)} | {"twin": sets[7]}
    assert proposed_pairs(twins, 0.9) == {("T007", "twin")}
