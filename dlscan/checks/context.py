"""What every check receives: the snapshot, its membership graph and boundary, and what the checks share,
each worked out once, when first asked for (or before forking, by `prepare`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter

from dlscan.boundary import Audience, Boundary, Classification, TrustedPartner
from dlscan.checks.rulepack import PackSettings
from dlscan.checks.shared import SharedFacts
from dlscan.findings import Evidence
from dlscan.graph import MembershipGraph
from dlscan.matching.names import prepare_name_tables
from dlscan.model import DistributionList, Recipient, RecipientKind, Snapshot, domain_of

_ID = attrgetter("id")


@dataclass(frozen=True)
class ScanContext:
    """The snapshot, its graph and its classifications, computed once and shared by all checks."""

    snapshot: Snapshot
    graph: MembershipGraph
    boundary: Boundary
    settings: PackSettings
    cache: SharedFacts = field(init=False, repr=False, compare=False)
    """What the checks share, worked out once: the one part that fills up as the scan runs."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache", SharedFacts(self.snapshot, self.graph, self.boundary))

    @property
    def classifications(self) -> Mapping[str, Classification]:
        return self.cache.classifications

    @property
    def mail_lists(self) -> list[DistributionList]:
        """Mail-enabled lists in a stable order (`SharedFacts.mail_lists`)."""
        return self.cache.mail_lists

    @property
    def address_book(self) -> list[DistributionList]:
        """The lists the scan's people can pick, its own and, in a shared directory, other bodies' visible
        ones (`SharedFacts.address_book`)."""
        return self.cache.address_book

    def trusted_partner(self, group: DistributionList, external: list[Recipient]) -> TrustedPartner | None:
        """The trusted partner that accounts for every external recipient of `group`, if the boundary
        declares one for this list (of several, the one whose findings weigh most)."""
        if not external:
            return None
        classified = self.cache.classifications
        partners = set()
        for recipient in external:  # most lists' first outsider is no partner's: answered at once
            partner = classified[recipient.id].partner
            if partner is None:
                return None
            partners.add(partner)
        if not all(p.covers(group.display_name, group.primary_address) for p in partners):  # type: ignore[union-attr]
            return None
        return max(partners, key=lambda p: p.severity.rank if p.severity else -1)  # type: ignore[union-attr]

    def audience(self, recipient_id: str) -> Audience:
        return self.cache.classifications[recipient_id].audience

    def prepare(self) -> None:
        """Work out now what every check shares, e.g. before forking, so that it is done once: the
        classifications, the recipients of each audience, the keyword patterns and the tables that fold
        names. Each list's outside and silent recipients are left to be worked out where they are asked
        for: the rule that runs apart does not need them, so the main process does that while the other
        process works."""
        _ = (self.cache.classifications, self.cache.mail_lists, self.cache.not_internal_ids)
        self.settings.prepare()
        prepare_name_tables()

    def ids_of(self, audience: Audience) -> frozenset[str]:
        """The ids of every recipient of one audience."""
        return self.cache.ids_by_audience[audience]

    def members_unknown(self, list_id: str) -> bool:
        """Whether the source could not read every member of the list or of a list nested in it."""
        return list_id in self.cache.members_unknown

    def has_direct_external(self, list_id: str) -> bool:
        """Whether an external recipient is a direct member of the list: a set test in C rather than a
        look-up per member (five million at L)."""
        return not self.graph.direct_recipients(list_id).isdisjoint(self.cache.ids_by_audience[Audience.EXTERNAL])

    def reach_by_audience(self, list_id: str, audience: Audience) -> list[Recipient]:
        """The reached recipients of one audience, in a stable order; computed once per list and shared
        by every rule (callers must not change the list). For counts, `count_by_audience` is cheaper."""
        key = (list_id, audience)
        found = self.cache.audiences.get(key)
        if found is None:
            chosen = map(self.snapshot.recipients.__getitem__, self._reached_of(list_id, audience))
            found = sorted(chosen, key=lambda r: (r.label.casefold(), r.id))
            self.cache.audiences[key] = found
            self.cache.kept_sequences.add(id(found))
        return found

    def count_by_audience(self, list_id: str, audience: Audience) -> int:
        if audience is Audience.INTERNAL:
            return len(self.graph.reach(list_id)) - len(self.cache.outside(list_id))
        known = self.cache.audiences.get((list_id, audience))
        return len(known) if known is not None else len(self._reached_of(list_id, audience))  # no order needed

    def _reached_of(self, list_id: str, audience: Audience) -> frozenset[str]:
        """The ids of the list's reached recipients of one audience: a set intersection, in C."""
        pool = self.graph.reach(list_id) if audience is Audience.INTERNAL else self.cache.outside(list_id)
        return pool & self.cache.ids_by_audience[audience]

    def reaches_outside(self, list_id: str) -> bool:
        """Whether the list reaches any external recipient: `outside_parties` is not empty."""
        return not self.cache.outside(list_id).isdisjoint(self.cache.ids_by_audience[Audience.EXTERNAL])

    def receiving(self, list_id: str) -> frozenset[str]:
        """Reached recipients that receive list mail, or may (unknown ones)."""
        silent = self.cache.silent(list_id)
        reach = self.graph.reach(list_id)
        return reach - silent if silent else reach

    def outside_parties(self, list_id: str) -> frozenset[str]:
        """The organisations outside that a list's mail reaches: the mail domains of its external recipients;
        in a shared directory, where one domain serves many bodies, the declared organisation of each
        recipient that belongs to one."""
        found = self.cache.parties.get(list_id)
        if found is None:
            # From the set of outside ids, unsorted: in a scan for one body of a shared directory, another
            # body's list reaches only outsiders, and sorting them all was the cost.
            other = self.boundary.other_organisation if self.boundary.others else None
            external = map(self.snapshot.recipients.__getitem__, self._reached_of(list_id, Audience.EXTERNAL))
            found = frozenset((other(r) if other else None) or domain_of(r.primary_address) or "?" for r in external)
            self.cache.parties[list_id] = found
        return found

    def organisation_of(self, group: DistributionList) -> str | None:
        """The declared organisation, other than the scan's own, that a list belongs to: its owners', else
        the one most of its recipients belong to."""
        if group.id in self.cache.bodies:
            return self.cache.bodies[group.id]
        other = self.boundary.other_organisation
        recipients = self.snapshot.recipients
        owned = [other(recipients[o]) for o in group.owners or () if o in recipients]
        # Its first thousand recipients are enough to tell whose list it is.
        counted = Counter(name for name in owned if name) or Counter(
            name for r in islice(self.graph.reach(group.id), 1000) if (name := other(recipients[r]))
        )
        found = self.cache.bodies[group.id] = counted.most_common(1)[0][0] if counted else None
        return found

    def lists_reaching(self, recipient_id: str) -> list[DistributionList]:
        """Mail-enabled lists (of the scan's organisation, if any) whose mail reaches the recipient, in the
        stable list order."""
        lists = self.snapshot.lists
        if self.audience(recipient_id) is Audience.INTERNAL:
            reaching: Iterable[str] = self.graph.lists_reaching(recipient_id)
        else:
            reaching = self.cache.outsiders_lists.reaching(recipient_id)
        found = [lists[i] for i in reaching if lists[i].mail_enabled]
        if self.boundary.own is not None:
            found = [x for x in found if x.id in self.cache.scanned_ids]
        return sorted(found, key=lambda x: (x.display_name.casefold(), x.id))

    def concerns(self, recipient: Recipient) -> bool:
        """Whether a finding about this recipient belongs in the scan: always, unless the scan is for one
        organisation of a shared directory and none of its lists reaches the recipient."""
        return self.boundary.own is None or bool(self.lists_reaching(recipient.id))

    def sensitive_keyword(self, group: DistributionList) -> str | None:
        """The sensitive keyword in the list's name or address: asked for by most findings, and by
        several rules about the same list, so each list's is looked for once."""
        keywords = self.cache.keywords
        if group.id not in keywords:
            keywords[group.id] = self.settings.sensitive_keyword(group.display_name, group.primary_address)
        return keywords[group.id]

    def is_sensitive(self, group: DistributionList) -> bool:
        """A sensitive keyword in its name or address, or members that may be given admin roles."""
        return group.role_assignable is True or self.sensitive_keyword(group) is not None

    def sensitivity_sentence(self, group: DistributionList, *, named: bool = False) -> str:
        """Why the list is sensitive, as a sentence for a finding ('' when it is not); `named` names it."""
        keyword = self.sensitive_keyword(group)
        if keyword is not None:
            who = f"The name '{group.label}'" if named else "The name"
            return f" {who} suggests sensitive data ('{keyword}')."
        if group.role_assignable:
            who = f"'{group.label}'" if named else "The list"
            return (
                f" {who} can be given admin roles in the tenant (isAssignableToRole): its members hold "
                "privileged access."
            )
        return ""

    def marked_external(self, group: DistributionList) -> bool:
        return self.settings.marked_external(group.display_name)

    def names(self, ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(self.snapshot.label_of(i) for i in ids)

    def owners(self, group: DistributionList) -> tuple[str, str]:
        """(the owners' names, joined by '; ', and `owner_state`), for a finding to name the person who
        can fix the list."""
        state = self.owner_state(group)
        if not group.owners:
            return "", state
        recipients = self.snapshot.recipients
        names = "; ".join(
            (recipients[o].display_name or recipients[o].label) if o in recipients else self.snapshot.label_of(o)
            for o in group.owners
        )
        return names, state

    def owner_state(self, group: DistributionList) -> str:
        """Whether one of the list's owners can still act on it: 'active' (an active user, or an owner
        that is not a recipient, such as a list), 'inactive' when every owner is disabled or cannot be
        found, 'none', or 'unknown' when the source does not say."""
        if group.owners is None:
            return "unknown"
        if not group.owners:
            return "none"
        recipients = self.snapshot.recipients
        for owner in group.owners:
            person = recipients.get(owner)
            if person is None or (person.kind is not RecipientKind.UNRESOLVED and person.enabled is not False):
                return "active"
        return "inactive"

    def recipients_evidence(self, list_id: str, recipients: Sequence[Recipient]) -> tuple[Evidence, ...]:
        """Each recipient with why it counts as it does and the nesting path from the list that reaches
        it: what a finding that names one example counts. Made once per list and recipient, whichever rules
        ask (DL001 and DL003 list the same outsiders, DL002 them again by nested list): in a body's scan of
        a shared service, the lists reach most of a million outsiders. Asked again with the same sequence
        (a list's outsiders, as `reach_by_audience` keeps them), the same tuple is given back."""
        # Only the sequences `reach_by_audience` keeps are remembered: they live as long as the scan, and
        # no rule changes them (another sequence, made for one finding, would only be held for nothing).
        # Their ids stay theirs: `audiences` holds every one of them until the scan ends.
        kept = id(recipients) in self.cache.kept_sequences
        made = self.cache.evidence_lists.get((list_id, id(recipients))) if kept else None
        if made is not None:
            return made
        known = self.cache.evidence.setdefault(list_id, {})
        missing = set(map(_ID, recipients)).difference(known)  # in C: most are known by the second rule
        if missing:
            judged, everyone = self.cache.classifications, self.snapshot.recipients
            # A recipient is named by its label (its address when it has one) in the evidence and its path.
            for chain, arrived in self.graph.arrivals(list_id, missing):
                names = self.names(chain)  # the chain of lists is shared by most recipients it leads to
                for rid in arrived:
                    label = everyone[rid].label
                    known[rid] = Evidence(label, rid, judged[rid].reason, (*names, label))
                missing -= arrived
            for rid in missing:  # reached by no chain (the list does not reach it)
                known[rid] = Evidence(everyone[rid].label, rid, judged[rid].reason, ())
        found = tuple(map(known.__getitem__, map(_ID, recipients)))
        if kept:
            self.cache.evidence_lists[(list_id, id(recipients))] = found
        return found

    def describe(self, recipient: Recipient) -> str:
        """A recipient as a finding names it: label, kind and why it counts as it does."""
        reason = self.cache.classifications[recipient.id].reason
        kind = "guest" if recipient.guest else recipient.kind.value
        if recipient.kind is RecipientKind.USER and recipient.enabled is False:
            kind = "disabled user"
        return f"{recipient.label} ({kind}; {reason})"
