"""Whether two list names that differ by two edits differ by two slips, or by one word rewritten.

Names are read word by word. Two letters changed in one short word make another word ("Hexham" and
"Chesham", "Team" and "Leads"), which a reader tells apart; in a long word they are two slips
("Accommodation" and "Acomodation"), as they are when spread over two words, or when they are one swap
of neighbouring letters ("Baord"). An acronym is read letter by letter: two of its letters changed are
two slips ("WHT" and "WCH"), unless none of its letters is left ("IT" and "HR" are other acronyms).
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from dlscan.matching.names import NameForms, singular, written_words


def one_word_rewritten(a: NameForms, b: NameForms, two_edits_from: int) -> bool:
    """Whether `a` and `b` differ in one word only, rewritten rather than mistyped: that word is shorter than
    `two_edits_from` letters in one of them, and the two are more than one swap of neighbours apart."""
    left, right = a.exact.split(" "), b.exact.split(" ")
    if len(left) != len(right):
        return False
    changed = [(x, y) for x, y in zip(left, right, strict=True) if x != y]
    if len(changed) != 1:
        return False  # the edits are spread over words: each a slip
    x, y = changed[0]
    apart = OSA.distance(x, y)
    if _in_capitals(x, a.original) or _in_capitals(y, b.original):
        return apart >= min(len(x), len(y))  # an acronym with none of its letters left is another one
    if apart <= 1 or OSA.distance(a.original.casefold(), b.original.casefold(), score_cutoff=1) <= 1:
        # One swap, as written: the folded forms can hide it ("Childern" folds "rn" to "m").
        return False
    return min(len(x), len(y)) < two_edits_from


def _in_capitals(word: str, original: str) -> bool:
    """Whether the name writes the word in capitals (with a plural "s" or not) while the rest of it is not:
    an acronym or a code."""
    if original.isupper():
        return False
    for written in written_words(original):
        letters = written[:-1] if written.endswith("s") else written
        if letters.isupper() and word in (letters.casefold(), singular(written.casefold())):
            return True
    return False
