"""From findings to a plan: for each rule, the directory change that resolves its finding, or the reason
there is none. Nothing here changes a directory; the plan is only ever written."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from dlscan.findings import Finding
from dlscan.graph import MembershipGraph
from dlscan.model import DistributionList, ListKind, Recipient, Snapshot
from dlscan.remediation.filters import narrowed_filter
from dlscan.remediation.steps import Action, Cause, Change, ManualStep, Plan, Step, Target, Tooling, Value
from dlscan.support.errors import UsageError

EXTERNAL_SUFFIX = " (EXT)"
"""What a rename adds to a list's name to carry the external marker, unless the plan is given another."""


@dataclass(frozen=True)
class PlanSettings:
    marker_suffix: str = EXTERNAL_SUFFIX
    owner: str | None = None
    """Who becomes the owner of a list without one: an address, DN or id of the snapshot, never guessed."""
    accepted: frozenset[str] = frozenset()
    """Finding ids of accepted risks: never planned."""
    codes: frozenset[str] = frozenset()
    """Plan only the findings of these rules (all when empty)."""
    finding_ids: frozenset[str] = frozenset()
    """Plan only these findings (all when empty)."""
    hide_confusable: bool = False
    """Make a confusable pair safer by hiding, from the address book, the list a slip alone sends outside,
    where the rule says that helps; otherwise the pair is left to people."""


class _Planning:
    """One plan being made: the snapshot, the settings, and the steps found so far, by list and change."""

    def __init__(self, snapshot: Snapshot, settings: PlanSettings, marked: Callable[[str], bool]) -> None:
        self.snapshot = snapshot
        self.settings = settings
        self.marked = marked
        self.steps: dict[tuple[str, Change], Step] = {}
        self.manual: list[ManualStep] = []
        self.owner = _resolve_owner(snapshot, settings.owner) if settings.owner else None

    @cached_property
    def graph(self) -> MembershipGraph:
        """Built only for a plan that counts whom a removed nesting stops reaching (DL010)."""
        return MembershipGraph(self.snapshot)

    def add(self, finding: Finding, group: DistributionList, change: Change, affected: int = 0) -> None:
        """The step that makes `change`, one for every finding that asks for it."""
        key, cause = (group.id, change), _cause(finding)
        known = self.steps.get(key)
        if known is not None:
            self.steps[key] = replace(known, causes=(*known.causes, cause))
        else:
            self.steps[key] = Step(_target(self.snapshot, group), change, (cause,), affected)

    def by_hand(self, finding: Finding, reason: str) -> None:
        self.manual.append(ManualStep(_cause(finding), finding.list, reason))


def build_plan(
    findings: Iterable[Finding], snapshot: Snapshot, settings: PlanSettings, marked: Callable[[str], bool]
) -> Plan:
    """The plan for the scan's `findings` that the settings select, each planned by its rule's planner;
    `marked` says whether a name carries the rule pack's external marker."""
    if not marked(f"List{settings.marker_suffix}"):
        raise UsageError(
            f"--marker-suffix {settings.marker_suffix!r} does not match the rule pack's external_marker, so a "
            "renamed list would still be reported"
        )
    findings = list(findings)
    planning = _Planning(snapshot, settings, marked)
    selected = _selected(findings, settings)
    for finding in (f for f in selected if f.finding_id not in settings.accepted):
        group = snapshot.lists.get(finding.list_id)
        planner = _PLANNERS.get(finding.code) if group is not None else None
        reason = _cannot_change(group, finding) if group is not None else ""
        if planner is None:
            reason = reason or _MANUAL.get(finding.code, "no directory change in a plan can decide it")
        if reason:
            planning.by_hand(finding, reason)
            continue
        planner(planning, finding, group)  # type: ignore[arg-type]
    accepted = tuple(sorted(f.finding_id for f in selected if f.finding_id in settings.accepted))
    source = f"{snapshot.source.kind} {snapshot.source.name}"
    return Plan(source, tuple(planning.steps.values()), tuple(planning.manual), accepted)


