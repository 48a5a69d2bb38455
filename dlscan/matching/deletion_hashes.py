"""The hashes of strings with characters deleted: two strings within k edits become the same string
once at most k characters are deleted from each, so strings whose such variants share a hash are the
candidates `dlscan.matching.edit_join` confirms. Every variant of every string of one length is made at once,
by a few numpy operations on the strings' polynomial hashes."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

_BASE = np.uint64(0x9E3779B97F4A7C15)  # odd, with well-mixed bits: any odd base would do


def variant_hashes(texts: Sequence[str], keys: list[int], deletions: int) -> np.ndarray:
    """For strings `texts[key]` all of one length: a column per key, of the hashes of the string (row 0)
    and its variants with up to `deletions` characters deleted (a row per variant)."""
    length = len(texts[keys[0]])
    codes = np.frombuffer("".join([texts[k] for k in keys]).encode("utf-32-le"), dtype=np.uint32)
    return _length_variants(np.ascontiguousarray(codes.reshape(len(keys), length).T, dtype=np.uint64), deletions)


@cache
def _pairs(length: int) -> tuple[np.ndarray, np.ndarray]:
    """Every two positions i < j of a string of `length`, as the rows of i and of j."""
    first, second = np.triu_indices(length, k=1)
    return first, second


def variant_count(length: int, deletions: int) -> int:
    """How many variants a string of `length` has: itself, one per deleted position, one per pair if two."""
    return 1 + length + (length * (length - 1) // 2 if deletions == 2 else 0)


def _length_variants(codes: np.ndarray, deletions: int) -> np.ndarray:
    """For n strings of one length (a length x n array of code points, a row per position): a v x n array
    of the hashes of each string (row 0), of its variants with one character deleted (the next `length`
    rows) and, if `deletions` is 2, with two deleted (the rest).

    With prefix[k] the hash of the first k characters and B the base, deleting character i leaves
    prefix[n] + (prefix[i] - prefix[i + 1]) * B^(n-1-i), and deleting i < j too adds the same term for
    i at B^(n-2-i) instead: every variant is the whole hash plus one or two rows of terms, so a few array
    operations make them all, however long the strings."""
    length, n = codes.shape
    power = np.ones(length + 1, dtype=np.uint64)
    prefix = np.zeros((length + 1, n), dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is the point
        for t in range(length):
            power[t + 1] = power[t] * _BASE
            prefix[t + 1] = prefix[t] * _BASE + codes[t]
        whole = prefix[length]
        dropped = prefix[:-1] - prefix[1:]  # row i: what deleting character i takes away, unscaled
        last = dropped * power[length - 1 :: -1, None]  # scaled as the only deletion: B^(n-1-i) in row i
        out = np.empty((variant_count(length, deletions), n), dtype=np.uint64)
        out[0] = whole
        np.add(last, whole, out=out[1 : 1 + length])
        if deletions == 2 and length > 1:
            first, second = _pairs(length)
            earlier = dropped[:-1] * power[length - 2 :: -1, None]  # scaled as the first of two: B^(n-2-i)
            pairs = out[1 + length :]
            np.take(earlier, first, axis=0, out=pairs)
            pairs += np.take(last, second, axis=0)
            pairs += whole
        # A polynomial hash keeps the last characters in its low bits only; mixed (the finaliser of
        # splitmix64), every bit depends on every character, so any slice of the bits will do.
        out ^= out >> np.uint64(30)
        out *= np.uint64(0xBF58476D1CE4E5B9)
        out ^= out >> np.uint64(27)
        out *= np.uint64(0x94D049BB133111EB)
        out ^= out >> np.uint64(31)
    return out
