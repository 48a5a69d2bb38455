"""How characters look: the look-alike classes of Unicode's confusables data, each folded to one
prototype (the UTS #39 skeleton, from the table the `confusable-homoglyphs` package ships), and the
characters a reader cannot see or could mistake."""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from functools import cache
from importlib import resources

from dlscan.support.datacache import derived_table

_SKELETON_DERIVATION = 3
"""Changed whenever `_derived_skeleton_table` would derive another table: a kept one is then not used."""


@cache
def skeleton_table() -> dict[int, str]:
    """Code point -> case-folded prototype, from Unicode's confusables data; kept between runs
    (`dlscan.support.datacache`). For text already case-folded."""
    source = resources.files("confusable_homoglyphs") / "confusables.json"
    return derived_table(
        "skeleton", source, _SKELETON_DERIVATION, lambda: _derived_skeleton_table(source.read_bytes(), folded=True)
    )


@cache
def cased_skeleton_table() -> dict[int, str]:
    """Code point -> prototype in its own case: Cyrillic capital EN to Latin H, capital I to l, as UTS #39
    maps them before any case is folded."""
    source = resources.files("confusable_homoglyphs") / "confusables.json"
    return derived_table(
        "skeleton-cased",
        source,
        _SKELETON_DERIVATION,
        lambda: _derived_skeleton_table(source.read_bytes(), folded=False),
    )


def _derived_skeleton_table(confusables: bytes, *, folded: bool) -> dict[int, str]:
    """Code point -> prototype, from Unicode's confusables data.

    Characters linked as confusable form classes; each class maps to one prototype, preferring plain
    ASCII letters so that 'Wyvern' in Cyrillic and Latin meet. A class whose member is drawn as a
    sequence (m -> rn) maps to that sequence. `folded`: the prototypes case-folded.
    """
    data = json.loads(confusables)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    sequences: dict[str, str] = {}
    for key, entries in data.items():
        char = key.replace("\u200e", "")
        if len(char) != 1:
            continue
        for entry in entries:
            target = entry["c"].replace("\u200e", "")
            if len(target) == 1:
                parent[find(char)] = find(target)
            elif len(entries) == 1:
                sequences[char] = target
    classes: dict[str, list[str]] = defaultdict(list)
    for char in list(parent):
        classes[find(char)].append(char)
    table: dict[int, str] = {}
    fold = str.casefold if folded else str
    for members in classes.values():
        prototype = min(members, key=_prototype_rank)
        drawn = next((sequences[m] for m in sorted(members) if m in sequences), None)
        for member in members:
            table[ord(member)] = fold(drawn or prototype)
    for char, target in sequences.items():
        table.setdefault(ord(char), fold(target))
    return _closed({k: v for k, v in table.items() if chr(k) != v})


def _closed(table: dict[int, str]) -> dict[int, str]:
    """The table with every value mapped by the table until nothing changes, as a skeleton must be: a
    character drawn as a sequence (Hangul AE as A and a stroke) meets the sequence written out, whose
    stroke has a prototype of its own."""
    for _ in range(4):  # drawn sequences nest at most a few deep; a cycle is cut here rather than loop
        changed = {k: v.translate(table) for k, v in table.items()}
        if changed == table:
            break
        table = changed
    return {k: v for k, v in table.items() if chr(k) != v}


def _prototype_rank(char: str) -> tuple[int, str]:
    if char.isascii() and char.isalpha():
        return (0 if char.islower() else 1, char)
    if char.isascii() and char.isalnum():
        return (2, char)
    return (3 if char.isascii() else 4, char)


def skeleton(text: str) -> str:
    """Case-insensitive UTS #39-style skeleton: look-alikes, compatibility forms, case and accents folded.

    Case is folded first, so capital I and small l do not meet here, nor a Cyrillic capital EN and
    Latin H: `cased_skeleton` maps them before case, and `look_alike` takes either.
    """
    table = skeleton_table()
    if text.isascii():
        return text.casefold().translate(table).replace("rn", "m")
    return without_marks(unicodedata.normalize("NFKC", visible(text)).casefold().translate(table))


def without_marks(folded: str) -> str:
    """Accents and other combining marks dropped, and "rn" as m: the table draws m as "rn", and folding
    "rn" back to m makes both meet without lengthening names."""
    return "".join(ch for ch in unicodedata.normalize("NFD", folded) if not unicodedata.combining(ch)).replace(
        "rn", "m"
    )


_ASCII_SPACES = {ord(c): " " for c in "\t\r\n"}


def visible(text: str) -> str:
    """Drop format characters (zero-width, bidi controls, soft hyphen); make every space a space."""
    if text.isascii():
        return text.translate(_ASCII_SPACES)  # ASCII has no format characters, and one space of its own
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf":
            continue
        out.append(" " if category in ("Zs", "Zl", "Zp") or ch in "\t\r\n" else ch)
    return "".join(out)


def reveal(text: str) -> str:
    """Name the characters a reader cannot see or could mistake: invisible ones and non-ASCII letters."""
    shown = []
    for position, ch in enumerate(text, start=1):
        category = unicodedata.category(ch)
        if category == "Cf" or (category.startswith("Z") and ch != " "):
            shown.append(f"invisible U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')} at {position}")
        elif not ch.isascii() and ord(ch) in skeleton_table():
            shown.append(f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')} at {position}")
    return "; ".join(shown)


def scripts(text: str) -> set[str]:
    """The scripts of the letters in `text`, from their Unicode names (LATIN, CYRILLIC, GREEK...)."""
    found = set()
    for ch in text:
        if ch.isalpha():
            found.add(unicodedata.name(ch, "UNKNOWN").split(" ")[0])
    return found


def capitals_mapped(text: str) -> str:
    """The text with its look-alikes mapped in their own case, before anything folds case: the first
    step of the UTS #39 skeleton."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", visible(text)))
    return decomposed.translate(cased_skeleton_table())


def capitals_matter(text: str) -> bool:
    """Whether mapping look-alikes before folding case can tell more than folding first: the text holds
    a capital I, or any character beyond ASCII (among them the capitals of other scripts)."""
    return "I" in text or not text.isascii()


def cased_skeleton(text: str) -> str:
    """The UTS #39 skeleton with accents and invisible characters dropped: look-alikes mapped, case kept."""
    return without_marks(capitals_mapped(text))


def look_alike(a: str, b: str) -> bool:
    """Whether two texts look the same to a reader: the same skeleton with case folded first ('IT' and
    'it'), or the same with look-alikes mapped before case, and case kept ('HR' with a Cyrillic capital
    EN and 'HR'; 'Ill' and 'lll', but not 'Iona' and 'Lona')."""
    if skeleton(a) == skeleton(b):
        return True
    return (capitals_matter(a) or capitals_matter(b)) and cased_skeleton(a) == cased_skeleton(b)
