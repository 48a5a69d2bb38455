"""docs/output.md's JSON example is the sample council's document, cut short where it says "…": every
key it shows is one the scan writes, at the same place, and every value it spells out is the scan's."""

from __future__ import annotations

import json
import re

from conftest import ROOT, SAMPLE

ELIDED = "…"


def example() -> dict:
    text = (ROOT / "docs" / "output.md").read_text(encoding="utf-8")
    block = re.search(r"```json\n(\{\n  \"dlscan_version\".*?)\n```", text, re.DOTALL)
    assert block, "docs/output.md has no whole JSON example"
    return json.loads(block.group(1))


def agrees(shown, real, where: str) -> list[str]:
    """Where the example says something other than the scan: a key it does not write, a value it does
    not give. A list shown shorter than the real one is cut short; an elided value stands for anything."""
    if shown == ELIDED:
        return []
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{where} is not an object"]
        problems = [f"{where}.{key} is not written" for key in shown if key not in real]
        return problems + [p for key in shown if key in real for p in agrees(shown[key], real[key], f"{where}.{key}")]
    if isinstance(shown, list):
        if not isinstance(real, list) or (len(shown) > len(real) and ELIDED not in shown):
            return [f"{where} is not that list"]
        return [p for n, item in enumerate(shown) if item != ELIDED for p in agrees(item, real[n], f"{where}[{n}]")]
    return [] if shown == real or where.endswith(".dlscan_version") else [f"{where} is {real!r}, not {shown!r}"]


def test_the_json_example_is_what_a_scan_of_the_sample_writes(dlscan):
    outcome = dlscan("scan", SAMPLE, "--format", "json", "--fail-on", "never")
    real = json.loads(outcome.out)
    shown = example()
    # Lists of objects are shown by some of their entries, picked by what names them.
    domains = {d["name"]: d for d in real["summary"]["internal_domains"]}
    real["summary"]["internal_domains"] = [domains[d["name"]] for d in shown["summary"]["internal_domains"]]
    findings = {f["finding_id"]: f for f in real["findings"]}
    real["findings"] = [findings[f["finding_id"]] for f in shown["findings"]]
    assert agrees(shown, real, "document") == []
    assert set(shown) == set(real) and set(shown["summary"]) == set(real["summary"])
    assert set(shown["findings"][0]) == set(real["findings"][0]), "a finding's keys, all of them"
    assert set(shown["fix_first"][0]) == set(real["fix_first"][0])


def test_every_test_the_graph_server_sources_name_exists():
    """tests/graph_server_sources.md names, for each behaviour of the test Graph server, the page it follows
    and the tests that lean on it: those tests must exist."""
    named = re.findall(r"`(test_\w+)`", (ROOT / "tests" / "graph_server_sources.md").read_text(encoding="utf-8"))
    defined = set(re.findall(r"^def (test_\w+)", "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py")), re.MULTILINE))  # fmt: skip
    assert len(named) > 10 and sorted(set(named) - defined) == []
