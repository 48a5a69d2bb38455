"""Structure: nesting cycles, deep nesting, empty lists and lists that duplicate each other."""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import ClassVar

from dlscan.checks.base import Check, ScanContext, plural
from dlscan.findings import Finding


class NestingCycle(Check):
    """DL010: lists that contain themselves through nesting; the finding names the whole cycle."""

    code = "DL010"
    slug = "nesting-cycle"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        lists = ctx.snapshot.lists
        for cycle in ctx.graph.cycles:
            group = lists[cycle[0]]
            loop = (*cycle, cycle[0])
            chain = " > ".join(ctx.names(loop))
            yield self.finding(
                ctx,
                group,
                related=lists[cycle[1]].label if len(cycle) > 1 else group.label,
                identity="|".join(sorted(cycle)),
                detail=f"'{group.label}' contains itself: {chain}.",
                path=loop,
            )


class DeepNesting(Check):
    """DL011: nesting deeper than the `max_depth` parameter (levels of lists below a list)."""

    code = "DL011"
    slug = "deep-nesting"
    params: ClassVar[Mapping[str, type]] = {"max_depth": int}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        limit = self.config.params["max_depth"]
        for group in ctx.mail_lists:
            depth = ctx.graph.depth(group.id)
            if depth <= limit:
                continue
            chain = ctx.graph.deepest_chain(group.id)
            yield self.finding(
                ctx,
                group,
                related=ctx.snapshot.label_of(chain[-1]),
                detail=f"Lists are nested {depth} levels deep below this one (the limit is {limit}).",
                path=chain,
            )


class EmptyList(Check):
    """DL012: a mail-enabled list that reaches no recipient."""

    code = "DL012"
    slug = "empty-list"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            if ctx.receiving(group.id):
                continue
            if not group.members:
                detail = "The list has no members."
            else:
                detail = (
                    f"The list has {plural(len(group.members), 'member')}, but none of them receives list "
                    "mail (groups that are not mail-enabled, or accounts without an address)."
                )
            yield self.finding(ctx, group, detail=detail)


class DuplicateMembership(Check):
    """DL014: two lists with the same, or nearly the same, recipients under different names.

    Pairs where one list is nested inside the other are deliberate and not reported. Candidates come
    from an inverted index (recipient -> lists), so only lists that share recipients are compared.
    """

    code = "DL014"
    slug = "duplicate-membership"
    params: ClassVar[Mapping[str, type]] = {"min_similarity": float, "min_recipients": int}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        threshold = self.config.params["min_similarity"]
        minimum = max(1, self.config.params["min_recipients"])
        audiences = {g.id: ctx.receiving(g.id) for g in ctx.mail_lists}
        audiences = {k: v for k, v in audiences.items() if len(v) >= minimum}
        lists = ctx.snapshot.lists
        for list_id, other in _candidate_pairs(audiences, threshold):
            mine, theirs = audiences[list_id], audiences[other]
            common = len(mine & theirs)
            union = len(mine) + len(theirs) - common
            if common / union < threshold or ctx.graph.contains(list_id, other) or ctx.graph.contains(other, list_id):
                continue
            first, second = sorted((lists[list_id], lists[other]), key=lambda g: (g.label.casefold(), g.id))
            yield self._finding(ctx, first, second, common, union)

    def _finding(self, ctx: ScanContext, group, other, common: int, union: int) -> Finding:
        if common == union:
            detail = f"Reaches exactly the same {plural(common, 'recipient')} as '{other.label}'."
        else:
            detail = f"Shares {common} of {union} recipients ({common / union:.0%}) with '{other.label}'."
        return self.finding(ctx, group, related=other.label, key=other.id, detail=detail)


_SHARED_IN_PREFIXES = 2
"""k above. With k = 1, lists of 60 people, each person in about seven of them, proposed 780,000 pairs
at a million recipients, nearly all of them sharing one person by chance."""


def _first(members: frozenset[str], count: int) -> list[str]:
    """The first `count` members in the global (string) order. Sorting in C is quicker until the set is
    large and the prefix a small part of it (a tenth, for t = 0.9), where a heap of the prefix wins."""
    if count >= len(members) or len(members) <= 4 * count or len(members) < 1000:
        return sorted(members)[:count]
    return heapq.nsmallest(count, members)


def _candidate_pairs(audiences: Mapping[str, frozenset[str]], threshold: float) -> list[tuple[str, str]]:
    """Every pair of lists that share a recipient and could reach the threshold, each as (smaller id, larger id).

    Prefix and positional filtering, as in PPJoin (Xiao et al., 2008). With each set's members in one
    global order, sets x and y of Jaccard similarity t or more share a = t/(1+t)(|x|+|y|) members or
    more, so the first |x| - a + k members of x and the first |y| - a + k of y share k of them, or a if
    fewer. Sets are taken smallest first; each probes the index with its first |x| - ceil(t|x|) + k
    members and indexes its first |x| - ceil(2t/(1+t)|x|) + k, enough against any larger partner. A pair
    whose shared members come so late that a cannot be reached is dropped, and so is a pair whose sizes
    differ by more than t allows. Every proposed pair is then measured exactly: nothing is lost or guessed.
    """
    # Lists by position in size order: pairs are then numbers, which a million of cost little to keep and sort.
    ids = sorted(audiences, key=lambda k: (len(audiences[k]), k))
    sizes = [len(audiences[list_id]) for list_id in ids]
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    pairs: set[int] = set()
    count = len(ids)
    share = threshold / (1 + threshold)
    for position, list_id in enumerate(ids):
        size = sizes[position]
        prefix = _first(audiences[list_id], size - math.ceil(threshold * size - 1e-9) + _SHARED_IN_PREFIXES)
        smallest_partner = threshold * size
        # other -> (shared members found so far, members the pair needs), or shared -1 once out of reach
        found: dict[int, tuple[int, int]] = {}
        for i, member in enumerate(prefix):
            # Posting lists are in ascending size: walk from the largest down to the first too small.
            for other, j in reversed(index[member]):
                if sizes[other] < smallest_partner:
                    break
                shared, needed = found.get(other) or (0, math.ceil(share * (size + sizes[other]) - 1e-9))
                if shared >= 0:
                    possible = shared + 1 + min(size - i - 1, sizes[other] - j - 1)
                    found[other] = (shared + 1 if possible >= needed else -1, needed)
        pairs.update(
            other * count + position
            for other, (shared, needed) in found.items()
            if shared >= min(_SHARED_IN_PREFIXES, max(needed, 1))
        )
        indexed = size - math.ceil(2 * share * size - 1e-9) + _SHARED_IN_PREFIXES
        for j, member in enumerate(prefix[:indexed]):
            index[member].append((position, j))
    ordered = []
    for code in sorted(pairs):
        a, b = ids[code // count], ids[code % count]
        ordered.append((a, b) if a < b else (b, a))
    return ordered
