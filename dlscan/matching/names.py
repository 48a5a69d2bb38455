"""How names look to a person: the forms in which two names can be mistaken for each other.

A name is reduced step by step: compatibility forms and hidden characters go (NFKC, format
characters), look-alike characters become one prototype (the UTS #39 skeleton, from Unicode's
confusables table as the `confusable-homoglyphs` package ships it), case and punctuation go,
and plural words become singular. Each step that two names survive together is a reason a person
could mistake one for the other.
"""

from __future__ import annotations

import itertools
import operator
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache, lru_cache
from typing import NamedTuple

from dlscan.matching.glyphs import cased_skeleton, skeleton, skeleton_table, visible

_STOPWORDS = frozenset({"and", "of", "the", "for", "to", "in", "&"})
_DASHES = "-\u2013\u2014"  # hyphen, en dash, em dash
_SUFFIX = re.compile(rf"\s*(\([^)]*\)|\[[^\]]*\]|\s[{_DASHES}:|]\s.*|\s[{_DASHES}]\s*$)\s*$")
ACRONYM_MIN_WORDS = 3
"""A run of initials needs two words, and the initials of a whole two-word name are too short to count:
most personal names and address local parts have no acronym variants."""
_SUFFIX_NEEDS = frozenset(f"([:|{_DASHES}")
"""A name holding none of these has no suffix to strip: most names, tested without the regex."""
_SUFFIX_NEEDED = re.compile(f"[{re.escape(''.join(sorted(_SUFFIX_NEEDS)))}]")
_APOSTROPHE_CHARS = frozenset("'\u2019`\u00b4")  # straight, curly, grave, acute
_APOSTROPHES = re.compile(f"[{''.join(sorted(_APOSTROPHE_CHARS))}]")
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
# `singular`, over ASCII words (NameForms.many): "ies" ending a word of five or more letters, and "s"
# ending one of four or more, not after s, u or i. Each pattern begins with its literal, which the
# regex engine finds by a fast scan; the letters before it are checked only there (7 times faster).
_PLURAL_IES = re.compile(rb"ies(?<=\w\wies)\b")
_PLURAL_S = re.compile(rb"s(?<=\w\w[^\Wsui]s)\b")


@lru_cache(maxsize=65_536)
def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Skeleton words: apostrophes dropped ("Children's" = "Childrens"), other punctuation a break."""
    folded = skeleton(text)
    if not _APOSTROPHE_CHARS.isdisjoint(folded):
        folded = _APOSTROPHES.sub("", folded)
    return [w for w in _NON_WORD.split(folded) if w]


def written_words(text: str) -> list[str]:
    """The text's words as written, case and characters kept: split where `words` splits its skeleton."""
    return [w for w in _NON_WORD.split(text) if w]


def cased_words(text: str) -> str:
    """The text's words as `words` splits them, but with look-alikes mapped in their own case and case
    kept (UTS #39's skeleton): what tells 'IT' with a look-alike capital from 'LT'."""
    mapped = cased_skeleton(text)
    if not _APOSTROPHE_CHARS.isdisjoint(mapped):
        mapped = _APOSTROPHES.sub("", mapped)
    return " ".join(w for w in _NON_WORD.split(mapped) if w)


