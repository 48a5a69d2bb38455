"""The rule registry: rule code -> check class. Each family of checks lives in its own module, beside the
rule pack (`rulepack`, `custom_rules`) that configures them.

May import boundary, matching, graph, sources, model and support.
"""

from __future__ import annotations

from dlscan.checks.address_clash import SharedAddress
from dlscan.checks.addresses import LookalikeDomain, NeighbourDomain, PersonalEmail
from dlscan.checks.base import Check
from dlscan.checks.confusable import ConfusableLists
from dlscan.checks.context import ScanContext
from dlscan.checks.custom import compile_custom_rules
from dlscan.checks.dynamic_lists import DynamicAdmitsExternal
from dlscan.checks.exposure import HiddenExternal, MisleadingMarker, MixedMembership, UnmarkedExternal
from dlscan.checks.governance import NoOwner, OpenToExternalSenders, PausedMembershipRule, StaleMembers
from dlscan.checks.imitation import ConfusableRecipient
from dlscan.checks.routing import AddressDeliversOutside, GuestWithInternalAddress
from dlscan.checks.rulepack import RulePack, RuleSpec
from dlscan.checks.structure import DeepNesting, DuplicateMembership, EmptyList, NestingCycle
from dlscan.findings import Picture

CHECK_CLASSES: tuple[type[Check], ...] = (
    MixedMembership,
    HiddenExternal,
    UnmarkedExternal,
    MisleadingMarker,
    ConfusableLists,
    ConfusableRecipient,
    LookalikeDomain,
    PersonalEmail,
    OpenToExternalSenders,
    NestingCycle,
    DeepNesting,
    EmptyList,
    NoOwner,
    DuplicateMembership,
    StaleMembers,
    AddressDeliversOutside,
    GuestWithInternalAddress,
    SharedAddress,
    NeighbourDomain,
    PausedMembershipRule,
    DynamicAdmitsExternal,
)


def pictures() -> dict[str, Picture]:
    """What the HTML report draws for each built-in rule's findings; custom rules draw none."""
    return {c.code: c.picture for c in CHECK_CLASSES}


def rule_specs() -> dict[str, RuleSpec]:
    return {c.code: RuleSpec(code=c.code, slug=c.slug, params=c.params) for c in CHECK_CLASSES}


def build_checks(pack: RulePack) -> list[Check]:
    """One check object per enabled rule, built-in and custom, configured from the pack."""
    built_in = [c(pack.rules[c.code]) for c in CHECK_CLASSES if pack.rules[c.code].enabled]
    return built_in + [c for c in compile_custom_rules(pack) if c.config.enabled]


__all__ = ["CHECK_CLASSES", "Check", "ScanContext", "build_checks", "compile_custom_rules", "pictures", "rule_specs"]
