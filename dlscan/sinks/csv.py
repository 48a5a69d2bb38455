"""CSV for spreadsheets and scripts: one row per finding, the documented columns, stable order."""

from __future__ import annotations

from typing import IO

from dlscan.findings import Finding, stable_order
from dlscan.scan import ScanResult
from dlscan.sinks.base import RunView, Sink, columns, finding_row

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Prefix a quote so the cell shows as text; directory names are attacker-controlled."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


class CsvSink(Sink):
    name = "csv"
    binary = True

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        import pandas as pd  # imported here: it costs a quarter of a second that other formats need not pay

        rows = [finding_row(f, run) for f in stable_order(findings)]
        # Column by column from plain lists: a frame of 100,000 findings' cells mapped one by one took longer.
        frame = pd.DataFrame(
            {name: [neutralise_formula(row[name] or "") for row in rows] for name in columns(run)}, dtype=object
        )
        # A byte-order mark makes Excel read the file as UTF-8, so non-ASCII names survive.
        stream.write(frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
