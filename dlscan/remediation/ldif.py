"""The plan as LDIF change records (RFC 2849, `changetype: modify`), for `ldapmodify -c` or `ldifde -i -k`.

Each change deletes the value the scan saw before it adds the new one, in one modify: if the directory
has changed since, the delete fails, the whole change is refused, and the directory is left as it is.
The way back is a second file, the same changes inverted, last first.
"""

from __future__ import annotations

from typing import TextIO

from dlscan.remediation.steps import Action, Plan, Step, Tooling
from dlscan.remediation.writer import PLAN_HEADER, PlanWriter, causes, describe, one_line
from dlscan.sources.ldif_write import format_line

_IN_LDAP = frozenset({Tooling.ACTIVE_DIRECTORY, Tooling.EXCHANGE_DYNAMIC})
"""Lists whose changes are LDAP modifications of their AD entry."""

_BY_CMDLET = frozenset({Action.NARROW_RECIPIENT_FILTER, Action.RESTORE_RECIPIENT_FILTER})
"""Changes LDAP should not make: Exchange keeps a dynamic list's recipient filter and the LDAP filter it
expands by in step only when Set-DynamicDistributionGroup sets them."""


class LdifPlan(PlanWriter):
    name = "ldif"

    def undo_file(self) -> bool:
        return True

    def write(self, plan: Plan, stream: TextIO) -> None:
        stream.write(
            f"# {PLAN_HEADER}\n# Source: {one_line(plan.source)}\n"
            "# Apply with `ldapmodify -c -f FILE` (or `ldifde -i -k -f FILE`): a change whose old value is\n"
            "# gone fails on its own, and the others go on.\n\nversion: 1\n"
        )
        elsewhere = []
        for number, step in enumerate(plan.steps, 1):
            if _not_in_ldif(step):
                elsewhere.append((number, step))
                continue
            stream.write(f"\n# {number}. {one_line(describe(step))}\n# Resolves:\n")
            stream.writelines(f"#   {cause}\n" for cause in causes(step))
            stream.write(_record(step))
        for number, step in elsewhere:
            stream.write(
                f"\n# {number}. Not in LDIF ({_not_in_ldif(step)}; see the PowerShell plan): "
                f"{one_line(describe(step))}\n"
            )
        for manual in plan.manual:
            stream.write(
                f"\n# By hand, {manual.cause.finding_id} {manual.cause.rule} on '{one_line(manual.list_name)}': "
                f"{one_line(manual.reason)}\n"
            )
        for finding_id in plan.accepted:
            stream.write(f"\n# Accepted risk, not planned: {finding_id}\n")


def _not_in_ldif(step: Step) -> str:
    """Why LDIF does not make the step ('' when it does)."""
    if step.target.tooling not in _IN_LDAP:
        return f"a list of {step.target.tooling.value}"
    if not step.target.dn:
        return "no DN in the source"
    if step.change.action in _BY_CMDLET:
        return "Exchange keeps a dynamic list's two filters in step only through Set-DynamicDistributionGroup"
    return ""


def _record(step: Step) -> str:
    change = step.change
    lines = [format_line("dn", step.target.dn or ""), "changetype: modify\n"]
    if not change.guarded:
        # A flag the scan saw as absent or FALSE alike: replaced (or, going back, removed) whatever it holds.
        if change.added is not None:
            lines += [f"replace: {change.attribute}\n", format_line(change.attribute, change.added.ldap), "-\n"]
        else:
            lines += [f"delete: {change.attribute}\n", "-\n"]
        return "".join(lines)
    if change.removed is not None:
        lines += [f"delete: {change.attribute}\n", format_line(change.attribute, change.removed.ldap), "-\n"]
    if change.added is not None:
        lines += [f"add: {change.attribute}\n", format_line(change.attribute, change.added.ldap), "-\n"]
    return "".join(lines)
