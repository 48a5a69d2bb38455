"""What a remediation plan is made of: attribute changes, each with its inverse, and the manual steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tooling(StrEnum):
    """Where a list's change is made, which decides the commands a plan writes for it."""

    ACTIVE_DIRECTORY = "active-directory"
    """An on-premises list: LDAP (LDIF), the ActiveDirectory module, Exchange Server's cmdlets."""
    EXCHANGE_ONLINE = "exchange-online"
    """A distribution list or mail-enabled security group of a tenant: Exchange Online's cmdlets."""
    MICROSOFT_365_GROUP = "microsoft-365-group"
    """A Microsoft 365 (unified) group: Exchange Online's UnifiedGroup cmdlets."""
    EXCHANGE_DYNAMIC = "exchange-dynamic"
    """An on-premises Exchange dynamic distribution list: LDAP (LDIF), Exchange Server's
    DynamicDistributionGroup cmdlets (the ActiveDirectory module's group cmdlets do not find it)."""
    EXCHANGE_ONLINE_DYNAMIC = "exchange-online-dynamic"
    """A dynamic distribution list of a tenant: Exchange Online's DynamicDistributionGroup cmdlets."""


class Action(StrEnum):
    """What a change does, in the words a change board reads."""

    RENAME = "rename"
    REMOVE_MEMBER = "remove-member"
    ADD_MEMBER = "add-member"
    REQUIRE_AUTHENTICATED_SENDERS = "require-authenticated-senders"
    ALLOW_UNAUTHENTICATED_SENDERS = "allow-unauthenticated-senders"
    SET_OWNER = "set-owner"
    REMOVE_OWNER = "remove-owner"
    HIDE_FROM_ADDRESS_BOOK = "hide-from-address-book"
    SHOW_IN_ADDRESS_BOOK = "show-in-address-book"
    NARROW_RECIPIENT_FILTER = "narrow-recipient-filter"
    RESTORE_RECIPIENT_FILTER = "restore-recipient-filter"


_INVERSE = {
    Action.RENAME: Action.RENAME,
    Action.REMOVE_MEMBER: Action.ADD_MEMBER,
    Action.ADD_MEMBER: Action.REMOVE_MEMBER,
    Action.REQUIRE_AUTHENTICATED_SENDERS: Action.ALLOW_UNAUTHENTICATED_SENDERS,
    Action.ALLOW_UNAUTHENTICATED_SENDERS: Action.REQUIRE_AUTHENTICATED_SENDERS,
    Action.SET_OWNER: Action.REMOVE_OWNER,
    Action.REMOVE_OWNER: Action.SET_OWNER,
    Action.HIDE_FROM_ADDRESS_BOOK: Action.SHOW_IN_ADDRESS_BOOK,
    Action.SHOW_IN_ADDRESS_BOOK: Action.HIDE_FROM_ADDRESS_BOOK,
    Action.NARROW_RECIPIENT_FILTER: Action.RESTORE_RECIPIENT_FILTER,
    Action.RESTORE_RECIPIENT_FILTER: Action.NARROW_RECIPIENT_FILTER,
}


@dataclass(frozen=True, slots=True)
class Value:
    """One attribute value as the directory holds it (`ldap`: a DN, a name, TRUE) and as people read it."""

    ldap: str
    shown: str
    object_id: str = ""
    """The directory id of the object the value names (a member, an owner), '' for a plain value."""


@dataclass(frozen=True, slots=True)
class Change:
    """One attribute of one list: `removed` is the value the scan saw, which must still be there for the
    change to be made (None: the attribute was empty); `added` the value it is given (None: emptied).
    Multi-valued attributes (members) change by one value, leaving the rest alone."""

    action: Action
    attribute: str
    removed: Value | None = None
    added: Value | None = None
    guarded: bool = True
    """False where the scan cannot tell the exact value it saw (an Exchange flag that is absent or FALSE
    alike): the change is then made whatever the value is now, which is safe only for such flags."""

    def inverse(self) -> Change:
        return Change(_INVERSE[self.action], self.attribute, self.added, self.removed, self.guarded)


@dataclass(frozen=True, slots=True)
class Target:
    """The list a step changes."""

    object_id: str
    name: str
    address: str
    dn: str | None
    tooling: Tooling


@dataclass(frozen=True, slots=True)
class Cause:
    """A finding a step resolves, as the plan's comments name it."""

    finding_id: str
    code: str
    rule: str
    detail: str


@dataclass(frozen=True, slots=True)
class Step:
    """One change to one list, and the findings it resolves (several rules may ask for the same rename)."""

    target: Target
    change: Change
    causes: tuple[Cause, ...]
    affected: int = 0
    """Recipients whose mail from the list starts or stops with the change (0 for a rename or a flag; for
    a narrowed filter, the outsiders it lets in now)."""

    @property
    def inverse(self) -> Step:
        return Step(self.target, self.change.inverse(), self.causes, self.affected)


@dataclass(frozen=True, slots=True)
class ManualStep:
    """A finding no directory change in the plan resolves, and why."""

    cause: Cause
    list_name: str
    reason: str


@dataclass(frozen=True)
class Plan:
    source: str
    """The scanned source's kind and name, as the plan's header gives them."""
    steps: tuple[Step, ...] = ()
    manual: tuple[ManualStep, ...] = ()
    accepted: tuple[str, ...] = field(default=())
    """Finding ids left out because they are accepted risks."""

    def undo(self) -> Plan:
        """The plan that puts back what this one changes, last change first."""
        return Plan(self.source, tuple(s.inverse for s in reversed(self.steps)), (), self.accepted)
