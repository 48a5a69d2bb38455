"""Synthetic council directories with planted hazards and a manifest of what a scan must find.

    python benchmarks/synth.py --users 1500 --output northmoor.ldif

Northmoor District Council: departments with nested teams, ward councillors in a numbered series,
partner organisations as contacts, a legacy second domain, mixed-case addresses, contacts that point at
internal mailboxes, properly marked partner lists, and a few planted hazards of every rule. `expected`
lists exactly the (rule, list) pairs a correct scan reports; everything else is clean.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlscan.sources.ldif_write import format_record

BASE = "DC=corp,DC=northmoor,DC=gov,DC=uk"
DOMAIN = "northmoor.gov.uk"
LEGACY = "northmoordc.org.uk"
DEPARTMENTS = [
    "Adult Care",
    "Children and Families",
    "Housing Needs",
    "Payroll",
    "Legal",
    "Digital",
    "Revenues",
    "Planning",
    "Environment",
    "Leisure",
    "Customer Contact",
    "Democratic Services",
]
PARTNERS = {
    "northmoor-ics.nhs.uk": "Northmoor ICS",
    "northmoor.police.uk": "Northmoor Police",
    "moorland-homes.org.uk": "Moorland Homes",
    "brightschools.sch.uk": "Bright Schools Trust",
    "civic-payments.co.uk": "Civic Payments Ltd",
    "fellside-care.co.uk": "Fellside Care",
}
GIVEN = [
    "Amara",
    "Bilal",
    "Carys",
    "Declan",
    "Efua",
    "Finn",
    "Gwen",
    "Hassan",
    "Isla",
    "Jack",
    "Kiran",
    "Lena",
    "Mateusz",
    "Nia",
    "Olu",
    "Petra",
    "Quinn",
    "Rosa",
    "Sami",
    "Tegan",
    "Umar",
    "Vera",
    "Wiktor",
    "Ximena",
    "Yara",
    "Zack",
    "Renée",
    "Ciarán",
    "Jože",
    "Ångström",
]
FAMILY = [
    "Abbott",
    "Begum",
    "Collins",
    "Dunn",
    "Ellis",
    "Foster",
    "Gill",
    "Hart",
    "Ito",
    "Jenkins",
    "Kaur",
    "Lloyd",
    "Mills",
    "Nash",
    "Osei",
    "Parry",
    "Rees",
    "Shaw",
    "Turner",
    "Vaughan",
    "Ward",
    "Young",
    "D'Souza",
    "Müller",
    "Sørensen",
]


@dataclass
class Council:
    users: int = 1800
    seed: int = 7
    rng: random.Random = field(init=False)
    records: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    expected: set[tuple[str, str]] = field(default_factory=set)
    staff: dict[str, list[str]] = field(default_factory=dict)
    addresses: dict[str, tuple[str, str]] = field(default_factory=dict)
    owner: str = ""
    _serial: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _add(self, dn: str, attrs: list[tuple[str, object]]) -> str:
        attrs.append(("objectGUID", uuid.uuid5(uuid.NAMESPACE_DNS, f"{self.seed}:{dn}").bytes_le))
        self.records[dn] = attrs
        return dn

    def person(self, department: str, *, enabled: bool = True, domain: str = DOMAIN) -> str:
        self._serial += 1
        first, last = self.rng.choice(GIVEN), self.rng.choice(FAMILY)
        local = f"{first}.{last}{self._serial}".lower().replace("'", "")
        cn = f"{last}\\, {first} ({self._serial})"
        dn = f"CN={cn},OU={department},OU=People,{BASE}"
        self.addresses[dn] = (f"{first} {last}", f"{local}@{domain}")
        self._add(
            dn,
            [
                ("objectClass", "user"),
                ("displayName", f"{first} {last}"),
                ("department", department),
                ("mail", f"{local}@{domain}"),
                ("proxyAddresses", f"SMTP:{local}@{domain}"),
                ("userAccountControl", "512" if enabled else "66050"),
            ],
        )
        return dn

    def contact(self, name: str, address: str) -> str:
        dn = f"CN={name} <{self._next()}>,OU=External Contacts,{BASE}".replace("<", "\\<").replace(">", "\\>")
        return self._add(
            dn,
            [
                ("objectClass", "contact"),
                ("displayName", name),
                ("mail", address),
                ("targetAddress", f"SMTP:{address}"),
            ],
        )

    def dl(
        self,
        name: str,
        members: list[str],
        *,
        owner: bool = True,
        open_: bool = False,
        expect: tuple[str, ...] = (),
        local: str | None = None,
    ) -> str:
        local = local or "".join(c if c.isalnum() else "." for c in name.lower()).strip(".")
        dn = f"CN={name},OU=Distribution Lists,{BASE}"
        attrs: list[tuple[str, object]] = [
            ("objectClass", "group"),
            ("groupType", "8"),
            ("displayName", name),
            ("mail", f"{local}@{DOMAIN}"),
            ("msExchRequireAuthToSendTo", "FALSE" if open_ else "TRUE"),
        ]
        if owner:
            attrs.append(("managedBy", self.owner))
        attrs += [("member", m) for m in members]
        self.expected.update((code, name) for code in expect)
        return self._add(dn, attrs)

    def link(self, group: str, member: str) -> None:
        self.records[group].append(("member", member))

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def ldif(self) -> str:
        return "version: 1\n\n" + "".join(format_record(dn, a) for dn, a in self.records.items())  # type: ignore[arg-type]


def build(users: int = 1800, seed: int = 7) -> Council:
    c = Council(users=users, seed=seed)
    c._add(BASE, [("objectClass", "domainDNS")])
    c._add(
        f"CN=Partitions,CN=Configuration,{BASE}",
        [("objectClass", "crossRefContainer"), ("uPNSuffixes", DOMAIN), ("uPNSuffixes", LEGACY)],
    )
    per_department = max(8, users // len(DEPARTMENTS))
    for department in DEPARTMENTS:
        c.staff[department] = [c.person(department) for _ in range(per_department)]
    c.owner = c.staff["Digital"][0]
    legacy = [c.person("Planning", domain=LEGACY) for _ in range(4)]
    shouty = [c.person("Revenues", domain="NORTHMOOR.GOV.UK") for _ in range(3)]
    leavers = [c.person("Leisure", enabled=False) for _ in range(3)]
    partners = {d: [c.contact(f"{org} contact {i}", f"person{i}@{d}") for i in range(6)] for d, org in PARTNERS.items()}
    internal_contacts = [c.contact(f"Shared mailbox {i}", f"shared.box{i}@{DOMAIN}") for i in range(3)]

    # Clean structure: departments, nested teams, all staff, councillor wards.
    department_lists = []
    for department in DEPARTMENTS:
        people = c.staff[department]
        teams = [c.dl(f"{department} Team {t + 1}", people[t::4]) for t in range(4)]
        department_lists.append(c.dl(f"{department} (All)", [*teams, *people[:2]]))
    c.dl("Northmoor All Staff", department_lists)
    for ward in range(1, 31):
        c.dl(f"Ward {ward:02d} Councillors", [c.person("Members") for _ in range(2)])
    c.dl("Planning Policy Officers", [*legacy, *c.staff["Planning"][:3]])
    c.dl("Revenues Recovery", [*shouty, *c.staff["Revenues"][5:8]])
    c.dl("Shared Mailbox Forwarders", [*internal_contacts, *c.staff["Digital"][1:3]])
    # Properly marked partner lists: mixed ones are recorded at info, external-only ones are silent.
    for domain, org in PARTNERS.items():
        c.dl(f"{org} Liaison [EXT]", [*partners[domain][:3], c.staff["Customer Contact"][0]], expect=("DL001",))
        c.dl(f"{org} - External", partners[domain][3:])

    # Planted hazards.
    ics, police, homes = (partners[d] for d in ("northmoor-ics.nhs.uk", "northmoor.police.uk", "moorland-homes.org.uk"))
    c.dl("Adult Care Safeguarding Board", [*c.staff["Adult Care"][:6], ics[0]], expect=("DL001", "DL003"))
    c.dl("Leisure Bookings", [*c.staff["Leisure"][:4], partners["fellside-care.co.uk"][0]], expect=("DL001", "DL003"))
    hidden = c.dl("Child Protection Conference Attendees", [police[0], ics[1]], expect=("DL003",))
    c.dl(
        "Children and Families Leadership",
        [*c.staff["Children and Families"][:5], hidden],
        expect=("DL001", "DL002", "DL003"),
    )
    tenancy = c.dl("Tenancy Panel", [homes[0], homes[1]], expect=("DL003",))
    c.dl("Housing Needs Managers", [*c.staff["Housing Needs"][:3], tenancy], expect=("DL001", "DL002", "DL003"))
    c.dl("Payroll External Auditors", c.staff["Payroll"][:3], expect=("DL004",))
    c.dl("Contact Centre Inbound", c.staff["Customer Contact"][1:5], open_=True, expect=("DL009",))
    c.dl("Licensing Public Queries", c.staff["Environment"][:3], open_=True, expect=("DL009",))
    board = c.dl("Growth Board", c.staff["Planning"][4:6], expect=("DL010",))
    c.link(board, c.dl("Growth Delivery Group", [*c.staff["Planning"][6:8], board]))
    chain = c.staff["Digital"][3:5]
    for level in range(7, 0, -1):
        chain = [c.dl(f"Incident Cascade {level}", chain, expect=("DL011",) if level == 1 else ())]
    c.dl("Old Consultation 2018", [], expect=("DL012",))
    c.dl("Members Allowances", c.staff["Democratic Services"][:3], owner=False, expect=("DL013",))
    c.dl("Environment Rota", c.staff["Environment"][3:7], owner=False, expect=("DL013",))
    same = c.staff["Legal"][:5]
    c.dl("Legal Duty Solicitors", same)
    c.dl("Duty Solicitors Rota", list(reversed(same)), expect=("DL014",))
    c.dl("Leisure Centre Staff", [*c.staff["Leisure"][4:8], leavers[0], leavers[1]], expect=("DL015",))

    # Names people confuse, and outsiders that imitate insiders.
    c.dl("Housing Needs Assessment", c.staff["Housing Needs"][3:6])
    c.dl("Housing Needs Assessment (Partners)", homes[2:4], expect=("DL005",))
    c.dl("Payroll Queries", c.staff["Payroll"][3:6])
    c.dl("P\u0430yroll Queries", partners["civic-payments.co.uk"][:2], expect=("DL003", "DL005"))
    c.dl("Democratic Services Committee Clerks", c.staff["Democratic Services"][3:6])
    c.dl("DSC Clerks", [police[2]], expect=("DL003", "DL005"))
    c.dl("Revenues Billing", c.staff["Revenues"][8:11], local="revenues.billing")
    agents = [partners["civic-payments.co.uk"][2]]
    c.dl("Council Tax Agents", agents, local="revenue.billing", expect=("DL003", "DL005"))
    c.dl("Digital Service Desk", c.staff["Digital"][5:8])
    c.contact("Digital Service Desk (Contractor)", "helpdesk@it-contractor.co.uk")
    c.expected.add(("DL006", "Digital Service Desk (Contractor)"))
    name, address = c.addresses[c.staff["Legal"][1]]
    c.contact(name, address.split("@")[0] + "@outlook.com")
    c.expected.add(("DL006", name))
    c.contact("Accounts Payable", "ap@northrnoor.co.uk")
    c.expected.add(("DL007", "Accounts Payable"))
    carers = [c.contact(f"Carer {i}", f"carer.{i}@gmail.com") for i in range(2)]
    c.dl("Fostering Network", [*c.staff["Children and Families"][6:9], *carers], expect=("DL001", "DL003", "DL008"))
    return c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    council = build(args.users, args.seed)
    args.output.write_text(council.ldif(), encoding="utf-8", newline="\n")
    print(f"wrote {len(council.records)} objects to {args.output}")


if __name__ == "__main__":
    main()
