"""Why two names can be mistaken for each other, in words: what the rules that compare names share
(DL005 between lists, DL006 and its namesakes between outsiders and insiders)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from dlscan.checks.base import plural
from dlscan.matching.glyphs import reveal, scripts
from dlscan.matching.names import plain_words
from dlscan.matching.similar import Match, MatchSettings, Reason
from dlscan.model import DistributionList

MATCH_PARAMS: Mapping[str, type] = {"one_edit_from": int, "two_edits_from": int, "prefix_from": int}


def match_settings(params: Mapping[str, object]) -> MatchSettings:
    return MatchSettings(
        one_edit_from=params["one_edit_from"],  # type: ignore[arg-type]
        two_edits_from=params["two_edits_from"],  # type: ignore[arg-type]
        prefix_from=params.get("prefix_from", 8),  # type: ignore[arg-type]
        two_edits_in_a_word_from=params.get("two_edits_in_a_word_from", 0),  # type: ignore[arg-type]
    )


def local_part(address: str | None) -> str:
    """What comes before the last @; "" for no address, or one without an @."""
    return (address or "").rpartition("@")[0]


def explain(a: str, b: str, match: Match) -> str:
    """Why two texts can be mistaken for each other, in words."""
    phrases = []
    for reason in match.reasons:
        if reason is Reason.SAME:
            if a == b:
                phrases.append("they are the same")
            elif plain_words(a) == plain_words(b):
                phrases.append("they differ only in case, spacing or punctuation")
            elif plain_words(a, singular_form=True) == plain_words(b, singular_form=True):
                phrases.append("they differ only in singular and plural")
            else:
                phrases.append("they look the same: they differ only in look-alike or invisible characters")
        elif reason is Reason.WORD_ORDER:
            phrases.append("they have the same words in a different order")
        elif reason is Reason.SUFFIX:
            phrases.append("they are the same name with a suffix added or changed")
        elif reason is Reason.ACRONYM:
            phrases.append("one abbreviates the other")
        elif reason is Reason.EDITS:
            phrases.append(f"they differ by {plural(match.edits, 'character')}")
        elif reason is Reason.PREFIX:
            phrases.append("one begins with the whole of the other, so both are offered together as it is typed")
    return "; ".join(phrases)


def hidden_characters(*texts: str) -> str:
    notes = []
    for text in texts:
        if text.isascii():
            continue  # no invisible characters, no look-alikes, one script: most names, spared the walk
        shown = reveal(text)
        if shown:
            notes.append(f" '{text}' contains {shown}.")
        mixed = sorted(scripts(text) - {"UNKNOWN"})
        if len(mixed) > 1:
            notes.append(f" '{text}' mixes {' and '.join(s.title() for s in mixed)} letters.")
    return "".join(notes)


class Typed(NamedTuple):
    """One text by which people pick a list: its name, its address's local part, or its alias."""

    index: int
    text: str
    kind: str = "name"

    @property
    def shown(self) -> str:
        return f"{self.text}@" if self.kind == "address" else self.text


def typed_names(lists: list[DistributionList]) -> list[Typed]:
    """What people type to pick each list besides its name: the local part of its address, and its alias
    (mailNickname, which Outlook also resolves) where that is something else."""
    found = []
    for index, group in enumerate(lists):
        part = local_part(group.primary_address)
        if part:
            found.append(Typed(index, part, "address"))
        if group.alias and group.alias.casefold() != part.casefold():
            found.append(Typed(index, group.alias, "alias"))
    return found


class Likeness(NamedTuple):
    """Why two lists are alike: two of their texts (of lists `left.index` < `right.index`) and the match."""

    match: Match
    left: Typed
    right: Typed

    def explained(self) -> str:
        left, right = self.left, self.right
        why = explain(left.text, right.text, self.match)
        if left.kind == "name":
            return why
        if left.kind == right.kind:
            return f"their {left.kind}es {left.shown} and {right.shown}: {why}"
        return f"the {left.kind} {left.shown} and the {right.kind} {right.shown}: {why}"
