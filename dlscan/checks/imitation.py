"""Outsiders that look like insiders: contacts and guests named or addressed like internal users and lists."""

from __future__ import annotations

import itertools
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Any, ClassVar

from dlscan.boundary import Audience
from dlscan.checks.base import RecipientCheck
from dlscan.checks.context import ScanContext
from dlscan.checks.likeness import explain, hidden_characters, local_part, match_settings
from dlscan.checks.namesakes import Namesake, is_namesake, namesake_findings, told_apart
from dlscan.findings import Finding, Picture, Severity
from dlscan.matching.names import NameForms
from dlscan.matching.similar import Match, MatchSettings, Reason, confusable_join
from dlscan.model import DistributionList, Recipient, RecipientKind, domain_of

_Hits = dict[str, dict[Any, Match]]
"""An outsider's name or local part -> the target group (a name or a local part) it imitates -> why."""


class ConfusableRecipient(RecipientCheck):
    """DL006: an external contact or guest whose display name or address imitates an internal user or list.

    Compares display names (suffixes such as "(Supplier Ltd)" ignored) and address local parts, except
    the generic local parts in `generic_local_parts`. Imitating a list, or a user by both name and
    address, is reported at the rule's severity; imitating a user by name or address alone at
    `user_severity`; sharing a user's plain name and nothing else (a namesake) once per outside domain,
    at `namesake_severity` (`dlscan.checks.namesakes`).
    """

    code = "DL006"
    picture = Picture.PAIR
    slug = "confusable-recipient"
    runs_apart = True  # half the rules' work at a million recipients: the rest run meanwhile
    params: ClassVar[Mapping[str, type]] = {
        "one_edit_from": int,
        "two_edits_from": int,
        "user_severity": Severity,
        "namesake_severity": Severity,
        "generic_local_parts": tuple,
    }

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        settings = match_settings(self.config.params)
        generic = set(self.config.params["generic_local_parts"])
        marker = ctx.settings.external_marker
        recipients = ctx.snapshot.recipients
        # Outsiders are contacts and guests. Users outside the boundary are another organisation's staff
        # in a shared directory: theirs to name, and one finding per namesake would bury the rest.
        # The external recipients are a set already (a small part of the directory): only they are read.
        outsiders = sorted(
            (
                r
                for r in map(recipients.__getitem__, ctx.ids_of(Audience.EXTERNAL))
                if (r.kind is RecipientKind.CONTACT or r.guest) and r.display_name
            ),
            key=lambda r: (r.label.casefold(), r.id),
        )
        if not outsiders:
            return
        internal, classes = Audience.INTERNAL, ctx.classifications
        users = [r for r in recipients.values() if r.kind is RecipientKind.USER and classes[r.id].audience is internal]
        users.sort(key=attrgetter("id"))
        targets: list[Recipient | DistributionList] = [*ctx.mail_lists, *users]
        lists = len(ctx.mail_lists)
        # A target's name group is (is a list, display name), known by its first target; its local group
        # is its address's local part, with every target that has it.
        list_names, user_names = list(map(_DISPLAY_NAME, ctx.mail_lists)), list(map(_DISPLAY_NAME, users))
        first_of_name = _FirstOfName(
            dict(zip(reversed(list_names), range(lists - 1, -1, -1), strict=True)),
            dict(zip(reversed(user_names), range(len(targets) - 1, lists - 1, -1), strict=True)),
        )
        local_groups = _LocalGroups(_compared_locals(targets, generic))
        locals_ = _compared_locals(outsiders, generic)

        # Outsiders are deduplicated too: thirty outside John Smiths are one look-up, not thirty.
        inside_names = list(dict.fromkeys(itertools.chain(list_names, user_names)))
        del list_names, user_names
        names = _Texts(
            [o.display_name for o in outsiders], inside_names, first_of_name.groups, lambda t: NameForms.many(t, marker)
        )
        # Users are not matched by acronym: acronyms name teams ("ASC Duty"), not people.
        acronyms = list(map(first_of_name.lists.__contains__, inside_names))
        name_hits = names.hits(settings, acronyms=acronyms, by_acronym=itemgetter(0))
        address_hits = _Texts(locals_, local_groups.texts(), _alone, NameForms.many).hits(settings)
        namesakes: dict[str, list[Namesake]] = defaultdict(list)
        for outsider, local in zip(outsiders, locals_, strict=True):
            named, addressed = name_hits.get(outsider.display_name), address_hits.get(local)
            if named or addressed:
                found = self._found(targets, lists, first_of_name, local_groups, named or {}, addressed or {})
                best = max(found, key=lambda j: _strength(targets, found, j))
                if is_namesake(outsider, targets[best], {field for field, _ in found[best]}):
                    if not told_apart(outsider.display_name):
                        domain = domain_of(outsider.primary_address) or ""
                        namesakes[domain].append((outsider, targets[best], found[best][0][1]))
                    continue
                yield self._finding(ctx, outsider, targets[best], found[best])
        yield from namesake_findings(self, ctx, namesakes)

    @staticmethod
    def _found(targets, lists, first_of_name, local_groups, by_name, by_address) -> dict[int, list[tuple[str, Match]]]:
        """The targets worth ranking: each address-matched one, and the first of each name-matched group
        (the others in a group rank below it unless their address matches too)."""
        chosen = {first_of_name.first(group) for group in by_name}
        chosen.update(j for local in by_address for j in local_groups.targets(local))
        found = {}
        for j in chosen:
            target = targets[j]
            entries = []
            name_match = by_name.get((j < lists, target.display_name))
            if name_match is not None:
                entries.append(("name", name_match))
            address_match = by_address.get(local_part(target.primary_address))
            if address_match is not None:
                entries.append(("address", address_match))
            found[j] = entries
        return found

    def _finding(
        self, ctx: ScanContext, outsider: Recipient, target: Recipient | DistributionList, matched: list
    ) -> Finding:
        is_list = isinstance(target, DistributionList)
        both = len({field for field, _ in matched}) == 2
        severity = None if is_list or both else self.config.params["user_severity"]
        reasons = []
        for field, match in matched:
            if field == "name":
                reasons.append(f"its name: {explain(outsider.display_name, target.display_name, match)}")
            else:
                mine, theirs = local_part(outsider.primary_address), local_part(target.primary_address)
                reasons.append(f"its address {mine}@ against {theirs}@: {explain(mine, theirs, match)}")
        kind = "list" if is_list else "user"
        what = "guest" if outsider.guest else outsider.kind.value
        detail = (
            f"The external {what} '{outsider.display_name}' <{outsider.primary_address}> imitates the internal "
            f"{kind} '{target.display_name}' <{target.primary_address or 'no address'}>: {'; '.join(reasons)}."
            f"{hidden_characters(outsider.display_name)}"
        )
        return self.recipient_finding(
            ctx, outsider, detail=detail, severity=severity, related=target.label, key=target.id
        )


