"""Addresses: domains that imitate the organisation's own, and private mailboxes on lists."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator

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
        """How `outside` imitates `internal`, or None; a real body's own domain beside it is a neighbour."""
        return None if self.registered_neighbour(outside, internal) else self.resemblance(outside, internal)

    def neighbour(self, outside: str, internal: str) -> str | None:
        """How `outside`, a domain only a real public body can hold (a restricted suffix, the same as the
        internal one's), resembles `internal`, or None."""
        return self.resemblance(outside, internal) if self.registered_neighbour(outside, internal) else None

    def registered_neighbour(self, outside: str, internal: str) -> bool:
        """Both under the same restricted suffix and not the same to a reader: herefordshire.gov.uk beside
        hertfordshire.gov.uk is another council, not an impostor (gov.uk admits only public bodies)."""
        name, suffix = self.split(outside)
        own_name, own_suffix = self.split(internal)
        return (
            suffix == own_suffix
            and suffix in self.restricted
            and skeleton(f"{name}.{suffix}") != skeleton(f"{own_name}.{own_suffix}")
        )

    def resemblance(self, outside: str, internal: str) -> str | None:
        """How a reader could take `outside` for `internal`, or None."""
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
        written = _folded("".join(unicode_domain(shown).split(".")[: -len(suffix.split("."))]))
        own = _folded(own_name)
        if same_suffix and written == own:
            return "a dot or hyphen splits the name"
        own_labels = own_suffix.split(".")
        if written in {own + _folded("".join(own_labels[:k])) for k in range(1, len(own_labels) + 1)}:
            return f"the suffix .{own_suffix} is written into the name, under .{suffix}"
        allowed = _allowed(len(own_name), same_suffix)
        # Letters as typed, and as read: "wyvenr" is one swap from "wyvern", whose skeleton reads "wyvem".
        edits = _least(_within(name.casefold(), own_name.casefold(), allowed), _within(_folded(name), own, allowed))
        where = "" if same_suffix else f", under .{suffix} instead of .{own_suffix}"
        if edits is not None:
            return f"{plural(edits, 'character')} different{where}"
        if same_suffix and len(own) >= 5 and _stuttered(_folded(name), own):
            return "two letters written twice"
        if not same_suffix:
            # An edit inside the suffix (met.poilce.uk for met.police.uk): the whole domain, letter by letter.
            whole, own_whole = written + _folded(suffix), own + _folded(own_suffix)
            plain = "".join(outside.casefold().replace("-", "").split("."))
            own_plain = "".join(internal.casefold().replace("-", "").split("."))
            allowed = _allowed(len(own_whole), True)
            edits = _least(_within(plain, own_plain, allowed), _within(whole, own_whole, allowed))
            if edits is not None:
                return f"{plural(edits, 'character')} different, across the name and its suffix"
        return None


def _folded(text: str) -> str:
    """Letters as a reader takes them: the skeleton without dots or hyphens, vv read as w."""
    return skeleton(text).replace(".", "").replace("-", "").replace("vv", "w")


def _allowed(length: int, same_suffix: bool) -> int:
    """Edits a name of this length may differ by and still be taken for the other. A short name (nhs,
    kent) gets one only under its own suffix: under another, a three-letter name one letter off is
    mostly another body's own (nus.org.uk). A long name gets two only under its own suffix: two letters
    and the suffix changed are three differences, and another body's name (banbridge.com beside
    cambridge.gov.uk, northnorfolk.org beside south-norfolk.gov.uk)."""
    if length >= 9 and same_suffix:
        return 2
    if length >= 5 or (length >= 3 and same_suffix):
        return 1
    return 0


def _stuttered(text: str, own: str) -> bool:
    """`own` with two of its letters written twice over (essesex for essex), which a reader passes over
    as one slip, though it is two edits. Under the name's own suffix only, as two letters and a changed
    suffix are another body's name."""
    return len(text) == len(own) + 2 and any(text == own[: i + 2] + own[i:] for i in range(len(own) - 1))


def _least(*edits: int | None) -> int | None:
    return min((e for e in edits if e is not None), default=None)


def _within(text: str, other: str, allowed: int) -> int | None:
    if not allowed:
        return None
    edits = OSA.distance(text, other, score_cutoff=allowed)
    return edits if edits <= allowed else None


class LookalikeDomain(RecipientCheck):
    """DL007: an external address whose domain imitates an internal domain.

    Catches character edits and transpositions, rn/m and other look-alike characters (IDN homoglyphs
    included), doubled letters, an inserted hyphen and a swapped suffix. A swap into a suffix listed in
    the pack's `restricted_suffixes` (gov.uk, police.uk, nhs.uk...) is not reported: those registries only admit
    real public bodies, such as a police force that shares the council's place name.
    """

    code = "DL007"
    runs_either_side = True  # few findings, and costly at scale: the free core takes it
    picture = Picture.PAIR
    slug = "lookalike-domain"
    def judge(self, comparer: DomainComparer, domain: str, own: str) -> str | None:
        return comparer.imitation(domain, own)

    def describe(self, domain: str, own: str, how: str) -> str:
        return f"The domain {unicode_domain(domain)} imitates the internal domain {own}: {how}."

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        comparer = DomainComparer(ctx.settings.restricted_suffixes)
        by_domain: dict[str, list[Recipient]] = defaultdict(list)
        recipients = ctx.snapshot.recipients
        for recipient in map(recipients.__getitem__, ctx.ids_of(Audience.EXTERNAL)):
            domain = domain_of(recipient.primary_address)
            if domain:
                by_domain[domain].append(recipient)
        # The registrable domain first: wyvem.gov.uk imitates wyvern.gov.uk, not its ad. subdomain.
        internal = sorted((d.name for d in ctx.boundary.domains), key=lambda d: (d.count("."), d))
        for domain in sorted(by_domain):
            for own in internal:
                how = self.judge(comparer, domain, own)
                if how is None:
                    continue
                for recipient in sorted(by_domain[domain], key=lambda r: (r.label.casefold(), r.id)):
                    yield self.recipient_finding(
                        ctx,
                        recipient,
                        related=own,
                        key=own,
                        detail=self.describe(domain, own, how),
                    )
                break


class NeighbourDomain(LookalikeDomain):
    """DL019: an external address at a real public body whose domain is one slip from an internal one:
    herefordshire.gov.uk beside hertfordshire.gov.uk. Both are under a suffix listed in the pack's
    `restricted_suffixes`, which only public bodies can register, so it imitates nothing; the hazard is
    a slip between neighbours, mail meant for one council sent to the next."""

    code = "DL019"
    runs_either_side = True  # few findings, and costly at scale: the free core takes it
    slug = "neighbour-domain"

    def judge(self, comparer: DomainComparer, domain: str, own: str) -> str | None:
        return comparer.neighbour(domain, own)

    def describe(self, domain: str, own: str, how: str) -> str:
        return (
            f"The domain {domain} belongs to another public body, yet a reader could take it for the internal"
            f" domain {own}: {how}. Mail meant for one can go to the other by a slip."
        )


class PersonalEmail(Check):
    """DL008: private mailboxes (the rule pack's personal_mail_domains) among the recipients of a list."""

    code = "DL008"
    runs_either_side = True  # few findings, and costly at scale: the free core takes it
    picture = Picture.CHAIN
    slug = "personal-email"
    fixed_in_members = True
    reports_outsiders = True
    judges_members = True

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
