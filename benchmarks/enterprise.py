"""The shapes a large enterprise directory has, which the council shape of `bigdir` lacks.

- **Numbered addresses**: most lists are `list00042@`, numbered in the order they were made.
- **Systematic names**: region x department x team ("North West Finance Payables").
- **Generated aliases**: a tenth of the lists are Microsoft 365 groups, named "Team North West Finance
  3", half made in Teams (`msteams_9a3f2b@`) and half by tools that give a GUID alone
  (`2f1c9a4e-7b3d-4c2a-9e8f-1a2b3c4d5e6f@`).
- **Families of near-identical lists**: each department has a cluster of lists made by copying
  ("... Payables", "... Payables 2", "... Payables (old)", "... Payables - Copy", "... Payable"), all of
  one audience.
- **Partners by region**: each region's department has its partners list, of one outside firm per
  region ("North Finance Partners (External)", "South Finance Partners (External)"), so east and west
  differ by two letters and by organisation.

Planted hazards, which DL005 must find among the rest: one family in which one copy reaches a partner,
a numbered series of which one member reaches outside, and an internal safeguarding list with a
look-alike external twin. Nothing else differs in audience within a family or series.
"""

from __future__ import annotations

import random
import uuid

from bigdir import DOMAIN, SIZES, Group, Person, _id, _weighted

REGIONS = ["North", "South", "East", "West", "North West", "North East", "South West", "South East", "Central"]
DEPARTMENTS = [
    "Finance", "Payroll", "Procurement", "Legal", "Estates", "Facilities", "Marketing", "Sales", "Support",
    "Engineering", "Operations", "Logistics", "Compliance", "Risk", "Audit", "Training", "Recruitment",
    "Safety", "Quality", "Research",
]  # fmt: skip
TEAMS = ["Payables", "Receivables", "Managers", "Analysts", "Officers", "Leads", "Admin", "Desk", "Rota", "Projects"]
COPIES = ["{}", "{} 2", "{} (old)", "{} - Copy", "{} Team"]
"""How one list becomes a family: copied, renamed a little, never cleaned up."""
PLANTED = 3
"""The hazards planted: a family with one copy reaching outside, a series member reaching outside, and
an internal safeguarding list with its external twin."""


def build(size: str, seed: int = 1) -> tuple[list[Person], list[Group]]:
    recipients_wanted, lists_wanted, memberships_wanted = SIZES[size]
    rng = random.Random(seed)
    given, surnames = _weighted("given.txt"), _weighted("surnames.txt")
    people: list[Person] = []
    staff_wanted = int(recipients_wanted * 0.95)
    for n in range(staff_wanted):
        first, last = rng.choices(given[0], given[1])[0], rng.choices(surnames[0], surnames[1])[0]
        people.append(Person(_id(rng), "user", f"{first} {last}", f"u{n:07d}@{DOMAIN}"))
    firms = [f"{r.lower().replace(' ', '')}-partner.example" for r in REGIONS]
    outsiders = []
    for n in range(recipients_wanted - staff_wanted):
        first, last = rng.choices(given[0], given[1])[0], rng.choices(surnames[0], surnames[1])[0]
        outsiders.append(Person(_id(rng), "contact", f"{first} {last}", f"c{n:06d}@{firms[n % len(firms)]}"))
    people += outsiders
    staff = people[:staff_wanted]
    by_firm = {firm: [p for p in outsiders if p.address.endswith("@" + firm)] for firm in firms}
    size_of = max(3, memberships_wanted // lists_wanted)
    groups: list[Group] = []
    numbered = iter(range(1, 10**7))

    def make(name: str, members: list[str], generated: bool = False) -> Group:
        alias = _generated(rng) if generated else f"list{next(numbered):05d}"
        group = Group(_id(rng), name, f"{alias}@{DOMAIN}", members, [rng.choice(staff).id])
        groups.append(group)
        return group

    while len(groups) < lists_wanted - 20:
        for region, department in ((r, d) for d in DEPARTMENTS for r in REGIONS):
            if len(groups) >= lists_wanted - 20:
                break
            round_ = len(groups) // (len(REGIONS) * len(DEPARTMENTS) * (len(TEAMS) + 2))
            prefix = f"{region} {department}" + (f" {round_ + 1}" if round_ else "")
            firm = firms[REGIONS.index(region)]
            make(f"{prefix} Partners (External)", [p.id for p in rng.sample(by_firm[firm], 4)])
            pool = rng.sample(staff, size_of * 4)
            for team in TEAMS:
                members = [p.id for p in rng.sample(pool, size_of)]
                name = f"{prefix} {team}"
                copies = COPIES if team == "Payables" else COPIES[:1]
                for copy in copies:
                    make(copy.format(name), list(members))
            make(f"Team {prefix} {rng.randint(1, 9)}", [p.id for p in rng.sample(pool, size_of)], generated=True)
    _plant(rng, groups, staff, outsiders, make)
    return people, groups


def _generated(rng: random.Random) -> str:
    """A Microsoft 365 group's alias as Teams or a provisioning tool makes it."""
    if rng.random() < 0.5:
        return f"msteams_{rng.getrandbits(24):06x}"
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _plant(rng: random.Random, groups: list[Group], staff: list[Person], outsiders: list[Person], make) -> None:
    family = next(g for g in groups if g.name.endswith("Payables (old)"))
    family.members.append(rng.choice(outsiders).id)  # one copy of a family reaches outside
    series = [make(f"Ward {n:02d} Councillors", [rng.choice(staff).id for _ in range(5)]) for n in range(1, 13)]
    series[6].members.append(rng.choice(outsiders).id)  # one ward list reaches outside
    make("Safeguarding Board", [p.id for p in rng.sample(staff, 6)])
    make("Safeguarding B\u043eard (External)", [p.id for p in rng.sample(outsiders, 3)])
