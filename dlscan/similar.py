"""Which names a person could mistake for each other, found without comparing every pair.

`compare` is the definition: it says why two names are confusable, or nothing. The indexes only
propose candidates; each proposal is confirmed by `compare`. Every reason `compare` can give has a
blocking key that guarantees the pair is proposed, so the indexed search finds exactly what comparing
all pairs would (tests/test_similar.py checks this against brute force):

- same skeleton, same words in any order, same stem: equal keys;
- an acronym: one name's acronym variants looked up among the others' exact forms;
- an autocomplete prefix: one name's word prefixes looked up among the others' exact forms;
- one edit: deletion neighbourhoods (two strings within one edit share the string or a one-character
  deletion of it), which propose only near-identical strings however common a first name is;
- two edits (long names only): a segment index (the PassJoin partition: two strings within k edits
  share one of k + 1 segments of the longer, near its position).
Edit candidates are confirmed by edit distances computed in C.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from dlscan.edit_index import MAX_EDITS, EditIndex
from dlscan.names import NameForms


class Reason(StrEnum):
    SAME = "same"
    WORD_ORDER = "word-order"
    SUFFIX = "suffix"
    ACRONYM = "acronym"
    PREFIX = "prefix"
    EDITS = "edits"


@dataclass(frozen=True)
class MatchSettings:
    one_edit_from: int = 7
    """Names (without spaces) at least this long are confusable with one character changed."""
    two_edits_from: int = 14
    """... and with two changed from this length."""
    prefix_from: int = 8
    """An autocomplete prefix counts from this many characters."""

    def allowed_edits(self, length: int) -> int:
        if length >= self.two_edits_from:
            return 2
        return 1 if length >= self.one_edit_from else 0


@dataclass(frozen=True, slots=True)
class Match:
    reasons: tuple[Reason, ...]
    edits: int = 0


@lru_cache(maxsize=200_000)
def acronym_variants(forms: NameForms) -> frozenset[str]:
    return frozenset(forms.acronym_variants())


def compare(a: NameForms, b: NameForms, settings: MatchSettings, *, use_prefix: bool = True) -> Match | None:
    """Why `a` and `b` could be mistaken for each other, strongest reason first; None if they could not."""
    if not a.compact or not b.compact:
        return None
    if a.exact == b.exact:
        return Match((Reason.SAME,))
    reasons = []
    if a.bag == b.bag:
        reasons.append(Reason.WORD_ORDER)
    if a.stem == b.stem:
        reasons.append(Reason.SUFFIX)
    if a.exact in acronym_variants(b) or b.exact in acronym_variants(a):
        reasons.append(Reason.ACRONYM)
    edits = 0
    allowed = settings.allowed_edits(min(len(a.compact), len(b.compact)))
    if allowed:
        distance = Levenshtein.distance(a.compact, b.compact, score_cutoff=allowed)
        if distance <= allowed:
            reasons.append(Reason.EDITS)
            edits = distance
    if use_prefix and _prefix(a, b, settings.prefix_from):
        reasons.append(Reason.PREFIX)
    return Match(tuple(reasons), edits) if reasons else None


def _prefix(a: NameForms, b: NameForms, minimum: int) -> bool:
    short, long_ = (a, b) if len(a.exact) <= len(b.exact) else (b, a)
    return len(short.exact) >= minimum and long_.exact.startswith(short.exact + " ")


class NameIndex:
    """Names indexed by every blocking key, so that look-ups propose all confusable candidates."""

    def __init__(
        self,
        names: Iterable[NameForms],
        settings: MatchSettings,
        *,
        prefixes: bool = True,
        acronyms: bool = True,
        index_edits: bool = True,
    ) -> None:
        self.names = list(names)
        self.settings = settings
        self.prefixes = prefixes
        self.acronyms = acronyms
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._bag: dict[str, list[int]] = defaultdict(list)
        self._stem: dict[str, list[int]] = defaultdict(list)
        self._compact = [forms.compact for forms in self.names]
        self._edits = EditIndex(settings.one_edit_from, settings.two_edits_from)
        for key, forms in enumerate(self.names):
            self._exact[forms.exact].append(key)
            self._bag[forms.bag].append(key)
            self._stem[forms.stem].append(key)
        if index_edits:
            for key, text in enumerate(self._compact):
                self._edits.add(key, text)

    def candidates(self, forms: NameForms, *, both_directions: bool = True, acronyms: bool = True) -> set[int]:
        """Indexed names that may be confusable with `forms`.

        With `both_directions`, acronym and prefix relations are also looked up with the indexed name
        as the shorter side; a self-join that probes with every name can do without. Without
        `acronyms`, names related only by an acronym may be left out.
        """
        found = self.key_candidates(forms, both_directions=both_directions, acronyms=acronyms)
        found.update(self.edit_candidates(forms))
        return found

    def edit_candidates(self, forms: NameForms) -> set[int]:
        """Indexed names within the allowed edits of `forms`, confirmed by one batched edit distance in C."""
        near, loose = self._edits.candidates(forms.compact)
        # Near candidates go straight to `compare`; loose ones are thinned by edit distances in C first.
        return near | self.confirm_edits(forms.compact, list(loose - near)) if loose else near

    def confirm_edits(self, text: str, keys: list[int]) -> set[int]:
        """Those of `keys` whose names are within the allowed edits of `text` (one batched call in C)."""
        if not keys:
            return set()
        choices = itemgetter(*keys)(self._compact) if len(keys) > 1 else (self._compact[keys[0]],)
        confirmed = set()
        for _, distance, position in process.extract(
            text, choices, scorer=Levenshtein.distance, score_cutoff=MAX_EDITS, limit=None
        ):
            if distance <= self.settings.allowed_edits(min(len(text), len(choices[position]))):
                confirmed.add(keys[position])
        return confirmed

    def key_candidates(self, forms: NameForms, *, both_directions: bool = True, acronyms: bool = True) -> set[int]:
        """Indexed names sharing a blocking key with `forms`: skeleton, words, stem, acronym, prefix."""
        found: set[int] = set()
        for index, key in ((self._exact, forms.exact), (self._bag, forms.bag), (self._stem, forms.stem)):
            hit = index.get(key)
            if hit:
                found.update(hit)
        with_acronyms = self.acronyms and acronyms
        if with_acronyms:
            for variant in acronym_variants(forms):
                found.update(self._exact.get(variant, ()))
        if self.prefixes:
            for prefix in forms.word_prefixes(self.settings.prefix_from):
                found.update(self._exact.get(prefix, ()))
        if both_directions and (with_acronyms or self.prefixes):
            found.update(self._reverse(forms))
        return found

    def _reverse(self, forms: NameForms) -> Iterator[int]:
        reverse = self.__dict__.get("_reverse_index")
        if reverse is None:
            reverse = defaultdict(list)
            for key, indexed in enumerate(self.names):
                for variant in acronym_variants(indexed) if self.acronyms else ():
                    reverse[variant].append(key)
                if self.prefixes:
                    for prefix in indexed.word_prefixes(self.settings.prefix_from):
                        reverse[prefix].append(key)
            self.__dict__["_reverse_index"] = reverse
        yield from reverse.get(forms.exact, ())


def confusable_pairs(
    names: list[NameForms], settings: MatchSettings, *, use_prefix: bool = True
) -> Iterator[tuple[int, int, Match]]:
    """Every confusable pair (i < j) among `names`, each once."""
    index = NameIndex(names, settings, prefixes=use_prefix, index_edits=False)
    proposed: set[tuple[int, int]] = set()
    for i, forms in enumerate(names):
        for j in index.key_candidates(forms, both_directions=False):
            if i != j:
                proposed.add((min(i, j), max(i, j)))
    # Edits: names in order of length, each probing only those indexed before it, so that every pair is
    # proposed once (from its longer side).
    segments = index._edits
    for i in sorted(range(len(names)), key=lambda k: len(names[k].compact)):
        text = names[i].compact
        near, loose = segments.candidates(text)
        for j in index.confirm_edits(text, list(near | loose)):
            proposed.add((min(i, j), max(i, j)))
        segments.add(i, text)
    for i, j in sorted(proposed):
        match = compare(names[i], names[j], settings, use_prefix=use_prefix)
        if match is not None:
            yield i, j, match
