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

_SKELETON_DERIVATION = 1
"""Changed whenever `_derived_skeleton_table` would derive another table: a kept one is then not used."""


@cache
def skeleton_table() -> dict[int, str]:
    """Code point -> prototype, from Unicode's confusables data; kept between runs (`dlscan.support.datacache`)."""
    source = resources.files("confusable_homoglyphs") / "confusables.json"
    return derived_table("skeleton", source, _SKELETON_DERIVATION, lambda: _derived_skeleton_table(source.read_bytes()))


def _derived_skeleton_table(confusables: bytes) -> dict[int, str]:
    """Code point -> prototype, from Unicode's confusables data.

    Characters linked as confusable form classes; each class maps to one prototype, preferring plain
    ASCII letters so that 'Wyvern' in Cyrillic and Latin meet. A class whose member is drawn as a
    sequence (m -> rn) maps to that sequence.
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
    for members in classes.values():
        prototype = min(members, key=_prototype_rank).casefold()
        drawn = next((sequences[m] for m in sorted(members) if m in sequences), None)
        for member in members:
            table[ord(member)] = (drawn or prototype).casefold()
    for char, target in sequences.items():
        table.setdefault(ord(char), target)
    return {k: v for k, v in table.items() if chr(k) != v}


def _prototype_rank(char: str) -> tuple[int, str]:
    if char.isascii() and char.isalpha():
        return (0 if char.islower() else 1, char)
    if char.isascii() and char.isalnum():
        return (2, char)
    return (3 if char.isascii() else 4, char)


def skeleton(text: str) -> str:
    """Case-insensitive UTS #39-style skeleton: look-alikes, compatibility forms, case and accents folded.

    Case is folded first, so capital I and small l do not meet here; a one-letter edit catches them.
    """
    table = skeleton_table()
    if text.isascii():
        return text.casefold().translate(table).replace("rn", "m")
    folded = unicodedata.normalize("NFKC", visible(text)).casefold().translate(table)
    # The table draws m as "rn"; folding "rn" back to m makes both meet without lengthening names.
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
