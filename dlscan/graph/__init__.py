"""The membership graph: lists and recipients, nesting expanded.

An edge runs from a mail-enabled list to each direct member. Groups that are not mail-enabled have no
outgoing edges: Exchange does not expand them, so their members receive no list mail.

Only lists can have members, so only lists are nodes of the networkx graph of record (nesting, cycles,
chains); each list's direct recipients are kept beside it. A directory of a million recipients and a
hundred thousand lists is then a graph of a hundred thousand nodes. Expansion condenses nesting cycles
into single nodes and makes one bottom-up pass over the resulting DAG, so every list's reach is computed
once however deep or cyclic the nesting; a list that adds nothing to a single nested list shares that
list's reach rather than copying it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable
from functools import cached_property
from typing import Any

import networkx as nx

from dlscan.graph.containment import Containment
from dlscan.model import Snapshot

_BUILT = frozenset({"graph", "_direct", "_component_of", "_members", "_nested", "_bottom_up", "_reach", "_depth"})
"""The attributes a graph has once built."""


class MembershipGraph:
    def __init__(self, snapshot: Snapshot, *, deferred: bool = False) -> None:
        """With `deferred`, the graph is built the first time it is used: a scan that forks builds it
        in the process whose rules need it, after forking, rather than before in both."""
        self.snapshot = snapshot
        if not deferred:
            self._build()

    def __getattr__(self, name: str) -> Any:
        # Called only for attributes not yet set: those of a deferred graph that has not been built.
        if name in _BUILT and "_direct" not in self.__dict__:
            self._build()
            return getattr(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _build(self) -> None:
        snapshot = self.snapshot
        lists = snapshot.lists
        graph = nx.DiGraph()
        graph.add_nodes_from(lists)
        direct: dict[str, frozenset[str]] = {}
        empty: frozenset[str] = frozenset()
        list_ids = frozenset(lists)
        nesting = []
        for group in lists.values():
            if not group.mail_enabled:
                direct[group.id] = empty
                continue
            # Members are sorted into recipients and lists by set operations in C; most lists nest none.
            members = frozenset(group.members)
            if members.isdisjoint(list_ids):  # most lists: no copy made
                direct[group.id] = members or empty
                continue
            direct[group.id] = (members - list_ids) or empty
            nesting.extend((group.id, member) for member in group.members if member in list_ids)
        graph.add_edges_from(nesting)
        self.graph = graph
        """Lists, with an edge from each mail-enabled list to each list nested in it."""
        self._direct = direct
        self._expand()

    def _expand(self) -> None:
        # The condensation as plain lists (each component's lists, and the components it nests): the
        # networkx DiGraph of it cost more to build than the expansion that reads it.
        components = list(nx.strongly_connected_components(self.graph))
        component_of: dict[str, int] = {}
        for index, nodes in enumerate(components):
            component_of.update(dict.fromkeys(nodes, index))
        nested: list[set[int]] = [set() for _ in components]
        for outer, inner in self.graph.edges:
            if component_of[outer] != component_of[inner]:
                nested[component_of[outer]].add(component_of[inner])
        self._component_of = component_of
        self._members = components
        self._nested = [list(found) for found in nested]
        self._bottom_up = _bottom_up(self._nested)
        reach: dict[int, frozenset[str]] = {}
        depth: dict[int, int] = {}
        for component in self._bottom_up:
            nodes, children = components[component], self._nested[component]
            own = [self._direct[n] for n in nodes if self._direct[n]]
            parts = own + [reach[c] for c in children]
            if not parts:
                reach[component] = frozenset()
            elif len(parts) == 1:
                reach[component] = parts[0]
            else:
                reach[component] = frozenset().union(*parts)
            child_depths = [depth[c] + 1 for c in children]
            depth[component] = max(child_depths, default=0) + len(nodes) - 1
        self._reach = reach
        self._depth = depth

    def reach_within(self, recipients: frozenset[str]) -> Callable[[str], frozenset[str]]:
        """Each list's reach restricted to `recipients`, in one bottom-up pass of set intersections.

        Far cheaper than filtering every reach when `recipients` is a small part of the directory, such
        as its external recipients.
        """
        within: dict[int, frozenset[str]] = {}
        empty: frozenset[str] = frozenset()
        direct = self._direct
        for component in self._bottom_up:
            parts = [found for n in self._members[component] if (found := direct[n] & recipients)]
            parts += [within[c] for c in self._nested[component] if within[c]]
            within[component] = empty if not parts else parts[0] if len(parts) == 1 else frozenset().union(*parts)
        component_of = self._component_of
        return lambda list_id: within[component_of[list_id]]

    @cached_property
    def _direct_parents(self) -> dict[str, list[str]]:
        parents: dict[str, list[str]] = {}
        for list_id, recipients in self._direct.items():
            for recipient in recipients:
                parents.setdefault(recipient, []).append(list_id)
        return parents

    def lists_reaching(self, recipient_id: str) -> set[str]:
        """The lists whose mail reaches a recipient: its direct lists and every list they are nested in."""
        return lists_above(self._direct_parents.get(recipient_id, ()), self.graph.predecessors)

    def reach(self, list_id: str) -> frozenset[str]:
        """The recipients that mail to this list reaches, nesting expanded."""
        return self._reach[self._component_of[list_id]]

    def direct_recipients(self, list_id: str) -> frozenset[str]:
        return self._direct[list_id]

    def nested_lists(self, list_id: str) -> list[str]:
        return list(self.graph.successors(list_id))

    def depth(self, list_id: str) -> int:
        """How many levels of nested lists lie below this one (0 when it nests none)."""
        return self._depth[self._component_of[list_id]]

    def deepest_chain(self, list_id: str) -> tuple[str, ...]:
        chain = [list_id]
        seen = {list_id}
        while True:
            here = chain[-1]
            target = self.depth(here) - 1
            candidates = sorted(n for n in self.nested_lists(here) if n not in seen and self.depth(n) >= target)
            if not candidates or self.depth(here) == 0:
                return tuple(chain)
            chain.append(candidates[0])
            seen.add(candidates[0])

    def path(self, list_id: str, target_id: str) -> tuple[str, ...]:
        """The shortest chain of lists from `list_id` to `target_id` (a list or a recipient), both included."""
        if target_id in self.graph:
            try:
                return tuple(nx.shortest_path(self.graph, list_id, target_id))
            except nx.NetworkXNoPath:
                return ()
        return self.paths(list_id, (target_id,)).get(target_id, ())

    def paths(self, list_id: str, targets: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """The shortest chain of lists from `list_id` to each target recipient it reaches, both included."""
        return {member: (*chain, member) for chain, arrived in self.arrivals(list_id, targets) for member in arrived}

    def arrivals(self, list_id: str, targets: Iterable[str]) -> list[tuple[tuple[str, ...], set[str]]]:
        """Each chain of lists from `list_id` that is the shortest to some of the targets it reaches, with
        those targets: one breadth-first walk for all of them, and only into nested lists whose reach
        holds a target not yet found, so the walk stays on the few chains that lead there, however large
        the directory. Nested lists are taken in sorted order, so a chain is the same every run."""
        remaining = set(targets) & self.reach(list_id)
        found: list[tuple[tuple[str, ...], set[str]]] = []
        chains: dict[str, tuple[str, ...]] = {list_id: (list_id,)}
        queue = deque([list_id])
        while queue and remaining:
            here = queue.popleft()
            arrived = remaining & self._direct[here]
            if arrived:
                found.append((chains[here], arrived))
                remaining -= arrived
            for nested in sorted(self.graph.successors(here)):
                if nested not in chains and not remaining.isdisjoint(self.reach(nested)):
                    chains[nested] = (*chains[here], nested)
                    queue.append(nested)
        return found

    def outermost(self, lists: Iterable[str]) -> list[str]:
        """Of the given lists, those no other of them nests: one per tangle of mutually nested lists, its
        first by name, sorted by name. Exact when every list between two of them is among them too, as
        it is for the lists deeper than a limit, or the lists of one audience. A chain of ten thousand
        lists has one."""
        return self._extremes(lists, self._nested_in)

    def innermost(self, lists: Iterable[str]) -> list[str]:
        """Of the given lists, those that nest no other of them, as `outermost` (under the same condition)."""
        return self._extremes(lists, self._nested)

    def _extremes(self, lists: Iterable[str], beyond: list[list[int]]) -> list[str]:
        chosen = set(lists)
        component_of, members = self._component_of, self._members
        components = {component_of[list_id] for list_id in chosen}
        found = []
        for component in components:
            if any(other in components for other in beyond[component]):
                continue
            found.append(min(chosen & members[component], key=self._by_name))
        return sorted(found, key=self._by_name)

    def _by_name(self, list_id: str) -> tuple[str, str]:
        return self.snapshot.label_of(list_id).casefold(), list_id

    def nested_within(self, list_id: str, among: Collection[str]) -> set[str]:
        """The lists of `among` nested at any depth in `list_id`, walking only through lists of `among`."""

        def nested(here: str) -> list[str]:
            return [n for n in self.graph.successors(here) if n in among]

        return lists_above(nested(list_id), nested) - {list_id}

    @cached_property
    def _nested_in(self) -> list[list[int]]:
        """For each component, the components that nest it."""
        parents: list[list[int]] = [[] for _ in self._members]
        for outer, inners in enumerate(self._nested):
            for inner in inners:
                parents[inner].append(outer)
        return parents

    def contains(self, outer_id: str, inner_id: str) -> bool:
        """Whether `inner_id` (a list) is nested, at any depth, inside `outer_id`."""
        if outer_id == inner_id:
            return False
        return self._containment.reaches(self._component_of[outer_id], self._component_of[inner_id])

    @cached_property
    def _containment(self) -> Containment:
        return Containment(self._nested, self._nested_in, self._depth)

    @cached_property
    def cycles(self) -> list[tuple[str, ...]]:
        """One cycle per tangle of mutually nested lists, starting from its alphabetically first list."""
        found = []
        for nodes in self._members:
            if len(nodes) == 1:
                (node,) = nodes
                if self.graph.has_edge(node, node):
                    found.append((node,))
                continue
            start = min(nodes, key=self._by_name)
            found.append(self._shortest_cycle_through(start, self.graph.subgraph(nodes)))
        return sorted(found, key=lambda cycle: (*self._by_name(cycle[0]), cycle))

    @staticmethod
    def _shortest_cycle_through(start: str, tangle: nx.DiGraph) -> tuple[str, ...]:
        best: list[str] | None = None
        for successor in sorted(tangle.successors(start)):
            back = nx.shortest_path(tangle, successor, start)
            if best is None or len(back) < len(best):
                best = back
        assert best is not None
        return (start, *best[:-1])


def _bottom_up(nested: list[list[int]]) -> list[int]:
    """The components in an order that puts every component after those it nests. networkx finds strongly
    connected components depth first (Tarjan), each after every component it reaches, so their own order
    is one; should that ever change, they are sorted."""
    if all(inner < outer for outer, inners in enumerate(nested) for inner in inners):
        return list(range(len(nested)))
    dag = nx.DiGraph()
    dag.add_nodes_from(range(len(nested)))
    dag.add_edges_from((outer, inner) for outer, inners in enumerate(nested) for inner in inners)
    return list(reversed(list(nx.topological_sort(dag))))


def lists_above(direct: Iterable[str], parents: Callable[[str], Iterable[str]]) -> set[str]:
    """`direct` lists and every list above them: the lists whose mail reaches what they hold. Given the
    lists below instead of `parents`, every list below them."""
    found: set[str] = set()
    waiting = list(direct)
    while waiting:
        here = waiting.pop()
        if here not in found:
            found.add(here)
            waiting.extend(parents(here))
    return found
