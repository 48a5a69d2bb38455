"""Write sample_data/wyvern.ldif: Wyvern Borough Council, a fictional organisation, as ldifde exports it.

Run `python sample_data/make_wyvern.py` to regenerate; the output is deterministic. The export holds
ordinary, clean lists beside planted hazards for every rule; README.md says what a scan shows.
"""

from __future__ import annotations

import random
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlscan.sources.ldif_write import format_record

BASE = "DC=ad,DC=wyvern,DC=gov,DC=uk"
CONFIG = f"CN=Configuration,{BASE}"
MAIL = "wyvern.gov.uk"
LEGACY = "wyverncouncil.org.uk"
SCHEMA = f"CN=Schema,{CONFIG}"
HOME_SERVER = "/o=Wyvern/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn=WYV-EX01"
# Exchange's own recipient filters, as it writes them to msExchDynamicDLFilter for -IncludedRecipients.
MAILBOXES = "(&(objectCategory=person)(objectClass=user)(mailNickname=*)(msExchHomeServerName=*))"
MAILBOXES_AND_CONTACTS = (
    "(&(mailNickname=*)(|(&(objectCategory=person)(objectClass=user)(msExchHomeServerName=*))"
    "(&(objectCategory=person)(objectClass=contact))))"
)

FIRST = [
    "Aisha",
    "Ben",
    "Catrin",
    "Dev",
    "Eleanor",
    "Farid",
    "Grace",
    "Harry",
    "Ioana",
    "James",
    "Kofi",
    "Laura",
    "Mohammed",
    "Niamh",
    "Owen",
    "Priya",
    "Rhys",
    "Sarah",
    "Tomasz",
    "Uma",
    "Victoria",
    "William",
    "Yusuf",
    "Zoë",
    "Siân",
    "Łukasz",
    "Chloé",
    "Dafydd",
    "Ngozi",
    "Hamish",
]
LAST = [
    "Ahmed",
    "Baker",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nowak",
    "O'Brien",
    "Patel",
    "Roberts",
    "Smith",
    "Thomas",
    "Walker",
    "Brontë",
    "Llewelyn",
    "Okafor",
    "Wright",
]
DEPARTMENTS = {
    "Adult Social Care": 22,
    "Children's Services": 22,
    "Housing": 16,
    "Finance": 12,
    "HR": 8,
    "Legal": 6,
    "IT": 10,
    "Revenues and Benefits": 14,
    "Planning": 10,
    "Waste and Recycling": 12,
    "Customer Services": 14,
    "Communications": 6,
}


def guid(dn: str) -> bytes:
    return uuid.uuid5(uuid.NAMESPACE_URL, "wyvern:" + dn).bytes_le


