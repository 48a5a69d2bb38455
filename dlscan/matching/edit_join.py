"""Pairs of strings within one or two edits, found in bulk among hundreds of thousands.

Two strings within k edits become the same string once at most k characters are deleted from each (a
substitution is a deletion from both). So every string's variants with up to k characters deleted are
hashed, and strings that share a hash are candidates. The hashes are 64-bit polynomial hashes,
computed column by column over all strings of a length at once with numpy (`dlscan.matching.deletion_hashes`),
and matched in pandas' hash tables: a million names cost seconds, not the minutes a Python loop over
their variants takes. Hashes that collide only add candidates; every candidate is confirmed by an edit
distance computed in C, so the result is exact. `tests/test_similar.py` checks it against comparing every pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from dlscan.matching.arrays import ranges
from dlscan.matching.deletion_hashes import variant_count, variant_hashes

_PAIRS_PER_VARIANT = 2
"""Pairs measured a block at a time in C for the cost of one variant hashed and sorted: a thousand names
of twenty letters, 230,000 pairs of near length, take 5 ms to measure and 13 ms to hash."""


def edit_pairs(
    left: Sequence[str], right: Sequence[str] | None, one_edit_from: int, two_edits_from: int
) -> list[tuple[int, int]]:
    """(i, j) for every `left[i]` and `right[j]` within the edits allowed between them: one when the
    shorter is at least `one_edit_from` long, two when both are at least `two_edits_from` long.

    With `right` None, the pairs within `left` (i < j). Strings should be distinct.
    """
    left_lengths = _by_length(left)
    if right is None:
        pairs, variants = _self_join_costs(left_lengths, one_edit_from, two_edits_from)
        if pairs <= _PAIRS_PER_VARIANT * variants:
            return _pairs_by_comparing(left, left_lengths, one_edit_from, two_edits_from)
    right_lengths = left_lengths if right is None else _by_length(right)
    other = left if right is None else right
    found: set[tuple[int, int]] = set()
    for deletions, lengths in ((1, range(one_edit_from, two_edits_from + 1)), (2, range(two_edits_from, 1 << 20))):
        left_groups = {n: keys for n, keys in left_lengths.items() if n in lengths}
        right_groups = {n: keys for n, keys in right_lengths.items() if n in lengths}
        if right is None and left_groups:
            found.update(_confirmed(left, left, _sharing_within(left, left_groups, deletions), two_edits_from))
        elif left_groups and right_groups:
            pairs = _sharing_a_variant(left, left_groups, other, right_groups, deletions)
            found.update(_confirmed(left, other, pairs, two_edits_from))
    return sorted(found)


def _allowed(length: int, one_edit_from: int, two_edits_from: int) -> int:
    """The edits allowed between a string of `length` and one no shorter."""
    return 2 if length >= two_edits_from else 1 if length >= one_edit_from else 0


def _self_join_costs(groups: _Groups, one_edit_from: int, two_edits_from: int) -> tuple[int, int]:
    """(pairs, variants): how many pairs comparing every string with those of its length and the few
    lengths above compares, and how many variant hashes finding them by shared variants makes."""
    pairs = variants = 0
    for length, keys in groups.items():
        allowed = _allowed(length, one_edit_from, two_edits_from)
        if allowed:
            pairs += len(keys) * sum(len(groups.get(n, ())) for n in range(length, length + allowed + 1))
            variants += len(keys) * variant_count(length, allowed)
    return pairs, variants


def _pairs_by_comparing(
    texts: Sequence[str], groups: _Groups, one_edit_from: int, two_edits_from: int
) -> list[tuple[int, int]]:
    """Every pair within its edits, found by measuring every pair of near lengths, a block at a time in C:
    cheaper than hashing variants while strings are few (see `_PAIRS_PER_VARIANT`)."""
    found: list[tuple[int, int]] = []
    for length, keys in groups.items():
        allowed = _allowed(length, one_edit_from, two_edits_from)
        if not allowed:
            continue
        # Strings of this length pair among themselves once (a < b), and with every longer one.
        near = [k for n in range(length, length + allowed + 1) for k in groups.get(n, ())]
        rows, columns = _measured([texts[k] for k in keys], [texts[k] for k in near], allowed)
        # The first columns are this length's strings, in the rows' order: row < column keeps each once.
        keep = rows < columns
        a, b = np.asarray(keys)[rows[keep]], np.asarray(near)[columns[keep]]
        found.extend(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), strict=True))
    return sorted(found)


def _confirmed(
    left: Sequence[str], right: Sequence[str], pairs: np.ndarray, two_edits_from: int
) -> list[tuple[int, int]]:
    if not len(pairs):
        return []
    a = [left[i] for i in pairs[:, 0]]
    b = [right[j] for j in pairs[:, 1]]
    distances = process.cpdist(a, b, scorer=Levenshtein.distance, score_cutoff=2)
    shorter = np.minimum(np.fromiter(map(len, a), np.int64, len(a)), np.fromiter(map(len, b), np.int64, len(b)))
    allowed = np.where(shorter >= two_edits_from, 2, 1)
    return list(map(tuple, pairs[distances <= allowed].tolist()))


def _sharing_a_variant(
    left: Sequence[str], left_groups: _Groups, right: Sequence[str], right_groups: _Groups, deletions: int
) -> np.ndarray:
    """(i, j) rows, unique, for strings that share a variant with up to `deletions` characters deleted,
    or (for some lengths) that are within `deletions` edits."""
    swapped = _size(left_groups) > _size(right_groups)
    small, small_groups, large, large_groups = (
        (right, right_groups, left, left_groups) if swapped else (left, left_groups, right, right_groups)
    )
    # Only strings within `deletions` characters of a length can share a variant with it. Where the
    # smaller side has few of them, each string of that length is measured against them all instead.
    near_of = {
        length: [k for n in range(length - deletions, length + deletions + 1) for k in small_groups.get(n, ())]
        for length in large_groups
    }
    hashed = [n for n, near in near_of.items() if len(near) > _PAIRS_PER_VARIANT * variant_count(n, deletions)]
    large_owners, small_owners = [], []
    for length, near in near_of.items():
        if near and length not in hashed:
            keys = large_groups[length]
            rows, columns = _measured([large[k] for k in keys], [small[k] for k in near], deletions)
            large_owners.append(np.asarray(keys, dtype=np.int64)[rows])
            small_owners.append(np.asarray(near, dtype=np.int64)[columns])
    if hashed:
        wanted = {n for length in hashed for n in range(length - deletions, length + deletions + 1)}
        table = _VariantTable(small, [keys for n, keys in small_groups.items() if n in wanted], deletions)
        # The larger side probes the table one length at a time, so that its tens of millions of variant
        # hashes are never all in memory together.
        for length in hashed:
            found_large, found_small = table.probe(large, large_groups[length])
            large_owners.append(found_large)
            small_owners.append(found_small)
    if not large_owners:
        return np.empty((0, 2), dtype=np.int64)
    pairs = _unique_pairs(np.concatenate(large_owners), np.concatenate(small_owners), max(len(small), len(large)))
    return pairs if swapped else pairs[:, ::-1]


def _measured(texts: list[str], others: list[str], edits: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns): the positions of every `texts[row]` and `others[column]` within `edits`, measured
    as one block in C."""
    distances = process.cdist(texts, others, scorer=Levenshtein.distance, score_cutoff=edits, dtype=np.uint8)
    return np.nonzero(distances <= edits)


