"""Custom rules: conditions over a list's facts, with facts and operators in explicit registries.

`FACTS` says what is known about a list; `OPERATORS` says how a condition compares it. Adding either is
one entry here, and docs/rules.md lists them. A fact the source cannot give (None) leaves the list
unjudged by that rule, and the report says how many lists that was.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from dlscan.boundary import Audience
from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.checks.custom_rules import Condition, CustomRuleConfig
from dlscan.checks.rulepack import RuleConfig, RulePack
from dlscan.findings import Coverage, Finding
from dlscan.model import DistributionList, domain_of
from dlscan.support.errors import InputError
from dlscan.support.patterns import Pattern, linear_pattern

Reader = Callable[[ScanContext, DistributionList], Any]


@dataclass(frozen=True)
class Fact:
    kind: type
    read: Reader
    about: str


def _count(audience: Audience) -> Reader:
    return lambda ctx, g: ctx.count_by_audience(g.id, audience)


def _guests(ctx: ScanContext, group: DistributionList) -> int:
    return sum(1 for r in ctx.graph.reach(group.id) if ctx.snapshot.recipients[r].guest)


def _personal(ctx: ScanContext, group: DistributionList) -> int:
    external = ctx.reach_by_audience(group.id, Audience.EXTERNAL)
    return sum(1 for r in external if ctx.settings.personal(domain_of(r.primary_address)))


FACTS: Mapping[str, Fact] = MappingProxyType(
    {
        "name": Fact(str, lambda ctx, g: g.display_name, "the list's display name"),
        "address": Fact(str, lambda ctx, g: g.primary_address or "", "its primary SMTP address"),
        "kind": Fact(str, lambda ctx, g: g.kind.value, "distribution, security or m365"),
        "recipients": Fact(int, lambda ctx, g: len(ctx.receiving(g.id)), "recipients reached, nesting expanded"),
        "internal_recipients": Fact(int, _count(Audience.INTERNAL), "internal recipients reached"),
        "external_recipients": Fact(int, _count(Audience.EXTERNAL), "external recipients reached"),
        "unknown_recipients": Fact(int, _count(Audience.UNKNOWN), "recipients of unknown audience reached"),
        "guest_recipients": Fact(int, _guests, "guest accounts reached"),
        "personal_recipients": Fact(int, _personal, "private mailboxes reached (personal_mail_domains)"),
        "external_organisations": Fact(int, lambda ctx, g: len(ctx.outside_parties(g.id)), "outside domains reached"),
        "sensitive": Fact(
            bool,
            lambda ctx, g: ctx.is_sensitive(g),
            "name has a sensitive keyword, or members may hold admin roles",
        ),
        "marked_external": Fact(bool, lambda ctx, g: ctx.marked_external(g), "name carries the external marker"),
        "nesting_depth": Fact(int, lambda ctx, g: ctx.graph.depth(g.id), "levels of nested lists below it"),
        "nested_lists": Fact(int, lambda ctx, g: len(ctx.graph.nested_lists(g.id)), "lists nested directly in it"),
        "open_to_external_senders": Fact(bool, lambda ctx, g: g.accepts_external_senders, "accepts outside mail"),
        "has_owner": Fact(bool, lambda ctx, g: None if g.owners is None else bool(g.owners), "has an owner"),
        "owners": Fact(int, lambda ctx, g: None if g.owners is None else len(g.owners), "number of owners"),
        "hidden_from_address_book": Fact(bool, lambda ctx, g: g.hidden_from_address_book, "hidden from the GAL"),
    }
)


@dataclass(frozen=True)
class Operator:
    kinds: frozenset[type]
    test: Callable[[Any, Any], bool]
    prepare: Callable[[Any, type], Any]
    """Checks a condition's value against the fact's kind and turns it into what `test` takes."""


def _same_kind(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise ValueError(f"must be {_kind_name(kind)}")
    return value


def _pattern(value: Any, kind: type) -> Pattern:
    if not isinstance(value, str):
        raise ValueError("must be a regular expression")
    try:
        return linear_pattern(value)
    except ValueError as exc:
        raise ValueError(f"is not a valid regular expression: {exc}") from None


def _members(value: Any, kind: type) -> frozenset:
    if not isinstance(value, list) or not all(type(v) is kind for v in value):
        raise ValueError(f"must be a list of {_kind_name(kind)} values")
    return frozenset(value)


OPERATORS: Mapping[str, Operator] = MappingProxyType(
    {
        "equals": Operator(frozenset({str, int, bool}), operator.eq, _same_kind),
        "not_equals": Operator(frozenset({str, int, bool}), operator.ne, _same_kind),
        "gt": Operator(frozenset({int}), operator.gt, _same_kind),
        "gte": Operator(frozenset({int}), operator.ge, _same_kind),
        "lt": Operator(frozenset({int}), operator.lt, _same_kind),
        "lte": Operator(frozenset({int}), operator.le, _same_kind),
        "matches": Operator(frozenset({str}), lambda fact, p: p.search(fact) is not None, _pattern),
        "not_matches": Operator(frozenset({str}), lambda fact, p: p.search(fact) is None, _pattern),
        "in": Operator(frozenset({str, int}), lambda fact, values: fact in values, _members),
        "not_in": Operator(frozenset({str, int}), lambda fact, values: fact not in values, _members),
    }
)


def _kind_name(kind: type) -> str:
    return {str: "text", int: "a whole number", bool: "true or false"}[kind]


@dataclass(frozen=True)
class CompiledCondition:
    condition: Condition
    fact: Fact
    op: Operator
    value: Any

    def describe(self, actual: Any) -> str:
        shown = self.condition.value
        return f"{self.condition.fact} {self.condition.op} {shown!r} (it is {actual!r})"


class CustomRule(Check):
    """A rule from the rule pack's custom_rules: flags lists for which every condition holds."""

    judges_members = True  # its conditions may count recipients

    def __init__(self, custom: CustomRuleConfig, conditions: list[CompiledCondition]) -> None:
        super().__init__(
            RuleConfig(
                code=custom.code,
                slug=custom.slug,
                title=custom.title,
                severity=custom.severity,
                sensitive_severity=None,
                enabled=custom.enabled,
                params={},
                rationale=custom.rationale,
                remediation=custom.remediation,
            )
        )
        self.code = custom.code  # type: ignore[misc]
        self.slug = custom.slug  # type: ignore[misc]
        self.conditions = conditions
        self._unjudged: dict[str, list[str]] = {}
        """List id -> the facts the source did not give for it."""

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            held, unknown = [], []
            for compiled in self.conditions:
                actual = compiled.fact.read(ctx, group)
                if actual is None:
                    unknown.append(compiled.condition.fact)
                elif compiled.op.test(actual, compiled.value):
                    held.append(compiled.describe(actual))
                else:
                    break
            else:
                if unknown:
                    self._unjudged[group.id] = unknown
                    continue
                yield self.finding(ctx, group, detail=f"{self.config.title}: {'; '.join(held)}.")

    def coverage(self, ctx: ScanContext) -> Coverage:
        if not self._unjudged:
            return Coverage(self.code)
        lists_by_fact = Counter(fact for facts in self._unjudged.values() for fact in facts)
        facts = ", ".join(f"{fact} for {plural(n, 'list')}" for fact, n in sorted(lists_by_fact.items()))
        return Coverage(self.code, frozenset(self._unjudged), reason=f"{self.code}: the source does not give {facts}.")


