"""Blocking keys for edit distances: every pair of strings within the allowed edits shares a key.

`EditIndex` only proposes candidates; `dlscan.similar.compare` decides. One edit is allowed from
`one_edit_from` characters, two from `two_edits_from` (both strings at least that long).
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

MAX_EDITS = 2

_PARTS = MAX_EDITS + 2
"""Segments per indexed string: MAX_EDITS edits break at most MAX_EDITS of them, so two stay whole."""


class SegmentIndex:
    """Strings by their segments: proposes every indexed string within MAX_EDITS edits of a probe.

    An indexed string is cut into MAX_EDITS + 2 segments; a probe within MAX_EDITS edits contains two
    of them unchanged, each shifted by at most MAX_EDITS and consistently with the length difference
    (PassJoin's partition, asking for two matching segments instead of one). Names built on one
    pattern ("Housing Bedford Team") share a segment with thousands of others, but rarely two.
    """

    def __init__(self, min_length: int) -> None:
        self.min_length = min_length
        self._by_segment: dict[tuple[int, int, str], list[int]] = defaultdict(list)
        self._lengths: set[int] = set()

    @staticmethod
    @lru_cache(maxsize=4096)
    def layout(length: int) -> tuple[tuple[int, int], ...]:
        """(start, length) of the segments of a string of `length`."""
        short = length // _PARTS
        longer_from = _PARTS - length % _PARTS
        segments, start = [], 0
        for i in range(_PARTS):
            size = short + (1 if i >= longer_from else 0)
            segments.append((start, size))
            start += size
        return tuple(segments)

    def add(self, key: int, text: str) -> None:
        if len(text) < self.min_length:
            return
        self._lengths.add(len(text))
        for i, (start, size) in enumerate(self.layout(len(text))):
            self._by_segment[(len(text), i, text[start : start + size])].append(key)

    @staticmethod
    @lru_cache(maxsize=4096)
    def _plan(probe_length: int, length: int) -> tuple[tuple[int, int, int], ...]:
        """(segment, position in the probe, size) of every probe substring that may be a whole segment of
        an indexed string of `length`: shifted by at most MAX_EDITS, and consistently with the lengths."""
        delta = probe_length - length
        plan = []
        for i, (start, size) in enumerate(SegmentIndex.layout(length)):
            low = max(0, start - MAX_EDITS, start + delta - MAX_EDITS)
            high = min(probe_length - size, start + MAX_EDITS, start + delta + MAX_EDITS)
            plan += [(i, position, size) for position in range(low, high + 1)]
        return tuple(plan)

    def candidates(self, text: str) -> set[int]:
        m = len(text)
        keys = []
        for length in range(max(self.min_length, m - MAX_EDITS), m + MAX_EDITS + 1):
            if length in self._lengths:
                keys += [(length, i, text[p : p + size]) for i, p, size in self._plan(m, length)]
        by_segment = self._by_segment
        hits = by_segment.keys() & keys  # most keys miss: looked up in C
        if len({key[1] for key in hits}) < 2:
            return set()
        matched: list[set[int]] = [set() for _ in range(_PARTS)]
        for key in hits:
            matched[key[1]].update(by_segment[key])
        found: set[int] = set()
        for a in range(_PARTS):
            for b in range(a + 1, _PARTS):
                if matched[a] and matched[b]:
                    found |= matched[a] & matched[b]  # strings that kept two segments
        return found


class EditIndex:
    """Strings by keys that every pair within its allowed edits shares (`MatchSettings.allowed_edits`).

    A pair allowed one edit has its shorter string in [one_edit_from, two_edits_from) and so both in
    [one_edit_from, two_edits_from]: those are indexed by deletion neighbourhood. A pair allowed two
    has both strings at least two_edits_from long: those are indexed by segment.
    """

    def __init__(self, one_edit_from: int, two_edits_from: int) -> None:
        self._one_edit = range(one_edit_from, two_edits_from + 1)
        self._deletions: dict[str, list[int]] = defaultdict(list)
        self._segments = SegmentIndex(two_edits_from)

    @staticmethod
    def _neighbourhood(text: str) -> set[str]:
        variants = {text[:i] + text[i + 1 :] for i in range(len(text))}
        variants.add(text)
        return variants

    def add(self, key: int, text: str) -> None:
        if len(text) in self._one_edit:
            deletions = self._deletions
            for variant in self._neighbourhood(text):
                deletions[variant].append(key)
        self._segments.add(key, text)

    def candidates(self, text: str) -> tuple[set[int], set[int]]:
        """(near, loose): strings sharing a deletion variant with `text`, all within two edits of it; and
        strings sharing a segment, which most often are not."""
        near: set[int] = set()
        if len(text) in self._one_edit:
            deletions = self._deletions
            for variant in deletions.keys() & self._neighbourhood(text):
                near.update(deletions[variant])
        loose = self._segments.candidates(text) if len(text) >= self._segments.min_length else set()
        return near, loose
