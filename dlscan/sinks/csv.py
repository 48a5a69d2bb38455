"""CSV for spreadsheets and scripts: one row per finding, the documented columns, stable order."""

from __future__ import annotations

import itertools
import operator
from typing import IO

from dlscan.findings import Finding, stable_order
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import RunView, Sink, columns, finding_columns

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Prefix a quote so the cell shows as text; directory names are attacker-controlled."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _neutralised(column: list[str]) -> list[str]:
    """`neutralise_formula` of every cell: the few that need it are found in C and changed alone."""
    risky = list(itertools.compress(range(len(column)), map(_STARTS_A_FORMULA, column)))
    if risky:
        column = column.copy()
        for i in risky:
            column[i] = neutralise_formula(column[i])
    return column


_STARTS_A_FORMULA = operator.methodcaller("startswith", _FORMULA_STARTS)


class CsvSink(Sink):
    name = "csv"
    binary = True

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        import pandas as pd  # imported here: it costs a quarter of a second that other formats need not pay

        table = finding_columns(stable_order(findings), run)
        frame = pd.DataFrame({name: _neutralised(table[name]) for name in columns(run)}, dtype=object)
        # A byte-order mark makes Excel read the file as UTF-8, so non-ASCII names survive.
        stream.write(frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))
