"""The membership graph: lists and recipients, nesting expanded.

An edge runs from a mail-enabled list to each direct member. Groups that are not mail-enabled are nodes
without outgoing edges: Exchange does not expand them, so their members receive no list mail.

Expansion condenses nesting cycles into single nodes and then makes one bottom-up pass over the
resulting DAG, so every list's reach is computed once however deep or cyclic the nesting is.
"""

from __future__ import annotations

from functools import cached_property

import networkx as nx

from dlscan.model import Snapshot


class MembershipGraph:
    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        graph = nx.DiGraph()
        graph.add_nodes_from(snapshot.lists, is_list=True)
        graph.add_nodes_from(snapshot.recipients, is_list=False)
        for group in snapshot.lists.values():
            if group.mail_enabled:
                graph.add_edges_from((group.id, member) for member in group.members)
        self.graph = graph
        self._expand()

    def _expand(self) -> None:
        condensed = nx.condensation(self.graph)
        self._component_of: dict[str, int] = condensed.graph["mapping"]
        self._condensed = condensed
        reach: dict[int, frozenset[str]] = {}
        depth: dict[int, int] = {}
        lists = self.snapshot.lists
        for component in reversed(list(nx.topological_sort(condensed))):
            nodes = condensed.nodes[component]["members"]
            own = {n for n in nodes if n not in lists}
            children = list(condensed.successors(component))
            for child in children:
                own.update(reach[child])
            list_nodes = sum(1 for n in nodes if n in lists)
            child_depths = [depth[c] + 1 for c in children if depth.get(c) is not None]
            reach[component] = frozenset(own)
            if list_nodes:
                depth[component] = max(child_depths, default=0) + list_nodes - 1
        self._reach = reach
        self._depth = depth

    def reach(self, list_id: str) -> frozenset[str]:
        """The recipients that mail to this list reaches, nesting expanded."""
        return self._reach[self._component_of[list_id]]

    def direct_recipients(self, list_id: str) -> set[str]:
        return {m for m in self.graph.successors(list_id) if m not in self.snapshot.lists}

    def nested_lists(self, list_id: str) -> list[str]:
        return [m for m in self.graph.successors(list_id) if m in self.snapshot.lists]

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
        """The shortest chain of lists from `list_id` to `target_id`, both included."""
        try:
            return tuple(nx.shortest_path(self.graph, list_id, target_id))
        except nx.NetworkXNoPath:
            return ()

    def contains(self, outer_id: str, inner_id: str) -> bool:
        """Whether `inner_id` is nested, at any depth, inside `outer_id`."""
        return outer_id != inner_id and nx.has_path(self.graph, outer_id, inner_id)

    @cached_property
    def cycles(self) -> list[tuple[str, ...]]:
        """One cycle per tangle of mutually nested lists, starting from its alphabetically first list."""
        found = []
        for component in self._condensed.nodes:
            nodes = self._condensed.nodes[component]["members"]
            if len(nodes) == 1:
                (node,) = nodes
                if self.graph.has_edge(node, node):
                    found.append((node,))
                continue
            start = min(nodes, key=lambda n: (self.snapshot.label_of(n).casefold(), n))
            found.append(self._shortest_cycle_through(start, self.graph.subgraph(nodes)))
        return sorted(found, key=lambda cycle: (self.snapshot.label_of(cycle[0]).casefold(), cycle))

    @staticmethod
    def _shortest_cycle_through(start: str, tangle: nx.DiGraph) -> tuple[str, ...]:
        best: list[str] | None = None
        for successor in sorted(tangle.successors(start)):
            back = nx.shortest_path(tangle, successor, start)
            if best is None or len(back) < len(best):
                best = back
        assert best is not None
        return (start, *best[:-1])
