"""Scan a large synthetic directory and time every phase against the floor: merely parsing its JSON.

    python benchmarks/bigdir.py L /tmp/big        # writes /tmp/big/L.json and /tmp/big/L.ldif
    python benchmarks/bench_scale.py /tmp/big/L.json [--ldif]
    python benchmarks/bigdir.py L /tmp/big --organisations 20   # a shared service: L-shared20.json
    python benchmarks/bench_scale.py /tmp/big/L-shared20.json --organisations 20 --organisation "Organisation 7"

The floor is the time the fastest JSON parser installed (msgspec or orjson, whichever is faster) takes
to parse the snapshot and nothing else. dlscan's total is the scan as dlscan runs it: load, graph build
and expansion, every rule, writing every finding as CSV and as JSON. Both are measured in three rounds,
each round one parse by each parser and then one scan, every one in a fresh process, and each figure is
the fastest of its kind: the fastest scan is shown phase by phase, beside every run's total and the
median. Neither figure counts module imports, which are timed and shown apart. Peak RSS is the largest
of the runs', each run's process alone and its forked rule process alone. Last, each phase on its own,
one after another in this process.
With --ldif, the LDIF export is read instead of the snapshot.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bigdir  # noqa: E402
from bench_scan import peak_rss_mb, time_outputs  # noqa: E402 - the same measures for every benchmark

from dlscan.boundary import Boundary  # noqa: E402
from dlscan.checks import ScanContext, build_checks  # noqa: E402
from dlscan.graph import MembershipGraph  # noqa: E402
from dlscan.operations.runner import load_pack  # noqa: E402
from dlscan.scan.engine import run_scan  # noqa: E402
from dlscan.sources import load_source  # noqa: E402
from dlscan.support.memory import collector_paused, settled_job  # noqa: E402

_IMPORTED_WHEN_NEEDED = (
    "dlscan.sources.typed",  # msgspec, for reading a snapshot
    "dlscan.matching.edit_join",  # numpy and pandas, for comparing names; pandas for CSV too
    "dlscan.matching.set_join",
    "confusable_homoglyphs",
    "tldextract.suffix_list",  # the public-suffix list, read when the cache folder does not hold its rules
    "multiprocessing.connection",  # for the rule that runs in a second process
    "multiprocessing.popen_fork",
)


def import_seconds() -> float:
    """Import what the scan imports when it first needs it. Neither figure counts imports: the floor's
    `import msgspec` happens before its clock starts too. Paid once per process: about a third of a
    second, numpy and pandas most of it."""
    started = time.perf_counter()
    for module in _IMPORTED_WHEN_NEEDED:
        importlib.import_module(module)
    return time.perf_counter() - started


_PARSE_ONCE = """
import importlib, sys, time
module, function, path = sys.argv[1:]
parse = getattr(importlib.import_module(module), function)
data = open(path, "rb").read()
started = time.perf_counter()
parse(data)
print(time.perf_counter() - started)
"""

_PARSERS = (("msgspec", "msgspec.json", "decode"), ("orjson", "orjson", "loads"), ("json", "json", "loads"))


def installed_parsers() -> list[tuple[str, str, str]]:
    """msgspec and orjson, whichever are installed; the standard library's only when neither is."""
    found = [p for p in _PARSERS[:2] if importlib.util.find_spec(p[0]) is not None]
    return found or [_PARSERS[2]]


def parse_once(path: Path, module: str, function: str) -> float:
    """Seconds one parser takes to parse the snapshot to plain Python objects, in a fresh process."""
    command = [sys.executable, "-c", _PARSE_ONCE, module, function, str(path)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def scan_once(args: argparse.Namespace) -> dict:
    """The scan as dlscan runs it, once, in this fresh process: load, graph, every rule (the costliest in
    a second process), CSV and JSON output. Imports come first, outside the clock, as the floor's do."""
    import_seconds()
    source = args.snapshot.with_suffix(".ldif") if args.ldif else args.snapshot
    phases: dict[str, float] = {}
    started = time.perf_counter()
    with settled_job(until_exit=True):  # as `dlscan scan` runs it: the snapshot kept out of the collector's sight
        pack = load_pack(None, bigdir.boundary(args.organisations), args.organisation)
        snapshot = load_source(source)
        phases["load (parse + model)"] = time.perf_counter() - started
        mark = time.perf_counter()
        result = run_scan(snapshot, [], pack)
        phases[f"scan: graph and all rules ({len(result.findings):,} findings)"] = time.perf_counter() - mark
        phases.update(time_outputs(result))
        total = time.perf_counter() - started
    # The scan leaves its rule process to exit on its own; waited for now, so that its peak is known.
    for child in multiprocessing.active_children():
        child.join()
    memberships = sum(len(x.members) for x in snapshot.lists.values())
    size = f"{len(snapshot.recipients):,} recipients, {len(snapshot.lists):,} lists, {memberships:,} memberships"
    return {"phases": phases, "total": total, "rss": peak_rss_mb(), "child_rss": peak_rss_mb("children"), "size": size}


def measure(args: argparse.Namespace) -> tuple[str, float, list[dict]]:
    """The floor and dlscan's scans, in rounds: each round parses the snapshot once with each parser and
    then scans it once, every one in a fresh process, so that a slow spell of this machine (a parse of
    L takes from 4.2 to 7.4 s, as the cost of handing a process fresh memory varies) falls on both
    figures alike. The floor is the fastest parse of all; the runs come back fastest first."""
    command = [sys.executable, __file__, str(args.snapshot), "--once", "--organisations", str(args.organisations)]
    command += ["--ldif"] * args.ldif + (["--organisation", args.organisation] if args.organisation else [])
    parses: dict[str, float] = {}
    runs = []
    for _ in range(args.runs):
        for name, module, function in installed_parsers():
            seconds = parse_once(args.snapshot, module, function)
            parses[name] = min(parses.get(name, seconds), seconds)
        runs.append(json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout))
    fastest = min(parses, key=parses.__getitem__)
    return fastest, parses[fastest], sorted(runs, key=lambda run: run["total"])


