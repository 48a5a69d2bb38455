"""The interface every output format implements, and the row shape that CSV and JSON share."""

from __future__ import annotations

from abc import ABC, abstractmethod
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


class Sink(ABC):
    """Writes a scan result to a text stream."""

    name: ClassVar[str]
    binary: ClassVar[bool] = False

    @abstractmethod
    def write(self, result: ScanResult, findings: list[Finding], stream: IO) -> None:
        """Write `findings` (already filtered) with the context of `result`."""


def finding_row(finding: Finding) -> dict[str, str]:
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
