"""Addresses: domains that imitate the organisation's own, and private mailboxes on lists."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import ClassVar

from rapidfuzz.distance import OSA

from dlscan.boundary import Audience
from dlscan.checks.base import Check, RecipientCheck, plural
from dlscan.checks.context import ScanContext
from dlscan.findings import Finding, Picture
from dlscan.matching.glyphs import reveal, skeleton
from dlscan.matching.suffixes import PublicSuffixes
from dlscan.model import Recipient, domain_of


def unicode_domain(domain: str) -> str:
    """An IDN domain as people see it: xn--wyvrn-1we.gov.uk shows as wyvern.gov.uk with a Cyrillic e."""
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


class DomainComparer:
    """Says how an outside domain imitates an internal one, or None."""

    def __init__(self, restricted_suffixes: frozenset[str]) -> None:
        self._suffixes = PublicSuffixes.bundled()
        self.restricted = restricted_suffixes

    def split(self, domain: str) -> tuple[str, str]:
        """(organisation label, public suffix): wyvern.gov.uk -> (wyvern, gov.uk)."""
        parts = self._suffixes.split(domain)
        if parts is None:
            # A private or unknown top-level domain (.local, .internal, .test): the last label is the suffix.
            labels = domain.rstrip(".").split(".")
            return (unicode_domain(labels[-2]), labels[-1]) if len(labels) >= 2 else ("", "")
        return unicode_domain(parts[0]), parts[1]

    def imitation(self, outside: str, internal: str) -> str | None:
        name, suffix = self.split(outside)
        own_name, own_suffix = self.split(internal)
        if not name or not own_name or (name, suffix) == (own_name, own_suffix):
            return None
        shown = unicode_domain(outside)
        if skeleton(f"{name}.{suffix}") == skeleton(f"{own_name}.{own_suffix}"):
            hidden = reveal(shown)
            return "it looks the same" + (f" ({hidden})" if hidden else "")
        same_suffix = suffix == own_suffix
        if not same_suffix and suffix in self.restricted:
            return None  # registries such as gov.uk or police.uk only register real public bodies
        if name.replace("-", "") == own_name.replace("-", "") and same_suffix:
            return "a hyphen is added or removed"
        if skeleton(name) == skeleton(own_name):
            return f"the same name under .{suffix} instead of .{own_suffix}"
        allowed = 2 if len(own_name) >= 9 else 1 if len(own_name) >= 5 else 0
        edits = allowed + 1
        if allowed:
            edits = min(
                OSA.distance(name.casefold(), own_name.casefold(), score_cutoff=allowed),
                OSA.distance(skeleton(name), skeleton(own_name), score_cutoff=allowed),
            )
        if edits <= allowed:
            where = "" if same_suffix else f", under .{suffix} instead of .{own_suffix}"
            return f"{plural(edits, 'character')} different{where}"
        return None


class LookalikeDomain(RecipientCheck):
    """DL007: an external address whose domain imitates an internal domain.

    Catches character edits and transpositions, rn/m and other look-alike characters (IDN homoglyphs
    included), doubled letters, an inserted hyphen and a swapped suffix. A swap into a suffix listed in
    `restricted_suffixes` (gov.uk, police.uk, nhs.uk...) is not reported: those registries only admit
    real public bodies, such as a police force that shares the council's place name.
    """

    code = "DL007"
    picture = Picture.PAIR
    slug = "lookalike-domain"
    params: ClassVar[Mapping[str, type]] = {"restricted_suffixes": tuple}

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        comparer = DomainComparer(frozenset(self.config.params["restricted_suffixes"]))
        by_domain: dict[str, list[Recipient]] = defaultdict(list)
        recipients = ctx.snapshot.recipients
        for recipient in map(recipients.__getitem__, ctx.ids_of(Audience.EXTERNAL)):
            domain = domain_of(recipient.primary_address)
            if domain:
                by_domain[domain].append(recipient)
        internal = [d.name for d in ctx.boundary.domains]
        for domain in sorted(by_domain):
            for own in internal:
                how = comparer.imitation(domain, own)
                if how is None:
                    continue
                for recipient in sorted(by_domain[domain], key=lambda r: (r.label.casefold(), r.id)):
                    yield self.recipient_finding(
                        ctx,
                        recipient,
                        related=own,
                        key=own,
                        detail=f"The domain {unicode_domain(domain)} imitates the internal domain {own}: {how}.",
                    )
                break


class PersonalEmail(Check):
    """DL008: private mailboxes (the rule pack's personal_mail_domains) among the recipients of a list."""

    code = "DL008"
    picture = Picture.CHAIN
    slug = "personal-email"

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        for group in ctx.mail_lists:
            personal = [
                r
                for r in ctx.reach_by_audience(group.id, Audience.EXTERNAL)
                if ctx.settings.personal(domain_of(r.primary_address))
            ]
            if not personal:
                continue
            shown = ", ".join(r.label for r in personal[:5])
            if len(personal) > 5:
                shown += f" and {len(personal) - 5} more"
            count = plural(len(personal), "personal mailbox", "personal mailboxes")
            yield self.finding(
                ctx,
                group,
                related=personal[0].label,
                detail=f"Mail to this list reaches {count}: {shown}.",
                path=ctx.graph.path(group.id, personal[0].id),
            )