def phases_alone(args: argparse.Namespace) -> dict[str, float]:
    """Each phase on its own, one after another in this process, to see where the time goes."""
    with settled_job(until_exit=True):  # the snapshot out of the collector's sight, as in a scan
        return _phases_alone(args)


def _phases_alone(args: argparse.Namespace) -> dict[str, float]:
    pack = load_pack(None, bigdir.boundary(args.organisations), args.organisation)
    snapshot = load_source(args.snapshot.with_suffix(".ldif") if args.ldif else args.snapshot)
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    graph = MembershipGraph(snapshot)
    phases["graph build + expansion"] = time.perf_counter() - mark
    ctx = ScanContext(snapshot, graph, Boundary.for_snapshot(snapshot, (), pack.boundary), pack.settings)
    mark = time.perf_counter()
    ctx.prepare()
    # Each list's outside and silent recipients: the scan works them out after forking.
    _ = (ctx.cache.outside, ctx.cache.silent)
    phases["audiences (shared by the rules)"] = time.perf_counter() - mark
    # As in a scan, the rules run with the collector paused: with it running, the millions of objects a
    # rule keeps (evidence) are walked again and again, and a rule alone looked several times slower.
    with collector_paused(settle=True):
        for check in build_checks(pack):
            mark = time.perf_counter()
            found = sum(1 for _ in check.run(ctx))
            phases[f"{check.code} ({found:,} findings)"] = time.perf_counter() - mark
    return phases


def report(args: argparse.Namespace, parser_name: str, floor: float, runs: list[dict]) -> None:
    source = args.snapshot.with_suffix(".ldif") if args.ldif else args.snapshot
    print(f"{source.name}: {runs[0]['size']}; {source.stat().st_size / 1e6:,.0f} MB")
    print(f"  {'imports (counted in neither figure)':<48} {import_seconds():8.3f} s")
    print(f"  {'floor: ' + parser_name + f' parse, fastest of {len(runs)} rounds':<48} {floor:8.3f} s")
    fastest = runs[0]
    print(f"  dlscan, the fastest of {len(runs)} runs:")
    for phase, seconds in fastest["phases"].items():
        print(f"  {phase:<48} {seconds:8.3f} s")
    print(f"  {'total':<48} {fastest['total']:8.3f} s  ({fastest['total'] / floor:.1f}x the floor)")
    totals = [run["total"] for run in runs]
    median = statistics.median(totals)
    listed = ", ".join(f"{seconds:.3f}" for seconds in totals)
    print(f"  {'every run':<48} {listed} s  (median {median:.3f} s, {median / floor:.1f}x the floor)")
    if fastest["rss"] is not None:
        print(f"  {'peak RSS, the largest of the runs':<48} {max(run['rss'] for run in runs):8.0f} MB")
        label = "peak RSS of the forked rule process"
        print(f"  {label:<48} {max(run['child_rss'] for run in runs):8.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--ldif", action="store_true", help="read the .ldif beside the snapshot instead")
    parser.add_argument("--organisations", type=int, default=0, help="declare Organisation 1..N by companyName")
    parser.add_argument("--organisation", help="scan for this organisation of the shared service")
    parser.add_argument("--runs", type=int, default=3, help="rounds of parses and a scan (default 3)")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.once:
        print(json.dumps(scan_once(args)))
        return
    parser_name, floor, runs = measure(args)  # in fresh processes, before this one imports anything
    report(args, parser_name, floor, runs)
    print("  each phase alone, one after another:")
    for phase, seconds in phases_alone(args).items():
        print(f"    {phase:<46} {seconds:8.3f} s")


if __name__ == "__main__":
    main()
