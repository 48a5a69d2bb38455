"""The LDAP filters of Exchange's dynamic distribution lists, evaluated as Active Directory evaluates them.

ldap3 parses the filter (the parser it uses to send filters to a server); dlscan only evaluates it. Each
test is evaluated once per distinct value of its attribute, not once per entry, and the filter's
combinations are then taken over whole columns (`numpy` boolean masks): a directory of a million
recipients is judged in the time it takes to look at each distinct department or class once.

AD's semantics, as the tests check them against a Samba domain controller: values compare without
regard to case; `objectCategory` may be given by a class's short name (`person`, `group`); DN values
compare as DNs; `>=` and `<=` compare numbers as numbers; the bitwise matching rules AND
(`1.2.840.113556.1.4.803`) and OR (`.804`) test integer flags. What dlscan does not evaluate (approximate
matches, other matching rules, `:dn` matches) is reported by `unsupported`, so that a list using it is
called not evaluated rather than empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ldap3.core.exceptions import LDAPInvalidFilterError
from ldap3.operation import search as ldap3_search

from dlscan.sources.dn import normalize_dn

BITWISE_AND = "1.2.840.113556.1.4.803"
BITWISE_OR = "1.2.840.113556.1.4.804"
_ESCAPE = re.compile(rb"\\([0-9a-fA-F]{2})")
_MASK = (1 << 64) - 1
_NUMBER = re.compile(r"^-?[0-9]+$")
INTEGER_ATTRIBUTES = frozenset(
    {
        "useraccountcontrol", "grouptype", "samaccounttype", "primarygroupid", "instancetype", "admincount",
        "countrycode", "msexchrecipienttypedetails", "msexchrecipientdisplaytype", "msexchremoterecipienttype",
        "msexchversion", "msds-supportedencryptiontypes", "msexchhidefromaddresslists",
    }
)  # fmt: skip
"""Attributes of integer syntax among those Exchange's filters test: `>=` and `<=` compare them as numbers.
Every other attribute compares as text, as AD compares a string attribute (without the schema, dlscan
cannot tell more)."""
_UNSUPPORTED_ATTRIBUTES = {"anr": "ambiguous name resolution (anr) is the server's own search, not an attribute"}
# A class's short name in `(objectCategory=...)` stands for its defaultObjectCategory; these classes'
# category is another class's (AD files users and contacts alike under Person).
_CATEGORY_OF = {"user": "person", "contact": "person", "inetorgperson": "person", "organizationalperson": "person"}


class FilterSyntaxError(ValueError):
    """The filter text is not an LDAP filter."""


@dataclass(frozen=True, slots=True)
class Test:
    """One attribute test, e.g. `(objectClass=contact)`; `text` is as the filter spells it."""

    attribute: str
    """Lower-case."""
    text: str
    holds: Callable[[tuple[str, ...]], bool]
    """Whether an entry with these values of the attribute passes (never called for an absent one)."""
    unsupported: str | None = None
    """Why dlscan cannot evaluate the test; None when it can."""


@dataclass(frozen=True, slots=True)
class Combination:
    operator: str
    """'&', '|' or '!'."""
    parts: tuple[Node, ...]
    text: str


Node = Test | Combination


def parse_filter(text: str) -> Node:
    """The filter as a tree of tests, or `FilterSyntaxError` with ldap3's reason."""
    try:
        root = ldap3_search.parse_filter(text, None, True, False, None, False)
    except LDAPInvalidFilterError as exc:
        raise FilterSyntaxError(str(exc) or "not an LDAP filter") from None
    return _node(root.elements[0])


def attributes_of(node: Node) -> set[str]:
    if isinstance(node, Test):
        return {node.attribute}
    return set().union(*(attributes_of(part) for part in node.parts))


def tests_of(node: Node) -> Iterator[Test]:
    if isinstance(node, Test):
        yield node
    else:
        for part in node.parts:
            yield from tests_of(part)


def unsupported(node: Node) -> Iterator[tuple[str, str]]:
    """(clause, why) for each test dlscan cannot evaluate."""
    for test in tests_of(node):
        if test.unsupported:
            yield test.text, test.unsupported


def _node(raw: ldap3_search.FilterNode) -> Node:
    if raw.tag in (ldap3_search.AND, ldap3_search.OR, ldap3_search.NOT):
        operator = {ldap3_search.AND: "&", ldap3_search.OR: "|", ldap3_search.NOT: "!"}[raw.tag]
        parts = tuple(_node(element) for element in raw.elements)
        return Combination(operator, parts, f"({operator}{''.join(p.text for p in parts)})")
    return _TESTS[raw.tag](raw.assertion)


def _text(value: bytes) -> str:
    """An assertion value as the filter spelt it (escapes kept), for quoting."""
    return value.decode("utf-8", "replace")


def _value(value: bytes) -> str:
    """An assertion value with its `\\XX` escapes undone, case-folded for comparison."""
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), value).decode("utf-8", "replace").casefold()


def _presence(assertion: dict) -> Test:
    attribute = assertion["attr"]
    return Test(attribute.lower(), f"({attribute}=*)", lambda values: True)


