"""Guard rails on change: a night that looks like a partial collection resolves nothing.

An export cut short between two entries, a collection that stopped reading early or a base DN that now
names one OU all read as a smaller directory, and every finding outside what was read would resolve,
closing its ticket. So a night whose directory shrank sharply against the last good run, or in which
most open findings would resolve at once, is treated as a failed collection unless the admin says the
change is real (`--accept-shrink`).
"""

from __future__ import annotations

from dataclasses import dataclass

from dlscan.model import Snapshot

MIN_OPEN = 10
"""Below this many open findings, a night that resolves most of them is ordinary work, not a warning."""


@dataclass(frozen=True)
class DirectorySize:
    lists: int
    recipients: int
    memberships: int

    @classmethod
    def of(cls, snapshot: Snapshot) -> DirectorySize:
        memberships = sum(len(group.members) for group in snapshot.lists.values())
        return cls(len(snapshot.lists), len(snapshot.recipients), memberships)


@dataclass(frozen=True)
class ShrinkGuard:
    max_shrink: float = 0.25
    """The largest share of lists, recipients or memberships that may go in one night."""
    max_resolved: float = 0.5
    """The largest share of the open findings that may resolve in one night."""

    def problem(
        self, before: DirectorySize | None, since: str, now: DirectorySize, open_before: int, resolving: int
    ) -> str | None:
        """Why this night looks like a partial collection, with the figures; None when it does not."""
        if before is not None:
            shrunk = [
                f"{name} {was:,} -> {is_now:,} (-{1 - is_now / was:.0%})"
                for name, was, is_now in (
                    ("lists", before.lists, now.lists),
                    ("recipients", before.recipients, now.recipients),
                    ("memberships", before.memberships, now.memberships),
                )
                if was and (was - is_now) / was > self.max_shrink
            ]
            if shrunk:
                return (
                    f"the directory shrank by more than {self.max_shrink:.0%} since the last good run ({since}): "
                    + ", ".join(shrunk)
                )
        if open_before >= MIN_OPEN and resolving / open_before > self.max_resolved:
            return (
                f"{resolving:,} of {open_before:,} open findings would resolve at once "
                f"(more than {self.max_resolved:.0%}; since the last good run, {since})"
            )
        return None
