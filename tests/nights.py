"""Three nights of one council's directory, as snapshots: a list fixed, a hazard added, another list fixed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgspec

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.findings import Finding
from dlscan.model import RecipientKind, Snapshot
from dlscan.scan.engine import run_scan
from dlscan.sources import load_source
from dlscan.sources.snapshot import write_snapshot


def _by_name(snapshot: Snapshot, name: str):
    return next(g for g in snapshot.lists.values() if g.display_name == name)


def without_contacts(snapshot: Snapshot, list_name: str) -> Snapshot:
    """The list with its outside contacts taken out, as an admin fixing it would."""
    group = _by_name(snapshot, list_name)
    kept = tuple(
        m for m in group.members
        if m not in snapshot.recipients or snapshot.recipients[m].kind is not RecipientKind.CONTACT
    )  # fmt: skip
    lists = dict(snapshot.lists) | {group.id: msgspec.structs.replace(group, members=kept)}
    return dataclasses.replace(snapshot, lists=lists)


def with_contact(snapshot: Snapshot, list_name: str) -> Snapshot:
    """The list with an outside contact added, as a hurried change would."""
    group = _by_name(snapshot, list_name)
    contact = next(r.id for r in sorted(snapshot.recipients.values(), key=lambda r: r.id)
                   if r.kind is RecipientKind.CONTACT and r.id not in group.members)  # fmt: skip
    lists = dict(snapshot.lists) | {group.id: msgspec.structs.replace(group, members=(*group.members, contact))}
    return dataclasses.replace(snapshot, lists=lists)


def three_nights(sample: Path, folder: Path) -> list[Path]:
    first = load_source(sample)
    second = with_contact(without_contacts(first, "Events Team"), "Revenues Team")
    third = without_contacts(second, "Housing Tenancy Forum")
    paths = []
    for number, snapshot in enumerate((first, second, third), start=1):
        path = folder / f"night{number}.json"
        write_snapshot(snapshot, path)
        paths.append(path)
    return paths


def findings_of(path: Path) -> dict[str, Finding]:
    """What a plain scan of the night's directory finds: the reference the nightly statuses are checked against."""
    result = run_scan(load_source(path), [], load_rule_pack(rule_specs()))
    return {f.finding_id: f for f in result.findings}
