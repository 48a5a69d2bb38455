"""`dlscan collect m365` against plain httpx doing the same requests, on one local Graph-compatible server.

    python benchmarks/bench_graph.py [--users 20000 --groups 2000 --members 50 --concurrency 4 --runs 3]

Builds a tenant (users, contacts, distribution lists and Microsoft 365 groups with `--members` members
each), serves it from tests/graph_server.py in its own process, then alternately times:
- dlscan's whole collection (msgraph-core/kiota requests, JSON parsed, model and snapshot built);
- a plain httpx.AsyncClient sending the same requests at the same concurrency, parsing the JSON only.
Prints the medians and the ratio of throughputs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from graph_tenant import Tenant  # noqa: E402 - after the path set-up above

from dlscan.sources.m365 import mapping  # noqa: E402
from dlscan.sources.m365.collector import M365Collector  # noqa: E402
from dlscan.sources.m365.settings import AuthMethod, GraphSettings  # noqa: E402
from dlscan.support.secret import Secret  # noqa: E402

TOKEN = "good-token"


def build_tenant(users: int, groups: int, members: int, seed: int = 1) -> Tenant:
    rng = random.Random(seed)
    tenant = Tenant(domains=[{"id": "contoso.example", "isVerified": True}])
    for n in range(users):
        uid = f"u{n:07d}"
        tenant.users[uid] = {
            "id": uid,
            "displayName": f"User {n}",
            "mail": f"user{n}@contoso.example",
            "proxyAddresses": [f"SMTP:user{n}@contoso.example"],
            "userPrincipalName": f"user{n}@contoso.example",
            "userType": "Member" if n % 50 else "Guest",
            "accountEnabled": n % 97 != 0,
        }
    for n in range(users // 20):
        cid = f"c{n:07d}"
        tenant.contacts[cid] = {
            "id": cid,
            "displayName": f"Partner {n}",
            "mail": f"p{n}@partner.example",
            "proxyAddresses": [],
        }
    everyone = list(tenant.users) + list(tenant.contacts)
    for n in range(groups):
        gid = f"g{n:07d}"
        unified = n % 4 == 0
        tenant.groups[gid] = {
            "id": gid,
            "displayName": f"List {n}",
            "mail": f"list{n}@contoso.example",
            "mailEnabled": True,
            "securityEnabled": False,
            "groupTypes": ["Unified"] if unified else [],
            "proxyAddresses": [f"SMTP:list{n}@contoso.example"],
            "description": "",
        }
        tenant.members[gid] = rng.sample(everyone, members)
        if unified:
            tenant.owners[gid] = [rng.choice(list(tenant.users))]
    return tenant


async def plain_httpx(base: str, tenant_groups: list[dict], concurrency: int) -> int:
    """The requests dlscan sends, sent by httpx alone; returns the memberships read."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        headers=headers, timeout=60, limits=httpx.Limits(max_connections=concurrency * 2)
    ) as http:

        async def pages(url: str) -> list[dict]:
            found = []
            while url:
                page = (await http.get(url)).json()
                found += page["value"]
                url = page.get("@odata.nextLink")
            return found

        tops = await asyncio.gather(
            pages(f"{base}/domains?$select=id,isVerified"),
            pages(f"{base}/users?$select={mapping.USER_FIELDS}&$top=999"),
            pages(f"{base}/contacts?$select={mapping.CONTACT_FIELDS}&$top=999"),
            pages(f"{base}/groups?$select={mapping.GROUP_FIELDS}&$top=999"),
        )
        groups = tops[3]
        gate = asyncio.Semaphore(concurrency)

        async def batch(urls: list[str]) -> int:
            body = {"requests": [{"id": str(i), "method": "GET", "url": u} for i, u in enumerate(urls)]}
            async with gate:
                reply = (await http.post(f"{base}/$batch", json=body)).json()
            return sum(len(r["body"]["value"]) for r in reply["responses"])

        def chunks(urls: list[str]) -> list[list[str]]:
            return [urls[i : i + 20] for i in range(0, len(urls), 20)]

        member_urls = [f"/groups/{g['id']}/members?$select={mapping.MEMBER_FIELDS}&$top=999" for g in groups]
        read = await asyncio.gather(*(batch(c) for c in chunks(member_urls)))
        owner_urls = [f"/groups/{g['id']}/owners?$select=id&$top=999" for g in groups if mapping.graph_knows_owners(g)]
        await asyncio.gather(*(batch(c) for c in chunks(owner_urls)))
        return sum(read)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tenant = build_tenant(args.users, args.groups, args.members)
    memberships = sum(len(m) for m in tenant.members.values())
    with tempfile.TemporaryDirectory() as folder:
        tenant_file = Path(folder) / "tenant.json"
        tenant_file.write_text(json.dumps(tenant.to_json()), encoding="utf-8")
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "graph_server.py"), str(tenant_file)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            url = server.stdout.readline().strip()
            settings = GraphSettings(
                tenant_id=None,
                client_id=None,
                auth=AuthMethod.ACCESS_TOKEN,
                secret=Secret(TOKEN),
                endpoint=url,
                concurrency=args.concurrency,
            )
            dlscan_times, httpx_times = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                collector = M365Collector(settings)
                snapshot = collector.collect()
                dlscan_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                read = asyncio.run(plain_httpx(f"{url}/v1.0", list(tenant.groups.values()), args.concurrency))
                httpx_times.append(time.perf_counter() - started)
            assert read == memberships
            assert sum(len(g.members) for g in snapshot.lists.values()) == memberships
        finally:
            server.terminate()
            server.wait()
    ours, theirs = statistics.median(dlscan_times), statistics.median(httpx_times)
    print(
        f"tenant: {args.users:,} users, {len(tenant.contacts):,} contacts, {args.groups:,} groups, "
        f"{memberships:,} memberships; {collector.requests:,} requests; concurrency {args.concurrency}"
    )
    print(f"dlscan collect m365: {ours:.2f} s ({memberships / ours:,.0f} memberships/s)")
    print(f"plain httpx:         {theirs:.2f} s ({memberships / theirs:,.0f} memberships/s)")
    print(f"dlscan throughput / httpx throughput: {theirs / ours:.2f}")


if __name__ == "__main__":
    main()
