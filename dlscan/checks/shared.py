"""The facts every check shares, each worked out once, when first asked for: the one part of a scan's
context that fills up as the scan runs, kept apart so that `ScanContext` itself stays frozen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import cached_property

from dlscan.boundary import Audience, Boundary, Classification
from dlscan.findings import Evidence
from dlscan.graph import MembershipGraph, lists_above
from dlscan.model import DistributionList, Recipient, Snapshot


class SharedFacts:
    """What the checks of one scan share. Built from the context's inputs, it holds no reference back to
    the context (no cycle to wait for the collector)."""

    def __init__(self, snapshot: Snapshot, graph: MembershipGraph, boundary: Boundary) -> None:
        self.snapshot = snapshot
        self.graph = graph
        self.boundary = boundary
        self.audiences: dict[tuple[str, Audience], list[Recipient]] = {}
        """(list id, audience) -> the list's reached recipients of that audience, in a stable order."""
        self.keywords: dict[str, str | None] = {}
        """List id -> the sensitive keyword of its name or address, if any."""
        self.bodies: dict[str, str | None] = {}
        """List id -> the other declared organisation it belongs to (`ScanContext.organisation_of`)."""
        self.parties: dict[str, frozenset[str]] = {}
        """List id -> the outside parties its mail reaches (`ScanContext.outside_parties`)."""
        self.evidence: dict[str, dict[str, Evidence]] = {}
        """List id -> recipient id -> the recipient as a finding on that list lists it (its nesting path)."""
        self.evidence_lists: dict[tuple[str, int], tuple[Evidence, ...]] = {}
        """(list id, id of one of the sequences in `audiences`) -> that sequence's evidence from the list."""
        self.kept_sequences: set[int] = set()
        """The ids of the sequences of recipients in `audiences`, whose evidence is remembered."""

    @cached_property
    def classifications(self) -> Mapping[str, Classification]:
        return self.boundary.classify_all(self.snapshot.recipients)

    @cached_property
    def mail_lists(self) -> list[DistributionList]:
        """Mail-enabled lists in a stable order: the lists people can send to. A scan for one organisation
        of a shared directory keeps the lists that reach or are owned by someone of that organisation."""
        lists = (x for x in self.snapshot.lists.values() if x.mail_enabled)
        if self.boundary.own is not None:
            lists = (x for x in lists if self._concerns_organisation(x))
        return sorted(lists, key=lambda x: (x.display_name.casefold(), x.id))

    def _concerns_organisation(self, group: DistributionList) -> bool:
        classifications = self.classifications
        owners = (o for o in group.owners or () if o in classifications)
        owners = list(owners)
        if any(classifications[o].audience is Audience.INTERNAL for o in owners):
            return True
        if group.id in self.members_unknown and not owners:
            return True  # members unseen and no owner known: it may be the organisation's, so it stays in
        return len(self.graph.reach(group.id)) > len(self.outside(group.id))

    @cached_property
    def ids_by_audience(self) -> dict[Audience, frozenset[str]]:
        """The recipients of each audience, in one pass over the classifications."""
        grouped: dict[Audience, list[str]] = defaultdict(list)
        for rid, classification in self.classifications.items():
            grouped[classification.audience].append(rid)
        return {audience: frozenset(grouped.get(audience, ())) for audience in Audience}

    @cached_property
    def not_internal_ids(self) -> frozenset[str]:
        by_audience = self.ids_by_audience
        return frozenset().union(*(ids for audience, ids in by_audience.items() if audience is not Audience.INTERNAL))

    @cached_property
    def outside(self) -> Callable[[str], frozenset[str]]:
        """Each list's reached recipients that are not internal: usually a small part of its reach."""
        return self.graph.reach_within(self.not_internal_ids)

    @cached_property
    def silent(self) -> Callable[[str], frozenset[str]]:
        """Each list's reached recipients that receive no mail (no address, or not mail-enabled)."""
        return self.graph.reach_within(self.ids_by_audience[Audience.NONE])

    @cached_property
    def outsiders_lists(self) -> OutsidersLists:
        return OutsidersLists(self.snapshot, self.not_internal_ids)

    @cached_property
    def scanned_ids(self) -> frozenset[str]:
        return frozenset(x.id for x in self.mail_lists)

    @cached_property
    def address_book(self) -> list[DistributionList]:
        """The lists the scan's people can pick in the address book: in a scan for one organisation of a
        shared directory, its lists and every other mail-enabled list not hidden from address lists (the
        other bodies' lists sit in the same address book); else the scanned lists. In the stable order."""
        if self.boundary.own is None:
            return self.mail_lists
        scanned = self.scanned_ids
        shown = (
            x
            for x in self.snapshot.lists.values()
            if x.id in scanned or (x.mail_enabled and x.hidden_from_address_book is not True)
        )
        return sorted(shown, key=lambda x: (x.display_name.casefold(), x.id))

    @cached_property
    def members_unknown(self) -> frozenset[str]:
        """The lists whose members the source could not read in full, and every list that nests one: who
        their mail reaches is known only in part."""
        hidden = [x.id for x in self.snapshot.lists.values() if not x.members_known]
        if not hidden:
            return frozenset()
        return frozenset(lists_above(hidden, self.graph.graph.predecessors))


class OutsidersLists:
    """The lists that reach each recipient who is not internal, found from the snapshot's members, not the
    expanded graph: the forked process that compares outsiders (DL006) never builds the graph. Mail
    flows as in `MembershipGraph`: through mail-enabled lists only."""

    def __init__(self, snapshot: Snapshot, outsiders: frozenset[str]) -> None:
        self._direct: dict[str, list[str]] = defaultdict(list)
        self._parents: dict[str, list[str]] = defaultdict(list)
        list_ids = frozenset(snapshot.lists)
        # Each list's members are tested against the outsiders and the lists in C: five million
        # memberships, of which only the few that are outsiders or nested lists reach Python.
        for group in snapshot.lists.values():
            if group.mail_enabled:
                for member in outsiders.intersection(group.members):
                    self._direct[member].append(group.id)
                for nested in list_ids.intersection(group.members):
                    self._parents[nested].append(group.id)

    def reaching(self, recipient_id: str) -> set[str]:
        """The lists with the recipient as a member, and every mail-enabled list they are nested in."""
        return lists_above(self._direct.get(recipient_id, ()), lambda here: self._parents.get(here, ()))
