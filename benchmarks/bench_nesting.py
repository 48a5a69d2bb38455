"""Nesting as a hostile or careless directory has it: a chain of lists ten thousand deep, and a cycle of
five thousand. Each size is scanned whole (graph, every rule, the findings) in a fresh process, at
N/4, N/2 and N, so that the growth shows: linear work doubles when N doubles.

    python benchmarks/bench_nesting.py              # the 10,000-deep chain and the 5,000-list cycle
    python benchmarks/bench_nesting.py --busy       # also chains whose every list holds a person

Shapes:
- chain: list i nests list i+1; one person, in the last list.
- cycle: the same, and the last list nests the first.
- busy chain / busy cycle: every list also holds a person of its own. A busy chain's audiences are
  themselves quadratic (list i reaches N - i people: N^2/2 in all), so its graph is too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def directory(size: int, *, cycle: bool, busy: bool):
    from dlscan.model import DistributionList, Recipient, RecipientKind, Snapshot, SourceInfo

    people = {}
    lists = {}
    for n in range(size):
        members = []
        if busy or n == size - 1:
            person = f"u{n}"
            people[person] = Recipient(person, RecipientKind.USER, f"Person {n}", f"person{n}@corp.example")
            members.append(person)
        if n + 1 < size:
            members.append(f"L{n + 1}")
        elif cycle:
            members.append("L0")
        lists[f"L{n}"] = DistributionList(
            f"L{n}", f"Team {n}", f"team{n}@corp.example", members=tuple(members), owners=(f"u{size - 1}",)
        )
    return Snapshot(SourceInfo("benchmark", "nesting"), people, lists)


def one(shape: str, size: int) -> dict:
    """Runs in its own process: build the directory, scan it, report the times and the peak."""
    from bench_scan import peak_rss_mb

    from dlscan.boundary import parse_domain_option
    from dlscan.checks import rule_specs
    from dlscan.checks.rulepack import load_rule_pack
    from dlscan.scan.engine import run_scan

    snapshot = directory(size, cycle="cycle" in shape, busy=shape.startswith("busy"))
    pack = load_rule_pack(rule_specs())
    began = time.perf_counter()
    result = run_scan(snapshot, [parse_domain_option("corp.example", "benchmark")], pack)
    seconds = time.perf_counter() - began
    codes: dict[str, int] = {}
    for finding in result.findings:
        codes[finding.code] = codes.get(finding.code, 0) + 1
    return {"seconds": seconds, "rss": peak_rss_mb(), "findings": codes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", action="store_true", help="also the busy shapes (quadratic audiences)")
    parser.add_argument("--one", nargs=2, metavar=("SHAPE", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]))))
        return
    cases = [("chain", 10_000), ("cycle", 5_000)]
    if args.busy:
        cases += [("busy chain", 4_000), ("busy cycle", 5_000)]
    for shape, size in cases:
        for part in (size // 4, size // 2, size):
            done = subprocess.run(
                [sys.executable, __file__, "--one", shape, str(part)], capture_output=True, text=True, check=True
            )
            figures = json.loads(done.stdout)
            rss = f"{figures['rss']:.0f} MB" if figures["rss"] is not None else "n/a"
            print(f"{shape:<11} {part:>6,} lists: scan {figures['seconds']:7.2f} s, peak {rss:>8}, "
                  f"findings {figures['findings']}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
