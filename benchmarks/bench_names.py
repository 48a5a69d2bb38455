"""Confusable-name search at scale, and its recall against comparing every pair.

    python benchmarks/bench_names.py                  # 100,000 list names + 500,000 recipient names
    python benchmarks/bench_names.py --recall 10000   # brute force on a 10,000-name sample as well

Runs the engine the checks use (dlscan.matching.similar): the list self-join of DL005, and the outsider-against-
insider look-up of DL006 (500,000 recipients: 450,000 staff and 50,000 outside contacts, looked up
against the staff and the lists).
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlscan.matching.names import NameForms
from dlscan.matching.similar import MatchSettings, Reason, compare, confusable_join, confusable_pairs

SETTINGS = MatchSettings()
AREAS = ["North", "South", "East", "West", "Central", "Riverside", "Moorland", "Harbour", "Valley", "Castle"]
DEPARTMENTS = [
    "Housing",
    "Finance",
    "Adult Social Care",
    "Children's Services",
    "Planning",
    "Legal",
    "Payroll",
    "Revenues",
    "Benefits",
    "Waste",
    "Leisure",
    "Libraries",
    "Highways",
    "Parking",
    "Licensing",
    "Environmental Health",
    "Trading Standards",
    "Public Health",
    "Education",
    "Transport",
]
FUNCTIONS = [
    "Team",
    "Managers",
    "Officers",
    "Duty",
    "Board",
    "Panel",
    "Forum",
    "Partners",
    "Contractors",
    "Admin",
    "Leads",
    "Rota",
    "Support",
    "Enquiries",
    "Projects",
    "Assessments",
    "Reviews",
    "Network",
]
SYLLABLES = [
    "an",
    "bel",
    "cor",
    "dan",
    "el",
    "far",
    "gar",
    "hol",
    "in",
    "jo",
    "kel",
    "lin",
    "mar",
    "nor",
    "os",
    "pen",
    "quin",
    "ros",
    "sam",
    "tor",
    "ul",
    "van",
    "wil",
    "xan",
    "yor",
    "zel",
    "ash",
    "bry",
    "cal",
    "dew",
]


def word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).title()


def list_names(count: int, rng: random.Random) -> list[str]:
    """Names as a large shared directory has them: organisation, department, function.

    Organisations hold about 50 lists each; 5% are numbered series, and 5% are planted variants of
    another name (a suffix, capitals, a dropped letter, a Cyrillic look-alike).
    """
    organisations = sorted(
        {
            f"{word(rng, 3)} {rng.choice(['Council', 'Trust', 'Practice', 'Academy'])}"
            for _ in range(max(1, count // 50))
        }
    )
    names: list[str] = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.05:
            names.append(f"{rng.choice(organisations)} Ward {i % 60:02d} Councillors")
        elif roll < 0.10 and names:
            base = rng.choice(names)
            names.append(rng.choice([base + " (Partners)", base.upper(), base[:-1], base.replace("a", "\u0430", 1)]))
        else:
            parts = [rng.choice(organisations), rng.choice(AREAS), rng.choice(DEPARTMENTS), rng.choice(FUNCTIONS)]
            names.append(" ".join(parts[:1] + rng.sample(parts[1:], rng.randint(1, 3))))
    return names


def people(count: int, rng: random.Random, suffix: str = "") -> list[str]:
    return [f"{word(rng, rng.randint(1, 2))} {word(rng, rng.randint(2, 3))}{suffix}" for _ in range(count)]


def timed(label: str, action):
    started = time.perf_counter()
    result = action()
    print(f"  {label:<52} {time.perf_counter() - started:7.2f} s")
    return result


def scale(lists: int, recipients: int) -> None:
    rng = random.Random(42)
    outsiders = recipients // 10
    print(f"## {lists:,} list names, {recipients:,} recipient names ({outsiders:,} outside contacts)")
    started = time.perf_counter()
    list_texts = list_names(lists, rng)
    staff_texts = people(recipients - outsiders, rng)
    outsider_texts = people(outsiders, rng, " (Supplier)")
    generated = time.perf_counter() - started
    list_forms = timed("list names -> forms", lambda: NameForms.many(list_texts))
    pairs = timed("DL005 engine: confusable pairs among lists", lambda: list(confusable_pairs(list_forms, SETTINGS)))
    staff_forms = timed("staff names -> forms", lambda: NameForms.many(staff_texts))
    outsider_forms = timed("outsider names -> forms", lambda: NameForms.many(outsider_texts))
    # As DL006 does it: the distinct outsider names joined with the distinct staff and list names.
    staff_distinct = list({f.original: f for f in staff_forms}.values())
    targets = list_forms + staff_distinct
    counted = [True] * len(list_forms) + [False] * len(staff_distinct)  # staff are not matched by acronym

    def lookup() -> int:
        joined = confusable_join(outsider_forms, targets, SETTINGS, use_prefix=False, acronyms=counted)
        return sum(1 for _, j, match in joined if counted[j] or match.reasons != (Reason.ACRONYM,))

    hits = timed("DL006 engine: join outsiders with staff and list names", lookup)
    total = time.perf_counter() - started - generated
    print(f"  {'total (without generating the names)':<52} {total:7.2f} s")
    print(f"  {len(pairs):,} confusable list pairs; {hits:,} (outsider, staff or list name) matches")


def _brute_chunk(args: tuple[list[str], int, int]) -> set[tuple[int, int]]:
    texts, start, step = args
    forms = [NameForms.of(t) for t in texts]
    found = set()
    for i in range(start, len(forms), step):
        for j in range(i + 1, len(forms)):
            if compare(forms[i], forms[j], SETTINGS):
                found.add((i, j))
    return found


def recall(sample: int) -> None:
    rng = random.Random(7)
    texts = list_names(sample, rng)
    forms = [NameForms.of(t) for t in texts]
    started = time.perf_counter()
    indexed = {(i, j) for i, j, _ in confusable_pairs(forms, SETTINGS)}
    indexed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        brute = set().union(*pool.map(_brute_chunk, [(texts, k, 2) for k in range(2)]))
    brute_seconds = time.perf_counter() - started
    pairs = len(list(itertools.combinations(range(sample), 2)))
    missed = brute - indexed
    print(f"## recall on {sample:,} names ({pairs:,} pairs compared by brute force)")
    print(f"  brute force: {len(brute):,} confusable pairs in {brute_seconds:.1f} s")
    print(f"  indexed:     {len(indexed):,} confusable pairs in {indexed_seconds:.2f} s")
    print(
        f"  recall: {100 * (len(brute) - len(missed)) / max(1, len(brute)):.2f}% ({len(missed)} missed), "
        f"extra: {len(indexed - brute)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lists", type=int, default=100_000)
    parser.add_argument("--recipients", type=int, default=500_000)
    parser.add_argument("--recall", type=int, default=0, help="brute-force sample size (0: skip)")
    args = parser.parse_args()
    scale(args.lists, args.recipients)
    if args.recall:
        recall(args.recall)


if __name__ == "__main__":
    main()
