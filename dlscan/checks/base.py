"""The small interface every check implements, and the findings it builds."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import ClassVar

from dlscan.checks.context import ScanContext
from dlscan.checks.rulepack import RuleConfig
from dlscan.findings import Coverage, Evidence, Finding, Picture, Severity
from dlscan.model import DistributionList, Recipient


class Check(ABC):
    """One rule. Subclasses set `code`, `slug` and `params`, and say in their docstring what they flag."""

    code: ClassVar[str]
    slug: ClassVar[str]
    params: ClassVar[Mapping[str, type]] = {}
    picture: ClassVar[Picture] = Picture.NONE
    """What the HTML report draws for this rule's findings."""
    runs_apart: ClassVar[bool] = False
    """Costly enough at scale to run in a process of its own, on another core (dlscan.scan.parallel)."""
    runs_either_side: ClassVar[bool] = False
    """May run in either process, whichever is free first: its findings are few to send back, and it keeps
    nothing on itself that `coverage` reads afterwards (dlscan.scan.parallel)."""
    reports_outsiders: ClassVar[bool] = False
    """Reports the outside recipients a list reaches: the finding then says what else they get through it."""
    fixed_in_members: ClassVar[bool] = False
    """Its remediation changes who is on the list: for a dynamic list, that is a change to its rule."""
    judges_members: ClassVar[bool] = False
    """Judges lists by their members or by who they reach: a list whose members the source could not read
    in full, and any list nesting one, is then left unjudged, whatever the rule found in what was seen."""

    def __init__(self, config: RuleConfig) -> None:
        self.config = config

    @abstractmethod
    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        """Yield this rule's findings."""

    def coverage(self, ctx: ScanContext) -> Coverage:
        """What this rule could not judge, because the source does not say, once it has run."""
        return Coverage(self.code)

    def full_coverage(self, ctx: ScanContext, own: Coverage) -> Coverage:
        """The rule's own `coverage`, with the lists whose members are known only in part when the rule
        judges members."""
        unknown = ctx.cache.members_unknown & ctx.cache.scanned_ids if self.judges_members else frozenset()
        if not unknown or own.everything:
            return own
        reason = own.reason or f"{self.code}: the source could not read every member of {plural(len(unknown), 'list')}."
        return Coverage(own.code, own.unjudged | unknown, reason=reason)

    def severity(self, ctx: ScanContext, group: DistributionList) -> Severity:
        return self.config.severity_for(ctx.is_sensitive(group))

    def partner_weighed(
        self, ctx: ScanContext, group: DistributionList, external: list[Recipient], severity: Severity
    ) -> tuple[Severity | None, str]:
        """(severity, sentence) for a finding about `group` reaching `external`: a trusted partner that
        accounts for all of them sets the severity, or None when its findings are not reported."""
        partner = ctx.trusted_partner(group, external)
        if partner is None:
            return severity, ""
        level = f"reported at {partner.severity.value}" if partner.severity else "not reported"
        return partner.severity, (
            f" Every external recipient belongs to the trusted partner '{partner.name}' (boundary setting: "
            f"{partner.reason}), so it is {level}."
        )

    def finding(
        self,
        ctx: ScanContext,
        group: DistributionList,
        *,
        detail: str,
        severity: Severity | None = None,
        related: str = "",
        key: str = "",
        path: tuple[str, ...] = (),
        identity: str | None = None,
        evidence: tuple[Evidence, ...] = (),
        remedy: str = "",
        hiding_helps: bool = False,
    ) -> Finding:
        """A finding about `group`; `remedy` adds to the rule's remediation what this one needs."""
        if self.config.sensitive_severity is not None:
            detail += ctx.sensitivity_sentence(group)
        if self.reports_outsiders and group.team:
            detail += " The group backs a Microsoft Team, so they also see the Team's conversations and files."
        owner, owner_state = ctx.owners(group)
        return self._build_finding(
            severity or self.severity(ctx, group),
            group.label,
            group.primary_address,
            group.id,
            related=related,
            key=key,
            detail=detail,
            path=ctx.names(path),
            identity=identity,
            evidence=evidence,
            owner=owner,
            owner_state=owner_state,
            where=" ".join(filter(None, (remedy, where_to_change(group, members=self.fixed_in_members)))),
            hiding_helps=hiding_helps,
        )

    def _build_finding(
        self,
        severity: Severity,
        name: str,
        address: str | None,
        object_id: str,
        *,
        related: str,
        key: str,
        detail: str,
        path: tuple[str, ...] = (),
        identity: str | None = None,
        evidence: tuple[Evidence, ...] = (),
        owner: str = "",
        owner_state: str = "",
        where: str = "",
        hiding_helps: bool = False,
    ) -> Finding:
        """A finding of this rule about one directory object, with the rule's texts; `where` says where the
        change is made when that is not the object itself."""
        return Finding(
            code=self.code,
            rule=self.slug,
            severity=severity,
            list=name,
            list_address=address or "",
            list_id=object_id,
            related=related,
            key=key,
            detail=detail,
            path=path,
            remediation=f"{self.config.remediation} {where}" if where else self.config.remediation,
            rationale=self.config.rationale,
            identity=identity,
            evidence=evidence,
            owner=owner,
            owner_state=owner_state,
            hiding_helps=hiding_helps,
        )


class RecipientCheck(Check):
    """A rule about a recipient rather than a list: the finding's list columns name the recipient."""

    def recipient_finding(
        self,
        ctx: ScanContext,
        recipient: Recipient,
        *,
        detail: str,
        severity: Severity | None = None,
        related: str = "",
        key: str = "",
        identity: str | None = None,
        evidence: tuple[Evidence, ...] = (),
    ) -> Finding:
        lists = ctx.lists_reaching(recipient.id)
        sensitive = [g for g in lists if ctx.is_sensitive(g)]
        if lists:
            names = ", ".join(f"'{g.label}'" for g in lists[:3]) + (
                f" and {len(lists) - 3} more" if len(lists) > 3 else ""
            )
            detail = f"{detail} It receives mail to {plural(len(lists), 'list')}: {names}."
        if severity is None:
            severity = self.config.severity_for(bool(sensitive))
        name = recipient.display_name or recipient.label
        return self._build_finding(
            severity, name, recipient.primary_address, recipient.id, related=related, key=key, detail=detail,
            identity=identity, evidence=evidence,
        )  # fmt: skip


def where_to_change(group: DistributionList, *, members: bool) -> str:
    """Where the fix is made, when it is not the list itself: a dynamic list's rule (for a rule about its
    members), and on-premises Active Directory for a list synchronised from there."""
    sentences = []
    if members and group.membership_rule is not None:
        rule = group.membership_rule
        shown = rule if len(rule) <= 160 else rule[:159] + "…"
        sentences.append(
            f"Its members are set by its dynamic membership rule, so change the rule ({shown}): "
            "members cannot be added or removed by hand."
        )
    if group.synced_from_premises:
        sentences.append(
            "The list is synchronised from on-premises Active Directory: make the change there, as a change in "
            "Microsoft 365 is overwritten by the next synchronisation."
        )
    return " ".join(sentences)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
