"""DL007 and DL019 over real bodies' domains: every UK local authority (and the bodies listed beside
them) compared with every other, as though each in turn were the internal domain.

    python benchmarks/real_domains.py

Under a suffix that only public bodies can register (gov.uk, police.uk, nhs.uk…), another body's
domain is never an imitation (DL007): it is at most a neighbour a sender may slip to (DL019). Under an
open suffix (org.uk, .com) anyone can register a name one letter from another's, so dlscan cannot tell a
real body from an impersonator there; those pairs are counted and listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dlscan.checks import rule_specs
from dlscan.checks.addresses import DomainComparer
from dlscan.checks.rulepack import load_rule_pack

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "uk_council_domains.txt"


@dataclass(frozen=True)
class Verdicts:
    domains: int
    imitations: tuple[tuple[str, str, str], ...]
    """(the look-alike, the domain it would imitate, why), over every ordered pair."""
    neighbours: tuple[tuple[str, str], ...]
    restricted: frozenset[str]

    def restricted_imitations(self) -> list[tuple[str, str, str]]:
        """Imitations where both domains are under a suffix only public bodies can register."""
        return [i for i in self.imitations if _under(i[0], self.restricted) and _under(i[1], self.restricted)]


def corpus() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def verdicts() -> Verdicts:
    restricted = load_rule_pack(rule_specs()).settings.restricted_suffixes
    comparer = DomainComparer(restricted)
    domains = corpus()
    imitations, neighbours = [], []
    for own in domains:
        for other in domains:
            if other == own:
                continue
            why = comparer.imitation(other, own)
            if why is not None:
                imitations.append((other, own, why))
            elif comparer.neighbour(other, own) is not None:
                neighbours.append((other, own))
    return Verdicts(len(domains), tuple(imitations), tuple(neighbours), restricted)


def _under(domain: str, suffixes: frozenset[str]) -> bool:
    return any(domain.endswith("." + suffix) for suffix in suffixes)


def main() -> None:
    found = verdicts()
    pairs = found.domains * (found.domains - 1)
    print(f"  {found.domains} real domains, {pairs} ordered pairs")
    print(f"  imitations (DL007): {len(found.imitations)}, of which under restricted suffixes: "
          f"{len(found.restricted_imitations())}")  # fmt: skip
    for other, own, why in found.imitations:
        print(f"    {other} / {own}: {why}")
    print(f"  neighbours (DL019): {len(found.neighbours)} ordered pairs")


if __name__ == "__main__":
    main()
