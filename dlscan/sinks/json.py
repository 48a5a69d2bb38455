"""JSON for programs: the summary and every finding, keys and rows in a stable order."""

from __future__ import annotations

import dataclasses
import json
from typing import IO

import orjson

from dlscan import __version__
from dlscan.findings import Coverage, Finding, ToFix, plan_ranks, stable_order
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import RunView, Sink, finding_numbers, finding_row, plan

JSON_FORMAT_VERSION = 1


class JsonSink(Sink):
    name = "json"
    binary = True

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        summary = result.summary
        to_fix = plan(findings, run)
        ranks = plan_ranks(to_fix)
        document = {
            "dlscan_version": __version__,
            "format_version": JSON_FORMAT_VERSION,
            "source": dataclasses.asdict(summary.source),
            "summary": {
                "lists": summary.lists,
                "mail_enabled_lists": summary.mail_lists,
                "recipients": summary.recipients,
                "findings": len(result.findings),
                "by_severity": {s.value: n for s, n in summary.counts(result.findings).items()},
                "internal_domains": [dataclasses.asdict(d) for d in summary.internal_domains],
                "not_evaluated": list(summary.notes),
                "unjudged": [_unjudged_entry(c) for c in map(summary.coverage_of, summary.rules_run) if not c.complete],
                "clean_rules": list(summary.clean_rules(result.findings)),
                "boundary": list(summary.boundary),
                "rule_files": list(summary.rule_files),
            },
            "fix_first": [_to_fix_entry(item) for item in to_fix],
            "findings": [],
        }
        if run is not None:
            # The night's counts by status, as every format of the run gives them (docs/output.md).
            document["run"] = {"counts": dict(run.counts.named())}
        # Written finding by finding, each spliced in where the whole document would have it, byte for
        # byte: a finding's evidence can list every outsider a list reaches, and the whole document at
        # once held gigabytes (a shared service of a million recipients, scanned for one body).
        head, tail = _encoded(document).split(_EMPTY_FINDINGS, 1)
        ordered = stable_order(findings)
        if not ordered:
            stream.write(head + _EMPTY_FINDINGS + tail + b"\n")
            return
        stream.write(head + b'\n  "findings": [\n')
        for n, finding in enumerate(ordered):
            # Encoded where the document has it, inside the findings array, so that it comes indented as
            # there: written from its place, without copying a piece that can be hundreds of megabytes.
            piece = _encoded({"findings": [_finding_entry(finding, run, ranks)]})
            if n:
                stream.write(b",\n")
            stream.write(memoryview(piece)[len(_FINDINGS_OPEN) : -len(_FINDINGS_CLOSE)])
        stream.write(b"\n  ]" + tail + b"\n")


def _finding_entry(finding: Finding, run: RunView | None, ranks: dict[str, int]) -> dict[str, object]:
    # The CSV's cells, with the numbers as numbers (and no rank as null). The evidence goes as it is:
    # orjson writes a dataclass as `asdict` would, in a tenth of the time (millions of entries at L).
    numbers = finding_numbers(finding, run, ranks)
    return {**finding_row(finding, run, ranks), **numbers, "path": list(finding.path), "evidence": finding.evidence}


def _unjudged_entry(coverage: Coverage) -> dict[str, object]:
    """What one rule could not judge, as data: every object (`everything`), or these ids, and why."""
    return {
        "code": coverage.code,
        "everything": coverage.everything,
        "objects": sorted(coverage.unjudged),
        "reason": coverage.reason,
    }


def _to_fix_entry(item: ToFix) -> dict[str, object]:
    return {
        "fix_rank": item.rank,
        "list": item.name,
        "list_address": item.address,
        "list_id": item.object_id,
        "owner": item.owner,
        "owner_state": item.owner_state,
        "worst": item.worst.value,
        "codes": list(item.codes),
        "findings": [f.finding_id for f in item.findings],
    }


_EMPTY_FINDINGS = b'\n  "findings": []'
"""The findings' place in the indented document (top level, so indented by two spaces: unique)."""
_FINDINGS_OPEN = b'{\n  "findings": [\n'
_FINDINGS_CLOSE = b"\n  ]\n}"
"""What is around one finding encoded as the findings array of a document of its own."""


def _encoded(document: dict) -> bytes:
    """UTF-8 JSON indented by two spaces, as `json.dumps(indent=2, ensure_ascii=False)` writes it, in a
    tenth of the time. orjson refuses text that is not valid Unicode (a lone surrogate from a damaged
    directory value); such a document is written with every non-ASCII character escaped instead."""
    try:
        return orjson.dumps(document, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:
        return json.dumps(document, ensure_ascii=True, indent=2, default=dataclasses.asdict).encode("ascii")
