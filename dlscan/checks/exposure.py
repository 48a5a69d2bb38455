"""Exposure: lists whose mail leaves the organisation, and whether their names say so."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

from dlscan.boundary import Audience
from dlscan.checks.base import Check, plural
from dlscan.checks.context import ScanContext
from dlscan.findings import Finding, Picture, Severity
from dlscan.model import DistributionList


class MixedMembership(Check):
    """DL001: a list whose recipients, nesting expanded, are both internal and external.

    Lists whose name carries the external marker declare their mixing; they are reported at the
    `marked_severity` parameter unless their name is also sensitive.
    """

    code = "DL001"
    picture = Picture.CHAIN
    slug = "mixed-membership"
    fixed_in_members = True
    reports_outsiders = True
    judges_members = True
    params: ClassVar[Mapping[str, type]] = {"marked_severity": Severity}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            external = ctx.reach_by_audience(group.id, Audience.EXTERNAL)
            if not external:
                continue
            internal = ctx.count_by_audience(group.id, Audience.INTERNAL)
            if not internal:
                continue
            example = external[0]
            severity = self.severity(ctx, group)
            declared = ""
            if ctx.marked_external(group) and not ctx.is_sensitive(group):
                severity = self.config.params["marked_severity"]
                declared = " Its name declares that it reaches outside."
            weighed, trusted = self.partner_weighed(ctx, group, external, severity)
            if weighed is None:
                continue
            yield self.finding(
                ctx,
                group,
                severity=weighed,
                related=example.label,
                detail=(
                    f"Mail to this list reaches {plural(internal, 'internal recipient')} and "
                    f"{plural(len(external), 'external recipient')}, e.g. {ctx.describe(example)}.{declared}{trusted}"
                ),
                path=ctx.graph.path(group.id, example.id),
                evidence=ctx.recipients_evidence(group.id, external),
            )


class HiddenExternal(Check):
    """DL002: external recipients reached only through nested lists, so the list looks internal.

    Fires on lists none of whose direct members is external, once for each nested list that brings
    external recipients in.
    """

    code = "DL002"
    picture = Picture.CHAIN
    slug = "hidden-external"
    fixed_in_members = True
    reports_outsiders = True
    judges_members = True
    params: ClassVar[Mapping[str, type]] = {"marked_severity": Severity}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        lists = ctx.snapshot.lists
        for group in ctx.mail_lists:
            if ctx.has_direct_external(group.id):
                continue
            external = ctx.reach_by_audience(group.id, Audience.EXTERNAL)
            if not external:
                continue
            nested = sorted(ctx.graph.nested_lists(group.id), key=lambda i: (lists[i].label.casefold(), i))
            for nested_id in nested:
                via = ctx.reach_by_audience(nested_id, Audience.EXTERNAL)  # in the same order as `external`
                if via:
                    found = self._finding(ctx, group, lists[nested_id], via)
                    if found is not None:
                        yield found

    def _finding(
        self, ctx: ScanContext, group: DistributionList, nested: DistributionList, via: list
    ) -> Finding | None:
        example = via[0]
        severity = self.severity(ctx, group)
        if ctx.marked_external(group) and not ctx.is_sensitive(group):
            severity = self.config.params["marked_severity"]
        weighed, trusted = self.partner_weighed(ctx, group, via, severity)
        if weighed is None:
            return None
        return self.finding(
            ctx,
            group,
            severity=weighed,
            related=nested.label,
            key=nested.id,
            detail=(
                f"All direct members look internal, but {plural(len(via), 'external recipient')} "
                f"{'arrives' if len(via) == 1 else 'arrive'} through nested list '{nested.label}', "
                f"e.g. {ctx.describe(example)}.{trusted}"
            ),
            path=(group.id, *ctx.graph.path(nested.id, example.id)),
            evidence=ctx.recipients_evidence(group.id, via),
        )


class UnmarkedExternal(Check):
    """DL003: a list with external recipients whose name lacks the external marker.

    The marker is the `external_marker` pattern in the rule pack's settings.
    """

    code = "DL003"
    picture = Picture.CHAIN
    slug = "unmarked-external"
    fixed_in_members = True
    reports_outsiders = True
    judges_members = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            if ctx.marked_external(group):
                continue
            external = ctx.reach_by_audience(group.id, Audience.EXTERNAL)
            if not external:
                continue
            example = external[0]
            weighed, trusted = self.partner_weighed(ctx, group, external, self.severity(ctx, group))
            if weighed is None:
                continue
            yield self.finding(
                ctx,
                group,
                severity=weighed,
                related=example.label,
                detail=(
                    f"The name '{group.label}' does not say that mail to it leaves the organisation, yet it "
                    f"reaches {plural(len(external), 'external recipient')}, e.g. {ctx.describe(example)}.{trusted}"
                ),
                path=ctx.graph.path(group.id, example.id),
                evidence=ctx.recipients_evidence(group.id, external),
            )


class MisleadingMarker(Check):
    """DL004: a list marked external that reaches no external recipient."""

    code = "DL004"
    slug = "misleading-marker"
    judges_members = True

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            if not ctx.marked_external(group) or ctx.members_unknown(group.id):
                continue  # unseen members may be the outsiders the name promises
            receiving = ctx.receiving(group.id)
            if not receiving or any(ctx.audience(r) is not Audience.INTERNAL for r in receiving):
                continue
            yield self.finding(
                ctx,
                group,
                detail=(
                    f"The name '{group.label}' says the list reaches outside, but all "
                    f"{plural(len(receiving), 'recipient')} are internal."
                ),
            )
