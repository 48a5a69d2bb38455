"""Pairs of sets that could be nearly the same, found among tens of thousands without comparing all pairs.

Prefix filtering, as in PPJoin (Xiao et al., 2008). With each set's members in one global order, sets x
and y of Jaccard similarity t or more (|x| >= |y|) share o >= t|x| members, and o >= 2t/(1+t)|y|. So
the first |x| - ceil(t|x|) + k members of x (its probe prefix) and the first |y| - ceil(2t/(1+t)|y|) + k
of y (its index prefix) share k members, or o if fewer. Pairs that share too few prefix members, or whose
sizes differ by more than t allows, cannot reach t; the rest are proposed, to be measured exactly by the
caller. `tests/test_duplicate_pairs.py` checks against comparing all pairs that nothing is lost.

Members are known by their hash, which numpy sorts and compares in bulk. Two members of one set with
the same hash would make the order within that set ambiguous, so then members are numbered exactly
instead (slower); members of different sets that share a hash can only add candidates. The global
order is by how many sets hold a member, rarest first, so that prefixes hold rare members and few sets
share them: a manager in every team list is never in a prefix.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Hashable, Sequence

import numpy as np
import pandas as pd

from dlscan.matching.arrays import ranges


def candidate_pairs(sets: Sequence[Collection[Hashable]], threshold: float, shared: int = 2) -> np.ndarray:
    """(i, j) rows, i < j, for every two of `sets` that could have Jaccard similarity `threshold` or more
    and share a member. `shared` is k above: with 1, lists of 60 people, each person in about seven of
    them, propose nearly every pair that shares one person by chance."""
    count = len(sets)
    if count < 2:
        return np.empty((0, 2), dtype=np.int64)
    sizes = np.fromiter(map(len, sets), np.int64, count)
    by_size = np.argsort(sizes, kind="stable")  # positions: smaller sets first
    ordered_sizes = sizes[by_size]
    ordered = [sets[i] for i in by_size.tolist()]
    owner = np.repeat(np.arange(count, dtype=np.int64), ordered_sizes)
    members = _ranked_members(ordered, owner, hash)
    if members is None:
        members = _ranked_members(ordered, owner, _exact_numbers(ordered))
    offset = np.arange(len(members)) - np.repeat(np.cumsum(ordered_sizes) - ordered_sizes, ordered_sizes)
    share = threshold / (1 + threshold)
    probe = ordered_sizes - np.ceil(threshold * ordered_sizes - 1e-9).astype(np.int64) + shared
    index = ordered_sizes - np.ceil(2 * share * ordered_sizes - 1e-9).astype(np.int64) + shared
    in_probe = offset < np.repeat(probe, ordered_sizes)
    in_index = (offset < np.repeat(index, ordered_sizes))[in_probe]
    members, owner = members[in_probe], owner[in_probe]
    # Entries by member, and within a member by position: a stable sort of entries in position order.
    order = np.argsort(members, kind="stable")
    member_keys = members[order] * count
    owner, in_index = owner[order], in_index[order]
    keys = member_keys + owner
    # An indexed entry pairs with the later entries of its member whose sets are not too large for it.
    largest = (
        np.searchsorted(ordered_sizes, ordered_sizes[owner] / threshold + 1e-9, side="right") if threshold else count
    )
    ends = np.searchsorted(keys, member_keys + largest, side="left")
    after = np.where(in_index, ends - np.arange(len(keys)) - 1, 0)
    smaller = np.repeat(owner, after)
    larger = owner[ranges(np.arange(len(keys)) + 1, after)]
    codes, found = np.unique(smaller * count + larger, return_counts=True)
    smaller, larger = np.divmod(codes, count)
    needed = np.ceil(share * (ordered_sizes[smaller] + ordered_sizes[larger]) - 1e-9).astype(np.int64)
    keep = found >= np.minimum(shared, np.maximum(needed, 1))
    pairs = np.column_stack((by_size[smaller[keep]], by_size[larger[keep]]))
    pairs.sort(axis=1)
    return pairs


def _exact_numbers(sets: list[Collection[Hashable]]) -> Callable[[Hashable], int]:
    numbers = dict(zip(dict.fromkeys(itertools.chain.from_iterable(sets)), itertools.count()))
    return numbers.__getitem__


def _ranked_members(
    sets: list[Collection[Hashable]], owner: np.ndarray, number: Callable[[Hashable], int]
) -> np.ndarray | None:
    """Every set's members as ranks (rarest member first), each set's in ascending order, end to end;
    None if `number` gives two members of one set the same number."""
    numbered = np.fromiter(map(number, itertools.chain.from_iterable(sets)), np.int64, len(owner))
    dense, distinct = pd.factorize(numbered)  # in a hash table: a sort of them all costs twice as much
    frequency = np.bincount(dense, minlength=len(distinct))
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[np.argsort(frequency, kind="stable")] = np.arange(len(distinct))
    keyed = (owner << 32) | rank[dense]
    keyed.sort()
    if len(keyed) > 1 and (keyed[1:] == keyed[:-1]).any():
        return None
    return keyed & 0xFFFFFFFF
