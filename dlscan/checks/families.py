"""Families of confusable lists: lists that can be mistaken for one another are one hazard, not one per
pair. A directory with twenty near-identical lists gets one finding that names its worst pair and lists
the others, so its volume follows the hazards and not the pairs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, TypeVar

from networkx.utils import UnionFind

from dlscan.findings import Evidence, Severity

T = TypeVar("T")


@dataclass(frozen=True)
class PairVerdict:
    """DL005's judgement of one pair of lists: what a slip between them would do, and why they look alike."""

    subject: str
    """The id of the list the finding is reported on: the one that reaches outside, if only one does."""
    other: str
    severity: Severity
    detail: str
    """The whole sentence for this pair."""
    short: str
    """The pair's reasons in a few words, for the list of a family's other pairs."""
    subject_label: str
    other_label: str
    remedy: str = ""
    """What to do beyond the rule's remediation, for this pair (e.g. another body's list)."""
    hiding_helps: bool = False
    """Only a slip onto the subject, picked from the address book, sends mail where the sender did not
    mean: hiding the subject there leaves the slip to autocomplete's memory (`hidden_severity`)."""

    @property
    def identity(self) -> str:
        return "|".join(sorted((self.subject, self.other)))

    @property
    def rank(self) -> tuple:
        """Worst first: the highest severity, then the pair whose ids sort first, so that a family keeps
        its finding id as it grows, unless a worse pair joins it."""
        return (-self.severity.rank, self.identity)


@dataclass(frozen=True)
class Family:
    worst: PairVerdict
    others: tuple[PairVerdict, ...]
    lists: int
    """How many lists the family holds."""

    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(
            Evidence(
                subject=f"'{v.subject_label}' and '{v.other_label}'",
                subject_id=v.identity,
                note=f"{v.severity.value}: {v.short}",
            )
            for v in self.others
        )

    def sentence(self) -> str:
        """What the family adds to its worst pair's detail; '' for a family of just the two lists."""
        more = self.lists - 2
        if not more and not self.others:
            return ""
        lists = f" and {more} more {'list' if more == 1 else 'lists'}" if more else ""
        if not self.others:
            return f" These two{lists} look alike; a slip between any other two of them reaches no one new outside."
        pairs = len(self.others)
        return (
            f" These two{lists} form a family of look-alike lists: {pairs} other "
            f"{'pair' if pairs == 1 else 'pairs'} in it can be mistaken too (listed in the JSON and HTML "
            f"report). Renaming this pair first removes the worst slip."
        )


def families(verdicts: Iterable[PairVerdict], links: UnionFind) -> Iterator[Family]:
    """The verdicts grouped by family, each worst pair first, in a stable order. `links` joins every
    pair of lists found alike, hazard or not: copies of one list that reach one audience are still one
    family with the copy that reaches another, and one finding."""
    found = [
        Family(worst=pairs[0], others=tuple(pairs[1:]), lists=size)
        for pairs, size in grouped(verdicts, links, attrgetter("subject"), attrgetter("rank"))
    ]
    yield from sorted(found, key=lambda f: f.worst.identity)


def grouped(
    pairs: Iterable[T], links: UnionFind, member: Callable[[T], str], rank: Callable[[T], Any]
) -> list[tuple[list[T], int]]:
    """Pairs of lists grouped by the family that `links` puts their `member` in, each group sorted by
    `rank` (best first), with the number of lists in its family: the one way DL005's look-alikes and
    DL014's copies become one finding per family."""
    by_family: dict[str, list[T]] = defaultdict(list)
    for pair in pairs:
        by_family[links[member(pair)]].append(pair)
    sizes = Counter(links[list_id] for list_id in links)
    return [(sorted(group, key=rank), sizes[root]) for root, group in by_family.items()]
