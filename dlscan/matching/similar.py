"""Which names a person could mistake for each other, found without comparing every pair.

`compare` is the definition: it says why two names are confusable, or nothing. The joins below only
propose candidates (with `dlscan.matching.proposals`); each proposal is confirmed by `compare`. Every
reason `compare` can give has a key that guarantees the pair is proposed, so the joins find exactly
what comparing all pairs would
(tests/test_similar.py checks this against brute force):

- same skeleton, same words in any order, same stem: equal keys; the same once look-alike capitals are
  mapped before case is folded (`dlscan.matching.capitals`): equal keys among the few names with one;
- an acronym: one name's acronym variants looked up among the others' exact forms;
- an autocomplete prefix: one name's word prefixes looked up among the others' exact forms;
- one or two edits: a shared variant with characters deleted (`dlscan.matching.edit_join`), confirmed by edit
  distances computed in C.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from dlscan.matching.capitals import capital_pairs, capitals_alike
from dlscan.matching.names import ACRONYM_MIN_WORDS, NameForms
from dlscan.matching.proposals import COMPACT, by_compact, keyed_pairs
from dlscan.matching.rewritten import one_word_rewritten


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
    two_edits_in_a_word_from: int = 0
    """Two edits that fall in one word count only when that word is at least this long, or they are one
    swap of neighbouring letters (`dlscan.matching.rewritten`): two letters changed in a short word make
    another word ("Hexham" and "Chesham"). 0: edits are not judged by word. For list names, which are read
    word by word; not for people's names, whose spellings vary."""

    def allowed_edits(self, length: int) -> int:
        if length >= self.two_edits_from:
            return 2
        return 1 if length >= self.one_edit_from else 0


@dataclass(frozen=True, slots=True)
class Match:
    reasons: tuple[Reason, ...]
    edits: int = 0


def acronym_variants(forms: NameForms) -> frozenset[str]:
    """A name's acronym variants, kept for the names that have any: most names are too short, and are
    answered without hashing their forms for the cache."""
    return _cached_acronym_variants(forms) if len(forms.raw_words) >= ACRONYM_MIN_WORDS else _NO_VARIANTS


_NO_VARIANTS: frozenset[str] = frozenset()


@lru_cache(maxsize=200_000)
def _cached_acronym_variants(forms: NameForms) -> frozenset[str]:
    return frozenset(forms.acronym_variants())


def compare(a: NameForms, b: NameForms, settings: MatchSettings, *, use_prefix: bool = True) -> Match | None:
    """Why `a` and `b` could be mistaken for each other, strongest reason first; None if they could not."""
    if not a.compact or not b.compact:
        return None
    if a.exact == b.exact or capitals_alike(a, b):
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
        by_word = settings.two_edits_in_a_word_from
        if distance <= allowed and not (distance > 1 and by_word and one_word_rewritten(a, b, by_word)):
            reasons.append(Reason.EDITS)
            edits = distance
    if use_prefix and _prefix(a, b, settings.prefix_from):
        reasons.append(Reason.PREFIX)
    return Match(tuple(reasons), edits) if reasons else None


def _prefix(a: NameForms, b: NameForms, minimum: int) -> bool:
    short, long_ = (a, b) if len(a.exact) <= len(b.exact) else (b, a)
    return len(short.exact) >= minimum and long_.exact.startswith(short.exact + " ")