def compile_custom_rules(pack: RulePack) -> list[CustomRule]:
    """Check every condition of every custom rule against the registries; errors name file and line."""
    checks = []
    for custom in pack.custom_rules:
        compiled = []
        for condition in custom.conditions:
            fact = FACTS.get(condition.fact)
            if fact is None:
                raise InputError(
                    custom.file, f"{custom.code}: unknown fact {condition.fact!r} ({_names(FACTS)})", condition.line
                )
            op = OPERATORS.get(condition.op)
            if op is None:
                raise InputError(
                    custom.file,
                    f"{custom.code}: unknown operator {condition.op!r} ({_names(OPERATORS)})",
                    condition.line,
                )
            if fact.kind not in op.kinds:
                raise InputError(
                    custom.file,
                    f"{custom.code}: '{condition.op}' does not apply to "
                    f"{condition.fact}, which is {_kind_name(fact.kind)}",
                    condition.line,
                )
            try:
                value = op.prepare(condition.value, fact.kind)
            except ValueError as exc:
                raise InputError(
                    custom.file, f"{custom.code}: the value of {condition.fact} {condition.op} {exc}", condition.line
                ) from None
            compiled.append(CompiledCondition(condition, fact, op, value))
        checks.append(CustomRule(custom, compiled))
    return checks


def _names(registry: Mapping[str, object]) -> str:
    return "known: " + ", ".join(sorted(registry))
