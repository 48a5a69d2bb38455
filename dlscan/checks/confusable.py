"""Names people confuse: lists that look like each other, and outsiders that look like insiders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar, NamedTuple

from networkx.utils import UnionFind

from dlscan.boundary import Audience
from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.checks.families import PairVerdict, families
from dlscan.checks.likeness import MATCH_PARAMS, explain, hidden_characters, local_part, match_settings
from dlscan.findings import Finding, Picture, Severity
from dlscan.matching.names import NameForms, address_series_key, series_key
from dlscan.matching.similar import Match, Reason, confusable_pairs
from dlscan.model import DistributionList


class Typed(NamedTuple):
    """One text by which people pick a list: its name, its address's local part, or its alias."""

    index: int
    text: str
    kind: str = "name"

    @property
    def shown(self) -> str:
        return f"{self.text}@" if self.kind == "address" else self.text


def typed_names(lists: list[DistributionList]) -> list[Typed]:
    """What people type to pick each list besides its name: the local part of its address, and its alias
    (mailNickname, which Outlook also resolves) where that is something else."""
    found = []
    for index, group in enumerate(lists):
        part = local_part(group.primary_address)
        if part:
            found.append(Typed(index, part, "address"))
        if group.alias and group.alias.casefold() != part.casefold():
            found.append(Typed(index, group.alias, "alias"))
    return found


class Likeness(NamedTuple):
    """Why two lists are alike: two of their texts (of lists `left.index` < `right.index`) and the match."""

    match: Match
    left: Typed
    right: Typed

    def explained(self) -> str:
        left, right = self.left, self.right
        why = explain(left.text, right.text, self.match)
        if left.kind == "name":
            return why
        if left.kind == right.kind:
            return f"their {left.kind}es {left.shown} and {right.shown}: {why}"
        return f"the {left.kind} {left.shown} and the {right.kind} {right.shown}: {why}"


