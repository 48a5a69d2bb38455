"""Which slip between two look-alike lists sends mail where the sender did not mean (DL005's harm).

A slip is a pick of one list meant for the other. It does harm when the list picked reaches an
organisation outside that the one meant does not; and it can be made only where the list picked is
offered: a list hidden from the address book is not offered there, nor by its name or alias as it is
typed, though a whole address typed with a slip still reaches it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from dlscan.checks.likeness import Likeness
from dlscan.matching.similar import Reason
from dlscan.model import DistributionList


class Pair(NamedTuple):
    """Two look-alike lists, the outside organisations each reaches, and why they are alike."""

    a: DistributionList
    a_out: frozenset[str]
    b: DistributionList
    b_out: frozenset[str]
    found: Sequence[Likeness]

    def harmful(self, *, offered_only: bool = False, hidden_too: str = "") -> set[str]:
        """The ids of the lists whose pick, meant for the other, sends mail to someone new outside; with
        `offered_only`, of those, the ones a sender can still pick (`hidden_too`: a list's id taken as
        hidden, to ask what hiding it would leave)."""
        typed = (any(f.left.kind == "address" for f in self.found), any(f.right.kind == "address" for f in self.found))
        sides = ((self.a, self.a_out, self.b_out, typed[0]), (self.b, self.b_out, self.a_out, typed[1]))
        return {
            wrong.id
            for wrong, wrong_out, meant_out, by_address in sides
            if wrong_out - meant_out
            and (not offered_only or by_address or not _hidden(wrong, hidden_too))
        }

    def offered_reaches_no_more(self, *, typed_first: bool) -> bool:
        """A pair alike only because one name begins with the other is mistaken one way: the shorter name
        (`typed_first`: a's; shorter as `similar` measures a prefix) is typed and the longer offered. If
        the offered list reaches no organisation that the typed one does not, that slip sends nothing to
        anyone new outside."""
        if not all(f.left.kind == "name" and f.match.reasons == (Reason.PREFIX,) for f in self.found):
            return False
        typed_out, offered_out = (self.a_out, self.b_out) if typed_first else (self.b_out, self.a_out)
        return offered_out <= typed_out


def _hidden(group: DistributionList, hidden_too: str) -> bool:
    return group.hidden_from_address_book is True or group.id == hidden_too
