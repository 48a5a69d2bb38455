"""JSON for programs: the summary and every finding, keys and rows in a stable order."""

from __future__ import annotations

import dataclasses
import json
from typing import IO

from dlscan import __version__
from dlscan.findings import Finding, stable_order
from dlscan.scan import ScanResult
from dlscan.sinks.base import RunView, Sink, finding_row

JSON_FORMAT_VERSION = 1


class JsonSink(Sink):
    name = "json"

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        summary = result.summary
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
                "boundary": list(summary.boundary),
                "rule_files": list(summary.rule_files),
            },
            "findings": [{**finding_row(f, run), "path": list(f.path)} for f in stable_order(findings)],
        }
        json.dump(document, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