class ConfusableLists(Check):
    """DL005: two lists whose display names or addresses a person could mistake for each other.

    A pair is judged by what a slip between them would send to whom. Severity is highest when one list
    stays inside and the other reaches outside; `different_external_severity` when both reach outside but
    different organisations. A slip that reaches no organisation the sender did not mean is no hazard:
    both lists reach the same organisations, or the pair is alike only as one name completes the other
    and the list offered reaches nothing the typed one does not, or every list a harmful slip would pick
    is hidden from the address book, where people pick lists by name. Such pairs are reported, at
    `same_audience_severity`, only when `report_same_audience` is set. Numbered series ("Ward 01" ...
    "Ward 40") of one audience are not reported at all, and addresses that differ only in a number or a
    generated token (`list8153@`, `list8113@`) are not a reason: people read those as numbers. Lists
    that can be mistaken for one another are one finding: a family, named by its worst pair.
    """

    code = "DL005"
    picture = Picture.PAIR
    slug = "confusable-lists"
    judges_members = True
    params: ClassVar[Mapping[str, type]] = {
        **MATCH_PARAMS,
        "different_external_severity": Severity,
        "same_audience_severity": Severity,
        "report_same_audience": bool,
    }

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        settings = match_settings(self.config.params)
        # In a shared directory the other bodies' lists are in the same address book: compared too, in
        # pairs with one of the scan's own, as a slip between them is the likeliest of all.
        lists = ctx.address_book
        scanned = ctx.cache.scanned_ids
        foreign = [g.id not in scanned for g in lists]
        marker = ctx.settings.external_marker
        names = NameForms.many([g.display_name for g in lists], marker)
        matches: dict[tuple[int, int], list[Likeness]] = defaultdict(list)
        # Two lists that reach no one outside reach one audience: a slip between them is no hazard, so unless
        # such pairs are asked for, only pairs with a list that reaches outside are proposed and compared.
        everything = self.config.params.get("report_same_audience", False)
        outward = None if everything else [bool(ctx.outside_parties(g.id)) for g in lists]
        own, wanted = _judged_in(lists, foreign, outward)
        for i, j, match in confusable_pairs(names, settings, within=own, wanted=wanted):
            matches[(i, j)].append(Likeness(match, Typed(i, lists[i].display_name), Typed(j, lists[j].display_name)))
        typed = typed_names(lists)
        series = [address_series_key(t.text) for t in typed]
        typed_wanted = None if wanted is None else (lambda a, b: wanted(typed[a].index, typed[b].index))
        typed_own = None if own is None else [k for k, t in enumerate(typed) if t.index in own]
        texts = NameForms.many([t.text for t in typed])
        for a, b, match in confusable_pairs(texts, settings, use_prefix=False, within=typed_own, wanted=typed_wanted):
            if typed[a].index == typed[b].index or series[a] == series[b]:
                continue  # one list's own two names; or numbered or generated addresses, where names decide
            left, right = sorted((typed[a], typed[b]), key=lambda t: t.index)
            i, j = left.index, right.index
            if left.kind == right.kind == "address" and left.text.casefold() == right.text.casefold():
                continue  # one address, not two alike: DL018's finding
            if all((f.left.kind, f.right.kind) != (left.kind, right.kind) for f in matches[(i, j)]):
                matches[(i, j)].append(Likeness(match, left, right))
        links = UnionFind()
        verdicts = []
        for (i, j), found in sorted(matches.items()):
            links.union(lists[i].id, lists[j].id)
            verdict = self._judge(
                ctx,
                lists[i],
                lists[j],
                found,
                typed_first=len(names[i].exact) <= len(names[j].exact),
                foreign=lists[j] if foreign[j] else lists[i] if foreign[i] else None,
            )
            if verdict is not None:
                verdicts.append(verdict)
        del matches
        by_id = {g.id: g for g in lists}
        for family in families(verdicts, links):
            worst = family.worst
            yield self.finding(
                ctx,
                by_id[worst.subject],
                severity=worst.severity,
                related=worst.other_label,
                key=worst.other,
                detail=worst.detail + family.sentence(),
                identity=worst.identity,
                evidence=family.evidence(),
                remedy=worst.remedy,
                hiding_resolves=worst.hiding_resolves,
            )

    def _judge(
        self,
        ctx: ScanContext,
        a: DistributionList,
        b: DistributionList,
        found: list[Likeness],
        *,
        typed_first: bool,
        foreign: DistributionList | None = None,
    ) -> PairVerdict | None:
        a_out, b_out = ctx.outside_parties(a.id), ctx.outside_parties(b.id)
        same_audience = a_out == b_out
        if same_audience and series_key(a.display_name) == series_key(b.display_name):
            return None  # a numbered series: "Ward 01" and "Ward 02" are meant to look alike
        pair = (a, a_out, b, b_out)
        picked_in_error = _picked_in_error(pair, found)
        unpickable = not same_audience and not picked_in_error
        harmless = (
            same_audience or unpickable or _offered_reaches_no_more(a_out, b_out, found, typed_first=typed_first)
        )
        if harmless and not self.config.params.get("report_same_audience", False):
            return None
        if harmless:
            subject, other = sorted((a, b), key=lambda g: (g.label.casefold(), g.id))
            severity = self.config.params["same_audience_severity"]
            audience = (
                " Both reach the same audience."
                if same_audience
                else " The list a slip would wrongly pick is hidden from the address book."
                if unpickable
                else " The list offered as the other is typed reaches no one outside that the typed one does not."
            )
        elif bool(a_out) != bool(b_out):
            subject, other = (a, b) if a_out else (b, a)
            sensitive = ctx.is_sensitive(a) or ctx.is_sensitive(b)
            severity = self.config.severity_for(sensitive)
            out_domains = ctx.outside_parties(subject.id)
            reached = plural(ctx.count_by_audience(subject.id, Audience.EXTERNAL), "external recipient")
            hidden = ctx.members_unknown(other.id)
            audience = f" '{subject.label}' reaches {reached} ({', '.join(sorted(out_domains)[:3])}); " + (
                f"the members of '{other.label}' are hidden from the source."
                if hidden
                else f"'{other.label}' reaches only internal recipients."
            )
            if sensitive and not ctx.is_sensitive(subject):
                # The subject's own keyword is named once, by the finding; the other's is named here.
                audience += ctx.sensitivity_sentence(other, named=True)
        else:
            subject, other = sorted((a, b), key=lambda g: (g.label.casefold(), g.id))
            severity = self.config.params["different_external_severity"]
            audience = (
                f" Both reach outside, but different organisations: {', '.join(sorted(a_out)[:3])} and "
                f"{', '.join(sorted(b_out)[:3])}."
            )
        remedy = ""
        if foreign is not None and not harmless:
            # The scan's own list is the one its organisation can act on; the other body's is named.
            subject, other = (b, a) if foreign is a else (a, b)
            severity = max(severity, self.config.severity_for(ctx.is_sensitive(a) or ctx.is_sensitive(b)), key=_rank)
            audience += _foreign_sentence(ctx, subject, foreign)
            remedy = _foreign_remedy(ctx, subject, foreign)
        reasons = [likeness.explained() for likeness in found]
        detail = (
            f"'{a.label}' and '{b.label}' can be mistaken for each other: {'; '.join(reasons)}.{audience}"
            f"{hidden_characters(a.display_name, b.display_name)}"
        )
        return PairVerdict(
            subject=subject.id,
            other=other.id,
            severity=severity,
            detail=detail,
            short="; ".join(reasons),
            subject_label=subject.label,
            other_label=other.label,
            remedy=remedy,
            hiding_resolves=foreign is None and not harmless and not _picked_in_error(pair, found, subject.id),
        )


