"""Names alike once look-alike capitals are mapped before case is folded, as UTS #39 maps them: 'HR'
with a Cyrillic capital EN and 'HR', 'Board' with a Greek capital BETA and 'Board', 'Ill' and 'lll'.

Folding case first (as the name forms do, so that 'IT' and 'it' meet) turns those capitals into small
letters that look like nothing Latin. So for the few names that hold a capital I or any character beyond
ASCII, a second key is kept: the name forms of the text with its capitals mapped first. Names that share
it are proposed, and are the same to a reader if they are the same letter for letter, case kept, once
look-alikes are mapped (`capitals_alike`): 'Iona' meets 'Lona' by the key, since capital I is drawn as
l and case is then folded, but a reader tells them apart, and so does the check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

from dlscan.matching.glyphs import capitals_mapped, capitals_matter
from dlscan.matching.names import NameForms, cased_words


@lru_cache(maxsize=65_536)
def capital_key(text: str) -> str:
    """The exact form of the name with its capitals mapped first (NameForms.exact of that text)."""
    return NameForms.of(capitals_mapped(text)).exact


_cased_words = lru_cache(maxsize=65_536)(cased_words)


def capitals_alike(a: NameForms, b: NameForms) -> bool:
    """Whether the two names are the same once look-alikes are mapped before case is folded: letter for
    letter in the same case, so 'IT' and 'lT' are, and 'Iona' and 'Lona' are not."""
    if not (capitals_matter(a.original) or capitals_matter(b.original)):
        return False
    return _cased_words(a.original) == _cased_words(b.original)


def capital_pairs(left: Sequence[NameForms], right: Sequence[NameForms]) -> set[tuple[int, int]]:
    """(i, j) alike only once capitals are mapped first. Names without such a capital keep their exact
    form as the key; only the names whose key changes are looked up, so most scans do little here."""
    changed_left = _changed(left)
    changed_right = changed_left if right is left else _changed(right)
    if not changed_left and not changed_right:
        return set()
    wanted = set(changed_left.values()) | set(changed_right.values())
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, forms in enumerate(left):
        key = changed_left.get(i, forms.exact)
        if key in wanted:
            by_key[key].append(i)
    pairs = set()
    for j, forms in enumerate(right):
        key = changed_right.get(j, forms.exact)
        if key in wanted:
            pairs.update((i, j) for i in by_key.get(key, ()) if i in changed_left or j in changed_right)
    if right is left:
        return {(i, j) if i < j else (j, i) for i, j in pairs if i != j}
    return pairs


def _changed(names: Sequence[NameForms]) -> dict[int, str]:
    """Index -> capital key, for the names whose capital key is not their exact form."""
    found = {}
    for i, forms in enumerate(names):
        if capitals_matter(forms.original):
            key = capital_key(forms.original)
            if key != forms.exact:
                found[i] = key
    return found
