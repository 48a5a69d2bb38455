"""How many of dnstwist's permutations of real internal domains DL007 or DL019 flags, by kind.

    python benchmarks/dnstwist_recall.py

dnstwist (a maintained domain-permutation engine, not written for dlscan) generates the look-alikes an
attacker would register; DL007's comparer should flag those that fool a person. Bit flips and
dictionary words are not expected to be flagged (docs/rules.md says why). Needs dnstwist (the test extra).
"""

from __future__ import annotations

from collections import Counter

import dnstwist

from dlscan.checks import rule_specs
from dlscan.checks.addresses import DomainComparer
from dlscan.checks.rulepack import load_rule_pack

DOMAINS = ("wyvern.gov.uk", "essex.gov.uk", "kent.gov.uk", "nhs.net", "herefordshire.gov.uk", "met.police.uk")
"""Six internal domains of the kinds councils have: long and short names, two-label suffixes, nhs.net."""
NOT_EXPECTED = frozenset({"bitsquatting", "dictionary", "tld-swap", "*original"})
"""Kinds that need not fool a reader: a flipped bit gives a letter nobody would mistake ('wyfern'), a
dictionary word or another suffix is a different name."""


def recall() -> dict[str, tuple[int, int]]:
    """Kind -> (flagged, generated), over all DOMAINS."""
    restricted = load_rule_pack(rule_specs()).settings.restricted_suffixes
    comparer = DomainComparer(restricted)
    flagged: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for own in DOMAINS:
        fuzzer = dnstwist.Fuzzer(own)
        fuzzer.generate()
        for item in fuzzer.domains:
            kind = item["fuzzer"]
            if kind == "*original":
                continue
            total[kind] += 1
            # Under a suffix only public bodies can register (gov.uk), a permutation is another body's
            # real domain: DL019 reports the slip there, DL007 elsewhere. Either way it is flagged.
            how = comparer.imitation(item["domain"], own) or comparer.neighbour(item["domain"], own)
            flagged[kind] += how is not None
    return {kind: (flagged[kind], total[kind]) for kind in sorted(total)}


def main() -> None:
    found = recall()
    for kind, (hit, all_) in found.items():
        mark = "" if kind not in NOT_EXPECTED else "  (not expected)"
        print(f"  {kind:14} {hit:6} of {all_:6}  {hit / all_:6.1%}{mark}")
    hit = sum(h for k, (h, _) in found.items() if k not in NOT_EXPECTED)
    all_ = sum(a for k, (_, a) in found.items() if k not in NOT_EXPECTED)
    print(f"  expected kinds: {hit} of {all_} ({hit / all_:.1%})")


if __name__ == "__main__":
    main()
