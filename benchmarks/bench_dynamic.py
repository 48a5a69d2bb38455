"""What expanding Exchange's dynamic lists adds to a scan: the same directory with and without them.

    python benchmarks/bigdir.py M /tmp/big
    python benchmarks/bench_dynamic.py /tmp/big/M.ldif --lists 20 --runs 3

The export is first given what real AD exports carry and Exchange's filters test (objectCategory,
mailNickname, msExchHomeServerName on mailboxes, a department); then `--lists` dynamic lists are added:
one of every active mailbox (a bitwise rule on userAccountControl), one of mailboxes and mail contacts (the
hazard DL021 reports), the rest one department each. Both files are scanned in a fresh process, `--runs`
times; the medians and the difference are printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

BASE = "DC=council,DC=example"
SCHEMA = f"CN=Schema,CN=Configuration,{BASE}"
DEPARTMENTS = 40


def enrich(source: Path, target: Path) -> int:
    """The export with the attributes filters test; returns the number of users."""
    users = 0
    with source.open(encoding="utf-8") as read, target.open("w", encoding="utf-8", newline="\n") as out:
        for line in read:
            out.write(line)
            if line == "objectClass: user\n":
                users += 1
                out.write(
                    f"objectCategory: CN=Person,{SCHEMA}\nmailNickname: u{users}\n"
                    f"msExchHomeServerName: /o=Council/cn=Servers/cn=EX0{users % 4}\n"
                    f"department: Department {users % DEPARTMENTS}\n"
                )
            elif line == "objectClass: contact\n":
                out.write(f"objectCategory: CN=Person,{SCHEMA}\nmailNickname: c\n")
    return users


def dynamic_lists(count: int) -> str:
    mailbox = "(objectCategory=person)(objectClass=user)(mailNickname=*)(msExchHomeServerName=*)"
    filters = [
        ("All Mailboxes", f"(&{mailbox}(!(userAccountControl:1.2.840.113556.1.4.803:=2)))"),
        ("All Recipients", f"(&(mailNickname=*)(|(&{mailbox})(&(objectCategory=person)(objectClass=contact))))"),
    ]
    filters += [(f"Dynamic Department {n}", f"(&{mailbox}(department=Department {n}))") for n in range(count - 2)]
    return "".join(
        f"dn: CN={name},OU=Groups,{BASE}\nobjectClass: top\nobjectClass: msExchDynamicDistributionList\n"
        f"displayName: {name}\nmail: dyn{n}@council.example\nmsExchRequireAuthToSendTo: TRUE\n"
        f"msExchDynamicDLBaseDN: {BASE}\nmsExchDynamicDLFilter: {text}\n\n"
        for n, (name, text) in enumerate(filters)
    )


def scan_seconds(path: Path) -> float:
    started = time.perf_counter()
    command = [sys.executable, "-m", "dlscan", "scan", str(path), "--format", "json", "--fail-on", "never"]
    subprocess.run([*command, "-o", str(path.with_suffix(".findings.json"))], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path)
    parser.add_argument("--lists", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    plain = args.export.with_name(args.export.stem + "-exchange.ldif")
    users = enrich(args.export, plain)
    dynamic = args.export.with_name(args.export.stem + "-dynamic.ldif")
    dynamic.write_text(plain.read_text(encoding="utf-8") + dynamic_lists(args.lists), encoding="utf-8", newline="\n")
    times = {path: [] for path in (plain, dynamic)}
    for _ in range(args.runs):
        for path in times:  # alternated, so that a slow moment of the machine falls on both
            times[path].append(scan_seconds(path))
    without, with_lists = (statistics.median(t) for t in times.values())
    print(f"{users:,} users; {args.lists} dynamic lists")
    print(f"without: {without:.2f} s (runs {', '.join(f'{t:.2f}' for t in times[plain])})")
    print(f"with:    {with_lists:.2f} s (runs {', '.join(f'{t:.2f}' for t in times[dynamic])})")
    print(f"added:   {with_lists - without:+.2f} s ({(with_lists - without) / without:+.1%})")


if __name__ == "__main__":
    main()
