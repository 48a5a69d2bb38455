"""Exchange's dynamic distribution lists expanded: who each list's filter selects among the directory's
entries, which clause let in each member that delivers elsewhere, and what stops a filter being judged.

The entries' values are kept column by column while a source reads them (`FilterColumns`), because a
dynamic list may come before or after the people its filter selects. A filter is evaluated as
`dlscan.sources.ad_filter` describes, under the list's base DN (`msExchDynamicDLBaseDN`; the whole
directory when a list names none).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import msgspec
import numpy as np

from dlscan.model import Admission, DistributionList, FilterGap, ListKind, RuleLanguage
from dlscan.sources.ad_filter import Combination, FilterSyntaxError, Node, Test, parse_filter, tests_of, unsupported
from dlscan.sources.ad_values import text_of
from dlscan.sources.dn import normalize_dn
from dlscan.sources.ldif import BINARY_ATTRIBUTES, LdifRecord, Value

NOT_KEPT = frozenset(
    {
        *BINARY_ATTRIBUTES,
        "member",
        "ntsecuritydescriptor",
        "msexchmailboxsecuritydescriptor",
        "usnchanged",
        "usncreated",
        "dscorepropagationdata",
        "lastlogon",
        "lastlogontimestamp",
        "lastlogoff",
        "logoncount",
        "badpasswordtime",
        "badpwdcount",
        "pwdlastset",
        "accountexpires",
        "replpropertymetadata",
    }
)
"""Attributes never kept for filters: binary, a group's members (a filter reads `memberOf` instead), and
logon bookkeeping that changes every day. A filter that tests one is reported as not evaluated."""


@dataclass
class FilterColumns:
    """The values of every entry a filter may select, one sparse column per attribute, each distinct
    tuple of values stored once."""

    keep: frozenset[str] | None = None
    """The attributes to keep (lower-case); None: all but `NOT_KEPT`."""
    ids: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    """Each entry's DN as `normalize_dn` gives it."""
    _positions: dict[str, list[int]] = field(default_factory=dict)
    _values: dict[str, list[list[Value]]] = field(default_factory=dict)
    """Each entry's values as the source read them: made into tuples once, when a filter tests them."""
    _coded: dict[str, tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]] = field(default_factory=dict)
    """Per attribute tested, worked out once for every list: positions, a code per position, the distinct
    tuples of values the codes stand for."""
    _bases: dict[str | None, np.ndarray] = field(default_factory=dict)

    def add(self, object_id: str, dn_key: str, attributes: dict[str, list[Value]]) -> None:
        position = len(self.ids)
        self.ids.append(object_id)
        self.dns.append(dn_key)
        if self.keep is None:
            wanted = [name for name in attributes if name not in NOT_KEPT]
        else:
            wanted = [name for name in self.keep if name in attributes]  # a handful, whatever the entry holds
        for name in wanted:
            values = attributes[name]
            if values:
                self._positions.setdefault(name, []).append(position)
                self._values.setdefault(name, []).append(values)

    def carries(self, attribute: str) -> bool:
        return attribute in self._positions

    def test_mask(self, test: Test) -> np.ndarray:
        """Which entries pass the test, evaluated once per distinct tuple of values."""
        mask = np.zeros(len(self.ids), dtype=bool)
        if test.attribute not in self._values:
            return mask
        positions, codes, distinct = self._coding(test.attribute)
        passing = np.fromiter((test.holds(v) for v in distinct), dtype=bool, count=len(distinct))
        mask[positions[passing[codes]]] = True
        return mask

    def _coding(self, attribute: str) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
        found = self._coded.get(attribute)
        if found is None:
            values = self._values[attribute]
            index: dict[Value | tuple[Value, ...], int] = {}
            # A single value is its own key (most attributes hold one): no tuple made per entry.
            keys = (v[0] if len(v) == 1 else tuple(v) for v in values)
            codes = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64, count=len(values))
            # Values that are not text (a binary attribute's) take no part in a comparison.
            distinct = [tuple(v for v in (k if isinstance(k, tuple) else (k,)) if isinstance(v, str)) for k in index]
            found = (np.asarray(self._positions[attribute], dtype=np.int64), codes, distinct)
            self._coded[attribute] = found
        return found

    def under(self, base_key: str | None) -> np.ndarray:
        found = self._bases.get(base_key)
        if found is None:
            if not base_key:
                found = np.ones(len(self.ids), dtype=bool)
            else:
                tail = "," + base_key
                found = np.fromiter(
                    (d == base_key or d.endswith(tail) for d in self.dns), dtype=bool, count=len(self.dns)
                )
            self._bases[base_key] = found
        return found

    def marking(self, object_ids: Collection[str]) -> np.ndarray:
        """Which entries are among `object_ids`."""
        return np.fromiter((i in object_ids for i in self.ids), dtype=bool, count=len(self.ids))


@dataclass(frozen=True)
class Expansion:
    members: tuple[str, ...] = ()
    admitted_by: tuple[Admission, ...] = ()
    gap: FilterGap | None = None


