"""Scan a large synthetic directory and time every phase against the floor: merely parsing its JSON.

    python benchmarks/bigdir.py L /tmp/big        # writes /tmp/big/L.json and /tmp/big/L.ldif
    python benchmarks/bench_scale.py /tmp/big/L.json [--ldif]
    python benchmarks/bigdir.py L /tmp/big --organisations 20   # a shared service: L-shared20.json
    python benchmarks/bench_scale.py /tmp/big/L-shared20.json --organisations 20 --organisation "Organisation 7"

Run one size per process, so that peak RSS is that size's. The floor is the time the fastest JSON
parser installed (msgspec or orjson, whichever is faster) takes to parse the snapshot and nothing else:
the fastest of three parses by each, each in a fresh process.
Neither the floor nor dlscan's total counts module imports, which are timed and shown apart. Then, in
order: dlscan's load (parse + model), graph build and expansion, each rule, writing every finding as
CSV and as JSON, and the total. With --ldif, the LDIF export is read instead of the snapshot.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import multiprocessing
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
from dlscan.runner import load_pack  # noqa: E402
from dlscan.scan import run_scan  # noqa: E402
from dlscan.sources import load_source  # noqa: E402

_IMPORTED_WHEN_NEEDED = (
    "dlscan.sources.typed",  # msgspec, for reading a snapshot
    "dlscan.edit_join",  # numpy and pandas, for comparing names; pandas for CSV too
    "dlscan.set_join",
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


def floor_seconds(path: Path, repeats: int = 3) -> tuple[str, float]:
    """The fastest JSON parser installed, parsing the snapshot to plain Python objects and nothing else:
    msgspec and orjson (the standard library's only when neither is installed), each `repeats` times,
    each time in a fresh process. The floor is the fastest of all: on this machine one parse of the same
    file takes from 4.2 to 7.4 s, as the cost of handing a process fresh memory varies, and the fastest
    is the strictest measure to hold dlscan to. Returns the parser's name and its seconds."""
    timings: dict[str, float] = {}
    for name, module, function in _PARSERS:
        if importlib.util.find_spec(module.split(".")[0]) is None or (name == "json" and timings):
            continue
        for _ in range(repeats):
            command = [sys.executable, "-c", _PARSE_ONCE, module, function, str(path)]
            seconds = float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
            timings[name] = min(timings.get(name, seconds), seconds)
    fastest = min(timings, key=timings.__getitem__)
    return fastest, timings[fastest]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--ldif", action="store_true", help="read the .ldif beside the snapshot instead")
    parser.add_argument("--organisations", type=int, default=0, help="declare Organisation 1..N by companyName")
    parser.add_argument("--organisation", help="scan for this organisation of the shared service")
    args = parser.parse_args()
    parser_name, floor = floor_seconds(args.snapshot)  # in fresh processes, before this one imports anything
    floor_rss = peak_rss_mb("children")  # the largest parse: the rule process is measured against it below
    imports = import_seconds()
    source = args.snapshot.with_suffix(".ldif") if args.ldif else args.snapshot
    # The scan as dlscan runs it: load, graph, every rule (the costliest in a second process), outputs.
    whole: dict[str, float] = {}
    started = time.perf_counter()
    pack = load_pack(None, bigdir.boundary(args.organisations), args.organisation)
    snapshot = load_source(source)
    whole["load (parse + model)"] = time.perf_counter() - started
    mark = time.perf_counter()
    result = run_scan(snapshot, [], pack)
    whole[f"scan: graph and all rules ({len(result.findings):,} findings)"] = time.perf_counter() - mark
    whole.update(time_outputs(result))
    total = time.perf_counter() - started
    # The scan leaves its rule process to exit on its own; waited for now, its peak joins the children's.
    for child in multiprocessing.active_children():
        child.join()
    rss, child_rss = peak_rss_mb(), peak_rss_mb("children")
    # Then each phase on its own, one after another, to see where the time goes.
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    graph = MembershipGraph(snapshot)
    phases["graph build + expansion"] = time.perf_counter() - mark
    ctx = ScanContext(snapshot, graph, Boundary.for_snapshot(snapshot, (), pack.boundary), pack.settings)
    mark = time.perf_counter()
    ctx.prepare()
    _ = (ctx._outside, ctx._silent)  # each list's outside and silent recipients: the scan works them out after forking
    phases["audiences (shared by the rules)"] = time.perf_counter() - mark
    for check in build_checks(pack):
        mark = time.perf_counter()
        found = sum(1 for _ in check.run(ctx))
        phases[f"{check.code} ({found:,} findings)"] = time.perf_counter() - mark
    memberships = sum(len(x.members) for x in snapshot.lists.values())
    print(f"{source.name}: {len(snapshot.recipients):,} recipients, {len(snapshot.lists):,} lists, "
          f"{memberships:,} memberships; {source.stat().st_size / 1e6:,.0f} MB")  # fmt: skip
    print(f"  {'imports (counted in neither figure)':<48} {imports:8.3f} s")
    print(f"  {'floor: ' + parser_name + ' parse, fastest of three':<48} {floor:8.3f} s")
    for phase, seconds in whole.items():
        print(f"  {phase:<48} {seconds:8.3f} s")
    print(f"  {'total':<48} {total:8.3f} s  ({total / floor:.1f}x the floor)")
    if rss is not None:
        print(f"  {'peak RSS':<48} {rss:8.0f} MB")
        # The kernel keeps one peak for all children: the parses' and the rule process's.
        label = "peak RSS of the forked rule process"
        if child_rss is not None and floor_rss is not None and child_rss <= floor_rss:
            print(f"  {label:<48} {'at most':>8} {floor_rss:.0f} MB (a floor parse's peak, which is larger)")
        else:
            print(f"  {label:<48} {child_rss:8.0f} MB")
    print("  each phase alone, one after another:")
    for phase, seconds in phases.items():
        print(f"    {phase:<46} {seconds:8.3f} s")


if __name__ == "__main__":
    main()