def _cannot_change(group: DistributionList, finding: Finding) -> str:
    if group.synced_from_premises:
        return "the list is synchronised from on-premises Active Directory: plan it from a scan of that directory"
    if group.membership_rule is not None and finding.code in _MEMBER_RULES:
        return f"its members follow its dynamic membership rule ({group.membership_rule}): change the rule"
    return ""


def _rename(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    if planning.marked(group.display_name):
        planning.by_hand(finding, "the name already carries the external marker")
        return
    renamed = group.display_name + planning.settings.marker_suffix
    old = Value(group.display_name, group.display_name)
    change = Change(Action.RENAME, "displayName", old, Value(renamed, renamed))
    planning.add(finding, group, change)


def _confusable(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    """A confusable pair is made safer by hiding the list a slip alone sends outside, when asked to and
    where the rule says that helps. A rename is not planned: a name that only gains the external marker
    still looks like its twin, so which name to change, and to what, is for people."""
    if not (planning.settings.hide_confusable and finding.hiding_helps):
        hint = " (or hide it from the address book: --hide-confusable)" if finding.hiding_helps else ""
        planning.by_hand(
            finding, f"which of the two names to change, and to what, is for the lists' owners to agree{hint}"
        )
    elif group.hidden_from_address_book is None and not planning.snapshot.source.from_active_directory:
        planning.by_hand(
            finding,
            "the source does not say whether the list is hidden (Graph gives it for Microsoft 365 groups only): "
            "merge Exchange's facts (docs/exchange-import.md) and plan again, or hide it in Exchange",
        )
    else:
        planning.add(finding, group, _hide(group))


def _hide(group: DistributionList) -> Change:
    # Absent is not hidden: the guarded change then adds the flag, which fails if it has been set since.
    seen = None if group.hidden_from_address_book is None else Value("FALSE", "shown")
    return Change(Action.HIDE_FROM_ADDRESS_BOOK, "msExchHideFromAddressLists", seen, Value("TRUE", "hidden"))


def _narrow_filter(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    narrowed = narrowed_filter(planning.snapshot, finding, group)
    if isinstance(narrowed, str):
        planning.by_hand(finding, narrowed)
    else:
        planning.add(finding, group, narrowed.change, affected=narrowed.left_out)


def _require_authentication(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    # Exchange treats an absent msExchRequireAuthToSendTo as FALSE, and the snapshot keeps only the
    # verdict, so the flag is set whatever it now holds: setting it twice changes nothing.
    flag = "msExchRequireAuthToSendTo"
    change = Change(Action.REQUIRE_AUTHENTICATED_SENDERS, flag, None, Value("TRUE", "required"), guarded=False)
    planning.add(finding, group, change)


def _set_owner(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    owner = planning.owner
    if owner is None:
        planning.by_hand(finding, "give the new owner with --owner: an owner is never guessed")
        return
    seen = group.owners or ()
    if len(seen) > 1:
        planning.by_hand(finding, "the list has several owners, none of them active: choose which to replace")
        return
    old = _value_of(planning.snapshot, seen[0]) if seen else None
    if seen and old is None:
        planning.by_hand(finding, "the owner the list names has no DN in the source to replace")
        return
    planning.add(finding, group, Change(Action.SET_OWNER, "managedBy", old, owner))


def _remove_stale(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    for item in finding.evidence:
        value = _value_of(planning.snapshot, item.subject_id)
        if value is None:
            planning.by_hand(finding, f"the member {item.subject} has no DN in the source to remove")
            continue
        planning.add(finding, group, Change(Action.REMOVE_MEMBER, "member", value, None))


def _break_cycle(planning: _Planning, finding: Finding, group: DistributionList) -> None:
    """The cycle is broken where it closes: the nesting its evidence names ('|'-joined ids, container first)."""
    container_id, _, member_id = finding.evidence[0].subject_id.partition("|") if finding.evidence else ("", "", "")
    closing = planning.snapshot.lists.get(container_id)
    value = _value_of(planning.snapshot, member_id)
    if closing is None or value is None:
        planning.by_hand(finding, "the cycle's lists have no DNs in the source")
        return
    reached = len(planning.graph.reach(closing.id) - _reach_without(planning.graph, closing.id, member_id))
    planning.add(finding, closing, Change(Action.REMOVE_MEMBER, "member", value, None), affected=reached)


def _reach_without(graph: MembershipGraph, start: str, dropped: str) -> set[str]:
    """Whom `start` reaches once the nested list `dropped` is taken out of it."""
    found: set[str] = set(graph.direct_recipients(start))
    seen, pending = {start}, [n for n in graph.nested_lists(start) if n != dropped]
    while pending:
        here = pending.pop()
        if here in seen:
            continue
        seen.add(here)
        found |= graph.direct_recipients(here)
        pending.extend(graph.nested_lists(here))
    return found


_PLANNERS: Mapping[str, Callable[[_Planning, Finding, DistributionList], None]] = {
    "DL003": _rename,
    "DL005": _confusable,
    "DL009": _require_authentication,
    "DL010": _break_cycle,
    "DL013": _set_owner,
    "DL015": _remove_stale,
    "DL021": _narrow_filter,
}
"""Each rule whose finding a directory change resolves, and how."""

_MANUAL = {
    "DL001": "who should stay on a list that mixes audiences is for its owner to decide",
    "DL002": "whether the nested list belongs in this one is for its owner to decide",
    "DL004": "whether to drop the marker or retire the list is for its owner to decide",
    "DL006": "a contact that imitates a colleague is renamed or removed after asking who it is",
    "DL007": "a look-alike domain is blocked at the mail gateway, not in the directory",
    "DL008": "whether a personal address belongs on the list is for its owner to decide",
    "DL011": "flattening nested lists changes who owns which members: agree it with the owners",
    "DL012": "an empty list is retired or filled by its owner",
    "DL014": "which of two duplicate lists to keep is for their owners to agree",
    "DL016": "a contact whose address delivers outside is corrected or removed after asking its owner",
    "DL017": "a guest with an internal address is checked with the person it claims to be",
    "DL018": "which list keeps the shared address is for their owners to agree",
    "DL019": "a neighbouring body's domain is told apart by the names of its contacts, not changed",
    "DL020": "a paused rule is resumed, or its list's members reviewed, in Microsoft 365",
}
"""Why the rules without a planner leave their findings to people."""

_MEMBER_RULES = frozenset({"DL015", "DL010"})


def _cause(finding: Finding) -> Cause:
    return Cause(finding.finding_id, finding.code, finding.rule, finding.detail)


def _target(snapshot: Snapshot, group: DistributionList) -> Target:
    if snapshot.source.from_active_directory:
        tooling = Tooling.EXCHANGE_DYNAMIC if group.kind is ListKind.DYNAMIC else Tooling.ACTIVE_DIRECTORY
    elif group.kind is ListKind.DYNAMIC:
        tooling = Tooling.EXCHANGE_ONLINE_DYNAMIC
    elif group.kind is ListKind.M365:
        tooling = Tooling.MICROSOFT_365_GROUP
    else:
        tooling = Tooling.EXCHANGE_ONLINE
    return Target(group.id, group.display_name, group.primary_address or "", group.dn, tooling)


def _value_of(snapshot: Snapshot, object_id: str) -> Value | None:
    """A member or owner as a value: its DN, shown by its name (Exchange Online takes its address or id)."""
    found: Recipient | DistributionList | None = snapshot.recipients.get(object_id) or snapshot.lists.get(object_id)
    if found is None:
        return None
    reference = found.dn if snapshot.source.from_active_directory else (found.primary_address or found.id)
    if not reference:
        return None
    shown = found.label if isinstance(found, DistributionList) else (found.primary_address or found.label)
    return Value(reference, shown, found.id)


def _resolve_owner(snapshot: Snapshot, given: str) -> Value:
    wanted = given.casefold()
    for recipient in snapshot.recipients.values():
        names = (recipient.id, recipient.dn or "", recipient.primary_address or "")
        if wanted in (n.casefold() for n in names if n):
            value = _value_of(snapshot, recipient.id)
            if value is not None:
                return value
    raise UsageError(f"--owner {given!r} is no recipient of the source (give an address, DN or id)")


def _selected(findings: Iterable[Finding], settings: PlanSettings) -> list[Finding]:
    codes, ids = settings.codes, settings.finding_ids
    return [f for f in findings if (not codes or f.code in codes) and (not ids or f.finding_id in ids)]
