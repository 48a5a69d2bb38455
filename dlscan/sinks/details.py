"""CSV of everything the findings list: one row per item of evidence, e.g. per external recipient that a
list reaches, with the nesting path that reaches it. The findings CSV counts these (`evidence_count`);
this file is for the person who must go through them one by one.

The same CSV conventions as the findings CSV: UTF-8 with a byte-order mark, CRLF, every field quoted,
and every cell a spreadsheet could run neutralised.
"""

from __future__ import annotations

from typing import IO

from dlscan.findings import Evidence, Finding, plan_ranks, worst_first
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import PATH_SEPARATOR, RunView, Sink, fix_rank, plan
from dlscan.sinks.csv import spreadsheet_csv

DETAIL_COLUMNS = (
    "finding_id",
    "code",
    "severity",
    "fix_rank",
    "list",
    "list_address",
    "list_id",
    "item",
    "item_id",
    "note",
    "path",
)
"""A public contract, as the findings CSV's columns are: new columns are only appended."""
RUN_DETAIL_COLUMNS = ("status", "suppressed_by")
"""Appended by `dlscan run`: why a row of a resolved finding, or of an accepted risk, is there."""
_FIXED = frozenset({"finding_id", "code", "severity", "fix_rank", "status"})


class DetailsSink(Sink):
    name = "details"
    binary = True

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        to_fix = plan(findings, run)
        ranks = plan_ranks(to_fix)
        names = DETAIL_COLUMNS + (RUN_DETAIL_COLUMNS if run is not None else ())
        rows = [
            _row(finding, item, fix_rank(finding, run, ranks)) + _run_cells(finding, run)
            for finding in worst_first(findings, to_fix)
            for item in finding.evidence
        ]
        cells = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]
        stream.write(spreadsheet_csv(dict(zip(names, cells, strict=True)), fixed=_FIXED))


def _run_cells(finding: Finding, run: RunView | None) -> tuple[str, ...]:
    if run is None:
        return ()
    mark = run.marks[finding.finding_id]
    return (mark.status, mark.suppressed_by)


def _row(finding: Finding, item: Evidence, rank: int | None) -> tuple[str, ...]:
    """The cells of one item, in the order of `DETAIL_COLUMNS`."""
    return (
        finding.finding_id,
        finding.code,
        finding.severity.value,
        "" if rank is None else str(rank),
        finding.list,
        finding.list_address,
        finding.list_id,
        item.subject,
        item.subject_id,
        item.note,
        PATH_SEPARATOR.join(item.path),
    )
