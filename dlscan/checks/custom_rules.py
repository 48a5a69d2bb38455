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

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscan.findings import Severity
from dlscan.support.errors import InputError
from dlscan.support.yamlfile import LineDict

_ID = re.compile(r"^[A-Z][A-Z0-9_-]{2,31}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_KEYS = frozenset({"slug", "title", "severity", "enabled", "when", "rationale", "remediation"})
_CONDITION_KEYS = frozenset({"fact", "op", "value"})


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
        rules.append(_rule(path, code, body, where))
    return rules


def _rule(path: Path, code: str, body: Any, line: int) -> CustomRuleConfig:
    if not isinstance(body, LineDict):
        raise InputError(path, f"custom rule {code} must be a mapping", line)
    for key in body:
        if key not in _KEYS:
            raise InputError(path, f"unknown key of custom rule {code} {key!r}", body.line_of(key))
    for key in ("slug", "title", "severity", "when", "rationale", "remediation"):
        if key not in body:
            raise InputError(path, f"custom rule {code} lacks '{key}'", line)
    texts = {}
    for key in ("slug", "title", "rationale", "remediation"):
        if not isinstance(body[key], str) or not body[key].strip():
            raise InputError(path, f"'{key}' of custom rule {code} must be text", body.line_of(key))
        texts[key] = " ".join(body[key].split())
    if not _SLUG.match(texts["slug"]):
        raise InputError(path, f"slug {texts['slug']!r} must be lower-case words joined by '-'", body.line_of("slug"))
    try:
        severity = Severity(str(body["severity"]).lower())
    except ValueError:
        raise InputError(path, f"severity {body['severity']!r} is not a severity", body.line_of("severity")) from None
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InputError(path, f"'enabled' of custom rule {code} must be true or false", body.line_of("enabled"))
    return CustomRuleConfig(
        code=code,
        slug=texts["slug"],
        title=texts["title"],
        severity=severity,
        enabled=enabled,
        conditions=_conditions(path, code, body["when"], body.line_of("when")),
        rationale=texts["rationale"],
        remediation=texts["remediation"],
        file=str(path),
        line=line,
    )


def _conditions(path: Path, code: str, when: Any, line: int) -> tuple[Condition, ...]:
    if not isinstance(when, list) or not when:
        raise InputError(path, f"'when' of custom rule {code} must be a list of conditions", line)
    conditions = []
    for item in when:
        if not isinstance(item, LineDict):
            raise InputError(path, f"a condition of {code} must be a mapping of fact, op and value", line)
        missing = sorted(_CONDITION_KEYS - set(item))
        unknown = sorted(set(item) - _CONDITION_KEYS)
        if missing or unknown:
            problem = f"lacks '{missing[0]}'" if missing else f"has unknown key {unknown[0]!r}"
            raise InputError(path, f"a condition of {code} {problem}", item.line)
        for key in ("fact", "op"):
            if not isinstance(item[key], str):
                raise InputError(path, f"{code}: the {key} of a condition must be a name, not {item[key]!r}", item.line)
        conditions.append(Condition(fact=item["fact"], op=item["op"], value=item["value"], line=item.line))
    return tuple(conditions)
