"""Two names people can confuse, side by side, with what differs marked and hidden characters named."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from dlscan.matching.glyphs import reveal


@dataclass(frozen=True)
class Segment:
    text: str
    differs: bool


@dataclass(frozen=True)
class Side:
    segments: tuple[Segment, ...]
    notes: str
    """The characters a reader cannot see or could mistake, with code points (empty when none)."""


@dataclass(frozen=True)
class Pair:
    left: Side
    right: Side


def confusable_pair(left: str, right: str) -> Pair:
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    ours: list[Segment] = []
    theirs: list[Segment] = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        same = tag == "equal"
        if a1 > a0:
            ours.append(Segment(_visible(left[a0:a1]), not same))
        if b1 > b0:
            theirs.append(Segment(_visible(right[b0:b1]), not same))
    return Pair(Side(tuple(ours), reveal(left)), Side(tuple(theirs), reveal(right)))


def _visible(text: str) -> str:
    """Invisible characters drawn as their code point, so that a highlighted difference shows something."""
    shown = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cf" or (category.startswith("Z") and ch != " "):
            shown.append(f"\u27e8U+{ord(ch):04X}\u27e9")
        else:
            shown.append(ch)
    return "".join(shown)
