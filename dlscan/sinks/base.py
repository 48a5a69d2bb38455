"""The interface every output format implements, and the row shape that CSV and JSON share."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, ClassVar

from dlscan.findings import Finding
from dlscan.scan import ScanResult

# The public column contract (docs/output.md). New columns are only ever appended.
COLUMNS = (
    "finding_id",
    "code",
    "rule",
    "severity",
    "list",
    "list_address",
    "list_id",
    "related",
    "detail",
    "path",
    "remediation",
    "rationale",
)
PATH_SEPARATOR = " > "
RUN_COLUMNS = ("status", "first_seen", "suppressed_by")
"""Appended by `dlscan run`, which knows each finding's history."""


@dataclass(frozen=True)
class RunMark:
    status: str
    """new, open or resolved."""
    first_seen: str
    suppressed_by: str = ""
    """The accepted risk that covers the finding, if any."""


Marks = Mapping[str, RunMark]


class Sink(ABC):
    """Writes a scan result to a text stream."""

    name: ClassVar[str]
    binary: ClassVar[bool] = False

    @abstractmethod
    def write(self, result: ScanResult, findings: list[Finding], stream: IO, marks: Marks | None = None) -> None:
        """Write `findings` (already filtered) with the context of `result`, and their history if marked."""


def columns(marks: Marks | None) -> tuple[str, ...]:
    return COLUMNS + RUN_COLUMNS if marks is not None else COLUMNS


def finding_row(finding: Finding, marks: Marks | None = None) -> dict[str, str]:
    row = _row(finding)
    if marks is not None:
        mark = marks[finding.finding_id]
        row.update(status=mark.status, first_seen=mark.first_seen, suppressed_by=mark.suppressed_by)
    return row


def _row(finding: Finding) -> dict[str, str]:
    return {
        "finding_id": finding.finding_id,
        "code": finding.code,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "list": finding.list,
        "list_address": finding.list_address,
        "list_id": finding.list_id,
        "related": finding.related,
        "detail": finding.detail,
        "path": PATH_SEPARATOR.join(finding.path),
        "remediation": finding.remediation,
        "rationale": finding.rationale,
    }
