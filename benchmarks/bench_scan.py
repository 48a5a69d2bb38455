"""Time each phase of an offline scan of a synthetic council export, and report peak memory.

    python benchmarks/bench_scan.py --users 1800 --users 20000

Each size is generated (benchmarks/synth.py), written as LDIF, then scanned in this process:
read + map, graph build and expansion, each rule, and CSV and JSON output.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth

from dlscan.boundary import Boundary
from dlscan.checks import ScanContext, build_checks, rule_specs
from dlscan.checks.rulepack import load_rule_pack
from dlscan.graph import MembershipGraph
from dlscan.scan.engine import ScanResult, run_scan
from dlscan.sinks import sink_classes
from dlscan.sources import load_source


def peak_rss_mb(who: str = "self") -> float | None:
    """Peak resident memory of this process, or of the largest child it has waited for."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    which = resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN
    return resource.getrusage(which).ru_maxrss / 1024


def time_outputs(result: ScanResult) -> dict[str, float]:
    """Seconds to write every finding as CSV and as JSON (in memory), as the scans' outputs are measured."""
    timings = {}
    for name in ("csv", "json"):
        mark = time.perf_counter()
        sink = sink_classes()[name]()
        sink.write(result, list(result.findings), io.BytesIO() if sink.binary else io.StringIO())
        timings[f"write {name}"] = time.perf_counter() - mark
    return timings


def bench(users: int) -> None:
    council = synth.build(users=users)
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "council.ldif"
        export.write_text(council.ldif(), encoding="utf-8")
        size_mb = export.stat().st_size / 1e6
        pack = load_rule_pack(rule_specs())
        started = time.perf_counter()
        snapshot = load_source(export)
        timings = {"read LDIF + map": time.perf_counter() - started}
        mark = time.perf_counter()
        graph = MembershipGraph(snapshot)
        timings["graph + expansion"] = time.perf_counter() - mark
        ctx = ScanContext(snapshot, graph, Boundary.for_snapshot(snapshot), pack.settings)
        for check in build_checks(pack):
            mark = time.perf_counter()
            count = sum(1 for _ in check.run(ctx))
            timings[f"{check.code} ({count})"] = time.perf_counter() - mark
        result = run_scan(snapshot, [], pack)
        timings.update(time_outputs(result))
        total = time.perf_counter() - started
    memberships = sum(len(x.members) for x in snapshot.lists.values())
    print(
        f"\n## {len(council.records)} objects ({len(snapshot.recipients)} recipients, {len(snapshot.lists)} lists, "
        f"{memberships} memberships; LDIF {size_mb:.1f} MB)"
    )
    for phase, seconds in timings.items():
        print(f"  {phase:<28} {seconds * 1000:8.1f} ms")
    print(f"  {'total (incl. a second full scan)':<28} {total * 1000:8.1f} ms")
    rss = peak_rss_mb()
    if rss is not None:
        print(f"  peak RSS so far              {rss:8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, action="append", help="repeatable; default 1800")
    for users in parser.parse_args().users or [1800]:
        bench(users)


if __name__ == "__main__":
    main()
