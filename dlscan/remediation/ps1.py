"""The plan as a PowerShell script, for the ActiveDirectory module, Exchange Server and Exchange Online.

The script changes nothing unless run with -Apply (without it every cmdlet runs with -WhatIf), and with
-Undo it makes each change's inverse, last change first. Every step first reads the value the scan saw
and is skipped, with a logged reason, if the directory holds something else now. Every value from the
directory is a single-quoted literal, so no name can run code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from dlscan.remediation.steps import Action, Change, Plan, Step, Tooling, Value
from dlscan.remediation.writer import PLAN_HEADER, PlanWriter, causes, describe, one_line

_QUOTES = "'\u2018\u2019\u201a\u201b"
"""PowerShell ends a single-quoted string at any of these; each is doubled inside one."""


def quoted(value: str) -> str:
    """A PowerShell single-quoted literal: no expansion of `$`, backticks or subexpressions."""
    return "'" + "".join(ch * 2 if ch in _QUOTES else ch for ch in value) + "'"


def comment(text: str) -> str:
    return "# " + one_line(text)


_PRELUDE = """\
[CmdletBinding()]
param(
    [switch]$Apply,
    [switch]$Undo,
    [string]$LogPath = (Join-Path $PSScriptRoot 'dlscan-plan.log')
)
Set-StrictMode -Version 3
$ErrorActionPreference = 'Stop'
$WhatIf = -not $Apply

function Write-PlanLog([string]$Message) {
    $line = '{0:u} {1}' -f (Get-Date), $Message
    Add-Content -LiteralPath $LogPath -Value $line -Encoding UTF8
    Write-Output $line
}

function Invoke-PlanStep([string]$Number, [string]$Summary, [scriptblock]$Test, [scriptblock]$Change) {
    if (-not (& $Test)) {
        Write-PlanLog "step ${Number} skipped: the directory no longer holds what the scan saw ($Summary)"
        return
    }
    & $Change
    if ($WhatIf) { Write-PlanLog "step ${Number} would run (give -Apply to make it): $Summary" }
    else { Write-PlanLog "step ${Number} done: $Summary" }
}
"""


class PowerShellPlan(PlanWriter):
    name = "ps1"

    def write(self, plan: Plan, stream: TextIO) -> None:
        stream.write("\ufeff")  # Windows PowerShell 5.1 reads a script without a BOM in the ANSI code page
        stream.write(f"{comment(PLAN_HEADER)}\n{comment('Source: ' + plan.source)}\n")
        stream.write("# Run as it is to see what it would do; -Apply makes the changes; -Undo reverses them.\n")
        stream.write(_PRELUDE)
        stream.write("\nif (-not $Undo) {\n")
        for number, step in enumerate(plan.steps, 1):
            stream.write(_step(str(number), step))
        stream.write("}\nelse {\n")
        for number, step in zip(range(len(plan.steps), 0, -1), reversed(plan.steps), strict=True):
            stream.write(_step(f"{number} (undo)", step.inverse))
        stream.write("}\n")
        for manual in plan.manual:
            stream.write(
                comment(
                    f"By hand, {manual.cause.finding_id} {manual.cause.rule} on '{manual.list_name}': {manual.reason}"
                )
                + "\n"
            )
        for finding_id in plan.accepted:
            stream.write(comment(f"Accepted risk, not planned: {finding_id}") + "\n")


def _step(number: str, step: Step) -> str:
    test, change = _COMMANDS[step.target.tooling][_KIND_OF[step.change.action]](step.target.dn or "", step)
    lines = [f"    # {number}. {one_line(describe(step))}", *(f"    #   {cause}" for cause in causes(step))]
    if _KIND_OF[step.change.action] == "filter":  # the filter a skipped undo leaves to be put back by hand
        lines += [f"    #   {when} filter: {one_line(value.shown)}" for when, value in _filters(step.change)]
    lines.append(f"    Invoke-PlanStep {quoted(number)} {quoted(one_line(describe(step)))} {{ {test} }} {{ {change} }}")
    return "\n".join(lines) + "\n\n"


_ON_PREMISES = frozenset({Tooling.ACTIVE_DIRECTORY, Tooling.EXCHANGE_DYNAMIC})
"""Lists the cmdlets name by DN; a tenant's are named by address (or id)."""


def _filters(change: Change) -> list[tuple[str, Value]]:
    return [(when, value) for when, value in (("before", change.removed), ("after", change.added)) if value]


