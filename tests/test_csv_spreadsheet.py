"""dlscan's CSV opened by a real spreadsheet: LibreOffice Calc, headless, imports it and saves it again.

Every directory value of the payload list (tests/data/csv_payloads.txt, from public payload lists and
this project's own findings) goes into a finding's list name, address, related object, detail and path.
Calc opens the CSV with `,` and with `;` or a tab as the separator, with and without trimming spaces,
and the test asserts that not one cell of what it read is a formula.
"""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from dlscan.checks import rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.findings import Evidence
from dlscan.scan.engine import run_scan
from dlscan.sinks.csv import CsvSink, neutralise_formula
from dlscan.sinks.details import DetailsSink
from dlscan.sources import load_source

PAYLOADS = ROOT / "tests" / "data" / "csv_payloads.txt"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

# LibreOffice's CSV import options: separator, text delimiter ("), UTF-8 (76), first line, column types,
# language, quoted fields as text, detect special numbers, (two export-only tokens), trim spaces.
SETTINGS = {
    "comma": "44,34,76,1",
    "comma, trim spaces": "44,34,76,1,,1033,false,false,false,false,true",
    "semicolon": "59,34,76,1",
    "semicolon, trim spaces": "59,34,76,1,,1033,false,false,false,false,true",
    "tab": "9,34,76,1",
}


def payloads() -> list[str]:
    lines = PAYLOADS.read_text(encoding="utf-8").splitlines()
    escapes = {"\\n": "\n", "\\t": "\t", "\\r": "\r", "\\0": "\0"}
    found = []
    for line in lines:
        if not line or line.startswith("#"):
            continue
        for escape, character in escapes.items():
            line = line.replace(escape, character)
        found.append(re.sub(r"\\(u[0-9a-f]{4}|x[0-9a-f]{2})", lambda m: chr(int(m.group(1)[1:], 16)), line))
    return found


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail("the spreadsheet test needs LibreOffice Calc: apt-get install libreoffice-calc-nogui (run.sh does)")
    return found


@cache
def csv_of_payloads() -> bytes:
    result = run_scan(load_source(SAMPLE), [], load_rule_pack(rule_specs()))
    template = result.findings[0]
    findings = [
        dataclasses.replace(
            template,
            list=value,
            list_address=f"{value}@corp.example",
            related=value,
            detail=f"The list '{value}' reaches 2 external recipients, e.g. {value}.",
            path=(value, "Partners"),
            list_id=f"payload-{i}",
        )
        for i, value in enumerate(payloads())
    ]
    stream = io.BytesIO()
    CsvSink().write(result, findings, stream)
    return stream.getvalue()


def details_of_payloads() -> bytes:
    """The details CSV, every payload an external recipient's address, note and nesting path."""
    result = run_scan(load_source(SAMPLE), [], load_rule_pack(rule_specs()))
    evidence = tuple(
        Evidence(subject=value, subject_id=f"payload-{i}", note=value, path=(value, "Partners", value))
        for i, value in enumerate(payloads())
    )
    finding = dataclasses.replace(result.findings[0], list=payloads()[0], evidence=evidence)
    stream = io.BytesIO()
    DetailsSink().write(result, [finding], stream)
    return stream.getvalue()


def cells_read_by_calc(csv_file: Path, options: str, folder: Path) -> list[ET.Element]:
    """Every cell of the sheet Calc makes of the file, after saving it as flat OpenDocument."""
    profile = folder / "profile"
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", f"--infilter=CSV:{options}",
         "--convert-to", "fods", "--outdir", str(folder), str(csv_file)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    tree = ET.parse(folder / (csv_file.stem + ".fods"))
    return list(tree.iter(f"{{{TABLE}}}table-cell"))


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_no_cell_of_the_csv_is_a_formula_in_calc(setting, tmp_path):
    csv_file = tmp_path / "findings.csv"
    csv_file.write_bytes(csv_of_payloads())
    cells = cells_read_by_calc(csv_file, SETTINGS[setting], tmp_path)
    formulas = [
        (cell.get(f"{{{TABLE}}}formula"), "".join(cell.itertext())[:60])
        for cell in cells
        if cell.get(f"{{{TABLE}}}formula") is not None
    ]
    assert formulas == []
    if setting.startswith("comma"):
        # Read as it was written: every payload arrives as the text of its cell, made safe by a quote.
        # (Runs of spaces are elements of their own in the saved sheet: compared without blanks.)
        texts = {_unblank("".join(p.itertext())) for cell in cells for p in cell.iter(f"{{{TEXT}}}p")}
        printable = [p for p in payloads() if p.isprintable()]
        assert [p for p in printable if _unblank(neutralise_formula(p)) not in texts] == []


@pytest.mark.parametrize("setting", ["comma", "semicolon, trim spaces"])
def test_no_cell_of_the_details_csv_is_a_formula_in_calc(setting, tmp_path):
    csv_file = tmp_path / "details.csv"
    csv_file.write_bytes(details_of_payloads())
    cells = cells_read_by_calc(csv_file, SETTINGS[setting], tmp_path)
    assert len(cells) > len(payloads())
    assert [cell.get(f"{{{TABLE}}}formula") for cell in cells if cell.get(f"{{{TABLE}}}formula") is not None] == []


def _unblank(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_same_payloads_were_formulas_without_neutralising(tmp_path, monkeypatch):
    """The test can fail: with the cells written as they are, Calc runs some of them."""
    monkeypatch.setattr("dlscan.sinks.csv.neutralised_column", lambda column: column)
    csv_of_payloads.cache_clear()
    try:
        csv_file = tmp_path / "findings.csv"
        csv_file.write_bytes(csv_of_payloads())
        cells = cells_read_by_calc(csv_file, SETTINGS["semicolon, trim spaces"], tmp_path)
        assert any(cell.get(f"{{{TABLE}}}formula") is not None for cell in cells)
    finally:
        csv_of_payloads.cache_clear()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        (" =1+1", " '=1+1"),
        ("\u00a0=1+1", "\u00a0'=1+1"),
        ("\u200b=1+1", "\u200b'=1+1"),
        ("\0=1+1", "\0'=1+1"),
        ('"=1+1', "\"'=1+1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("|calc", "'|calc"),
        ("+1", "'+1"),
        ("\t=1", "\t'=1"),
        ("\r=1", "\r'=1"),
        ("=1;=2", "'=1;'=2"),
        ("Team;=1+1", "Team;'=1+1"),
        ("Team\n@SUM(1)", "Team\n'@SUM(1)"),
        ("Team\r\n@SUM(1)", "Team\r\n'@SUM(1)"),
        ("Team\x0c=1+1", "Team\x0c'=1+1"),
        ("Team\u2028=1+1", "Team\u2028'=1+1"),
        ("\x0c=1+1", "\x0c'=1+1"),
        ("Team - Partners", "Team - Partners"),
        ("Finance; Payroll", "Finance; Payroll"),
        ("", ""),
    ],
)
def test_what_is_neutralised(value, expected):
    assert neutralise_formula(value) == expected
