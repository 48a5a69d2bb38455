"""Large synthetic directories for the scale benchmarks, written as LDIF and as a dlscan snapshot.

    python benchmarks/bigdir.py S|M|L OUTPUT_FOLDER [--seed 1] [--organisations N] [--shape enterprise]

| size | recipients | lists | memberships |
|---|---|---|---|
| S | 10k | 1k | 50k |
| M | 100k | 10k | 500k |
| L | 1M | 100k | 5M |

The shape is a large public body: directorates of departments of teams, each department with an
"All" list nesting its teams and a clearly marked partners list of outside contacts; a directorate list
nesting its departments and an "All Staff" list nesting the directorates. Around it: numbered series
(project boards), guests, disabled leavers, and a few planted hazards (mixed lists, a look-alike twin,
personal mail, a nesting cycle, empty lists). Both files are written as a stream, never whole in memory.

With --organisations N it is a shared mail service instead: N organisations on the one domain, told
apart by companyName ("Organisation 1" ...), each with its own directorates, departments and teams, an
"All Staff" list reaching all of them, and 20 teams that each took in someone from another organisation.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SIZES = {"S": (10_000, 1_000, 50_000), "M": (100_000, 10_000, 500_000), "L": (1_000_000, 100_000, 5_000_000)}
DOMAIN = "council.example"
WORDS = [
    "Housing",
    "Highways",
    "Planning",
    "Revenues",
    "Benefits",
    "Licensing",
    "Waste",
    "Parks",
    "Libraries",
    "Leisure",
    "Schools",
    "Adoption",
    "Fostering",
    "Safeguarding",
    "Payroll",
    "Pensions",
    "Procurement",
    "Audit",
    "Legal",
    "Elections",
    "Registrars",
    "Transport",
    "Environmental",
    "Health",
    "Trading",
    "Standards",
    "Regeneration",
    "Tourism",
    "Archives",
    "Coroners",
    "Cemeteries",
    "Markets",
    "Parking",
    "Lighting",
    "Drainage",
    "Bridges",
    "Tenancy",
    "Homelessness",
    "Allocations",
    "Repairs",
    "Estates",
    "Facilities",
]
PLACES = [
    "Abingdon", "Alnwick", "Ashford", "Aylesbury", "Banbury", "Barnstaple", "Basingstoke", "Bedford",
    "Beverley", "Bexhill", "Bicester", "Bideford", "Blyth", "Bodmin", "Boston", "Bracknell", "Bradford",
    "Braintree", "Bridgwater", "Bridport", "Buxton", "Camborne", "Carlisle", "Chard", "Chatham", "Chesham",
    "Chichester", "Chippenham", "Clitheroe", "Colchester", "Corby", "Crawley", "Crewe", "Darlington",
    "Dartford", "Daventry", "Devizes", "Didcot", "Dorchester", "Dover", "Durham", "Ely", "Epsom", "Exmouth",
    "Falmouth", "Fareham", "Felixstowe", "Frome", "Gainsborough", "Glossop", "Goole", "Grantham", "Gravesend",
    "Halifax", "Harlow", "Harrogate", "Hastings", "Hereford", "Hexham", "Hinckley", "Hitchin", "Honiton",
    "Horsham", "Ilkley", "Ipswich", "Kendal", "Keswick", "Kettering", "Launceston", "Ledbury", "Leek",
    "Lewes", "Lichfield", "Louth", "Ludlow", "Maldon", "Malton", "Margate", "Matlock", "Melton", "Morpeth",
    "Newark", "Newbury", "Northallerton", "Oakham", "Ormskirk", "Penrith", "Redruth", "Retford", "Ripon",
    "Rugby", "Salisbury", "Selby", "Skipton", "Spalding", "Stafford", "Stroud", "Taunton", "Thetford",
    "Tiverton", "Truro", "Uckfield", "Wantage", "Warminster", "Wetherby", "Whitby", "Witney", "Yeovil",
]  # fmt: skip
"""Real market towns: departments are named by service and place, as a county's are."""
TEAMS = [
    "Team",
    "Officers",
    "Managers",
    "Leads",
    "Admin",
    "Duty",
    "Panel",
    "Forum",
    "Support",
    "Operations",
    "Casework",
    "Review",
    "Finance",
    "Training",
    "Compliance",
    "Projects",
    "Quality",
    "Intake",
    "Outreach",
    "Records",
]
NAMES = Path(__file__).parent / "names"


