"""The table for people: the few lists to fix first, then the findings worst first, each with what, why
and what to do, then a summary."""

from __future__ import annotations

import shutil
import textwrap
from typing import IO

from dlscan.checks.base import plural
from dlscan.findings import Finding, ToFix, worst_first
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import PATH_SEPARATOR, RunMark, RunView, Sink, plan

_INDENT = "    "
FIX_FIRST = 5
"""How many objects the table leads with: a night's few, not a second copy of the findings."""


class TableSink(Sink):
    name = "table"

    def __init__(self, width: int | None = None) -> None:
        self.width = width or min(max(shutil.get_terminal_size((100, 24)).columns, 60), 120)

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        to_fix = plan(findings, run)
        if to_fix:
            stream.write(self._fix_first(to_fix))
        for finding in worst_first(findings, to_fix):
            stream.write(self._finding(finding, run.marks[finding.finding_id] if run is not None else None))
            stream.write("\n")
        stream.write(self._summary(result, findings))

    def _fix_first(self, to_fix: tuple[ToFix, ...]) -> str:
        shown = to_fix[:FIX_FIRST]
        cleared = sum(len(item.findings) for item in shown)
        total = sum(len(item.findings) for item in to_fix)
        heading = (
            f"Fix these first: {len(shown)} of the {len(to_fix)} lists and recipients with findings. "
            f"Fixing them clears {cleared} of the {total} findings."
            if len(shown) < len(to_fix)
            else "Fix this: the one list or recipient with findings."
            if len(to_fix) == 1
            else f"Fix these: the {len(to_fix)} lists and recipients with findings, most urgent first."
        )
        lines = textwrap.wrap(heading, width=self.width, subsequent_indent=_INDENT)
        for item in shown:
            address = f" <{item.address}>" if item.address else ""
            owner = f"; owner {item.owner or 'none'} ({item.owner_state})" if item.owner_state else ""
            found = f"{plural(len(item.findings), 'finding')} ({item.severity_words()})"
            text = f"{item.rank}. {item.name}{address}: {found}, {', '.join(item.codes)}{owner}"
            lines += self._wrap(text, hang="   ")
        return "\n".join(lines) + "\n\n"

    def _finding(self, f: Finding, mark: RunMark | None) -> str:
        address = f" <{f.list_address}>" if f.list_address else ""
        status = f"[{mark.status}] " if mark else ""
        lines = [f"{f.severity.value.upper():<9}{status}{f.code} {f.rule}: {f.list}{address}"]
        lines += self._wrap(f.detail, hang="")
        if f.path:
            lines += self._wrap("path: " + PATH_SEPARATOR.join(f.path))
        lines += self._wrap("why:  " + f.rationale)
        lines += self._wrap("fix:  " + f.remediation)
        lines += self._wrap(f"id:   {f.finding_id}" + (f", first seen {mark.first_seen}" if mark else ""))
        if mark and mark.suppressed_by:
            lines += self._wrap(f"accepted risk: {mark.suppressed_by}")
        return "\n".join(lines) + "\n"

    def _wrap(self, text: str, hang: str = "      ") -> list[str]:
        return textwrap.wrap(
            text,
            width=self.width,
            initial_indent=_INDENT,
            subsequent_indent=_INDENT + hang,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [_INDENT]

    def _summary(self, result: ScanResult, findings: list[Finding]) -> str:
        summary = result.summary
        counts = summary.counts(result.findings)
        by_severity = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "none"
        domains = ", ".join(
            f"{'*.' if d.include_subdomains else ''}{d.name} ({d.origin})" for d in summary.internal_domains
        )
        lines = [
            f"Internal domains: {domains}",
            *(f"Boundary: {note}" for note in summary.boundary),
            *(f"Not evaluated: {note}" for note in summary.notes),
            *(f"Completeness: {doubt}" for doubt in filter(None, [summary.source.doubt()])),
        ]
        clean = summary.clean_rules(result.findings)
        if clean:
            lines.append(f"Ran and found nothing: {', '.join(clean)}.")
        shown = "" if len(findings) == len(result.findings) else f" ({len(findings)} shown)"
        lines.append(
            f"{len(result.findings)} findings{shown} [{by_severity}] in {summary.source.name}: "
            f"{summary.mail_lists} mail-enabled lists of {summary.lists}, {summary.recipients} recipients"
            + ("." if summary.source_whole else ", from an export that may be cut short.")
        )
        return "\n".join(textwrap.fill(line, self.width, subsequent_indent=_INDENT) for line in lines) + "\n"
