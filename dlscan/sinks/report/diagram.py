"""Nesting chains as boxes and arrows, laid out for inline SVG: the template escapes every label."""

from __future__ import annotations

from dataclasses import dataclass

BOX_HEIGHT = 34
GAP = 38
CHAR_WIDTH = 7.2
MAX_LABEL = 34
PADDING = 14


@dataclass(frozen=True)
class Box:
    x: float
    width: float
    label: str
    full: str
    role: str
    """list (the list written to), via (a nested list), end (the recipient the chain reaches)."""


@dataclass(frozen=True)
class Diagram:
    boxes: tuple[Box, ...]
    width: float
    height: float = BOX_HEIGHT + 8

    @property
    def arrows(self) -> list[tuple[float, float]]:
        """(from x, to x) of each arrow between neighbouring boxes."""
        return [(a.x + a.width, b.x) for a, b in zip(self.boxes, self.boxes[1:], strict=False)]


def chain_diagram(path: tuple[str, ...]) -> Diagram | None:
    """A diagram of a nesting path of at least two steps (a list and what it reaches); None otherwise."""
    if len(path) < 2:
        return None
    boxes, x = [], 4.0
    for position, name in enumerate(path):
        label = name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "\u2026"
        width = len(label) * CHAR_WIDTH + 2 * PADDING
        role = "list" if position == 0 else "end" if position == len(path) - 1 else "via"
        boxes.append(Box(x, width, label, name, role))
        x += width + GAP
    return Diagram(tuple(boxes), x - GAP + 4)
