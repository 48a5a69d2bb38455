"""The plan as a change request in Markdown: what changes, why, who is affected, and how to undo it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

from dlscan.remediation.steps import Action, Change, Plan
from dlscan.remediation.writer import PLAN_HEADER, PlanWriter, causes, describe, one_line

_BACKTICKS = re.compile(r"`+")


def code(value: str) -> str:
    """Inline code that holds any value: a fence longer than the value's longest run of backticks."""
    text = one_line(value)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(change: Change, *, new: bool) -> str:
    value = change.added if new else change.removed
    if value is None:
        return "(empty)" if change.guarded else "(absent, or FALSE)"
    return code(value.shown)


_NO_RECIPIENT = "No recipient changes; "
_CHECK_MEMBERS = (
    "Check whom the filter selects: Get-Recipient -RecipientPreviewFilter with the new filter on Exchange "
    "Server, Get-DynamicDistributionGroupMember in Exchange Online (refreshed within a day)."
)

_WHO: dict[Action, Callable[[int], str]] = {
    Action.REMOVE_MEMBER: lambda n: f"{n} recipients stop receiving the list's mail through this membership.",
    Action.ADD_MEMBER: lambda n: f"{n} recipients start receiving the list's mail through this membership.",
    Action.RENAME: lambda n: _NO_RECIPIENT + "senders see the new name in the address book.",
    Action.SET_OWNER: lambda n: _NO_RECIPIENT + "the owner is who approves changes to the list.",
    Action.REMOVE_OWNER: lambda n: _NO_RECIPIENT + "the owner is who approves changes to the list.",
    Action.REQUIRE_AUTHENTICATED_SENDERS: lambda n: (
        _NO_RECIPIENT + "senders outside the organisation who do not authenticate are refused."
    ),
    Action.ALLOW_UNAUTHENTICATED_SENDERS: lambda n: (
        _NO_RECIPIENT + "senders outside the organisation are accepted again without authenticating."
    ),
    Action.HIDE_FROM_ADDRESS_BOOK: lambda n: (
        _NO_RECIPIENT + "senders no longer find the list in the address book, but can still type its address."
    ),
    Action.SHOW_IN_ADDRESS_BOOK: lambda n: _NO_RECIPIENT + "senders find the list in the address book again.",
    Action.NARROW_RECIPIENT_FILTER: lambda n: (
        f"{n} recipients stop receiving the list's mail: the mail contacts and mail users its filter selected, "
        f"the outsiders among them. {_CHECK_MEMBERS}"
    ),
    Action.RESTORE_RECIPIENT_FILTER: lambda n: (
        f"{n} recipients start receiving the list's mail again. {_CHECK_MEMBERS}"
    ),
}
"""Who a change affects, given the recipients it counts."""


class MarkdownPlan(PlanWriter):
    name = "md"

    def write(self, plan: Plan, stream: TextIO) -> None:
        stream.write(f"# Change request: {len(plan.steps)} directory changes\n\n{PLAN_HEADER}\n\n")
        stream.write(f"Source: {code(plan.source)}\n\n")
        for number, step in enumerate(plan.steps, 1):
            change, undo = step.change, step.inverse.change
            stream.write(f"## {number}. {_escaped(describe(step))}\n\n")
            stream.write(
                f"- **List:** {code(step.target.name)} ({code(step.target.address or step.target.object_id)})\n"
            )
            stream.write(
                f"- **Change:** `{change.attribute}` from {_value(change, new=False)} to {_value(change, new=True)}\n"
            )
            stream.write("- **Why:**\n")
            stream.writelines(f"  - {_escaped(cause)}\n" for cause in causes(step))
            stream.write(f"- **Who is affected:** {_WHO[step.change.action](step.affected)}\n")
            stream.write(
                f"- **Undo:** set `{undo.attribute}` back from {_value(undo, new=False)} to {_value(undo, new=True)}\n"
            )
            if change.guarded:
                stream.write(
                    "- **If it changed since the scan:** the step is skipped, as the value it expects is gone.\n"
                )
            stream.write("\n")
        if plan.manual:
            stream.write("## By hand\n\n")
            for manual in plan.manual:
                cause = manual.cause
                stream.write(
                    f"- {code(cause.finding_id)} {cause.rule} on {code(manual.list_name)}: {_escaped(manual.reason)}\n"
                )
            stream.write("\n")
        if plan.accepted:
            stream.write("## Accepted risks, not planned\n\n")
            stream.writelines(f"- {code(finding_id)}\n" for finding_id in plan.accepted)


_SPECIALS = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _escaped(text: str) -> str:
    """Prose with directory names in it, Markdown's specials escaped so that a name cannot add a link."""
    return _SPECIALS.sub(r"\\\1", one_line(text))