def _picked_in_error(
    pair: tuple[DistributionList, frozenset[str], DistributionList, frozenset[str]],
    found: list[Likeness],
    hidden_too: str = "",
) -> set[str]:
    """The lists of the pair whose pick, meant for the other, sends mail to an organisation the sender did
    not mean, and which a sender can pick by mistake. A list hidden from the address book is not offered
    there, nor by its name or alias as it is typed; but a whole address typed with a slip still reaches
    it, so a list alike by its address can be picked wherever it is hidden. `hidden_too`: a list's id taken
    as hidden, to ask whether hiding it would end the hazard."""
    a, a_out, b, b_out = pair
    typed = (any(f.left.kind == "address" for f in found), any(f.right.kind == "address" for f in found))
    return {
        wrong.id
        for wrong, wrong_out, meant_out, by_address in ((a, a_out, b_out, typed[0]), (b, b_out, a_out, typed[1]))
        if wrong_out - meant_out
        and (by_address or not (wrong.hidden_from_address_book is True or wrong.id == hidden_too))
    }


def _rank(severity: Severity) -> int:
    return severity.rank


def _foreign_sentence(ctx: ScanContext, own: DistributionList, foreign: DistributionList) -> str:
    body = ctx.organisation_of(foreign)
    whose = f"{body}'s list" if body else "another organisation's list"
    return (
        f" '{foreign.label}' is {whose}, in the same shared address book as '{own.label}': a slip sends "
        f"{ctx.boundary.own.name}'s mail to another organisation."  # type: ignore[union-attr]
    )


def _foreign_remedy(ctx: ScanContext, own: DistributionList, foreign: DistributionList) -> str:
    us = ctx.boundary.own.name  # type: ignore[union-attr]
    body = ctx.organisation_of(foreign) or "the other organisation"
    return (
        f"'{foreign.label}' belongs to {body}: agree with them which list to rename, put {us}'s name or "
        f"marker in '{own.label}', or ask the shared service to hide '{foreign.label}' from {us}'s address book."
    )


def _offered_reaches_no_more(
    a_out: frozenset[str], b_out: frozenset[str], found: list[Likeness], *, typed_first: bool
) -> bool:
    """A pair alike only because one name begins with the other is mistaken one way: the shorter name
    (`typed_first`: the first; shorter as `similar` measures a prefix) is typed and the longer offered.
    If the offered list reaches no organisation that the typed one does not, that slip sends nothing to
    anyone new outside."""
    if not all(f.left.kind == "name" and f.match.reasons == (Reason.PREFIX,) for f in found):
        return False
    typed_out, offered_out = (a_out, b_out) if typed_first else (b_out, a_out)
    return offered_out <= typed_out


def _judged_in(
    lists: list[DistributionList], foreign: list[bool], outward: list[bool] | None
) -> tuple[set[int] | None, Callable[[int, int], bool] | None]:
    """Which pairs a scan judges (None, None: every pair): with `outward` (which lists reach outside),
    those with a list that does; in a scan for one body of a shared directory, those with one of the
    body's own lists (by index), as two other bodies' lists are theirs to judge, and of those, not another
    body's list beside a hidden one, which is not picked from the shared address book by mistake. The
    first set returned holds a list of every pair judged: the pairs are proposed from it."""
    shared = any(foreign)
    if not shared and outward is None:
        return None, None
    hidden = [g.hidden_from_address_book is True for g in lists]

    def wanted(i: int, j: int) -> bool:
        if outward is not None and not (outward[i] or outward[j]):
            return False
        return not (shared and (foreign[i] or foreign[j]) and (hidden[i] or hidden[j]))

    if shared:
        return {k for k, elsewhere in enumerate(foreign) if not elsewhere}, wanted
    return {k for k, reaches in enumerate(outward or ()) if reaches}, wanted
