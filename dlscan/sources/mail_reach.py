"""Which groups of an export mail can reach: the mail-enabled ones, and every group nested in one.

A member that is missing from the export matters only in such a group. Elsewhere (the builtin
"Pre-Windows 2000 Compatible Access" group listing S-1-5-11, say) it cannot change a finding.
"""

from __future__ import annotations

from collections.abc import Iterable


def reached_by_mail(groups: Iterable[tuple[str, bool, Iterable[str]]]) -> set[str]:
    """The keys of the groups that mail reaches, of (key, mail-enabled, member keys) for every group."""
    members_of: dict[str, list[str]] = {}
    reached: list[str] = []
    for key, mail_enabled, members in groups:
        members_of[key] = list(members)
        if mail_enabled:
            reached.append(key)
    seen = set(reached)
    while reached:
        for member in members_of[reached.pop()]:
            if member in members_of and member not in seen:
                seen.add(member)
                reached.append(member)
    return seen