@dataclass
class Org:
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    records: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    people: dict[str, list[str]] = field(default_factory=dict)

    def add(self, dn: str, attrs: list[tuple[str, object]]) -> str:
        self.records[dn] = [(k, v) for k, v in attrs if v is not None]
        return dn

    def link(self, group: str, member: str) -> None:
        self.records[group].append(("member", member))

    def render(self) -> str:
        return "version: 1\n\n" + "".join(format_record(dn, attrs) for dn, attrs in self.records.items())  # type: ignore[arg-type]

    def person_name(self) -> tuple[str, str]:
        while True:
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            if (first, last) not in self.used:
                self.used.add((first, last))  # type: ignore[arg-type]
                return first, last

    def user(self, department: str, *, disabled: bool = False, domain: str = MAIL, name=None) -> str:
        first, last = name or self.person_name()
        display = f"{first} {last}"
        cn = f"{last}\\, {first}" if self.rng.random() < 0.2 else display
        dn = f"CN={cn},OU={department.replace(chr(39), '')},OU=Staff,{BASE}"
        local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
        address = f"{local}@{domain}"
        self.add(
            dn,
            [
                ("objectClass", "top"),
                ("objectClass", "person"),
                ("objectClass", "organizationalPerson"),
                ("objectClass", "user"),
                ("objectCategory", f"CN=Person,{SCHEMA}"),
                ("cn", cn.replace("\\", "")),
                ("givenName", first),
                ("sn", last),
                ("displayName", display),
                ("department", department),
                ("company", "Wyvern Borough Council"),
                ("objectGUID", guid(dn)),
                ("userAccountControl", "514" if disabled else "512"),
                ("sAMAccountName", local[:20]),
                ("userPrincipalName", f"{local}@{MAIL}"),
                ("mail", address),
                ("proxyAddresses", f"SMTP:{address}"),
                ("proxyAddresses", f"smtp:{local}@{LEGACY}"),
                ("msExchRecipientTypeDetails", "1"),
                ("mailNickname", local),
                ("msExchHomeServerName", HOME_SERVER),
            ],
        )
        self.people.setdefault(department, []).append(dn)
        return dn

    def contact(self, display: str, address: str, company: str, *, target: str | None = None) -> str:
        """A mail contact; `target` when it delivers somewhere other than its address (hybrid routing)."""
        dn = f"CN={display.replace(',', chr(92) + ',')},OU=Contacts,{BASE}"
        self.add(
            dn,
            [
                ("objectClass", "top"),
                ("objectClass", "person"),
                ("objectClass", "organizationalPerson"),
                ("objectClass", "contact"),
                ("objectCategory", f"CN=Person,{SCHEMA}"),
                ("displayName", display),
                ("company", company or None),
                ("objectGUID", guid(dn)),
                ("mail", address),
                ("targetAddress", f"SMTP:{target or address}"),
                ("proxyAddresses", f"SMTP:{address}"),
                ("msExchRecipientTypeDetails", "64"),
                ("mailNickname", address.split("@")[0].replace(".", "")),
            ],
        )
        return dn

    def group(
        self,
        name: str,
        local: str | None,
        members: list[str],
        *,
        owner: str | None = "default",
        open_to_outside: bool = False,
        security: bool = False,
        hidden: bool = False,
        description: str | None = None,
        domain: str = MAIL,
    ) -> str:
        dn = f"CN={name.replace(',', chr(92) + ',')},OU=Groups,{BASE}"
        group_type = str(-2147483640 if security else 8)
        attrs: list[tuple[str, object]] = [
            ("objectClass", "top"),
            ("objectClass", "group"),
            ("objectCategory", f"CN=Group,{SCHEMA}"),
            ("cn", name),
            ("displayName", name),
            ("groupType", group_type),
            ("objectGUID", guid(dn)),
            ("description", description),
        ]
        if local:
            attrs += [
                ("mail", f"{local}@{domain}"),
                ("proxyAddresses", f"SMTP:{local}@{domain}"),
                ("mailNickname", local),
                ("msExchRequireAuthToSendTo", "FALSE" if open_to_outside else "TRUE"),
                ("msExchRecipientTypeDetails", "1024" if security else "256"),
            ]
            if hidden:
                attrs.append(("msExchHideFromAddressLists", "TRUE"))
        if owner == "default":
            owner = self.people["IT"][0]
        if owner:
            attrs.append(("managedBy", owner))
        attrs += [("member", m) for m in members]
        return self.add(dn, attrs)

    def dynamic(self, name: str, local: str, ldap_filter: str, recipient_filter: str, *, base: str = BASE) -> str:
        """An Exchange dynamic distribution list: its members are whoever `ldap_filter` selects under `base`."""
        dn = f"CN={name},OU=Groups,{BASE}"
        return self.add(
            dn,
            [
                ("objectClass", "top"),
                ("objectClass", "msExchDynamicDistributionList"),
                ("objectCategory", f"CN=ms-Exch-Dynamic-Distribution-List,{SCHEMA}"),
                ("cn", name),
                ("displayName", name),
                ("objectGUID", guid(dn)),
                ("mail", f"{local}@{MAIL}"),
                ("proxyAddresses", f"SMTP:{local}@{MAIL}"),
                ("mailNickname", local),
                ("msExchRequireAuthToSendTo", "TRUE"),
                ("msExchRecipientTypeDetails", "8"),
                ("managedBy", self.people["IT"][0]),
                ("msExchDynamicDLBaseDN", base),
                ("msExchDynamicDLFilter", ldap_filter),
                ("msExchQueryFilter", recipient_filter),
            ],
        )