def _strength(targets: list, found: dict, j: int) -> tuple:
    """Which matched target an outsider is reported against: a list first, then by both name and address,
    then exactly the same."""
    fields = {field for field, _ in found[j]}
    exact = any(m.reasons[0] is Reason.SAME for _, m in found[j])
    return (isinstance(targets[j], DistributionList), len(fields), exact, -j)


_DISPLAY_NAME = attrgetter("display_name")
_ADDRESS = attrgetter("primary_address")


def _compared_locals(recipients: Sequence[Recipient | DistributionList], generic: set[str]) -> list[str]:
    """Each primary address's local part, or "" for a generic one ("info", "office"), which is not compared."""
    found = list(map(local_part, map(_ADDRESS, recipients)))
    return [
        local if not is_generic else ""
        for local, is_generic in zip(found, map(generic.__contains__, map(str.lower, found)), strict=True)
    ]


@dataclass(frozen=True, slots=True)
class _FirstOfName:
    """Display name -> the first target of that name, among lists and among users: a name group
    (is a list, display name) is known by its first target."""

    lists: dict[str, int]
    users: dict[str, int]

    def first(self, group: tuple[bool, str]) -> int:
        is_list, name = group
        return (self.lists if is_list else self.users)[name]

    def groups(self, name: str) -> list[tuple[bool, str]]:
        """The name groups of a display name: of lists, of users, both or neither."""
        return [group for group, firsts in (((True, name), self.lists), ((False, name), self.users)) if name in firsts]


class _LocalGroups:
    """Each compared local part -> the targets whose address has it: the first, in one dict built in C,
    and the rest of the few that share one."""

    def __init__(self, target_locals: list[str]) -> None:
        count = len(target_locals)
        self._first = dict(zip(reversed(target_locals), range(count - 1, -1, -1), strict=True))
        self._first.pop("", None)  # a generic local part is not compared
        self._others: dict[str, list[int]] = defaultdict(list)
        firsts = map(self._first.get, target_locals)
        for j in itertools.compress(range(count), map(operator.ne, firsts, range(count))):
            if target_locals[j]:
                self._others[target_locals[j]].append(j)

    def texts(self) -> list[str]:
        return list(self._first)

    def targets(self, local: str) -> list[int]:
        return [self._first[local], *self._others.get(local, ())]


def _alone(text: str) -> tuple[str]:
    """A local part's group: the local part itself."""
    return (text,)


class _Texts:
    """One comparison of outsiders with insiders (by name, or by address): each distinct text's forms once."""

    def __init__(
        self,
        texts: list[str],
        inside_texts: list[str],
        groups_of: Callable[[str], Sequence[Any]],
        forms_of: Callable[[list[str]], list[NameForms]],
    ) -> None:
        self.distinct = sorted({t for t in texts if t})
        self.outside = forms_of(self.distinct)
        self.inside_texts = inside_texts
        self.groups_of = groups_of
        self.inside = forms_of(inside_texts)

    def hits(
        self,
        settings: MatchSettings,
        *,
        acronyms: Sequence[bool] | None = None,
        by_acronym: Callable[[Any], bool] | None = None,
    ) -> _Hits:
        """For each outsider text, the target groups whose text it imitates. `acronyms[j]` says whether
        any group of inside text j counts a match by acronym alone; `by_acronym`, which groups do."""
        hits: _Hits = {}
        joined = confusable_join(self.outside, self.inside, settings, use_prefix=False, acronyms=acronyms)
        for i, j, match in joined:
            acronym_only = match.reasons == (Reason.ACRONYM,)
            for group in self.groups_of(self.inside_texts[j]):
                if not acronym_only or by_acronym is None or by_acronym(group):
                    hits.setdefault(self.distinct[i], {})[group] = match
        return hits
