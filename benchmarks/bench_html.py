"""The HTML report with 10,000 findings: file size, render time, and how it behaves in Chromium.

    python benchmarks/bench_html.py [--findings 10000]

Builds findings of every kind (nesting chains for the diagrams, confusable pairs, plain ones), renders
the report, then opens it in Debian's Chromium through Playwright and measures: time to the load event,
time for a filter to apply (typing in the search box), and time to sort the table.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import visit  # noqa: E402 - after the path set-up above

from dlscan.findings import Finding, Severity  # noqa: E402
from dlscan.model import DomainDeclaration, SourceInfo  # noqa: E402
from dlscan.scan.engine import ScanResult, ScanSummary  # noqa: E402
from dlscan.sinks.html import HtmlSink  # noqa: E402

RULES = [("DL001", "mixed-membership"), ("DL002", "hidden-external"), ("DL003", "unmarked-external"),
         ("DL005", "confusable-lists"), ("DL013", "no-owner"), ("DL015", "stale-members")]  # fmt: skip


def findings(count: int) -> list[Finding]:
    rng = random.Random(3)
    made = []
    for n in range(count):
        code, rule = RULES[n % len(RULES)]
        name = f"Department {n // 7} {rng.choice(['Team', 'All', 'Partners', 'Board'])}"
        path = (name, f"{name} Partners", f"person{n}@partner{n % 50}.example") if code in ("DL001", "DL002") else ()
        related = f"Dep\u0430rtment {n // 7} Team" if code == "DL005" else (path[-1] if path else "")
        made.append(Finding(
            code=code, rule=rule, severity=rng.choice(list(Severity)), list=name,
            list_address=f"list{n}@council.example", list_id=f"id-{n}", related=related, key=str(n),
            detail=f"Mail to this list reaches {rng.randint(2, 400)} recipients, e.g. someone outside ({n}).",
            path=path, remediation="Split the list or mark it as external.",
            rationale="Anyone who writes to it for colleagues also discloses the message to outside recipients.",
        ))  # fmt: skip
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    args = parser.parse_args()
    made = findings(args.findings)
    summary = ScanSummary(
        source=SourceInfo("snapshot", "benchmark council"), lists=args.findings, mail_lists=args.findings,
        recipients=100_000, internal_domains=(DomainDeclaration("council.example", "benchmark"),), notes=(),
        rule_files=(),
    )  # fmt: skip
    result = ScanResult(tuple(made), summary)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.html"
        started = time.perf_counter()
        with report.open("w", encoding="utf-8") as stream:
            HtmlSink().write(result, made, stream)
        rendered = time.perf_counter() - started
        size = report.stat().st_size
        with visit(report) as seen:
            page = seen.page
            load = page.evaluate("performance.timing.loadEventEnd - performance.timing.navigationStart")
            shown = page.inner_text("#shown-count")
            filter_ms = page.evaluate("""() => { const box = document.getElementById('filter-text');
                const t0 = performance.now(); box.value = 'partner7'; box.dispatchEvent(new Event('input'));
                return performance.now() - t0; }""")
            filtered = page.inner_text("#shown-count")
            sort_ms = page.evaluate("""() => {
                const b = document.querySelector('#findings-table th:nth-child(3) button');
                const t0 = performance.now(); b.click(); return performance.now() - t0; }""")
            assert not seen.errors and seen.requests == [report.resolve().as_uri()]
    print(f"{args.findings:,} findings: {size / 1e6:.1f} MB, rendered in {rendered:.2f} s")
    print(f"Chromium: load event after {load} ms; {shown}")
    print(f"filter (typing 'partner7'): {filter_ms:.0f} ms -> {filtered}; sort by list: {sort_ms:.0f} ms")


if __name__ == "__main__":
    main()