def build() -> str:
    org = Org()
    org.add(
        BASE,
        [
            ("objectClass", "top"),
            ("objectClass", "domain"),
            ("objectClass", "domainDNS"),
            ("dc", "ad"),
            ("objectGUID", guid(BASE)),
        ],
    )
    org.add(f"CN=Partitions,{CONFIG}", [("objectClass", "crossRefContainer"), ("uPNSuffixes", MAIL)])
    exchange = f"CN=Transport Settings,CN=Wyvern,CN=Microsoft Exchange,CN=Services,{CONFIG}"
    for domain in (MAIL, LEGACY):
        org.add(
            f"CN={domain},CN=Accepted Domains,{exchange}",
            [
                ("objectClass", "msExchAcceptedDomain"),
                ("msExchAcceptedDomainName", domain),
                ("msExchAcceptedDomainFlags", "0"),
            ],
        )

    org.user("IT", name=("Gareth", "Price"))
    for department, size in DEPARTMENTS.items():
        for _ in range(size - (1 if department == "IT" else 0)):
            org.user(department)
    # A long-standing team still on the pre-2015 domain, and a mailbox whose domain came in upper case.
    legacy_staff = [org.user("Planning", domain=LEGACY) for _ in range(3)]
    org.user("Finance", domain="Wyvern.GOV.UK")
    leavers = [org.user("Revenues and Benefits", disabled=True) for _ in range(2)]
    fsp = org.add(
        f"CN=S-1-5-21-3623811015-3361044348-30300820-1013,CN=ForeignSecurityPrincipals,{BASE}",
        [("objectClass", "top"), ("objectClass", "foreignSecurityPrincipal"), ("objectGUID", guid("fsp-1013"))],
    )
    coroner = org.contact("Coroner Liaison (shared mailbox)", f"coroner.liaison@{MAIL}", "Wyvern Borough Council")

    nhs = [
        org.contact(
            f"{n} (Wyvern Health NHS Trust)",
            f"{n.lower().replace(' ', '.')}@wyvernhealth.nhs.uk",
            "Wyvern Health NHS Trust",
        )
        for n in ("Helen Carter", "Marcus Reid", "Safeguarding Hub")
    ]
    police = [org.contact("DS Anna Kowalski (Wyvern Police)", "anna.kowalski@wyvern.police.uk", "Wyvern Police")]
    homes = [
        org.contact(f"{n} (Wyvern Homes)", f"{n.lower().replace(' ', '.')}@wyvernhomes.org.uk", "Wyvern Homes")
        for n in ("Tenancy Team", "Julie Fenton")
    ]
    waste = [org.contact("GreenCycle Depot Supervisor", "depot@greencycle-services.co.uk", "GreenCycle Services")]
    agents = [
        org.contact(f"{n} Planning Agent", f"office@{n.lower()}-architects.co.uk", f"{n} Architects")
        for n in ("Hartley", "Moorcroft", "Pennant")
    ]
    caterer = org.contact("Bramble Catering Ltd", "bookings@bramblecatering.co.uk", "Bramble Catering")

    p = org.people
    g = org.group
    # Ordinary internal lists.
    dept_lists = {d: g(f"{d} Team", d.lower().replace("'", "").replace(" ", "."), p[d]) for d in DEPARTMENTS}
    managers = g("Senior Managers", "senior.managers", [p[d][0] for d in DEPARTMENTS])
    g("All Staff", "all.staff", list(dept_lists.values()), description="Every member of staff")
    g("IT Service Desk", "servicedesk", p["IT"][:4])
    g("Finance Payments", "finance.payments", p["Finance"][:4])
    g("Legal Services Duty", "legal.duty", p["Legal"][:3])
    g("Planning Policy", "planning.policy", [*p["Planning"][:3], *legacy_staff])
    g("Coroner Liaison Group", "coroner.group", [*p["Legal"][2:4], coroner])
    for ward in range(1, 7):
        g(
            f"Ward {ward:02d} Councillors",
            f"ward{ward:02d}.councillors",
            [org.user("Members", name=org.person_name()) for _ in range(2)],
        )
    g("Members Support", "members.support", [*p["Communications"][:2], managers])
    # Properly marked partner lists: they reach outside, and their names say so.
    g("Waste Contractors (External)", "waste.contractors.ext", [*p["Waste and Recycling"][:3], *waste])
    g("Planning Agents - EXT", "planning.agents.ext", agents)

    # Planted hazards.
    g("Adult Social Care Safeguarding", "asc.safeguarding", [*p["Adult Social Care"][:5], nhs[2], nhs[0]])
    partners = g("Children's Services Partners", "cs.partners", [nhs[1], police[0]])
    g("Children's Services All", "childrens.all", [*p["Children's Services"][:6], partners])
    g("Events Team", "events", [*p["Communications"][2:5], caterer])
    g("Finance Partners (EXT)", "finance.partners", p["Finance"][4:7])
    g("Public Enquiries", "enquiries", p["Customer Services"][:4], open_to_outside=True)
    g("Housing Tenancy Forum", "tenancy.forum", [*p["Housing"][:3], *homes])
    board = g("Regeneration Board", "regen.board", p["Planning"][3:5])
    programme = g("Regeneration Programme Team", "regen.programme", [*p["Planning"][5:7], board])
    org.link(board, programme)
    tier = p["Customer Services"][4:6]
    for level in range(7, 0, -1):
        tier = [g(f"Emergency Cascade Tier {level}", f"cascade.tier{level}", tier)]
    g("Intranet Project 2019", "intranet2019", [])
    social = g("Social Club Members", None, p["HR"][:3])
    g("Xmas Party 2019", "xmas2019", [social])
    g("Revenues Team", "revenues", [*p["Revenues and Benefits"][:4], *leavers, fsp], owner=None)
    g("Planning Committee", "planning.committee", p["Planning"][:5])
    g("Planning Committee Members", "planning.committee.members", p["Planning"][:5])
    g("Waste Rounds Supervisors", "waste.supervisors", p["Waste and Recycling"][3:6], owner=leavers[0])
    g("Housing Repairs", "housing.repairs", p["Housing"][3:8], owner=None)

    # Names people confuse.
    g("Safeguarding Adults Board", "sab", p["Adult Social Care"][5:10])
    g("Safeguarding Adults Board - External", "sab.external", [*nhs, police[0]])
    g("Adult Social Care Duty", "asc.duty", p["Adult Social Care"][10:14])
    g("ASC Duty", "asc.duty.partners", [nhs[0], homes[1]])
    g("Ch\u0456ldren's Services Team", "cs.team.partners", [police[0]])  # a Cyrillic i
    supplier = org.contact("Northgate Invoicing", "invoices@wyverncounci1.org.uk", "Unknown")
    g("Supplier Remittances", "finance.payment", [p["Finance"][7], supplier])
    org.contact("IT Service Desk (Civica)", "servicedesk@civica-support.co.uk", "Civica")
    # The neighbouring council: a real public body whose domain is one letter from the council's own.
    org.contact("Wyverne Planning Liaison", "liaison@wyverne.gov.uk", "Wyverne District Council")
    home = org.contact("Gareth Price (home)", "gareth.price@gmail.com", "")
    carers = [
        org.contact(f"{n} (foster carer)", f"{n.lower().replace(' ', '.')}@{d}", "")
        for n, d in (("Jo Fenwick", "hotmail.co.uk"), ("Sam Adeyemi", "gmail.com"))
    ]
    g("Fostering Panel", "fostering.panel", [*p["Children's Services"][14:18], *carers])
    g("IT Out of Hours", "it.ooh", [*p["IT"][1:3], home])
    # An address in the council's own domain that delivers to a contractor: it looks like a colleague.
    enforcement = org.contact(
        "Planning Enforcement Officer",
        f"enforcement.officer@{MAIL}",
        "Northfield Surveyors",
        target="enforcement@northfield-surveyors.co.uk",
    )
    g("Planning Enforcement", "planning.enforcement", [*p["Planning"][7:10], enforcement])
    # Left behind by a migration: a second list that holds the same address, and reaches only staff.
    g("Planning Enforcement Team", "planning.enforcement", p["Planning"][7:9])

    # Dynamic lists. One reaches the council's own mailboxes that are not disabled (a bitwise rule on
    # userAccountControl); the other, made with "mailboxes and mail contacts", also reaches every contact.
    org.dynamic(
        "Active Mailboxes",
        "active.mailboxes",
        f"(&{MAILBOXES[2:-1]}(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
        "((RecipientType -eq 'UserMailbox') -and -not(UserAccountControl -like '*AccountDisabled*'))",
        base=f"OU=Staff,{BASE}",
    )
    org.dynamic(
        "Staff Briefing",
        "staff.briefing",
        MAILBOXES_AND_CONTACTS,
        "((RecipientType -eq 'UserMailbox') -or (RecipientType -eq 'MailContact'))",
    )
    return org.render()


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "wyvern.ldif"
    target.write_text(build(), encoding="utf-8", newline="\n")
    print(f"wrote {target}")
