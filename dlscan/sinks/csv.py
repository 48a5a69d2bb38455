"""CSV for spreadsheets and scripts: one row per finding, the documented columns, stable order.

Every field is quoted, and any cell a spreadsheet could run is neutralised (`neutralise_formula`):
directory names are typed by many people, and a list named `=HYPERLINK(...)` must reach Excel,
LibreOffice or Google Sheets as text.
"""

from __future__ import annotations

import csv
import re
from typing import IO

from dlscan.findings import Finding, worst_first
from dlscan.scan.engine import ScanResult
from dlscan.sinks.base import RunView, Sink, columns, finding_columns, plan

_FORMULA_STARTS = "=+-@|\uff1d\uff0b\uff0d\uff20\uff5c"
"""What makes a cell a formula in Excel, LibreOffice and Google Sheets (`|` for the DDE form), with the
full-width forms that some of them fold to the same."""
_PASSED_OVER = (
    r"\s\x00-\x1f\x7f-\x9f\"'\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb"
)
"""What may stand before a formula start and still let it run: blanks (trimmed by "trim spaces" imports),
control characters such as NUL (dropped on import), invisible format characters and quotes."""
_BREAKS = ";\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Where a spreadsheet may begin a new cell inside one of ours: `;`, the list separator of most European
locales, a tab, or a line end (as Unicode counts them, form feed and U+2028 included), when a file is
opened with other settings than it was written with."""
_FORMULA_START = re.compile(f"((?:^|[{re.escape(_BREAKS)}])[{_PASSED_OVER}]*)(?=[{re.escape(_FORMULA_STARTS)}])")
_AFTER_A_BREAK = re.compile(f"[{re.escape(_BREAKS)}][{_PASSED_OVER}]*[{re.escape(_FORMULA_STARTS)}]")
"""A formula start after a break: searched for over a whole column joined by line ends, where it is quick
(the search skips, in C, to the few places where a break character stands)."""
_FIXED = frozenset(
    {"finding_id", "code", "rule", "severity", "severity_rank", "evidence_count", "owner_state", "fix_rank"}
)
"""Columns dlscan writes itself, from a fixed vocabulary: nothing of the directory's can reach them."""


def neutralise_formula(value: str) -> str:
    """A quote just before every formula start that a spreadsheet could reach: at the start of the cell,
    or after a `;`, tab or line end, past any blanks, control and invisible characters and quotes. Shown,
    the quote says the text was made safe; the rest is as written."""
    return _FORMULA_START.sub(r"\1'", value)


def neutralised_column(column: list[str]) -> list[str]:
    """`neutralise_formula` of every cell. Each distinct value is looked at once, and in C: a rule's
    remediation and rationale repeat on every one of its findings, and most cells need nothing."""
    distinct = set(column)
    # Joined by line ends, every value's start follows a break: one search over all of them says whether
    # any needs a closer look (at a million findings, a search per value took 0.6 s).
    if _AFTER_A_BREAK.search("\n" + "\n".join(distinct)) is None:
        return column
    safe = {value: neutralise_formula(value) for value in distinct}
    return [safe[value] for value in column]


class CsvSink(Sink):
    name = "csv"
    binary = True

    def write(self, result: ScanResult, findings: list[Finding], stream: IO, run: RunView | None = None) -> None:
        to_fix = plan(findings, run)
        table = finding_columns(worst_first(findings, to_fix), run, to_fix)
        stream.write(spreadsheet_csv({name: table[name] for name in columns(run)}, fixed=_FIXED))


def spreadsheet_csv(table: dict[str, list[str]], fixed: frozenset[str]) -> bytes:
    """The columns of `table`, in its order, as CSV bytes any spreadsheet opens safely: every cell of a
    column not in `fixed` (those dlscan fills from its own vocabulary) neutralised, every field quoted,
    CRLF line ends, and a byte-order mark so that Excel reads the file as UTF-8 and non-ASCII names
    survive."""
    import pandas as pd  # imported here: it costs a quarter of a second that other formats need not pay

    safe = {name: cells if name in fixed else neutralised_column(cells) for name, cells in table.items()}
    text = pd.DataFrame(safe, dtype=object).to_csv(index=False, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    return text.encode("utf-8-sig")
