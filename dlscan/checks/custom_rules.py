"""Organisations' own rules, written in the rule pack as conditions over a list's facts.

    custom_rules:
      ORG001:
        slug: safeguarding-no-personal-mail
        title: Safeguarding lists must reach no private mailbox
        severity: high
        when:
          - {fact: name, op: matches, value: '(?i)safeguard'}
          - {fact: personal_recipients, op: gt, value: 0}
        rationale: ...
        remediation: ...

A list is flagged when every condition in `when` holds. This module reads the structure; which facts
and operators exist is decided in dlscan/checks/custom.py, which validates each condition.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from dlscan.findings import Severity
from dlscan.support.errors import InputError
from dlscan.support.structs import Problem, Refusal, convert
from dlscan.support.yamlfile import LineDict

_ID = re.compile(r"^[A-Z][A-Z0-9_-]{2,31}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: Any
    line: int


@dataclass(frozen=True)
class CustomRuleConfig:
    code: str
    slug: str
    title: str
    severity: Severity
    enabled: bool
    conditions: tuple[Condition, ...]
    rationale: str
    remediation: str
    file: str
    line: int


def parse_custom_rules(path: Path, section: Any, line: int, taken: set[str]) -> list[CustomRuleConfig]:
    """Read a `custom_rules` mapping; `taken` holds the ids already in use and gains the new ones."""
    if not isinstance(section, LineDict):
        raise InputError(path, "custom_rules must be a mapping of rule ids to rules", line)
    rules = []
    for code, body in section.items():
        where = section.line_of(code)
        if not isinstance(code, str) or not _ID.match(code):
            raise InputError(path, f"custom rule id {code!r} must be 3-32 capitals, digits, '-' or '_'", where)
        if code in taken:
            raise InputError(path, f"rule id {code!r} is already in use", where)
        taken.add(code)
        rules.append(_rule(path, code, body, where, section))
    return rules


class _Condition(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    fact: str
    op: str
    value: Any


class _Rule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """A custom rule as written: which keys exist, and what each may hold."""

    slug: str
    title: str
    severity: str | int | float | bool
    when: list[Any]
    rationale: str
    remediation: str
    enabled: bool = True


def _rule(path: Path, code: str, body: Any, line: int, section: LineDict) -> CustomRuleConfig:
    if not isinstance(body, LineDict):
        raise InputError(path, f"custom rule {code} must be a mapping", line)
    rule = convert(path, body, _Rule, functools.partial(_rule_refusal, code), prefix=(code,), root=section)
    texts = {}
    for key in ("slug", "title", "rationale", "remediation"):
        if not getattr(rule, key).strip():
            raise InputError(path, f"'{key}' of custom rule {code} must be text", body.line_of(key))
        texts[key] = " ".join(getattr(rule, key).split())
    if not _SLUG.match(texts["slug"]):
        raise InputError(path, f"slug {texts['slug']!r} must be lower-case words joined by '-'", body.line_of("slug"))
    try:
        severity = Severity(str(rule.severity).lower())
    except ValueError:
        raise InputError(path, f"severity {rule.severity!r} is not a severity", body.line_of("severity")) from None
    return CustomRuleConfig(
        code=code,
        slug=texts["slug"],
        title=texts["title"],
        severity=severity,
        enabled=rule.enabled,
        conditions=_conditions(path, code, body["when"], body.line_of("when")),
        rationale=texts["rationale"],
        remediation=texts["remediation"],
        file=str(path),
        line=line,
    )


def _rule_refusal(code: str, refusal: Refusal, value: Any) -> str:
    if refusal.problem is Problem.MISSING_KEY:
        return f"custom rule {code} lacks '{refusal.key}'"
    if refusal.problem is Problem.UNKNOWN_KEY:
        return f"unknown key of custom rule {code} {refusal.key!r}"
    key = refusal.key_at(1)
    if key == "enabled":
        return f"'enabled' of custom rule {code} must be true or false"
    if key == "severity":
        return f"severity {value!r} is not a severity"
    if key == "when":
        return f"'when' of custom rule {code} must be a list of conditions"
    return f"'{key}' of custom rule {code} must be text"


def _conditions(path: Path, code: str, when: list[Any], line: int) -> tuple[Condition, ...]:
    if not when:
        raise InputError(path, f"'when' of custom rule {code} must be a list of conditions", line)
    conditions = []
    for item in when:
        if not isinstance(item, LineDict):
            raise InputError(path, f"a condition of {code} must be a mapping of fact, op and value", line)
        condition = convert(path, item, _Condition, functools.partial(_condition_refusal, code))
        conditions.append(Condition(fact=condition.fact, op=condition.op, value=condition.value, line=item.line))
    return tuple(conditions)


def _condition_refusal(code: str, refusal: Refusal, value: Any) -> str:
    if refusal.problem is Problem.MISSING_KEY:
        return f"a condition of {code} lacks '{refusal.key}'"
    if refusal.problem is Problem.UNKNOWN_KEY:
        return f"a condition of {code} has unknown key {refusal.key!r}"
    return f"{code}: the {refusal.key_at(0)} of a condition must be a name, not {value!r}"
