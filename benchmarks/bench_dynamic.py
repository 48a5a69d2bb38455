"""What expanding Exchange's dynamic lists adds to a scan: the same directory with and without them.

    python benchmarks/bigdir.py M /tmp/big
    python benchmarks/bench_dynamic.py /tmp/big/M.ldif --lists 20 --runs 3

The export is first given what real AD exports carry and Exchange's filters test (objectCategory,
mailNickname, msExchHomeServerName on mailboxes, a department); then `--lists` dynamic lists are added:
one of every active mailbox (a bitwise rule on userAccountControl), one of mailboxes and mail contacts (the
hazard DL021 reports), the rest one department each. Three files are scanned in a fresh process, `--runs`
times: without the lists; with them as dynamic lists; and with them as ordinary groups holding the members
their filters select. The last against the second is what expanding costs: the rules see the same lists.
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


def as_groups(dynamic: Path) -> str:
    """The dynamic lists as ordinary groups that hold, as members, whom their filters select."""
    from dlscan.model import ListKind
    from dlscan.sources import load_source

    snapshot = load_source(dynamic)
    dns = {i: o.dn for i, o in (*snapshot.recipients.items(), *snapshot.lists.items())}
    text = []
    for group in (x for x in snapshot.lists.values() if x.kind is ListKind.DYNAMIC):
        members = "".join(f"member: {dns[m]}\n" for m in group.members)
        text.append(
            f"dn: {group.dn}\nobjectClass: group\ndisplayName: {group.display_name}\ngroupType: 8\n"
            f"mail: {group.primary_address}\nmsExchRequireAuthToSendTo: TRUE\n{members}\n"
        )
    return "".join(text)


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
    assigned = args.export.with_name(args.export.stem + "-assigned.ldif")
    assigned.write_text(plain.read_text(encoding="utf-8") + as_groups(dynamic), encoding="utf-8", newline="\n")
    times = {path: [] for path in (plain, dynamic, assigned)}
    for _ in range(args.runs):
        for path in times:  # alternated, so that a slow moment of the machine falls on both
            times[path].append(scan_seconds(path))
    without, with_lists, as_assigned = (statistics.median(t) for t in times.values())
    print(f"{users:,} users; {args.lists} dynamic lists")
    for label, path in (("without the lists", plain), ("dynamic lists", dynamic), ("the same as groups", assigned)):
        print(
            f"{label:>18}: {statistics.median(times[path]):.2f} s (runs {', '.join(f'{t:.2f}' for t in times[path])})"
        )
    print(f"expanding them:     {with_lists - as_assigned:+.2f} s ({(with_lists - as_assigned) / as_assigned:+.1%})")
    print(f"the lists in all:   {with_lists - without:+.2f} s ({(with_lists - without) / without:+.1%})")


if __name__ == "__main__":
    main()
