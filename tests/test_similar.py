"""The indexed confusable search finds exactly the pairs that comparing every pair finds."""

from __future__ import annotations

import itertools
import random

import pytest

from dlscan.names import NameForms, skeleton
from dlscan.similar import MatchSettings, NameIndex, Reason, compare, confusable_pairs

WORDS = [
    "housing",
    "finance",
    "children",
    "adult",
    "social",
    "care",
    "team",
    "service",
    "payments",
    "safeguarding",
    "duty",
    "planning",
    "ward",
    "councillors",
    "waste",
    "revenue",
    "benefits",
    "legal",
    "hr",
    "desk",
    "board",
    "group",
    "north",
    "options",
    "repairs",
]


def variant(rng: random.Random, name: str) -> str:
    """A name bent the ways people mistake names: typos, homoglyphs, suffixes, order, acronyms."""
    roll = rng.random()
    words = name.split()
    if roll < 0.12:
        return name.replace("a", "\u0430", 1)  # Cyrillic a
    if roll < 0.24:
        i = rng.randrange(len(name))
        return name[:i] + name[i + 1 :]
    if roll < 0.34:
        i = rng.randrange(len(name) - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if roll < 0.44:
        return name + rng.choice([" (Partners)", " - External", " Contractors"])
    if roll < 0.54:
        return " ".join(reversed(words))
    if roll < 0.64 and len(words) > 2:
        return "".join(w[0] for w in words[:2]).upper() + " " + " ".join(words[2:])
    if roll < 0.72:
        return name.upper() + "s"
    return " ".join(rng.sample(WORDS, rng.randint(2, 4)))


def names(count: int, seed: int) -> list[NameForms]:
    rng = random.Random(seed)
    base = [" ".join(rng.sample(WORDS, rng.randint(2, 4))).title() for _ in range(count // 2)]
    texts = base + [variant(rng, rng.choice(base)) for _ in range(count - len(base))]
    return [NameForms.of(t) for t in texts]


SETTINGS = [MatchSettings(), MatchSettings(one_edit_from=5, two_edits_from=9), MatchSettings(10, 12)]


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "short", "long"])
@pytest.mark.parametrize("seed", [1, 2])
def test_self_join_recall_equals_brute_force(seed, settings):
    forms = names(700, seed)
    found = {(i, j) for i, j, _ in confusable_pairs(forms, settings)}
    brute = {(i, j) for i, j in itertools.combinations(range(len(forms)), 2) if compare(forms[i], forms[j], settings)}
    assert found == brute
    reasons = {r for i, j in brute for r in compare(forms[i], forms[j], settings).reasons}
    assert reasons == set(Reason), "the sample must exercise every reason"


def people(count: int, seed: int) -> list[NameForms]:
    """Personal names as a directory holds them, with the typos and swaps people make."""
    rng = random.Random(seed)
    first = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "Ann", "Christopher"]
    last = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez"]
    texts = [f"{rng.choice(first)} {rng.choice(last)}{rng.choice(['', '', '2', '17'])}" for _ in range(count // 2)]
    texts += [variant(rng, rng.choice(texts)) for _ in range(count - len(texts))]
    return [NameForms.of(t) for t in texts]


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "short", "long"])
@pytest.mark.parametrize("make", [names, people])
def test_lookup_recall_equals_brute_force(settings, make):
    forms = make(900, 3)
    indexed, probes = forms[:600], forms[600:]
    index = NameIndex(indexed, settings, prefixes=False)
    matched = 0
    for probe in probes:
        want = {j for j, other in enumerate(indexed) if compare(probe, other, settings, use_prefix=False)}
        got = {j for j in index.candidates(probe) if compare(probe, indexed[j], settings, use_prefix=False)}
        assert got == want, probe.original
        matched += len(want)
    assert matched > 100, "the sample must hold confusable names to find"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Wyvern", "Wyvem"),
        ("Finance", "F\u0456nance"),
        ("Payroll", "Pay\u200broll"),
        ("Zoë", "Zoe"),
        ("B0ard", "Board"),
        ("LEGAL", "legal"),
    ],
)
def test_skeleton_meets_look_alikes(a, b):
    assert skeleton(a) == skeleton(b)


def test_skeleton_keeps_different_names_apart():
    assert skeleton("Iegal") != skeleton("legal")  # capital I against l is left to the one-edit rule
    assert skeleton("Housing") != skeleton("Hosing")
