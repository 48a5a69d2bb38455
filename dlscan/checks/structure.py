"""Structure: nesting cycles, deep nesting, empty lists and lists that duplicate each other."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from operator import itemgetter
from typing import ClassVar

from networkx.utils import UnionFind

from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.checks.families import grouped
from dlscan.findings import Evidence, Finding


class NestingCycle(Check):
    """DL010: lists that contain themselves through nesting; the finding names the whole cycle."""

    code = "DL010"
    slug = "nesting-cycle"
    judges_members = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        lists = ctx.snapshot.lists
        for cycle in ctx.graph.cycles:
            group = lists[cycle[0]]
            loop = (*cycle, cycle[0])
            chain = " > ".join(ctx.names(loop))
            closing = lists[cycle[-1]]
            # The nesting that closes the loop, as ids: where a plan breaks the cycle.
            closes = Evidence(
                subject=f"'{closing.label}' contains '{group.label}'",
                subject_id=f"{closing.id}|{group.id}",
                note="the nesting that closes the cycle",
                path=ctx.names(loop),
            )
            yield self.finding(
                ctx,
                group,
                related=lists[cycle[1]].label if len(cycle) > 1 else group.label,
                identity="|".join(sorted(cycle)),
                detail=f"'{group.label}' contains itself: {chain}.",
                path=loop,
                evidence=(closes,),
            )


class DeepNesting(Check):
    """DL011: nesting deeper than the `max_depth` parameter (levels of lists below a list), reported once
    per chain, on the list at its top."""

    code = "DL011"
    slug = "deep-nesting"
    judges_members = True
    params: ClassVar[Mapping[str, type]] = {"max_depth": int}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        limit = self.config.params["max_depth"]
        graph = ctx.graph
        too_deep = {group.id for group in ctx.mail_lists if graph.depth(group.id) > limit}
        # Every list that nests a list too deep is too deep itself: one chain is one job, reported on the
        # list at its top, however many of its lists are past the limit.
        for list_id in graph.outermost(too_deep):
            depth, chain = graph.depth(list_id), graph.deepest_chain(list_id)
            below = len(graph.nested_within(list_id, too_deep))
            verb = "is" if below == 1 else "are"
            more = f" {plural(below, 'list')} nested in it {verb} too deep as well." if below else ""
            yield self.finding(
                ctx,
                ctx.snapshot.lists[list_id],
                related=ctx.snapshot.label_of(chain[-1]),
                detail=f"Lists are nested {depth} levels deep below this one (the limit is {limit}).{more}",
                path=chain,
            )


class EmptyList(Check):
    """DL012: a mail-enabled list that reaches no recipient."""

    code = "DL012"
    slug = "empty-list"
    fixed_in_members = True
    judges_members = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            if ctx.receiving(group.id) or ctx.members_unknown(group.id):
                continue  # a list whose members are hidden from the source is not known to be empty
            if not group.members:
                detail = "The list has no members."
            else:
                detail = (
                    f"The list has {plural(len(group.members), 'member')}, but none of them receives list "
                    "mail (groups that are not mail-enabled, or accounts without an address)."
                )
            yield self.finding(ctx, group, detail=detail)


class DuplicateMembership(Check):
    """DL014: two lists with the same, or nearly the same, recipients under different names.

    Pairs where one list is nested inside the other are deliberate and not reported. Candidates come
    from prefix filtering (`dlscan.matching.set_join`), so only lists that could be that similar are compared.
    """

    code = "DL014"
    runs_either_side = True  # few findings, and costly at scale: the free core takes it
    slug = "duplicate-membership"
    judges_members = True
    params: ClassVar[Mapping[str, type]] = {"min_similarity": float, "min_recipients": int}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        from dlscan.matching.set_join import candidate_pairs  # numpy: loaded when lists are compared, not at start-up

        threshold = self.config.params["min_similarity"]
        minimum = max(1, self.config.params["min_recipients"])
        graph, lists = ctx.graph, ctx.snapshot.lists
        by_audience: dict[frozenset[str], list[str]] = defaultdict(list)
        for group in ctx.mail_lists:
            if ctx.members_unknown(group.id):
                continue  # the members seen may be a part that matches another list by chance
            audience = ctx.receiving(group.id)
            if len(audience) >= minimum:
                by_audience[audience].append(group.id)
        # Lists of one audience are exact copies, unless nested: a list that nests another of its audience
        # only wraps it, and mutually nested lists are one. So each audience keeps its innermost lists,
        # those that hold its members, and its copies are linked to the first of them: n copies are
        # n - 1 pairs, never n squared.
        audiences = list(by_audience)
        copies = [graph.innermost(by_audience[audience]) for audience in audiences]
        links = UnionFind()
        pairs = []

        def pair(list_id: str, other: str, common: int, union: int) -> None:
            first, second = sorted((lists[list_id], lists[other]), key=lambda g: (g.label.casefold(), g.id))
            links.union(first.id, second.id)
            pairs.append((-common / union, first.label.casefold(), first.id, second.id, common, union))

        for audience, innermost in zip(audiences, copies, strict=True):
            for other in innermost[1:]:
                pair(innermost[0], other, len(audience), len(audience))
        for a, b in candidate_pairs(audiences, threshold).tolist():
            # One pair joins the two audiences' families; copies of each are linked to it above. Nesting is
            # asked first, as it costs nothing: in a chain of lists every candidate is nested in the next,
            # and measuring their overlap was the whole cost (37 s for 4,000 lists that each hold a person).
            unnested = next(
                ((x, y) for x in copies[a] for y in copies[b] if not graph.contains(x, y) and not graph.contains(y, x)),
                None,
            )
            if unnested is None:
                continue
            mine, theirs = audiences[a], audiences[b]
            common = len(mine & theirs)
            union = len(mine) + len(theirs) - common
            if common / union >= threshold:
                pair(*unnested, common, union)
        # Copies of one list are one finding, on its most alike pair: "delete these copies" is one job.
        for family, size in sorted(grouped(pairs, links, itemgetter(2), lambda pair: pair)):
            _, _, first, second, common, union = family[0]
            evidence = tuple(
                Evidence(
                    subject=f"'{lists[a].label}' and '{lists[b].label}'",
                    subject_id=f"{a}|{b}",
                    note=_overlap(shared, total),
                )
                for _, _, a, b, shared, total in family[1:]
            )
            yield self._finding(ctx, lists[first], lists[second], common, union, evidence, size)

    def _finding(
        self,
        ctx: ScanContext,
        group,
        other,
        common: int,
        union: int,
        evidence: tuple[Evidence, ...],
        family: int,
    ) -> Finding:
        if common == union:
            detail = f"Reaches exactly the same {plural(common, 'recipient')} as '{other.label}'."
        else:
            detail = f"Shares {common} of {union} recipients ({common / union:.0%}) with '{other.label}'."
        if evidence:
            detail += (
                f" The two are among {family} lists that reach the same or nearly the same recipients:"
                f" {plural(len(evidence), 'other pair')} of them are listed in the JSON and HTML report."
            )
        return self.finding(ctx, group, related=other.label, key=other.id, detail=detail, evidence=evidence)


def _overlap(common: int, union: int) -> str:
    return f"the same {common} recipients" if common == union else f"{common} of {union} recipients shared"
