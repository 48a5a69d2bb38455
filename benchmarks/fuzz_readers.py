"""The long fuzz run: every reader, through the command line as an admin runs it, for minutes.

    python benchmarks/fuzz_readers.py --minutes 5 [--workers 2] [--seed 1] [--keep /tmp/fuzz-failures]

Each input is a seed of tests/fuzz_inputs.py with 1 to 8 mutations, read by `dlscan` in a process of its
own: an export or snapshot by `scan`, a config by `run --dry-run`, a rule pack by `scan --rules`, accepted
risks by `run --dry-run` with a config naming them. A run fails on any exit code other than 0, 1 or 2,
on exit 2 without exactly one error line, on a process that takes more than 30 s, and on one whose peak
memory passes 2 GB. Failing inputs are
kept in --keep, to become regression files under tests/.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fuzz_inputs import SMALL_LDIF, TARGETS, mutate  # noqa: E402 - after the path set-up above

HANG_SECONDS = 30
MEMORY_MB = 2048


def command(target: str, path: Path, folder: Path) -> list[str]:
    dlscan = [sys.executable, "-m", "dlscan"]
    export = folder / "export.ldif"
    if target in ("ldif", "snapshot"):
        return [*dlscan, "scan", str(path), "--format", "json", "--fail-on", "never"]
    if target == "rulepack":
        return [*dlscan, "scan", str(export), "--rules", str(path), "--fail-on", "never"]
    if target == "config":
        return [*dlscan, "run", "--config", str(path), "--dry-run", "--fail-on", "never"]
    config = folder / "with-accepted.toml"
    config.write_text(
        f'[run]\ninput = "{export.as_posix()}"\nstate_dir = "state"\nsuppressions = "{path.as_posix()}"\n',
        encoding="utf-8",
    )
    return [*dlscan, "run", "--config", str(config), "--dry-run", "--fail-on", "never"]


def run_one(target: str, data: bytes, folder: Path) -> tuple[str, float, float]:
    """(outcome, seconds, peak MB) of reading one input."""
    path = folder / TARGETS[target].file_name
    path.write_bytes(data)
    errors = folder / "stderr.txt"
    began = time.monotonic()
    with errors.open("wb") as err:
        process = subprocess.Popen(command(target, path, folder), cwd=folder, stdout=subprocess.DEVNULL, stderr=err)
        code, peak = _wait(process)
    seconds = time.monotonic() - began
    text = errors.read_text(encoding="utf-8", errors="replace").strip()
    if code is None:
        return "hang", seconds, peak
    if code not in (0, 1, 2):
        return f"exit {code}: {text[:200]}", seconds, peak
    # `run` logs its progress on stderr too: what counts is one error line, and no traceback.
    errors_said = [line for line in text.splitlines() if line.startswith("dlscan: error:")]
    if code == 2 and (len(errors_said) != 1 or "Traceback" in text):
        return "not one error line on stderr", seconds, peak
    if peak > MEMORY_MB:
        return f"peak {peak:.0f} MB", seconds, peak
    return f"exit {code}", seconds, peak


def _wait(process: subprocess.Popen) -> tuple[int | None, float]:
    """(exit code, or None when it ran past HANG_SECONDS and was killed; its peak MB, 0 where unknown)."""
    if not hasattr(os, "wait4"):  # Windows: no rusage of one child
        try:
            return process.wait(timeout=HANG_SECONDS), 0.0
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return None, 0.0
    limit = time.monotonic() + HANG_SECONDS
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_maxrss / 1024
        if time.monotonic() > limit:
            process.kill()
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = -9
            return None, usage.ru_maxrss / 1024
        time.sleep(0.02)


def worker(number: int, deadline: float, seed: int, keep: Path | None) -> tuple[Counter, list[float], float]:
    rng = random.Random(seed * 1000 + number)
    outcomes: Counter = Counter()
    times: list[float] = []
    peak = 0.0
    names = sorted(TARGETS)
    with tempfile.TemporaryDirectory(prefix=f"dlscan-fuzz-{number}-") as name:
        folder = Path(name)
        (folder / "export.ldif").write_bytes(SMALL_LDIF)
        count = 0
        while time.monotonic() < deadline:
            target = names[count % len(names)]
            data = mutate(TARGETS[target].seed, rng, rng.randint(1, 8))
            outcome, seconds, mb = run_one(target, data, folder)
            count += 1
            times.append(seconds)
            peak = max(peak, mb)
            ok = outcome in ("exit 0", "exit 1", "exit 2")
            outcomes[(target, "ok" if ok else outcome)] += 1
            if not ok and keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                (keep / f"{target}-{number}-{count}{Path(TARGETS[target].file_name).suffix}").write_bytes(data)
    return outcomes, times, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="folder for the inputs that failed")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    with ThreadPoolExecutor(args.workers) as pool:
        results = list(pool.map(lambda n: worker(n, deadline, args.seed, args.keep), range(args.workers)))
    outcomes: Counter = Counter()
    times: list[float] = []
    peak = 0.0
    for found, took, mb in results:
        outcomes.update(found)
        times.extend(took)
        peak = max(peak, mb)
    print(f"{len(times):,} inputs in {args.minutes:g} min on {args.workers} workers; slowest {max(times):.1f} s, "
          f"largest peak {peak:.0f} MB")  # fmt: skip
    for (target, outcome), n in sorted(outcomes.items()):
        print(f"  {target:<13} {outcome:<40} {n:>6,}")
    failed = sum(n for (_, outcome), n in outcomes.items() if outcome != "ok")
    print("no failures" if not failed else f"{failed:,} failures")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