class NameForms(NamedTuple):
    """The forms of one name that comparisons use; built once per name.

    A named tuple rather than a frozen dataclass: a scan builds one for each of a million names and
    addresses, and a tuple is made in a third of the time.
    """

    original: str
    raw_words: tuple[str, ...]
    exact: str
    """Skeleton words, singular, single-spaced."""
    bag: str
    """The same words sorted: word order ignored."""
    stem: str
    """Without a trailing suffix ("(Partners)", "- External") or external-marker words."""
    compact: str
    """`exact` without spaces: what edit distances are measured on."""

    @classmethod
    def of(cls, text: str, marker: re.Pattern[str] | None = None) -> NameForms:
        # Called for every name in a directory of a million: plain calls, positional arguments.
        raw = tuple(words(text))
        tokens = tuple(map(singular, raw))
        exact = " ".join(tokens)
        stem = _stem(text, exact, marker)
        bag = exact if len(tokens) < 2 else " ".join(sorted(tokens))
        return _new_forms(cls, (text, raw, exact, bag, stem or exact, "".join(tokens)))

    @classmethod
    def many(cls, texts: Sequence[str], marker: re.Pattern[str] | None = None) -> list[NameForms]:
        """`[NameForms.of(text, marker) for text in texts]`, faster: plain ASCII texts (nearly all) are
        folded, split and made singular in a few passes of C over them all at once. Apostrophes, which
        `words` drops, are deleted as the second table is applied.

        Two paths stay for speed: M's 109,993 names take 0.61 s here against 0.92 s one by one (about 3 s
        of a scan at L); `of` is the reference, and tests/test_similar.py holds the two equal."""
        if not texts:
            return []
        joined = "\n".join(texts)
        newline_inside = joined.count("\n") != len(texts) - 1
        if not newline_inside and joined.isascii() and all(c not in joined for c in _ascii_folding()[2]):
            return _plain_forms(cls, texts, joined, marker)  # the usual case: every text is plain
        # The few texts that are not plain are found by the lines their characters stand on in the joined
        # text (one scan in C, not one test per text); each is made on its own, and held empty meanwhile.
        if newline_inside:  # rare: a text that is not one line, so lines are not texts; each is tested
            apart = {i for i, text in enumerate(texts) if "\n" in text or _not_plain().search(text)}
        else:
            apart = set(_lines_of(joined, _not_plain()))
        batch = list(texts)
        for i in apart:
            batch[i] = ""
        made = _plain_forms(cls, batch, "\n".join(batch), marker)
        for i in apart:
            made[i] = cls.of(texts[i], marker)
        return made

    def acronym_variants(self, max_run: int = 6, among: Mapping[str, bool] | None = None) -> set[str]:
        """This name with one run of two or more words replaced by their initials; with `among` (from
        `initials_among`), only the variants whose initials are one of its words."""
        raw = self.raw_words
        count = len(raw)
        if count < ACRONYM_MIN_WORDS:
            return set()
        firsts = "".join([w[0] for w in raw])
        has_stopwords = not _STOPWORDS.isdisjoint(raw)
        variants: set[str] = set()
        exact, bounds = self.exact, []  # bounds: found when the first variant is made (few names have one)
        for start in range(count):
            for end in range(start + 2, min(count, start + max_run) + 1):
                whole = count == end - start
                initials = firsts[start:end]  # two or more letters: too short only as a whole two-word name
                is_word = True if among is None else among.get(initials)
                if is_word is None and not has_stopwords:
                    break  # no word begins with these initials: nor with those of a longer run from here
                chosen = [initials] if is_word and (len(initials) > 2 or not whole) else []
                if has_stopwords:  # "Health and Safety" is "HS" as well as "HAS"
                    kept = "".join([w[0] for w in raw[start:end] if w not in _STOPWORDS])
                    if (len(kept) > 2 or (len(kept) == 2 and not whole)) and (among is None or among.get(kept)):
                        chosen.append(kept)
                if chosen and not bounds:
                    # The words around a run are sliced out of `exact` (its words are `raw`'s, made
                    # singular): word k starts at bounds[k], and bounds[k + 1] - 1 is the space after it.
                    bounds = _starts(exact.split(" "))
                for letters in chosen:
                    variants.add(exact[: bounds[start]] + letters + (exact[bounds[end] - 1 :] if end < count else ""))
        return variants

    def word_prefixes(self, min_chars: int) -> list[str]:
        """Every prefix of `exact` that ends at a word boundary and is at least `min_chars` long."""
        parts = self.exact.split(" ")
        return [p for i in range(1, len(parts)) if len(p := " ".join(parts[:i])) >= min_chars]


def _starts(pieces: Sequence[str]) -> list[int]:
    """Where each piece starts once they are joined with one character between them, and then where one
    more would."""
    return list(itertools.accumulate(map(operator.add, map(len, pieces), itertools.repeat(1)), initial=0))


def _lines_of(joined: str, pattern: re.Pattern[str]) -> Iterator[int]:
    """The line of each match of `pattern` in texts joined by newlines: the newlines before each are
    counted in C from the match before, so the whole text is read once, however many the matches."""
    line = last = 0
    for found in pattern.finditer(joined):
        line += joined.count("\n", last, found.start())
        last = found.start()
        yield line


def initials_among(words: Iterable[str], max_run: int = 6) -> dict[str, bool]:
    """For `NameForms.acronym_variants`: each word that initials could be (True), and each shorter
    beginning of one (False), so that a run whose initials begin no word stops growing."""
    candidates = {w for w in words if 2 <= len(w) <= max_run}
    found = dict.fromkeys((w[:k] for w in candidates for k in range(2, len(w))), False)
    found.update(dict.fromkeys(candidates, True))
    return found


def _plain_forms(
    cls: type[NameForms], texts: Sequence[str], joined: str, marker: re.Pattern[str] | None
) -> list[NameForms]:
    """NameForms of ASCII texts free of `_ascii_folding`'s special characters, `joined` by newlines."""
    fold, space, _ = _ascii_folding()
    data = joined.encode("ascii").translate(fold).replace(b"rn", b"m").translate(space, b"'")
    raw_lines = data.decode("ascii").split("\n")
    singular_lines = _PLURAL_S.sub(b"", _PLURAL_IES.sub(b"y", data)).decode("ascii").split("\n")
    del data
    words_of = _interned_words if len(texts) >= _INTERN_FROM else _words
    raws = words_of(raw_lines)
    # Most names hold no plural word: their tokens are their raw words, split once.
    tokens = raws[:]
    plural = list(itertools.compress(range(len(raws)), map(operator.ne, raw_lines, singular_lines)))
    for i, words_of_line in zip(plural, words_of([singular_lines[i] for i in plural]), strict=True):
        tokens[i] = words_of_line
    exacts = list(map(" ".join, tokens))
    stems = exacts[:]
    # The texts that may have a suffix are found by where its characters stand in the joined text.
    # Most batches hold none of its characters: each is looked for by a fast scan before the regex runs.
    unusual = set(_lines_of(joined, _SUFFIX_NEEDED)) if any(c in joined for c in _SUFFIX_NEEDS) else set()
    if marker is not None:  # a pattern of the rule pack's: tried on each text alone, as it was written for
        unusual.update(itertools.compress(range(len(texts)), map(marker.search, texts)))
    for i in unusual:
        stems[i] = _stem(texts[i], exacts[i], marker) or exacts[i]
    bags = map(" ".join, map(sorted, tokens))
    fields = zip(texts, raws, exacts, bags, stems, map("".join, tokens), strict=True)
    return list(map(_new_forms, itertools.repeat(cls), fields))


