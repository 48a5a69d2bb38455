"""`dlscan collect ad` against `ldapsearch` on the same loaded Samba AD DC, in one run.

    python benchmarks/bench_ldap.py [--users 10000 --groups 2000 --memberships 50000 --runs 3]

Provisions a throwaway DC on loopback (needs root and Samba, as tests/run.sh installs), loads it, then
times ldapsearch (paged, the same attributes, members in full) and dlscan's whole collection (LDAPS,
ranged member reads, snapshot written) alternately, and prints the medians.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import ldap3  # noqa: E402 - after the path set-up above
from samba_dc import ADMIN_DN, ADMIN_PASSWORD, BASE_DN, TLS_NAME, SambaDC  # noqa: E402

from dlscan.sources.ldap import ATTRIBUTES as COLLECTED  # noqa: E402

GIVEN = [
    "Amara",
    "Ben",
    "Carys",
    "Declan",
    "Efua",
    "Finn",
    "Grace",
    "Hassan",
    "Isla",
    "James",
    "Kiran",
    "Laura",
    "Mohammed",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sarah",
    "Tomasz",
    "Uma",
    "Victoria",
    "William",
    "Yusuf",
    "Zoe",
]
FAMILY = [
    "Abbott",
    "Begum",
    "Collins",
    "Davies",
    "Evans",
    "Foster",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "Osei",
    "Patel",
    "Roberts",
    "Smith",
    "Thomas",
    "Walker",
    "Young",
]
ATTRIBUTES = [*COLLECTED, "member"]  # what dlscan reads, for a like-for-like ldapsearch


def load(users: int, groups: int, memberships: int) -> float:
    started = time.perf_counter()
    rng = random.Random(1)
    conn = ldap3.Connection(
        ldap3.Server("127.0.0.1", get_info=ldap3.NONE), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True, raise_exceptions=True
    )
    for ou in ("People", "Lists"):
        conn.add(f"OU={ou},{BASE_DN}", ["top", "organizationalUnit"])
    people = []
    for i in range(users):
        name = f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {i:05d}"
        local = name.lower().replace(" ", ".")
        dn = f"CN={name},OU=People,{BASE_DN}"
        attributes = {
            "sAMAccountName": f"p{i:05d}",
            "mail": f"{local}@example.test",
            "displayName": name,
            "proxyAddresses": [f"SMTP:{local}@example.test"],
            "userAccountControl": "544",
        }
        conn.add(dn, ["top", "person", "organizationalPerson", "user"], attributes)
        people.append(dn)
    lists = []
    for g in range(groups):
        dn = f"CN=List {g:04d},OU=Lists,{BASE_DN}"
        conn.add(
            dn,
            ["top", "group"],
            {
                "groupType": "8",
                "mail": f"list{g}@example.test",
                "msExchRequireAuthToSendTo": "TRUE",
                "managedBy": people[g % users],
            },
        )
        lists.append(dn)
    per_group = memberships // groups
    for g, dn in enumerate(lists):
        members = rng.sample(people, per_group)
        if g % 50 == 0 and g + 1 < groups:
            members[-1] = lists[g + 1]  # some nesting
        conn.modify(dn, {"member": [(ldap3.MODIFY_ADD, members)]})
    conn.unbind()
    return time.perf_counter() - started


def time_ldapsearch(folder: Path) -> float:
    started = time.perf_counter()
    with (folder / "ldapsearch.ldif").open("wb") as out:
        subprocess.run(
            [
                "ldapsearch",
                "-LLL",
                "-x",
                "-H",
                "ldaps://127.0.0.1",
                "-D",
                ADMIN_DN,
                "-w",
                ADMIN_PASSWORD,
                "-b",
                BASE_DN,
                "-E",
                "pr=1000/noprompt",
                "-o",
                "ldif-wrap=no",
                "(|(objectClass=user)(objectClass=contact)(objectClass=group)(objectClass=foreignSecurityPrincipal))",
                *ATTRIBUTES,
            ],
            stdout=out,
            check=True,
            env=dict(os.environ, LDAPTLS_REQCERT="never"),
        )
    return time.perf_counter() - started


def time_dlscan(folder: Path, ca_file: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "dlscan",
            "collect",
            "ad",
            "--server",
            "ldaps://127.0.0.1",
            "--user",
            ADMIN_DN,
            "--password-env",
            "BENCH_PASSWORD",
            "--ca-file",
            str(ca_file),
            "--tls-name",
            TLS_NAME,
            "--output",
            str(folder / "snapshot.json.gz"),
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, BENCH_PASSWORD=ADMIN_PASSWORD),
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--memberships", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        dc = SambaDC(folder / "dc")
        dc.provision()
        dc.start()
        try:
            dc.extend_schema()
            loaded = load(args.users, args.groups, args.memberships)
            print(
                f"loaded {args.users:,} users, {args.groups:,} groups, {args.memberships:,} memberships "
                f"in {loaded:.0f} s"
            )
            searches, collections = [], []
            for _ in range(args.runs):
                searches.append(time_ldapsearch(folder))
                collections.append(time_dlscan(folder, dc.ca_file))
        finally:
            dc.stop()
    search, collection = statistics.median(searches), statistics.median(collections)
    print(f"ldapsearch (paged, LDAPS):            median {search:.2f} s  runs {[round(s, 2) for s in searches]}")
    print(f"dlscan collect ad (whole collection): median {collection:.2f} s  runs {[round(c, 2) for c in collections]}")
    print(f"ratio: {collection / search:.2f} x ldapsearch (target: at most 2)")


if __name__ == "__main__":
    main()
