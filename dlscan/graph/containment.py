"""Whether one list is nested in another, answered without a walk for nearly every pair.

The rule that compares lists' audiences asks this of every pair that looks alike, and a walk per pair is
quadratic in a deep chain and cubic in a large cycle. Over the condensation (mutually nested lists taken
as one), a depth-first numbering of a spanning forest answers at once for the nesting of a forest, as
most directories' is; a component nested in several places falls back to a walk, pruned by depth.
"""

from __future__ import annotations


class Containment:
    """Built from the condensation: each component's nested components, and its depth below."""

    def __init__(self, nested: list[list[int]], nested_in: list[list[int]], depth: dict[int, int]) -> None:
        self._nested, self._depth = nested, depth
        self._forest = all(len(parents) <= 1 for parents in nested_in)
        self._first = [0] * len(nested)
        self._after = [0] * len(nested)
        counter = 0
        seen = [False] * len(nested)
        for root in (c for c, parents in enumerate(nested_in) if not parents):
            # Iterative: a chain ten thousand lists deep must not meet the recursion limit.
            stack = [(root, iter(nested[root]))]
            seen[root], self._first[root] = True, counter
            counter += 1
            while stack:
                here, children = stack[-1]
                child = next((c for c in children if not seen[c]), None)
                if child is None:
                    self._after[here] = counter
                    stack.pop()
                    continue
                seen[child], self._first[child] = True, counter
                counter += 1
                stack.append((child, iter(nested[child])))

    def reaches(self, outer: int, inner: int) -> bool:
        """Whether component `outer` nests component `inner`, at any depth (a component nests itself)."""
        if outer == inner:
            return True
        depth = self._depth
        if depth[inner] >= depth[outer]:
            return False
        if self._first[outer] <= self._first[inner] < self._after[outer]:
            return True
        if self._forest:
            return False
        waiting, seen = [outer], {outer}
        floor = depth[inner]
        while waiting:
            for child in self._nested[waiting.pop()]:
                if child == inner:
                    return True
                if child not in seen and depth[child] > floor:
                    seen.add(child)
                    waiting.append(child)
        return False
