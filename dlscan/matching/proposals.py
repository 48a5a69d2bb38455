"""The pairs of names worth comparing: those that share a key (skeleton, word set, stem, compact form),
or where a text derived from one (an acronym variant, a word prefix) is the other's exact form.
`dlscan.matching.similar` confirms each with `compare`."""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from dlscan.matching.names import ACRONYM_MIN_WORDS, NameForms, initials_among


def keyed_pairs(
    left: Sequence[NameForms],
    right: Sequence[NameForms],
    prefix_from: int,
    use_prefix: bool,
    *,
    both_ways: bool = True,
    acronyms: Sequence[bool] | None = None,
) -> set[tuple[int, int]]:
    """(i, j) sharing a skeleton, word set or stem, or where a text derived from one (an acronym variant,
    a prefix) is the other's exact form; derived from the left only, unless `both_ways`. Where
    `acronyms[j]` is false, right[j]'s own acronyms are not derived."""
    proposed: set[tuple[int, int]] = set()
    for key in ("exact", "bag", "stem"):
        proposed.update(_key_pairs(left, right, key))
    for derived in _derivations(prefix_from, use_prefix):
        proposed.update(_derived_pairs(left, right, derived))
        if both_ways:
            only = acronyms if derived.of_words else None
            proposed.update((i, j) for j, i in _derived_pairs(right, left, derived, only))
    return proposed


@dataclass(frozen=True)
class _Derivation:
    """Texts derived from a name that count when they are another name's exact form."""

    texts: Callable[[NameForms, Mapping[str, bool]], Iterable[str]]
    """A name's derived texts; given the words of the names they are looked up among, if `of_words`."""
    min_words: int
    """The fewest words a name needs to have any."""
    of_words: bool = False
    """Acronyms: a derived text's initials must be one of the other names' words to equal one of them."""


_RAW_WORDS, _EXACT, COMPACT = attrgetter("raw_words"), attrgetter("exact"), attrgetter("compact")


def _derivations(prefix_from: int, use_prefix: bool) -> list[_Derivation]:
    """The texts derived from a name that count when they are another name: acronyms, and prefixes."""
    derivations = [
        _Derivation(lambda forms, words: forms.acronym_variants(among=words), ACRONYM_MIN_WORDS, of_words=True)
    ]
    if use_prefix:
        derivations.append(_Derivation(lambda forms, _: forms.word_prefixes(prefix_from), 2))
    return derivations


def by_compact(names: Sequence[NameForms], only: set[str] | None = None) -> dict[str, list[int]]:
    """Compact form -> the keys of the names that have it (only those in `only`, if given)."""
    compacts = list(map(COMPACT, names))
    keys = (
        range(len(compacts))
        if only is None
        else itertools.compress(range(len(compacts)), map(only.__contains__, compacts))
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for key in keys:
        groups[compacts[key]].append(key)
    return groups


def _key_pairs(left: Sequence[NameForms], right: Sequence[NameForms], key: str) -> Iterator[tuple[int, int]]:
    """(i, j) whose forms share the value of `key`: the left side in a dict (the smaller, by callers' choice)."""
    get = attrgetter(key)
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, forms in enumerate(left):
        by_key[get(forms)].append(i)
    if right is left:  # names against themselves: each pair once, and no name with itself
        for group in by_key.values():
            if len(group) > 1:
                yield from itertools.combinations(group, 2)
        return
    values = list(map(get, right))
    # A million right-hand names are matched against the dict in C; Python sees only those that share.
    for j in itertools.compress(range(len(values)), map(by_key.__contains__, values)):
        for i in by_key[values[j]]:
            yield i, j


def _derived_pairs(
    left: Sequence[NameForms],
    right: Sequence[NameForms],
    derivation: _Derivation,
    only: Sequence[bool] | None = None,
) -> Iterator[tuple[int, int]]:
    """(i, j) where a text derived from left[i] (an acronym variant, a prefix) is right[j]'s exact form;
    with `only`, for the left names where it is true."""
    # Only names of enough words have derived texts: the rest (most personal names) are passed over in C.
    enough = map(derivation.min_words.__le__, map(len, map(_RAW_WORDS, left)))
    worded = list(itertools.compress(range(len(left)), enough if only is None else map(operator.and_, enough, only)))
    if not worded:
        return
    exacts = list(map(_EXACT, right))
    # An acronym variant is another name only if its initials are one of that name's words: the variants
    # of other initials (nearly all) are never built.
    words = initials_among(itertools.chain.from_iterable(map(str.split, exacts))) if derivation.of_words else {}
    by_text: dict[str, list[int]] = defaultdict(list)
    for i in worded:
        for text in derivation.texts(left[i], words):
            by_text[text].append(i)
    if by_text:
        for j in itertools.compress(range(len(exacts)), map(by_text.__contains__, exacts)):
            for i in by_text[exacts[j]]:
                yield i, j
