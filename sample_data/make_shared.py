"""Write sample_data/shared_service.ldif: a shared mail service where three organisations share one domain.

Run `python sample_data/make_shared.py` to regenerate; the output is deterministic. Wyvern Health NHS
Trust, Brookside Surgery (a GP practice) and Wyvern Borough Council's adult social care team all have
addresses @wyvernshared.example, told apart only by companyName and by the OU they sit in. Scan it once
per organisation with sample_data/shared_service.toml (see docs/boundary.md).
"""

from __future__ import annotations

from pathlib import Path

from sample_ldif import SampleLdif

BASE = "DC=wyvernshared,DC=example"
MAIL = "wyvernshared.example"
ORGANISATIONS = {
    "Trust": ("Wyvern Health NHS Trust", ["Helen Carter", "Marcus Reid", "Priya Shah", "Tom Hughes", "Ann Lowe"]),
    "Practice": ("Brookside Surgery", ["Dr Sam Okafor", "Jo Patel", "Rhian Evans"]),
    "Council": ("Wyvern Borough Council", ["Gareth Price", "Niamh Byrne", "Kofi Mensah", "Sarah Cole"]),
}


def build() -> str:
    ldif = SampleLdif(BASE, MAIL, "shared")
    add, guid = ldif.add, ldif.guid
    ldif.domain()
    people: dict[str, list[str]] = {}
    for ou, (company, names) in ORGANISATIONS.items():
        for name in names:
            people.setdefault(ou, []).append(ldif.user(f"CN={name},OU={ou},OU=Staff,{BASE}", name, company))
    # A locum whose record nobody finished: no company, so no organisation can claim them.
    locum = add(
        f"CN=Locum Pharmacist,OU=Staff,{BASE}",
        [
            ("objectClass", "user"),
            ("displayName", "Locum Pharmacist"),
            ("objectGUID", guid("locum")),
            ("userAccountControl", "512"),
            ("mail", f"locum.pharmacist@{MAIL}"),
            ("proxyAddresses", f"SMTP:locum.pharmacist@{MAIL}"),
        ],
    )

    def contact(name: str, address: str, company: str, target: str | None = None) -> str:
        dn = f"CN={name},OU=Contacts,{BASE}"
        return add(
            dn,
            [
                ("objectClass", "contact"),
                ("displayName", name),
                ("company", company),
                ("objectGUID", guid(dn)),
                ("mail", address),
                ("targetAddress", f"SMTP:{target or address}"),
                ("proxyAddresses", f"SMTP:{address}"),
                ("msExchRecipientTypeDetails", "64"),
            ],
        )

    police = contact("DS Anna Kowalski (Wyvern Police)", "anna.kowalski@wyvern.police.example", "Wyvern Police")
    # On the shared domain, but delivered to a private mailbox: it looks like a colleague.
    visiting = contact("Visiting Physio", f"visiting.physio@{MAIL}", "Brookside Surgery", "physio.jones@gmail.com")

    def group(name: str, local: str, members: list[str], owner: str) -> None:
        ldif.group(f"CN={name},OU=Groups,{BASE}", name, local, members, owner)

    trust, practice, council = people["Trust"], people["Practice"], people["Council"]
    group("Ward 7 Nurses", "ward7.nurses", trust[:3], trust[0])
    group("Brookside Practice Team", "brookside.team", practice, practice[0])
    group("Council ASC Duty", "asc.duty", council[:3], council[0])
    # Two organisations on one list: one domain, so only companyName or the OU tells them apart.
    group("Discharge Planning", "discharge.planning", [*trust[2:4], *council[1:3]], trust[2])
    group("Prescribing Leads", "prescribing.leads", [practice[0], trust[3], locum], practice[0])
    group("Adult Safeguarding Hub", "safeguarding.hub", [council[0], trust[1], police], council[0])
    group("Brookside Clinical", "brookside.clinical", [*practice[:2], visiting], practice[0])
    return ldif.render()


if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "shared_service.ldif"
    target.write_text(build(), encoding="utf-8", newline="\n")
    print(f"wrote {target}")
