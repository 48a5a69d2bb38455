"""Names people confuse: lists that look like each other, and outsiders that look like insiders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

from networkx.utils import UnionFind

from dlscan.boundary import Audience
from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.checks.families import PairVerdict, families
from dlscan.checks.likeness import MATCH_PARAMS, Likeness, Typed, hidden_characters, match_settings, typed_names
from dlscan.checks.slips import Pair
from dlscan.findings import Finding, Picture, Severity
from dlscan.matching.names import NameForms, address_series_key, series_key
from dlscan.matching.similar import confusable_pairs
from dlscan.model import DistributionList


class ConfusableLists(Check):
    """DL005: two lists whose display names or addresses a person could mistake for each other.

    A pair is judged by what a slip between them would send to whom. Severity is highest when one list
    stays inside and the other reaches outside; `different_external_severity` when both reach outside but
    different organisations; `hidden_severity` when every list a harmful slip would pick is hidden from
    the address book and alike by name or alias only (`dlscan.checks.slips`), as only autocomplete's
    memory still offers it. A slip that reaches no organisation the sender did not mean is no hazard:
    both lists reach the same organisations, or the pair is alike only as one name completes the other
    and the list offered reaches nothing the typed one does not. Such pairs are reported, at
    `same_audience_severity`, only when `report_same_audience` is set. Numbered series ("Ward 01" ...
    "Ward 40") of one audience are not reported at all, and addresses that differ only in a number or a
    generated token (`list8153@`, `list8113@`) are not a reason: people read those as numbers. Names are
    read word by word: two letters changed in one word shorter than `two_edits_in_a_word_from` make
    another word, not two slips (`dlscan.matching.rewritten`). Lists
    that can be mistaken for one another are one finding: a family, named by its worst pair.
    """

    code = "DL005"
    runs_either_side = True  # few findings, and costly at scale: the free core takes it
    picture = Picture.PAIR
    slug = "confusable-lists"
    judges_members = True
    params: ClassVar[Mapping[str, type]] = {
        **MATCH_PARAMS,
        "two_edits_in_a_word_from": int,
        "different_external_severity": Severity,
        "same_audience_severity": Severity,
        "hidden_severity": Severity,
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
        # such pairs are asked for, only pairs with a list that reaches outside are proposed and compared. A
        # scan for one body of a shared directory compares every pair with one of its own lists, as before:
        # that join is bounded by its own lists already, and the families it joins keep its findings few.
        everything = self.config.params.get("report_same_audience", False) or ctx.boundary.own is not None
        outward = None if everything else (lambda k: ctx.reaches_outside(lists[k].id))
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
                hiding_helps=worst.hiding_helps,
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
        pair = Pair(a, a_out, b, b_out, found)
        harmless = same_audience or pair.offered_reaches_no_more(typed_first=typed_first)
        if harmless and not self.config.params.get("report_same_audience", False):
            return None
        harmful = pair.harmful()
        # A list whose members the source hides may reach anyone: its twin's being hidden changes nothing.
        unknown = ctx.members_unknown(a.id) or ctx.members_unknown(b.id)
        offered = harmful if unknown else pair.harmful(offered_only=True)
        if harmless:
            subject, other = sorted((a, b), key=lambda g: (g.label.casefold(), g.id))
            severity = self.config.params["same_audience_severity"]
            audience = (
                " Both reach the same audience."
                if same_audience
                else " The list offered as the other is typed reaches no one outside that the typed one does not."
            )
        elif bool(a_out) != bool(b_out):
            subject, other = (a, b) if a_out else (b, a)
            sensitive = ctx.is_sensitive(a) or ctx.is_sensitive(b)
            severity = self.config.severity_for(sensitive)
            out_domains = ctx.outside_parties(subject.id)
            reached = plural(ctx.count_by_audience(subject.id, Audience.EXTERNAL), "external recipient")
            audience = f" '{subject.label}' reaches {reached} ({', '.join(sorted(out_domains)[:3])}); " + (
                f"the members of '{other.label}' are hidden from the source."
                if ctx.members_unknown(other.id)
                else f"'{other.label}' reaches only internal recipients."
            )
            if sensitive and not ctx.is_sensitive(subject):
                # The subject's own keyword is named once, by the finding; the other's is named here.
                audience += ctx.sensitivity_sentence(other, named=True)
        else:
            # Reported on the one list a slip onto which does harm, where there is one: the list to act on.
            sole = offered if len(offered) == 1 else harmful if len(harmful) == 1 else set()
            subject, other = sorted((a, b), key=lambda g: (g.id not in sole, g.label.casefold(), g.id))
            severity = self.config.params["different_external_severity"]
            audience = (
                f" Both reach outside, but different organisations: {', '.join(sorted(a_out)[:3])} and "
                f"{', '.join(sorted(b_out)[:3])}."
            )
        if not harmless and not offered:
            # Every harmful slip lands on a list hidden from the address book: left to autocomplete's memory.
            severity = self.config.params["hidden_severity"]
            hidden = [f"'{g.label}'" for g in (a, b) if g.id in harmful]
            verb, them = ("are", "them") if len(hidden) > 1 else ("is", "it")
            audience += (
                f" {' and '.join(hidden)} {verb} hidden from the address book: only a sender whose autocomplete "
                f"remembers {them} can pick {them} by mistake."
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
        hiding_helps = (
            foreign is None
            and not harmless
            and not unknown
            and offered == {subject.id}
            and not pair.harmful(offered_only=True, hidden_too=subject.id)
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
            hiding_helps=hiding_helps,
        )


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


def _judged_in(
    lists: list[DistributionList], foreign: list[bool], outward: Callable[[int], bool] | None
) -> tuple[set[int] | None, Callable[[int, int], bool] | None]:
    """Which pairs a scan judges (None, None: every pair). In a scan for one body of a shared directory,
    those with one of the body's own lists, as two other bodies' lists are theirs to judge, and of those,
    not another body's list beside a hidden one, which is not picked from the shared address book by
    mistake. Otherwise, with `outward` (whether a list, by index, reaches outside), those with a list
    that does. The first set returned holds a list of every pair judged: the pairs are proposed from it."""
    if any(foreign):
        hidden = [g.hidden_from_address_book is True for g in lists]

        def wanted(i: int, j: int) -> bool:
            return not ((foreign[i] or foreign[j]) and (hidden[i] or hidden[j]))

        return {k for k, elsewhere in enumerate(foreign) if not elsewhere}, wanted
    if outward is None:
        return None, None
    return set(filter(outward, range(len(lists)))), None
