"""What dlscan's readers are fuzzed with: a valid seed per reader, and mutations of it.

Shared by the bounded property tests (tests/test_fuzz_readers.py, hypothesis picks the mutations) and the
long run (benchmarks/fuzz_readers.py, a seeded random source picks them), so that a failure found by one
can be replayed by the other. A reader may accept a mutated input or refuse it with one line (exit 2);
anything else, a traceback, a hang or a memory blow-up, is a failure.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "wyvern.ldif"

SMALL_LDIF = b"""version: 1

dn: DC=corp,DC=example
objectClass: domainDNS

dn: CN=Alice,OU=Staff,DC=corp,DC=example
objectClass: user
displayName: Alice
mail: alice@corp.example

dn: CN=Pat,OU=Contacts,DC=corp,DC=example
objectClass: contact
displayName:: UGF0IFBhcnRuZXI=
mail: pat@partner.example

dn: CN=Team,OU=Groups,DC=corp,DC=example
objectClass: group
displayName: Team
mail: team@corp.example
member: CN=Alice,OU=Staff,DC=corp,DC=example
member: CN=Pat,OU=Contacts,DC=corp,DC=example
member: CN=Inner,OU=Groups,DC=corp,DC=example

dn: CN=Inner,OU=Groups,DC=corp,DC=example
objectClass: group
mail: inner@corp.example
member: CN=Team,OU=Groups,DC=corp,DC=example

dn: CN=Everyone,OU=Groups,DC=corp,DC=example
objectClass: msExchDynamicDistributionList
mail: everyone@corp.example
msExchDynamicDLBaseDN: DC=corp,DC=example
msExchDynamicDLFilter: (&(mail=*)(|(objectClass=user)(&(objectClass=contact)(!(cn=P\2a*))))(sn>=a))

"""

SMALL_SNAPSHOT = b"""{"format":"dlscan-snapshot","format_version":1,
"source":{"kind":"ldif","name":"corp.ldif","collected_at":null,"completeness":"whole"},
"internal_domains":[{"name":"corp.example","origin":"test","include_subdomains":false}],
"notes":[],
"recipients":[{"id":"u1","kind":"user","display_name":"Alice","primary_address":"alice@corp.example"},
{"id":"c1","kind":"contact","display_name":"Pat","primary_address":"pat@partner.example"}],
"lists":[{"id":"l1","display_name":"Team","primary_address":"team@corp.example","members":["u1","c1","l2"]},
{"id":"l2","display_name":"Inner","primary_address":"inner@corp.example","members":["l1"],"owners":["u1"]}]}
"""

CONFIG = b"""[scan]
internal_domains = ["corp.example", "*.corp.example"]
format = "csv"
fail_on = "high"

[run]
input = "export.ldif"
state_dir = "state"
csv = "out/findings.csv"
max_shrink = 0.25

[tickets]
system = "webhook"
min_severity = "high"

[tickets.webhook]
url = "https://tickets.example/hook"
"""

RULE_PACK = b"""rules:
  DL011:
    params: {max_depth: 3}
  DL014:
    params: {min_similarity: 0.9, min_recipients: 3}
  DL003:
    severity: critical
  DL005:
    enabled: true
custom_rules:
  ORG001:
    slug: safeguarding-outside
    title: A safeguarding list that reaches outside
    severity: high
    when:
      - {fact: name, op: matches, value: '(?i)safeguard'}
      - {fact: external_recipients, op: gt, value: 0}
    rationale: Safeguarding details must stay with the council and its named partners.
    remediation: Take the outside recipients off, or rename the list to say it reaches outside.
"""

SUPPRESSIONS = b"""suppressions:
  - rule: DL013
    list: team@corp.example
    reason: Owned by the service desk
    accepted_by: DPO
    expires: 2027-12-31
  - rule: "*"
    name: "Ward ?? Councillors"
    reason: Councillors' lists are reviewed yearly
    accepted_by: Head of IT
    expires: 2027-06-30
"""

TOKENS = [
    b"\x00", b"\r", b"\n", b"\r\n", b"\n ", b"\t", b" ", b":", b"::", b":<", b"#", b"-", b"=", b"\"", b"'",
    b"{", b"}", b"[", b"]", b",", b"&a ", b"*a", b"!!python/object", b"1e999", b"NaN", b"-1", b"2099-13-45",
    b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3\x28", b"\xe2\x80\xae", b"dn: ", b"member: ", b"objectClass: group\n",
    b"result: 4 Size limit exceeded\n", b"member;range=0-1499: ", b"# numEntries: 9\n", b"# LDAPv3\n",
    b"changetype: modify\n", b"version: 2\n", b'"lists":[],', b'"members":[', b"null", b"true", b"[[[[[[[[",
    b"=HYPERLINK(\"x\")", b"0" * 40, b"A" * 300, b"(", b")", b"(&", b"(!", b"~=", b":=", b"\\", b"\\zz",
    b":1.2.840.113556.1.4.804:", b"msExchDynamicDLFilter: ",
]
"""Pieces that have broken readers before, or sit on their edges."""


@dataclass(frozen=True)
class Target:
    name: str
    seed: bytes
    file_name: str


TARGETS = {
    "ldif": Target("ldif", SMALL_LDIF, "export.ldif"),
    "snapshot": Target("snapshot", SMALL_SNAPSHOT, "export.json"),
    "config": Target("config", CONFIG, "dlscan.toml"),
    "rulepack": Target("rulepack", RULE_PACK, "rules.yaml"),
    "suppressions": Target("suppressions", SUPPRESSIONS, "accepted.yaml"),
}


def flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :]


def insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(TOKENS) + data[at:]


def delete(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, 40) :]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def repeat(data: bytes, rng: random.Random) -> bytes:
    """A slice repeated, up to a thousand times: deep nesting, long values, many entries."""
    if not data:
        return data
    at = rng.randrange(len(data))
    piece = data[at : at + rng.randint(1, 60)]
    return data[:at] + piece * rng.choice([2, 10, 100, 1000]) + data[at:]


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return data
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [flip, insert, delete, truncate, repeat, swap_lines]


def mutate(seed: bytes, rng: random.Random, steps: int) -> bytes:
    data = seed
    for _ in range(steps):
        data = rng.choice(MUTATIONS)(data, rng)
    return data