_INTERN_FROM = 100_000
"""Texts from which their words are interned: below, interning costs more time (3 ms in 10,000 names)
than the memory it saves is worth."""


def _words(lines: list[str]) -> list[tuple[str, ...]]:
    """Each line's space-separated words."""
    return list(map(tuple, map(str.split, lines)))


def _interned_words(lines: list[str]) -> list[tuple[str, ...]]:
    """Each line's space-separated words, interned: a million names hold a few hundred thousand distinct
    words, and each name's words would otherwise be strings of their own, memory the system must hand
    over page by page."""
    return list(map(tuple, map(map, itertools.repeat(sys.intern), map(str.split, lines))))


def _stem(text: str, exact: str, marker: re.Pattern[str] | None) -> str:
    """`exact` without a trailing suffix ("(Partners)", "- External") or external-marker words."""
    base = text if _SUFFIX_NEEDS.isdisjoint(text) else (_SUFFIX.sub("", text) or text)
    if marker is not None:
        base = marker.sub(" ", base)
    return exact if base == text else " ".join(map(singular, words(base)))


@cache
def _ascii_folding() -> tuple[bytes, bytes, frozenset[str]]:
    """What `words` does to ASCII text, as two byte tables: case and look-alike folding, then punctuation
    to spaces. Then the characters they cannot express (drawn as non-ASCII); a text with one, or with
    a newline (which joins texts), is folded on its own. m is kept, not drawn as "rn": folding "rn" back
    to m afterwards gives the same."""
    table = skeleton_table()
    fold, space, special = bytearray(range(256)), bytearray(range(256)), set()
    for code in range(128):
        drawn = chr(code).casefold().translate(table)
        if drawn == "rn":
            drawn = "m"
        elif drawn and _APOSTROPHE_CHARS.issuperset(drawn):
            drawn = "'"  # dropped with the apostrophes, however many
        if len(drawn) == 1 and drawn.isascii():
            fold[code] = ord(drawn)
        else:
            special.add(chr(code))
        if chr(code) != "\n" and _NON_WORD.fullmatch(chr(code)):
            space[code] = ord(" ")
    return bytes(fold), bytes(space), frozenset(special)


def prepare_name_tables() -> None:
    """Derive or read the tables that fold names now (before forking, so that it is done once)."""
    _not_plain()


@cache
def _not_plain() -> re.Pattern[str]:
    """A character `_plain_forms` cannot fold: non-ASCII, or one of `_ascii_folding`'s special ones."""
    special = "".join(sorted(_ascii_folding()[2]))
    return re.compile("[^\\x00-\\x7f]" + (f"|[{re.escape(special)}]" if special else ""))


def series_key(text: str) -> str:
    """Case-folded words with every number replaced by '#': the lists of a numbered series share it."""
    return _DIGITS.sub("#", " ".join(_NON_WORD.split(unicodedata.normalize("NFKC", text).casefold())))


_NUMBERED = re.compile(r"(?<![0-9a-z])(?=[0-9a-f]*[0-9])[0-9a-f]{6,}(?![0-9a-z])|[0-9]+")
"""A number, or a generated token: six or more hex digits with a digit among them, standing alone, as the
GUID-like aliases of Microsoft 365 groups and the nicknames of scripted lists have them."""


def address_series_key(local_part: str) -> str:
    """The case-folded local part with every number and generated token replaced by '#': `list8153` and
    `list8113` share it, as `msteams_9a3f2b` and `msteams_9a3f2c` do. People read such parts as numbers,
    not as words they could misread."""
    return _NUMBERED.sub("#", local_part.casefold())


def plain_words(text: str, *, singular_form: bool = False) -> str:
    """Case-folded words without the look-alike mapping: what a careful reader would compare."""
    folded = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", visible(text)).casefold())
    found = [w for w in _NON_WORD.split(folded) if w]
    return " ".join(singular(w) for w in found) if singular_form else " ".join(found)


_new_forms = tuple.__new__
"""Builds a NameForms from its six fields without the keyword handling of the generated constructor."""
