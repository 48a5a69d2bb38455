"""Patterns that admins write, matched against names that anyone in the directory can type.

A backtracking matcher (Python's `re`) can take exponential time on a pattern such as `(a+)+$` and a
name of thirty `a`s and a `!`: one contact's name would hang every night's scan. RE2 matches in time
linear in the name, whatever the pattern, and refuses at load time the constructs it cannot match that
way (backreferences, lookahead and lookbehind), so the admin who wrote the pattern hears of it, not the
night that meets the name. Its syntax is Python's otherwise, except that `\\w`, `\\d`, `\\s` and `\\b` are
ASCII; `\\pL` is any letter.
"""

from __future__ import annotations

from typing import Protocol

import re2


class Pattern(Protocol):
    pattern: str

    def search(self, text: str) -> object | None: ...


def linear_pattern(text: str) -> Pattern:
    """The compiled pattern; ValueError, with RE2's reason, when it cannot be matched in linear time."""
    options = re2.Options()
    options.log_errors = False  # RE2 would also print the reason on stderr, beside dlscan's one line
    try:
        return re2.compile(text, options)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(
            f"{reason} (patterns are matched in linear time, by RE2: no backreferences, lookahead or lookbehind)"
        ) from None