def _identity(dn: str, step: Step) -> str:
    """How the cmdlets name the list: its DN on premises, else its address (or id) in Exchange Online."""
    target = step.target
    on_premises = target.tooling in _ON_PREMISES
    return quoted(dn if on_premises else (target.address or target.object_id))


def _old(change: Change) -> str:
    return quoted(change.removed.ldap) if change.removed else "$null"


def _new(change: Change) -> str:
    return quoted(change.added.ldap) if change.added else "$null"


def _ad_rename(dn: str, step: Step) -> tuple[str, str]:
    group = _identity(dn, step)
    read = f"(Get-ADGroup -Identity {group} -Properties displayName).displayName -ceq {_old(step.change)}"
    return read, f"Set-ADGroup -Identity {group} -DisplayName {_new(step.change)} -WhatIf:$WhatIf"


def _ad_member(dn: str, step: Step) -> tuple[str, str]:
    group, change = _identity(dn, step), step.change
    members = f"@((Get-ADGroup -Identity {group} -Properties member).member)"
    if change.action is Action.REMOVE_MEMBER:
        return (
            f"{members} -contains {_old(change)}",
            f"Set-ADGroup -Identity {group} -Remove @{{member={_old(change)}}} -WhatIf:$WhatIf",
        )
    return (
        f"{members} -notcontains {_new(change)}",
        f"Set-ADGroup -Identity {group} -Add @{{member={_new(change)}}} -WhatIf:$WhatIf",
    )


def _ad_owner(dn: str, step: Step) -> tuple[str, str]:
    group, change = _identity(dn, step), step.change
    current = f"(Get-ADGroup -Identity {group} -Properties managedBy).managedBy"
    read = f"{current} -eq {_old(change)}" if change.removed else f"-not {current}"
    if change.added is None:
        return read, f"Set-ADGroup -Identity {group} -Clear managedBy -WhatIf:$WhatIf"
    return read, f"Set-ADGroup -Identity {group} -ManagedBy {_new(change)} -WhatIf:$WhatIf"


def _exchange_flag(cmdlet: str, parameter: str, set_by: Action) -> Callable[[str, Step], tuple[str, str]]:
    """A flag of Exchange's: `set_by` sets it, its inverse clears it; the step runs if it is not so yet."""

    def commands(dn: str, step: Step) -> tuple[str, str]:
        group = _identity(dn, step)
        flag = "$true" if step.change.action is set_by else "$false"
        read = f"(Get-{cmdlet} -Identity {group}).{parameter} -ne {flag}"
        return read, f"Set-{cmdlet} -Identity {group} -{parameter} {flag} -WhatIf:$WhatIf"

    return commands


def _senders(cmdlet: str) -> Callable[[str, Step], tuple[str, str]]:
    return _exchange_flag(cmdlet, "RequireSenderAuthenticationEnabled", Action.REQUIRE_AUTHENTICATED_SENDERS)


def _address_book(cmdlet: str) -> Callable[[str, Step], tuple[str, str]]:
    return _exchange_flag(cmdlet, "HiddenFromAddressListsEnabled", Action.HIDE_FROM_ADDRESS_BOOK)


def _recipient_filter(dn: str, step: Step) -> tuple[str, str]:
    # Exchange may store a filter in its own words (adding the exclusion of system mailboxes): the undo's
    # guard then no longer finds the filter the plan wrote, and skips the step, leaving the filter to be
    # put back by hand from the step's comment.
    group, change = _identity(dn, step), step.change
    read = f"(Get-DynamicDistributionGroup -Identity {group}).RecipientFilter -ceq {_old(change)}"
    return read, f"Set-DynamicDistributionGroup -Identity {group} -RecipientFilter {_new(change)} -WhatIf:$WhatIf"


def _exchange_rename(cmdlet: str) -> Callable[[str, Step], tuple[str, str]]:
    def commands(dn: str, step: Step) -> tuple[str, str]:
        group = _identity(dn, step)
        read = f"(Get-{cmdlet} -Identity {group}).DisplayName -ceq {_old(step.change)}"
        return read, f"Set-{cmdlet} -Identity {group} -DisplayName {_new(step.change)} -WhatIf:$WhatIf"

    return commands


