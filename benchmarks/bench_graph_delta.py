"""Incremental collection from Microsoft 365: a full read, a first delta read, and a night's changes.

    python benchmarks/bench_graph_delta.py [--users 20000 --groups 10000 --members 10 --changes 200]

The tenant is the one bench_graph.py builds, served from tests/graph_server.py in this process (so that
the benchmark can change it between runs; server and client share one interpreter, and times are
therefore higher than bench_graph.py's). Prints the time and the number of requests of each run.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_graph import TOKEN, build_tenant  # noqa: E402 - after the path set-up above
from graph_server import GraphServer  # noqa: E402

from dlscan.sources.m365.collector import M365Collector  # noqa: E402
from dlscan.sources.m365.settings import AuthMethod, GraphSettings  # noqa: E402
from dlscan.support.secret import Secret  # noqa: E402


def timed(label: str, collector: M365Collector) -> None:
    started = time.perf_counter()
    snapshot = collector.collect()
    collector.save_delta()
    seconds = time.perf_counter() - started
    memberships = sum(len(g.members) for g in snapshot.lists.values())
    print(f"{label:<34} {seconds:6.2f} s {collector.requests:6,} requests  {memberships:,} memberships")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    tenant = build_tenant(args.users, args.groups, args.members)
    rng = random.Random(5)
    with GraphServer(tenant) as server, tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "delta.json.gz"
        settings = GraphSettings(
            tenant_id=None, client_id=None, auth=AuthMethod.ACCESS_TOKEN, secret=Secret(TOKEN), endpoint=server.url
        )
        timed("full read", M365Collector(settings))
        timed("first delta read (saves state)", M365Collector(settings, delta_state=state))
        users, groups = list(tenant.users), list(tenant.groups)
        for n in range(args.changes):
            tenant.add_member(rng.choice(groups), rng.choice(users))
            tenant.update("users", rng.choice(users), displayName=f"Renamed {n}")
        timed(f"incremental, {args.changes} + {args.changes} changes", M365Collector(settings, delta_state=state))
        print(f"delta state: {state.stat().st_size / 1e6:.1f} MB gzip")


if __name__ == "__main__":
    main()