def confusable_pairs(
    names: Sequence[NameForms],
    settings: MatchSettings,
    *,
    use_prefix: bool = True,
    within: Iterable[int] | None = None,
    wanted: Callable[[int, int], bool] | None = None,
) -> Iterator[tuple[int, int, Match]]:
    """Every confusable pair (i < j) among `names`, each once, in order. With `within` (indexes), only the
    pairs with one of those names at least: proposed by joining those with themselves and with the rest,
    at a cost that grows with their number, not with every pair of the rest. With `wanted`, only the
    pairs it accepts, left out before they are compared (comparing is the cost)."""
    if within is None:
        proposed = _self_proposed(names, settings, use_prefix)
    else:
        inner = sorted(set(within))
        chosen = set(inner)
        outer = [k for k in range(len(names)) if k not in chosen]
        inner_names = [names[k] for k in inner]
        proposed = {(inner[a], inner[b]) for a, b in _self_proposed(inner_names, settings, use_prefix)}
        across = _join_proposed(inner_names, [names[k] for k in outer], settings, use_prefix)
        proposed.update((inner[a], outer[b]) for a, b in across)
    ordered = sorted({(i, j) if i < j else (j, i) for i, j in proposed if i != j})
    if wanted is not None:
        ordered = [pair for pair in ordered if wanted(*pair)]
    return _confirmed(names, names, ordered, settings, use_prefix)


def _self_proposed(names: Sequence[NameForms], settings: MatchSettings, use_prefix: bool) -> set[tuple[int, int]]:
    from dlscan.matching.edit_join import (
        edit_pairs,  # numpy and pandas: loaded when names are compared, not at start-up
    )

    # Against itself, one direction of the derived texts finds every pair.
    proposed = keyed_pairs(names, names, settings.prefix_from, use_prefix, both_ways=False)
    proposed.update(capital_pairs(names, names))
    groups = by_compact(names)
    for group in groups.values():
        proposed.update(itertools.combinations(group, 2))  # the same letters, spaced differently
    compacts = list(groups)
    for a, b in edit_pairs(compacts, None, *_edit_lengths(settings)):
        proposed.update(itertools.product(groups[compacts[a]], groups[compacts[b]]))
    return proposed


def confusable_join(
    left: Sequence[NameForms],
    right: Sequence[NameForms],
    settings: MatchSettings,
    *,
    use_prefix: bool = True,
    acronyms: Sequence[bool] | None = None,
) -> Iterator[tuple[int, int, Match]]:
    """Every confusable pair (i, j) of `left[i]` and `right[j]`, each once, in no particular order.

    Keys are looked up in a dict of the left side, so callers put the smaller side there. Where
    `acronyms[j]` is false, right[j]'s own acronyms are not looked up: a pair related only by one of
    them may be left out, for a caller that would not count it.
    """
    proposed = _join_proposed(left, right, settings, use_prefix, acronyms)
    return _confirmed(left, right, proposed, settings, use_prefix)


def _join_proposed(
    left: Sequence[NameForms],
    right: Sequence[NameForms],
    settings: MatchSettings,
    use_prefix: bool,
    acronyms: Sequence[bool] | None = None,
) -> set[tuple[int, int]]:
    from dlscan.matching.edit_join import (
        edit_pairs,  # numpy and pandas: loaded when names are compared, not at start-up
    )

    proposed = keyed_pairs(left, right, settings.prefix_from, use_prefix, acronyms=acronyms)
    proposed.update(capital_pairs(left, right))
    left_groups = by_compact(left)
    lefts, rights = list(left_groups), list(dict.fromkeys(map(COMPACT, right)))
    related = edit_pairs(lefts, rights, *_edit_lengths(settings))
    # The larger side is grouped only where it has an edit partner: a million small lists otherwise.
    right_groups = by_compact(right, {rights[b] for _, b in related})
    for a, b in related:
        proposed.update(itertools.product(left_groups[lefts[a]], right_groups[rights[b]]))
    return proposed


def _confirmed(
    left: Sequence[NameForms],
    right: Sequence[NameForms],
    proposed: Iterable[tuple[int, int]],
    settings: MatchSettings,
    use_prefix: bool,
) -> Iterator[tuple[int, int, Match]]:
    """The proposed pairs that `compare` confirms, with why."""
    for i, j in proposed:
        match = compare(left[i], right[j], settings, use_prefix=use_prefix)
        if match is not None:
            yield i, j, match


def _edit_lengths(settings: MatchSettings) -> tuple[int, int]:
    return settings.one_edit_from, settings.two_edits_from