def _online_member(dn: str, step: Step) -> tuple[str, str]:
    group, change = _identity(dn, step), step.change
    members = (
        f"@(Get-DistributionGroupMember -Identity {group} -ResultSize Unlimited | ForEach-Object PrimarySmtpAddress)"
    )
    if change.action is Action.REMOVE_MEMBER:
        command = (
            f"Remove-DistributionGroupMember -Identity {group} -Member {_old(change)} -Confirm:$false -WhatIf:$WhatIf"
        )
        return f"{members} -contains {_old(change)}", command
    command = f"Add-DistributionGroupMember -Identity {group} -Member {_new(change)} -WhatIf:$WhatIf"
    return f"{members} -notcontains {_new(change)}", command


def _unified_links(link_type: str) -> Callable[[str, Step], tuple[str, str]]:
    def commands(dn: str, step: Step) -> tuple[str, str]:
        group, change = _identity(dn, step), step.change
        links = f"@(Get-UnifiedGroupLinks -Identity {group} -LinkType {link_type} | ForEach-Object PrimarySmtpAddress)"
        if change.added is None:
            unlink = f"Remove-UnifiedGroupLinks -Identity {group} -LinkType {link_type} -Links {_old(change)}"
            command = f"{unlink} -Confirm:$false -WhatIf:$WhatIf"
            return f"{links} -contains {_old(change)}", command
        command = f"Add-UnifiedGroupLinks -Identity {group} -LinkType {link_type} -Links {_new(change)} -WhatIf:$WhatIf"
        return f"{links} -notcontains {_new(change)}", command

    return commands


def _exchange_owner(cmdlet: str, bypass: str) -> Callable[[str, Step], tuple[str, str]]:
    def commands(dn: str, step: Step) -> tuple[str, str]:
        group, change = _identity(dn, step), step.change
        owners = f"@((Get-{cmdlet} -Identity {group}).ManagedBy)"
        read = f"{owners}.Count -le 1"  # Exchange gives owners by name: the one the scan saw is replaced, no other
        value = _new(change) if change.added else "$null"
        return read, f"Set-{cmdlet} -Identity {group} -ManagedBy {value}{bypass} -WhatIf:$WhatIf"

    return commands


_Commands = Callable[[str, Step], tuple[str, str]]

_KIND_OF = {
    Action.RENAME: "name",
    Action.REMOVE_MEMBER: "member",
    Action.ADD_MEMBER: "member",
    Action.SET_OWNER: "owner",
    Action.REMOVE_OWNER: "owner",
    Action.REQUIRE_AUTHENTICATED_SENDERS: "senders",
    Action.ALLOW_UNAUTHENTICATED_SENDERS: "senders",
    Action.HIDE_FROM_ADDRESS_BOOK: "address-book",
    Action.SHOW_IN_ADDRESS_BOOK: "address-book",
    Action.NARROW_RECIPIENT_FILTER: "filter",
    Action.RESTORE_RECIPIENT_FILTER: "filter",
}
"""An action and its inverse are one kind of change, written by one function."""

_DYNAMIC: dict[str, _Commands] = {
    "name": _exchange_rename("DynamicDistributionGroup"),
    "owner": _exchange_owner("DynamicDistributionGroup", ""),
    "senders": _senders("DynamicDistributionGroup"),
    "address-book": _address_book("DynamicDistributionGroup"),
    "filter": _recipient_filter,
}
"""A dynamic list's members follow its filter: the planner changes the filter, never members."""

_COMMANDS: dict[Tooling, dict[str, _Commands]] = {
    Tooling.ACTIVE_DIRECTORY: {
        "name": _ad_rename,
        "member": _ad_member,
        "owner": _ad_owner,
        "senders": _senders("DistributionGroup"),
        "address-book": _address_book("DistributionGroup"),
    },
    Tooling.EXCHANGE_ONLINE: {
        "name": _exchange_rename("DistributionGroup"),
        "member": _online_member,
        "owner": _exchange_owner("DistributionGroup", " -BypassSecurityGroupManagerCheck"),
        "senders": _senders("DistributionGroup"),
        "address-book": _address_book("DistributionGroup"),
    },
    Tooling.EXCHANGE_DYNAMIC: _DYNAMIC,
    Tooling.EXCHANGE_ONLINE_DYNAMIC: _DYNAMIC,
    Tooling.MICROSOFT_365_GROUP: {
        "name": _exchange_rename("UnifiedGroup"),
        "member": _unified_links("Members"),
        "owner": _unified_links("Owners"),
        "senders": _senders("UnifiedGroup"),
        "address-book": _address_book("UnifiedGroup"),
    },
}
"""The test that the directory still holds what the scan saw, and the change, for each list's tooling."""