def _equality(assertion: dict) -> Test:
    attribute, wanted = assertion["attr"], _value(assertion["value"])
    text = f"({attribute}={_text(assertion['value'])})"
    name = attribute.lower()
    if name == "objectcategory" and "=" not in wanted:
        category = _category_name(wanted)
        return Test(name, text, lambda values: any(_first_rdn_value(v) == category for v in values))
    if "=" in wanted:
        as_dn = _dn_key(wanted)
        return Test(name, text, lambda values: any(_dn_key(v) == as_dn for v in values))
    return Test(name, text, lambda values: any(v.casefold() == wanted for v in values))


def _substring(assertion: dict) -> Test:
    attribute = assertion["attr"]
    raw = [assertion.get("initial") or b"", *assertion.get("any", ()), assertion.get("final") or b""]
    initial, *middle, final = (_value(part) for part in raw)
    spelt = "*".join(_text(part) for part in raw)

    def holds(values: tuple[str, ...]) -> bool:
        return any(_has_substrings(v.casefold(), initial, middle, final) for v in values)

    return Test(attribute.lower(), f"({attribute}={spelt})", holds)


def _has_substrings(value: str, initial: str, middle: list[str], final: str) -> bool:
    if not value.startswith(initial) or len(value) < len(initial) + len(final):
        return False
    at, end = len(initial), len(value) - len(final)
    for part in middle:
        found = value.find(part, at, end)
        if found < 0:
            return False
        at = found + len(part)
    return value.endswith(final)


def _ordering(symbol: str, wanted_side: Callable[[int], bool], text_side: Callable[[str, str], bool]):
    def build(assertion: dict) -> Test:
        attribute, raw = assertion["attr"], assertion["value"]
        wanted = _value(raw)
        number = _integer(wanted) if attribute.lower() in INTEGER_ATTRIBUTES else None

        def holds(values: tuple[str, ...]) -> bool:
            for value in values:
                found = _integer(value) if number is not None else None
                if found is not None and number is not None:
                    if wanted_side(found - number):
                        return True
                elif text_side(value.casefold(), wanted):
                    return True
            return False

        return _checked(Test(attribute.lower(), f"({attribute}{symbol}={_text(raw)})", holds))

    return build


def _extensible(assertion: dict) -> Test:
    attribute, rule, raw = assertion["attr"] or "", assertion["matchingRule"] or "", assertion["value"]
    text = f"({attribute}{':dn' if assertion['dnAttributes'] else ''}{':' + rule if rule else ''}:={_text(raw)})"
    bits = _integer(_value(raw))
    if assertion["dnAttributes"] or not attribute or rule not in (BITWISE_AND, BITWISE_OR):
        why = f"the matching rule {rule or 'given'} is not one dlscan evaluates (only the bitwise AND and OR rules are)"
        return Test(attribute.lower(), text, lambda values: False, unsupported=why)
    if bits is None:
        why = f"the bitwise rule {rule} needs a whole number, not {_text(raw)!r}"
        return Test(attribute.lower(), text, lambda values: False, unsupported=why)
    bits &= _MASK

    def holds(values: tuple[str, ...]) -> bool:
        for value in values:
            number = _integer(value)
            if number is None:
                continue
            common = number & _MASK & bits
            if (common == bits) if rule == BITWISE_AND else common != 0:
                return True
        return False

    return Test(attribute.lower(), text, holds)


def _approximate(assertion: dict) -> Test:
    attribute = assertion["attr"]
    text = f"({attribute}~={_text(assertion['value'])})"
    return Test(attribute.lower(), text, lambda values: False, unsupported="approximate matching (~=) is not evaluated")


_TESTS: dict[int, Callable[[dict], Test]] = {
    ldap3_search.MATCH_PRESENT: lambda assertion: _checked(_presence(assertion)),
    ldap3_search.MATCH_EQUAL: lambda assertion: _checked(_equality(assertion)),
    ldap3_search.MATCH_SUBSTRING: lambda assertion: _checked(_substring(assertion)),
    ldap3_search.MATCH_GREATER_OR_EQUAL: _ordering(">", lambda d: d >= 0, lambda v, w: v >= w),
    ldap3_search.MATCH_LESS_OR_EQUAL: _ordering("<", lambda d: d <= 0, lambda v, w: v <= w),
    ldap3_search.MATCH_EXTENSIBLE: _extensible,
    ldap3_search.MATCH_APPROX: _approximate,
}


def _integer(text: str) -> int | None:
    """A whole number as a directory writes one (ASCII digits, an optional minus), else None."""
    text = text.strip()
    return int(text) if _NUMBER.match(text) else None


def _checked(test: Test) -> Test:
    """The test, marked unsupported when its attribute is not one dlscan can read."""
    why = _UNSUPPORTED_ATTRIBUTES.get(test.attribute)
    return Test(test.attribute, test.text, test.holds, unsupported=why) if why and not test.unsupported else test


def _category_name(short: str) -> str:
    """The category a class's short name stands for, folded and without hyphens: `user` -> `person`,
    `msExchDynamicDistributionList` -> `msexchdynamicdistributionlist` (its CN is hyphenated)."""
    folded = short.strip().casefold()
    return _CATEGORY_OF.get(folded, folded).replace("-", "")


def _first_rdn_value(dn: str) -> str:
    """The first RDN's value of a category DN, folded and without hyphens, so that the short name
    `msexchdynamicdistributionlist` meets `CN=ms-Exch-Dynamic-Distribution-List,...`."""
    return dn.split(",", 1)[0].partition("=")[2].strip().casefold().replace("-", "")


def _dn_key(value: str) -> str:
    try:
        return normalize_dn(value)
    except ValueError:
        return value.casefold()