def expand(
    columns: FilterColumns,
    ldap_filter: str | None,
    base_dn: str | None,
    own_id: str,
    delivers_elsewhere: np.ndarray,
) -> Expansion:
    """The members `ldap_filter` selects under `base_dn`, the list itself left out; those in
    `delivers_elsewhere` (a mask of the entries that are mail contacts or mail users) grouped by the clause
    that admitted them. A test of an attribute no entry carries leaves the list not evaluated: an export may
    have left it out, or the directory may not know it (where AD would not match, reading it as absent
    would make a NOT admit everyone)."""
    if not ldap_filter or not ldap_filter.strip():
        return Expansion(gap=FilterGap(clause="", reason="the list carries no filter (msExchDynamicDLFilter)"))
    try:
        node = parse_filter(ldap_filter)
    except FilterSyntaxError as exc:
        return Expansion(gap=FilterGap(clause=ldap_filter, reason=f"the filter cannot be read: {exc}"))
    gap = _gap(node, columns)
    if gap is not None:
        return Expansion(gap=gap)
    try:
        base_key = normalize_dn(base_dn) if base_dn else None
    except ValueError as exc:
        return Expansion(gap=FilterGap(clause="", reason=f"the base DN {base_dn!r} cannot be read: {exc}"))
    masks: dict[int, np.ndarray] = {}
    selected = _mask(node, columns, masks) & columns.under(base_key)
    ids = columns.ids
    members = tuple(ids[i] for i in np.flatnonzero(selected) if ids[i] != own_id)
    outside = np.flatnonzero(selected & delivers_elsewhere)
    by_clause: dict[str, list[str]] = {}
    for position in outside:
        by_clause.setdefault(_admitting(node, int(position), masks).text, []).append(ids[position])
    admitted = tuple(Admission(clause=c, members=tuple(m)) for c, m in sorted(by_clause.items()))
    return Expansion(members=members, admitted_by=admitted)


def expanded_list(
    group: DistributionList,
    record: LdifRecord,
    columns: FilterColumns,
    delivers_elsewhere: np.ndarray,
) -> DistributionList:
    """The dynamic list read from `record` with the members its filter selects; one whose filter cannot
    be judged has its members unknown, with the reason. Its rule, as people change it, is Exchange's
    recipient filter (msExchQueryFilter, OPATH) when the entry has one."""
    ldap_filter = text_of(record, "msexchdynamicdlfilter")
    base_dn = text_of(record, "msexchdynamicdlbasedn")
    found = expand(columns, ldap_filter, base_dn, group.id, delivers_elsewhere)
    return msgspec.structs.replace(
        group,
        kind=ListKind.DYNAMIC,
        members=found.members,
        members_known=found.gap is None,
        membership_rule=text_of(record, "msexchqueryfilter") or ldap_filter,
        membership_rule_language=_language(record, ldap_filter),
        admitted_by=found.admitted_by,
        filter_gap=found.gap,
    )


def not_evaluated(group: DistributionList, record: LdifRecord, reason: str) -> DistributionList:
    """The dynamic list with its members unknown, for a reason that is not in its filter."""
    ldap_filter = text_of(record, "msexchdynamicdlfilter")
    return msgspec.structs.replace(
        group,
        kind=ListKind.DYNAMIC,
        members=(),
        members_known=False,
        membership_rule=text_of(record, "msexchqueryfilter") or ldap_filter,
        membership_rule_language=_language(record, ldap_filter),
        filter_gap=FilterGap(clause="", reason=reason),
    )


def _language(record: LdifRecord, ldap_filter: str | None) -> RuleLanguage | None:
    if text_of(record, "msexchqueryfilter"):
        return RuleLanguage.OPATH
    return RuleLanguage.LDAP if ldap_filter else None


def _gap(node: Node, columns: FilterColumns) -> FilterGap | None:
    for clause, why in unsupported(node):
        return FilterGap(clause=clause, reason=why)
    for test in tests_of(node):
        if test.attribute in NOT_KEPT:
            return FilterGap(clause=test.text, reason=f"dlscan does not keep {test.attribute} for filters")
        if not columns.carries(test.attribute):
            return FilterGap(
                clause=test.text,
                reason=f"no entry of the source carries {test.attribute}: the export may have left it out",
            )
    return None


def _mask(node: Node, columns: FilterColumns, masks: dict[int, np.ndarray]) -> np.ndarray:
    if isinstance(node, Test):
        found = columns.test_mask(node)
    elif node.operator == "!":
        found = ~_mask(node.parts[0], columns, masks)
    else:
        parts = [_mask(part, columns, masks) for part in node.parts]
        combine = np.logical_and if node.operator == "&" else np.logical_or
        found = combine.reduce(parts) if parts else np.full(len(columns.ids), node.operator == "&")
    masks[id(node)] = found
    return found


def _admitting(node: Node, position: int, masks: dict[int, np.ndarray]) -> Node:
    """The alternative of the filter that let the entry in: the branch it passed of the first OR met
    from the top through ANDs (in Exchange's filters, the kind of recipient); the whole filter when it
    offers no alternatives."""
    if isinstance(node, Combination) and node.operator == "|":
        return next(part for part in node.parts if masks[id(part)][position])
    if isinstance(node, Combination) and node.operator == "&":
        for part in node.parts:
            if isinstance(part, Combination) and part.operator != "!":
                found = _admitting(part, position, masks)
                if found is not part:
                    return found
    return node