def _weighted(name: str) -> tuple[list[str], list[float]]:
    """Names with their frequencies (1990 US Census), so that common names are common, as in a real
    directory: a million staff include hundreds of John Smiths and a long tail of rare names."""
    names, weights = [], []
    for line in (NAMES / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            text, weight = line.split()
            names.append(text)
            weights.append(float(weight))
    return names, weights


@dataclass
class Person:
    id: str
    kind: str
    name: str
    address: str
    enabled: bool = True
    company: str | None = None


@dataclass
class Group:
    id: str
    name: str
    address: str
    members: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def boundary(organisations: int) -> dict:
    """The boundary section that declares a shared service's organisations, as `build` names them."""
    return {
        "organisations": [
            {"name": f"Organisation {n}", "attribute": "companyName", "values": [f"Organisation {n}"]}
            for n in range(1, organisations + 1)
        ]
    }


def organisation_of(index: int, staff: int, organisations: int) -> int:
    """The organisation (0-based) of the staff member at `index`: contiguous blocks of the staff list."""
    return index * organisations // staff


def build(size: str, seed: int = 1, organisations: int = 0) -> tuple[list[Person], list[Group]]:
    recipients_wanted, lists_wanted, memberships_wanted = SIZES[size]
    rng = random.Random(seed)
    people: list[Person] = []
    staff_wanted = int(recipients_wanted * 0.9)
    given, surnames = _weighted("given.txt"), _weighted("surnames.txt")

    def person_names(count: int) -> list[tuple[str, str]]:
        firsts = rng.choices(given[0], given[1], k=count)
        return list(zip(firsts, rng.choices(surnames[0], surnames[1], k=count), strict=True))

    taken: dict[str, int] = {}
    for first, last in person_names(staff_wanted):
        local = f"{first}.{last}".lower()
        taken[local] = seen = taken.get(local, 0) + 1
        address = f"{local}{seen if seen > 1 else ''}@{DOMAIN}"
        people.append(Person(_id(rng), "user", f"{first} {last}", address, enabled=rng.random() > 0.005))
    trades = ["", "-care", "-law", "-consulting", "-health", "-housing", "-trust", "-group"]
    firms = rng.sample(surnames[0], max(20, recipients_wanted // 2000))
    partners = [f"{firm.lower()}{rng.choice(trades)}.example" for firm in firms]
    for n, (first, last) in enumerate(person_names(recipients_wanted - staff_wanted)):
        kind = "guest" if n % 5 == 0 else "contact"
        local = f"{first}.{last}" if n % 3 == 0 else f"{first[0]}{last}{rng.randint(1, 99) if n % 7 == 0 else ''}"
        address = f"{local}@{rng.choice(partners)}".lower()
        taken[address] = seen = taken.get(address, 0) + 1
        address = address.replace("@", f"{seen}@") if seen > 1 else address
        people.append(Person(_id(rng), kind, f"{first} {last}", address))
    staff = [p for p in people if p.kind == "user"]
    outsiders = [p for p in people if p.kind != "user"]
    for n, person in enumerate(staff if organisations else ()):
        person.company = f"Organisation {organisation_of(n, len(staff), organisations) + 1}"
    groups: list[Group] = []
    per_department = 25
    departments = max(1, lists_wanted // per_department)
    directorates = max(1, departments // 20)
    team_size = max(5, (memberships_wanted - departments * 20 - recipients_wanted // 10) // (departments * 20))
    pool_size = min(len(staff), team_size * 6)
    all_staff = Group(_id(rng), "All Staff", f"allstaff@{DOMAIN}")
    directorate_lists = [Group(_id(rng), f"Directorate {d + 1} All", f"directorate{d + 1}@{DOMAIN}")
                         for d in range(directorates)]  # fmt: skip
    all_staff.members = [g.id for g in directorate_lists]
    groups += [all_staff, *directorate_lists]
    for d in range(departments):
        word, place = WORDS[d % len(WORDS)], PLACES[(d // len(WORDS)) % len(PLACES)]
        label = f"{word} {place}" + (f" {d // (len(WORDS) * len(PLACES)) + 1}" if d >= len(WORDS) * len(PLACES) else "")
        start = d * pool_size // 2 % len(staff)
        if organisations:
            # The department's staff all come from its directorate's organisation.
            block = _block((d % directorates) % organisations, len(staff), organisations)
            start = block.start + (d // organisations * pool_size // 2) % max(1, len(block) - pool_size)
        pool = [staff[(start + k) % len(staff)].id for k in range(pool_size)]
        slug = label.lower().replace(" ", ".")
        everyone = Group(_id(rng), f"{label} All", f"{slug}.all@{DOMAIN}")
        partners_list = Group(_id(rng), f"{label} Partners (External)", f"{slug}.partners.ext@{DOMAIN}")
        partners_list.members = [rng.choice(outsiders).id for _ in range(rng.randint(3, 12))]
        teams = []
        for t in range(per_department - 5):
            function = TEAMS[t % len(TEAMS)]
            team = Group(_id(rng), f"{label} {function}", f"{slug}.{function.lower()}@{DOMAIN}")
            team.members = rng.sample(pool, team_size)
            teams.append(team)
        board_staff = pool if organisations else [p.id for p in staff]
        boards = [Group(_id(rng), f"{label} Project Board {b + 1}", f"{slug}.board{b + 1}@{DOMAIN}",
                        [rng.choice(board_staff) for _ in range(8)]) for b in range(3)]  # fmt: skip
        everyone.members = [t.id for t in teams]
        directorate_lists[d % directorates].members.append(everyone.id)
        groups += [everyone, partners_list, *teams, *boards]
        if len(groups) >= lists_wanted - 40:
            break
    for group in groups:
        if rng.random() < 0.85:
            group.owners = [rng.choice(staff).id]
    _plant(rng, groups, staff, outsiders, people)
    if organisations:
        by_id = {p.id: n for n, p in enumerate(staff)}
        teams = [g for g in groups if g.name.endswith(" Officers") and g.members and g.members[0] in by_id]
        for team in rng.sample(teams, min(20, len(teams))):
            own = organisation_of(by_id[team.members[0]], len(staff), organisations)
            other = _block((own + 1) % organisations, len(staff), organisations)
            team.members.append(staff[rng.randrange(other.start, other.stop)].id)  # two organisations
    return people, groups


def _block(organisation: int, staff: int, organisations: int) -> range:
    """The staff indexes of one organisation (the inverse of `organisation_of`)."""
    first = next(i for i in range(organisation * staff // organisations, staff)
                 if organisation_of(i, staff, organisations) == organisation)  # fmt: skip
    last = next((i for i in range(first, staff) if organisation_of(i, staff, organisations) != organisation), staff)
    return range(first, last)


def _plant(rng: random.Random, groups: list[Group], staff: list[Person], outsiders: list[Person],
           people: list[Person]) -> None:  # fmt: skip
    """A few hazards, as real directories have: the rules must find exactly these among the clean lists."""
    teams = [g for g in groups if g.name.endswith(" Team")]
    for team in rng.sample(teams, min(20, len(teams))):
        team.members.append(rng.choice(outsiders).id)  # mixed, and unmarked
    for original in rng.sample(teams, min(5, len(teams))):
        twin = Group(_id(rng), original.name.replace("o", "\u043e", 1) + " Partners", f"twin.{original.address}",
                     [rng.choice(outsiders).id for _ in range(4)])  # fmt: skip
        groups.append(twin)
    for n in range(5):
        personal = Person(_id(rng), "contact", f"Home Address {n}", f"someone{n}@gmail.com")
        people.append(personal)
        rng.choice(teams).members.append(personal.id)
    first, second = (
        Group(_id(rng), "Cycle Board A", f"cyclea@{DOMAIN}"),
        Group(_id(rng), "Cycle Board B", f"cycleb@{DOMAIN}"),
    )
    first.members, second.members = [second.id, staff[0].id], [first.id, staff[1].id]
    groups += [first, second]
    groups += [Group(_id(rng), f"Old Project {n}", f"old{n}@{DOMAIN}") for n in range(10)]


def write_ldif(people: list[Person], groups: list[Group], path: Path) -> None:
    base = "DC=council,DC=example"
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(f"version: 1\n\ndn: {base}\nobjectClass: domainDNS\n\n")
        dns = {}
        for p in people:
            # Common names repeat (hundreds of John Smiths), as in real directories; a CN must not.
            cn, ou = (p.address.split("@")[0], "Staff") if p.kind == "user" else (p.address, "Contacts")
            dns[p.id] = f"CN={cn},OU={ou},{base}"
        for g in groups:
            dns[g.id] = f"CN={g.name},OU=Groups,{base}"
        for p in people:
            guid = base64.b64encode(uuid.UUID(p.id).bytes_le).decode()
            classes = "objectClass: user\n" if p.kind == "user" else "objectClass: contact\n"
            uac = f"userAccountControl: {512 if p.enabled else 514}\n" if p.kind == "user" else ""
            target = f"targetAddress: SMTP:{p.address}\n" if p.kind != "user" else ""
            company = f"company: {p.company}\n" if p.company else ""
            out.write(
                f"dn: {dns[p.id]}\n{classes}objectGUID:: {guid}\ndisplayName: {p.name}\nmail: {p.address}\n"
                f"proxyAddresses: SMTP:{p.address}\n{target}{uac}{company}\n"
            )
        for g in groups:
            guid = base64.b64encode(uuid.UUID(g.id).bytes_le).decode()
            members = "".join(f"member: {dns[m]}\n" for m in g.members)
            owner = f"managedBy: {dns[g.owners[0]]}\n" if g.owners else ""
            out.write(
                f"dn: {dns[g.id]}\nobjectClass: group\nobjectGUID:: {guid}\ndisplayName: {g.name}\n"
                f"groupType: 8\nmail: {g.address}\nproxyAddresses: SMTP:{g.address}\n{owner}{members}\n"
            )


def write_snapshot(people: list[Person], groups: list[Group], path: Path) -> None:
    kinds = {"user": "user", "contact": "contact", "guest": "user"}
    with path.open("w", encoding="utf-8") as out:
        out.write('{"format":"dlscan-snapshot","format_version":1,')
        out.write('"source":{"kind":"ldif","name":"bigdir","collected_at":null},')
        out.write(f'"internal_domains":[{{"name":"{DOMAIN}","origin":"benchmark","include_subdomains":false}}],')
        out.write('"notes":[],"recipients":[')
        for n, p in enumerate(people):
            item = {"id": p.id, "kind": kinds[p.kind], "display_name": p.name, "primary_address": p.address,
                    "addresses": [p.address], "target_address": p.address if p.kind == "contact" else None,
                    "enabled": p.enabled, "guest": p.kind == "guest"}  # fmt: skip
            if p.company:
                item["attributes"] = {"companyName": p.company}
            out.write(("," if n else "") + json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        out.write('],"lists":[')
        for n, g in enumerate(groups):
            item = {"id": g.id, "display_name": g.name, "primary_address": g.address, "members": g.members,
                    "owners": g.owners, "accepts_external_senders": False, "addresses": [g.address]}  # fmt: skip
            out.write(("," if n else "") + json.dumps(item, ensure_ascii=False, separators=(",", ":")))
        out.write("]}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("folder", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--organisations", type=int, default=0, help="a shared service of N organisations")
    parser.add_argument(
        "--shape", choices=["council", "enterprise"], default="council", help="enterprise: benchmarks/enterprise.py"
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    if args.shape == "enterprise":
        import enterprise  # beside this file: its shapes are its own

        people, groups = enterprise.build(args.size, args.seed)
        stem = f"{args.size}-enterprise"
    else:
        people, groups = build(args.size, args.seed, args.organisations)
        stem = f"{args.size}-shared{args.organisations}" if args.organisations else args.size
    write_ldif(people, groups, args.folder / f"{stem}.ldif")
    write_snapshot(people, groups, args.folder / f"{stem}.json")
    memberships = sum(len(g.members) for g in groups)
    print(f"{args.size}: {len(people):,} recipients, {len(groups):,} lists, {memberships:,} memberships")


if __name__ == "__main__":
    main()
