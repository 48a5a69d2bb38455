"""How often dlscan's look-alike verdict agrees with ICU's UTS #39 SpoofChecker.

    python benchmarks/icu_agreement.py

ICU is the reference here, and dlscan did not write it: over every character that ICU's skeleton maps
to something else (its confusables' sources), dlscan should find the character and its ICU prototype
alike, and the same for a name with one of its letters so substituted. Needs PyICU (the test extra).
"""

from __future__ import annotations

import random
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass

import icu

from dlscan.matching.glyphs import cased_skeleton, cased_skeleton_table, look_alike, skeleton_table
from dlscan.matching.names import NameForms
from dlscan.matching.similar import MatchSettings, Reason, compare

NAMES = ("HR", "MASH", "TEAM", "Board", "KENT", "Payroll", "Children's Services", "Housing Options", "SEND")


def icu_sources(checker: icu.SpoofChecker) -> dict[str, str]:
    """Every character that ICU's skeleton changes, with its skeleton: confusables.txt's sources."""
    found = {}
    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if len(unicodedata.normalize("NFD", char)) != 1:
            continue  # a composed character (é, a Hangul syllable): its parts are sources of their own
        skeleton = checker.getSkeleton(0, char)
        if skeleton != char:
            found[char] = skeleton
    return found


def documented_extension(char: str, prototype: str) -> str:
    """Why dlscan means to disagree with ICU about a character, or '' (docs/rules.md, "Look-alike
    characters"): compatibility forms are folded first (NFKC: a fullwidth bracket is a bracket, a
    circled C a C), accents and invisible characters are dropped, and characters newer than the
    confusables data that dlscan ships are not in it."""
    if unicodedata.normalize("NFKC", char) != char or unicodedata.normalize("NFKC", prototype) != prototype:
        return "compatibility form"
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return "mark or invisible"
    if ord(char) not in cased_skeleton_table() and ord(char) not in skeleton_table():
        return "newer than the shipped data"
    return ""


def false_alarms(checker: icu.SpoofChecker, sources: dict[str, str]) -> tuple[int, int]:
    """(pairs dlscan calls alike that ICU does not even with dlscan's extensions, pairs dlscan calls
    alike), over the source characters. ICU is given the extensions: compatibility forms and case
    folded, marks dropped."""

    def relaxed(char: str) -> tuple[str, str]:
        folded = unicodedata.normalize("NFKC", char)
        return (
            _unmarked(checker.getSkeleton(0, folded).casefold()),
            _unmarked(checker.getSkeleton(0, folded.casefold()).casefold()),
        )

    groups: dict[str, list[str]] = {}
    for char in sources:
        groups.setdefault(cased_skeleton(char), []).append(char)
    alike = wrong = 0
    for members in groups.values():
        keys = [relaxed(c) for c in members]
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                alike += 1
                wrong += a[0] != b[0] and a[1] != b[1]
    return wrong, alike


def _unmarked(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Agreement:
    sources: int
    """ICU's source characters."""
    agreed: int
    """Of them, alike to dlscan to their ICU prototype."""
    missed: dict[str, str]
    """The others, each with the documented extension that explains it ('' for none)."""
    false_alarms: int
    """Pairs of source characters alike to dlscan and not to ICU, even with dlscan's extensions."""
    alike_pairs: int
    names: int
    """Names with one letter replaced by a character of the same ICU skeleton, compared as the rules
    compare names (`names_alike`)."""
    names_agreed: int
    names_missed: tuple[tuple[str, str, str], ...]
    """(name, the name changed, the documented extension that explains it)."""


def names_alike(a: str, b: str) -> bool:
    """Whether DL005 and DL006 take the two names for the same: their own comparison, not a copy of it."""
    match = compare(NameForms.of(a), NameForms.of(b), MatchSettings())
    return match is not None and Reason.SAME in match.reasons


def measure(checker: icu.SpoofChecker) -> Agreement:
    sources = icu_sources(checker)
    missed = {c: documented_extension(c, s) for c, s in sources.items() if not look_alike(c, s)}
    wrong, alike = false_alarms(checker, sources)
    by_target: dict[str, list[str]] = {}
    for char, skeleton in sources.items():
        by_target.setdefault(skeleton, []).append(char)
    trials = 0
    missed_names = []
    for name in NAMES:
        for position, letter in enumerate(name):
            for char in by_target.get(checker.getSkeleton(0, letter), []):
                changed = name[:position] + char + name[position + 1 :]
                if checker.getSkeleton(0, changed) != checker.getSkeleton(0, name):
                    continue
                trials += 1
                if not names_alike(name, changed):
                    missed_names.append((name, changed, documented_extension(char, sources[char])))
    return Agreement(
        sources=len(sources),
        agreed=len(sources) - len(missed),
        missed=missed,
        false_alarms=wrong,
        alike_pairs=alike,
        names=trials,
        names_agreed=trials - len(missed_names),
        names_missed=tuple(missed_names),
    )


def main() -> None:
    found = measure(icu.SpoofChecker())
    print(f"ICU {icu.ICU_VERSION} (Unicode {icu.UNICODE_VERSION}): {found.sources} source characters")
    print(f"  alike to their ICU prototype: {found.agreed} ({found.agreed / found.sources:.1%})")
    print(f"  missed: {len(found.missed)}, explained by {dict(Counter(found.missed.values()))}")
    print(f"  pairs alike to dlscan, not to ICU with dlscan's extensions: {found.false_alarms} of {found.alike_pairs}")
    print(f"  substituted names alike: {found.names_agreed} of {found.names} ({found.names_agreed / found.names:.1%})")
    print(f"  names missed, explained by {dict(Counter(r for _, _, r in found.names_missed))}")
    rng = random.Random(1)
    for char in rng.sample(sorted(found.missed), min(8, len(found.missed))):
        print(f"    e.g. U+{ord(char):04X} {unicodedata.name(char, '?')}: {found.missed[char] or 'unexplained'}")


if __name__ == "__main__":
    main()
