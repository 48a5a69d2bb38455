"""Outsiders that look like insiders: contacts and guests named or addressed like internal users and lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from operator import itemgetter
from typing import Any, ClassVar

from dlscan.boundary import Audience
from dlscan.checks.base import RecipientCheck, ScanContext
from dlscan.checks.confusable import explain, hidden_characters, local_part, match_settings
from dlscan.findings import Finding, Severity
from dlscan.model import DistributionList, Recipient, RecipientKind
from dlscan.names import NameForms
from dlscan.similar import Match, MatchSettings, Reason, confusable_join

_Hits = dict[str, dict[Any, Match]]
"""An outsider's name or local part -> the target group (a name or a local part) it imitates -> why."""


class ConfusableRecipient(RecipientCheck):
    """DL006: an external contact or guest whose display name or address imitates an internal user or list.

    Compares display names (suffixes such as "(Supplier Ltd)" ignored) and address local parts, except
    the generic local parts in `generic_local_parts`. Imitating a list, or a user by both name and
    address, is reported at the rule's severity; imitating a user by name or address alone at
    `user_severity`.
    """

    code = "DL006"
    slug = "confusable-recipient"
    runs_apart = True  # half the rules' work at a million recipients: the rest run meanwhile
    params: ClassVar[Mapping[str, type]] = {
        "one_edit_from": int,
        "two_edits_from": int,
        "user_severity": Severity,
        "generic_local_parts": tuple,
    }

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        settings = match_settings(self.config.params)
        generic = set(self.config.params["generic_local_parts"])
        marker = ctx.settings.external_marker
        recipients = ctx.snapshot.recipients
        # Outsiders are contacts and guests. Users outside the boundary are another organisation's staff
        # in a shared directory: theirs to name, and one finding per namesake would bury the rest.
        outsiders = sorted(
            (
                r
                for r in recipients.values()
                if (r.kind is RecipientKind.CONTACT or r.guest)
                and r.display_name
                and ctx.audience(r.id) is Audience.EXTERNAL
            ),
            key=lambda r: (r.label.casefold(), r.id),
        )
        if not outsiders:
            return
        targets: list[Recipient | DistributionList] = [*ctx.mail_lists]
        targets += sorted(
            (
                r
                for r in recipients.values()
                if r.kind is RecipientKind.USER and ctx.audience(r.id) is Audience.INTERNAL
            ),
            key=lambda r: r.id,
        )
        lists = len(ctx.mail_lists)
        # A target's name group: (is a list, display name); its local group: its address's local part.
        name_groups: dict[tuple[bool, str], list[int]] = defaultdict(list)
        local_groups: dict[str, list[int]] = defaultdict(list)

        def compared_local(address: str | None) -> str:
            """The address's local part, or "" for a generic one ("info", "office"), which is not compared."""
            local = local_part(address)
            return "" if local.lower() in generic else local

        for j, target in enumerate(targets):
            name_groups[(j < lists, target.display_name)].append(j)
            local = compared_local(target.primary_address)
            if local:
                local_groups[local].append(j)
        locals_ = [compared_local(o.primary_address) for o in outsiders]

        # Outsiders are deduplicated too: thirty outside John Smiths are one look-up, not thirty.
        # Users are not matched by acronym: acronyms name teams ("ASC Duty"), not people.
        names = _Texts(
            [o.display_name for o in outsiders], name_groups, lambda t: NameForms.many(t, marker), itemgetter(1)
        )
        name_hits = names.hits(settings, by_acronym=itemgetter(0))
        address_hits = _Texts(locals_, local_groups, NameForms.many, str).hits(settings)
        for outsider, local in zip(outsiders, locals_, strict=True):
            named, addressed = name_hits.get(outsider.display_name), address_hits.get(local)
            if named or addressed:
                found = self._found(targets, lists, name_groups, local_groups, named or {}, addressed or {})
                yield self._finding(ctx, outsider, targets, found)

    @staticmethod
    def _found(targets, lists, name_groups, local_groups, by_name, by_address) -> dict[int, list[tuple[str, Match]]]:
        """The targets worth ranking: each address-matched one, and the first of each name-matched group
        (the others in a group rank below it unless their address matches too)."""
        chosen = {name_groups[group][0] for group in by_name}
        chosen.update(j for local in by_address for j in local_groups[local])
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

    def _finding(self, ctx: ScanContext, outsider: Recipient, targets: list, found: dict) -> Finding:
        def strength(j: int) -> tuple:
            fields = {field for field, _ in found[j]}
            exact = any(m.reasons[0] is Reason.SAME for _, m in found[j])
            return (isinstance(targets[j], DistributionList), len(fields), exact, -j)

        best = max(found, key=strength)
        target = targets[best]
        is_list = isinstance(target, DistributionList)
        both = len({field for field, _ in found[best]}) == 2
        severity = None if is_list or both else self.config.params["user_severity"]
        reasons = []
        for field, match in found[best]:
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


class _Texts:
    """One comparison of outsiders with insiders (by name, or by address): each distinct text's forms once."""

    def __init__(
        self,
        texts: list[str],
        groups: Mapping[Any, list[int]],
        forms_of: Callable[[list[str]], list[NameForms]],
        text_of: Callable[[Any], str],
    ) -> None:
        self.distinct = sorted({t for t in texts if t})
        self.outside = forms_of(self.distinct)
        self.groups_of: dict[str, list[Any]] = defaultdict(list)
        for group in groups:
            self.groups_of[text_of(group)].append(group)
        self.inside_texts = list(self.groups_of)
        self.inside = forms_of(self.inside_texts)

    def hits(self, settings: MatchSettings, *, by_acronym: Callable[[Any], bool] | None = None) -> _Hits:
        """For each outsider text, the target groups whose text it imitates; groups for which
        `by_acronym` is false do not count a match by acronym alone."""
        counted = None
        if by_acronym is not None:
            counted = [any(map(by_acronym, self.groups_of[text])) for text in self.inside_texts]
        hits: _Hits = {}
        joined = confusable_join(self.outside, self.inside, settings, use_prefix=False, acronyms=counted)
        for i, j, match in joined:
            acronym_only = match.reasons == (Reason.ACRONYM,)
            for group in self.groups_of[self.inside_texts[j]]:
                if not acronym_only or by_acronym is None or by_acronym(group):
                    hits.setdefault(self.distinct[i], {})[group] = match
        return hits
