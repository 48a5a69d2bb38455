"""What every plan format shares: its name, and how a step and its causes are put in words."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, TextIO

from dlscan.remediation.steps import Action, Plan, Step

PLAN_HEADER = "dlscan remediation plan: written for review, never applied by dlscan itself."


class PlanWriter(ABC):
    name: ClassVar[str]
    """The `--format` value."""

    @abstractmethod
    def write(self, plan: Plan, stream: TextIO) -> None:
        """Write the plan: its steps, each step's way back, and the findings left to people."""

    def undo_file(self) -> bool:
        """Whether the way back is a file of its own (a format with no way to choose a direction)."""
        return False


def one_line(text: str) -> str:
    """Text for a comment or a table cell: line breaks of any kind become spaces."""
    return " ".join(text.splitlines()) if text else ""


def describe(step: Step) -> str:
    """A step in a few words, for logs and headings: "rename 'Events Team' to 'Events Team (EXT)'"."""
    change, name = step.change, step.target.name
    return _DESCRIPTIONS[change.action](change, name)


def _shown(value: object) -> str:
    return getattr(value, "shown", "") or ""


_DESCRIPTIONS = {
    Action.RENAME: lambda c, n: f"rename '{_shown(c.removed)}' to '{_shown(c.added)}'",
    Action.REMOVE_MEMBER: lambda c, n: f"remove {_shown(c.removed)} from '{n}'",
    Action.ADD_MEMBER: lambda c, n: f"add {_shown(c.added)} to '{n}'",
    Action.REQUIRE_AUTHENTICATED_SENDERS: lambda c, n: f"require authenticated senders for '{n}'",
    Action.ALLOW_UNAUTHENTICATED_SENDERS: lambda c, n: f"accept unauthenticated senders for '{n}' again",
    Action.SET_OWNER: lambda c, n: (
        f"make {_shown(c.added)} the owner of '{n}'" + (f" in place of {_shown(c.removed)}" if c.removed else "")
    ),
    Action.REMOVE_OWNER: lambda c, n: (
        f"remove the owner {_shown(c.removed)} of '{n}'" + (f", giving it back to {_shown(c.added)}" if c.added else "")
    ),
    Action.HIDE_FROM_ADDRESS_BOOK: lambda c, n: f"hide '{n}' from the address book",
    Action.SHOW_IN_ADDRESS_BOOK: lambda c, n: f"show '{n}' in the address book again",
    Action.NARROW_RECIPIENT_FILTER: lambda c, n: f"narrow the recipient filter of '{n}' to mailboxes",
    Action.RESTORE_RECIPIENT_FILTER: lambda c, n: f"restore the recipient filter of '{n}'",
}


def causes(step: Step) -> list[str]:
    """Each finding the step resolves, on one line: its id, its rule and its detail."""
    return [f"{c.finding_id} {c.rule}: {one_line(c.detail)}" for c in step.causes]