class _VariantTable:
    """The variant hashes of some strings, sorted, for strings of other lengths to probe."""

    def __init__(self, texts: Sequence[str], groups: list[list[int]], deletions: int) -> None:
        self._deletions = deletions
        parts = [(variant_hashes(texts, keys, deletions), keys) for keys in groups]
        hashes = np.concatenate([variants.ravel() for variants, _ in parts])
        owners = np.concatenate([np.tile(np.asarray(keys), len(variants)) for variants, keys in parts])
        order = np.argsort(hashes)
        ordered = hashes[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        unique = ordered[starts]
        self._counts = np.diff(np.r_[starts, len(ordered)])
        self._starts = starts
        self._owners = owners[order]
        self._index = pd.Index(unique.view(np.int64))
        self._present = _Presence(unique)

    def probe(self, texts: Sequence[str], keys: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """(a, b): each of `keys` (strings of one length) paired with every owner of a variant it shares."""
        probe = variant_hashes(texts, keys, self._deletions).ravel()
        maybe = self._present.maybe(probe)
        slot = self._index.get_indexer(probe[maybe].view(np.int64))
        found = slot >= 0
        hit, slot = maybe[found], slot[found]
        probe_owners = np.asarray(keys)[hit % len(keys)]
        # Each hit pairs its owner with every owner of the hash in the table.
        counts = self._counts[slot]
        return np.repeat(probe_owners, counts), self._owners[ranges(self._starts[slot], counts)]


_MAX_SLOT_BITS = 27
"""At most 128 MB of slots: beyond 16 million hashes more of the absent get through, and the table decides."""


class _Presence:
    """A byte per slot, eight slots per hash, set where a set of 64-bit hashes falls: most hashes not in
    the set are told so by one read, rather than by a look-up in a hash table, and about one in eight
    gets through by a shared slot, for the table to decide. Thirty million probes (an address join at
    L) take 0.5 s instead of 1.2."""

    def __init__(self, hashes: np.ndarray) -> None:
        slot_bits = min(_MAX_SLOT_BITS, max(16, (len(hashes) * 8).bit_length()))
        self._shift = np.uint64(64 - slot_bits)
        self._slots = np.zeros(1 << slot_bits, dtype=np.bool_)
        self._slots[hashes >> self._shift] = True

    def maybe(self, hashes: np.ndarray) -> np.ndarray:
        """The positions of `hashes` that may be in the set: all that are, and a few that are not."""
        return np.flatnonzero(self._slots[hashes >> self._shift])


def _sharing_within(texts: Sequence[str], groups: _Groups, deletions: int) -> np.ndarray:
    """(i, j) rows, unique and i < j, for strings of `texts` that share a variant."""
    # Sorting 64-bit words, each a hash's high bits with the owner in the low ones, brings equal hashes
    # together (a few more collide without their low bits, which costs candidates, not results). Only
    # variants of one length can be equal, so each length is sorted on its own: a few sorts of a million
    # words take two thirds of the time of one sort of thirty million.
    bits = np.uint64(max(1, (len(texts) - 1).bit_length()))
    by_variant_length: dict[int, list[np.ndarray]] = defaultdict(list)
    for length, keys in groups.items():
        variants = variant_hashes(texts, keys, deletions)
        variants >>= bits
        variants <<= bits
        variants |= np.asarray(keys, dtype=np.uint64)[None, :]
        # Row 0 is the string itself, the next `length` rows one character shorter, the rest two.
        for deleted, rows in enumerate((slice(0, 1), slice(1, 1 + length), slice(1 + length, None))):
            if len(variants[rows]):
                by_variant_length[length - deleted].append(variants[rows].ravel())
        del variants
    found = [_sharing_a_hash(np.concatenate(parts), bits) for parts in by_variant_length.values()]
    del by_variant_length
    a = np.concatenate([pair[0] for pair in found])
    b = np.concatenate([pair[1] for pair in found])
    return _unique_pairs(a, b, len(texts))


def _sharing_a_hash(words: np.ndarray, bits: np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) with a < b for every two owners (a word's low `bits`) whose words share their high bits."""
    if _SCREEN_FROM <= len(words) <= _SCREEN_UP_TO:
        words = _repeated(words)
    words.sort()
    codes = words >> bits
    same = codes[1:] == codes[:-1]
    # Only words whose hash another word shares go on: a few in a hundred.
    shared = np.zeros(len(words), dtype=bool)
    shared[1:] = same
    shared[:-1] |= same
    words, codes = words[shared], codes[shared]
    owners = (words & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    sizes = np.diff(np.r_[starts, len(codes)])
    # Every entry against every entry of its group; each pair is kept once, from its smaller key.
    entry_sizes = np.repeat(sizes, sizes)
    a = np.repeat(owners, entry_sizes)
    b = owners[ranges(np.repeat(starts, sizes), entry_sizes)]
    keep = a < b
    return a[keep], b[keep]


_SCREEN_FROM = 1 << 16
"""Words from which screening out those whose hash no other word shares costs less than sorting them."""
_SCREEN_UP_TO = 1 << (_MAX_SLOT_BITS - 4)
"""Words up to which the largest screen (2 ** 25 slots) has four slots a word: with fewer, most words
share a slot and stay."""


def _repeated(words: np.ndarray) -> np.ndarray:
    """The words whose top bits fall in a slot (one of four or more per word) where another word's fall:
    every word whose hash another shares, and about one in five of the rest. Sorting then takes a fifth
    of the words, and the screening, which reads and writes each word's slot twice, costs less than the
    sort saved (2.8 million words: 160 to 115 ms)."""
    slot_bits = min(_MAX_SLOT_BITS - 2, (len(words) * 4).bit_length())
    slots = (words >> np.uint64(64 - slot_bits)).astype(np.intp)
    positions = np.arange(len(words), dtype=np.int32)
    written = np.empty(1 << slot_bits, dtype=np.int32)
    written[slots] = positions  # where several words share a slot, one of their positions is left written
    shared = np.zeros(1 << slot_bits, dtype=np.bool_)
    shared[slots[written[slots] != positions]] = True
    return words[shared[slots]]


def _unique_pairs(a: np.ndarray, b: np.ndarray, width: int) -> np.ndarray:
    """The distinct (a, b) rows, for keys below `width`."""
    # One number per pair, so that duplicates (a pair shares many variants) go in a hash table, not a sort.
    codes = pd.unique(a * width + b)
    return np.column_stack(np.divmod(codes, width))


_Groups = dict[int, list[int]]
"""String length -> the keys of the strings of that length."""


def _by_length(texts: Sequence[str]) -> _Groups:
    groups: _Groups = defaultdict(list)
    for key, text in enumerate(texts):
        groups[len(text)].append(key)
    return groups


def _size(groups: _Groups) -> int:
    return sum(map(len, groups.values()))
