"""What a Microsoft 365 group says of outside senders and the address book, which Graph gives only on a
read of that one group: `allowExternalSenders` and `hideFromAddressLists` are "returned only on $select"
and "supported only on the Get group API (GET /groups/{ID})" (group.md). An app signed in on its own may
be refused that read; a refusal (403) or a group gone since the list was read (404) leaves the facts
unknown, counted in the snapshot's notes, never guessed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from dlscan.sources.m365.client import BATCH_LIMIT, REFUSED, GraphClient

FIELDS = "allowExternalSenders,hideFromAddressLists"


@dataclass
class GroupFacts:
    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: dict[int, int] = field(default_factory=dict)
    """HTTP status -> for how many groups Graph answered it (403 refused, 404 gone since the list)."""

    def note(self) -> str | None:
        if not self.refused:
            return None
        said = {403: "refused", 404: "no longer found"}
        counts = ", ".join(
            f"{n} {said.get(status, str(status))} ({status})" for status, n in sorted(self.refused.items())
        )
        return (
            f"Graph did not give allowExternalSenders and hideFromAddressLists for {sum(self.refused.values())} "
            f"Microsoft 365 groups ({counts}): whether they take mail from outside senders is unknown, and DL009 "
            "leaves them unjudged."
        )


async def read_group_facts(client: GraphClient, group_ids: list[str], concurrency: int) -> GroupFacts:
    facts = GroupFacts()
    gate = asyncio.Semaphore(concurrency)

    async def read(chunk: list[str]) -> None:
        async with gate:
            bodies = await client.batch(
                [f"/groups/{g}?$select={FIELDS}" for g in chunk], refused_ok=frozenset({403, 404})
            )
        for group_id, body in zip(chunk, bodies, strict=True):
            if REFUSED in body:
                facts.refused[body[REFUSED]] = facts.refused.get(body[REFUSED], 0) + 1
            else:
                facts.found[group_id] = body

    await asyncio.gather(*(read(group_ids[i : i + BATCH_LIMIT]) for i in range(0, len(group_ids), BATCH_LIMIT)))
    return facts
