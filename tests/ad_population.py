"""What the tests load into the Samba DC: a small council with every shape dlscan must read correctly.

Nesting and a cycle, a 5,000-member list (ranged retrieval), contacts inside and outside, Unicode names,
DNs with commas and quotes, Exchange attributes, an accepted domain, a UPN suffix, a foreign security
principal, a group that is not mail-enabled, and members outside a narrower search base.
"""

from __future__ import annotations

import ldap3
from samba_dc import ADMIN_DN, ADMIN_PASSWORD, BASE_DN, CONFIG_DN

MAIL = "example.test"
LEGACY = "legacy.example.test"
BIG_LIST_SIZE = 5000
STAFF_OU = f"OU=Staff,{BASE_DN}"
ODD_OU = f"OU=Odd\\, Names,{BASE_DN}"
CONTACTS_OU = f"OU=Contacts,{BASE_DN}"
GROUPS_OU = f"OU=Groups,{BASE_DN}"
CROWD_OU = f"OU=Crowd,{BASE_DN}"
EVERYONE_FSP = f"CN=S-1-5-11,CN=ForeignSecurityPrincipals,{BASE_DN}"

USERS = [
    ("Zoë Brontë", "zoe.bronte", MAIL, True),
    ("Łukasz Nowak", "lukasz.nowak", MAIL, True),
    ("Siân Llewelyn", "sian.llewelyn", MAIL, True),
    ("Amara Okafor", "amara.okafor", MAIL, True),
    ("Ben Clarke", "ben.clarke", MAIL, True),
    ("Carys Hughes", "carys.hughes", LEGACY, True),
    ("Dev Patel", "dev.patel", "Example.TEST", True),
    ("Old Leaver", "old.leaver", MAIL, False),
]


def load(host: str = "127.0.0.1") -> None:
    connection = ldap3.Connection(
        ldap3.Server(host, port=389, get_info=ldap3.NONE),
        ADMIN_DN,
        ADMIN_PASSWORD,
        auto_bind=True,
        raise_exceptions=True,
    )
    add = connection.add
    for ou in (STAFF_OU, ODD_OU, CONTACTS_OU, GROUPS_OU, CROWD_OU):
        add(ou, ["top", "organizationalUnit"])
    staff = {}
    for name, local, domain, enabled in USERS:
        dn = f"CN={name},{STAFF_OU}"
        add(
            dn,
            ["top", "person", "organizationalPerson", "user"],
            {
                "displayName": name,
                "sAMAccountName": local[:20],
                "mail": f"{local}@{domain}",
                "proxyAddresses": [f"SMTP:{local}@{domain}", f"smtp:{local}@{LEGACY}"],
                "userAccountControl": str(544 if enabled else 546),
                "msExchRecipientTypeDetails": "1",
            },
        )
        staff[local] = dn
    odd = f'CN=O\'Brien\\, \\"Pat\\",{ODD_OU}'
    add(
        odd,
        ["top", "person", "organizationalPerson", "user"],
        {
            "displayName": 'Pat "Paddy" O\'Brien',
            "sAMAccountName": "pat.obrien",
            "mail": f"pat.obrien@{MAIL}",
            "userAccountControl": "544",
        },
    )
    contacts = {}
    for name, address in [
        ("Helen Carter (Health Trust)", "helen.carter@health.example.org"),
        ("DS Anna Kowalski", "anna.kowalski@police.example.org"),
        ("Carer Jones", "carer.jones@gmail.com"),
        ("Coroner Liaison", f"coroner@{MAIL}"),
        ("IT Service Desk (Supplier)", "servicedesk@supplier.example.org"),
        ("Invoices", "invoices@examp1e.test"),
    ]:
        dn = f"CN={name},{CONTACTS_OU}"
        add(
            dn,
            ["top", "person", "organizationalPerson", "contact"],
            {
                "displayName": name,
                "mail": address,
                "targetAddress": f"SMTP:{address}",
                "proxyAddresses": [f"SMTP:{address}"],
                "msExchRecipientTypeDetails": "64",
            },
        )
        contacts[name] = dn
    crowd = []
    for i in range(BIG_LIST_SIZE):
        dn = f"CN=Resident {i:05d},{CROWD_OU}"
        add(dn, ["top", "person", "organizationalPerson", "contact"], {"mail": f"resident{i}@{MAIL}"})
        crowd.append(dn)

    def group(
        name: str,
        members: list[str],
        *,
        mail: bool = True,
        owner: str | None = staff["ben.clarke"],
        open_: bool = False,
        hidden: bool = False,
        security: bool = False,
        extra: dict | None = None,
    ) -> str:
        dn = f"CN={name.replace(',', chr(92) + ',')},{GROUPS_OU}"
        local = "".join(c if c.isalnum() else "." for c in name.lower()).strip(".")
        attrs: dict = {"displayName": name, "groupType": str(-2147483640 if security else 8)}
        if mail:
            attrs.update(
                {
                    "mail": f"{local}@{MAIL}",
                    "proxyAddresses": [f"SMTP:{local}@{MAIL}"],
                    "msExchRequireAuthToSendTo": "FALSE" if open_ else "TRUE",
                }
            )
        if hidden:
            attrs["msExchHideFromAddressLists"] = "TRUE"
        if owner:
            attrs["managedBy"] = owner
        attrs.update(extra or {})
        add(dn, ["top", "group"], attrs)
        if members:
            connection.modify(dn, {"member": [(ldap3.MODIFY_ADD, members)]})
        return dn

    team_a = group("Team Ä", [staff["zoe.bronte"], staff["lukasz.nowak"], odd])
    partners = group("Care Partners", [contacts["Helen Carter (Health Trust)"], contacts["DS Anna Kowalski"]])
    team_b = group("Children's Team", [staff["sian.llewelyn"], staff["amara.okafor"], partners])
    group("All Staff", [team_a, team_b, staff["carys.hughes"], staff["dev.patel"]])
    loop_one = group("Loop One", [staff["ben.clarke"]])
    loop_two = group("Loop Two", [loop_one])
    connection.modify(loop_one, {"member": [(ldap3.MODIFY_ADD, [loop_two])]})
    group("Everyone In Town", crowd, hidden=True)
    group("Public Enquiries", [staff["ben.clarke"], staff["amara.okafor"]], open_=True)
    group("Finance, Payments", [staff["dev.patel"], contacts["Invoices"]], owner=None)
    club = group("Social Club", [staff["zoe.bronte"]], mail=False, security=True)
    group("Xmas Party", [club])
    group(
        "Fostering Panel",
        [staff["amara.okafor"], contacts["Carer Jones"], staff["old.leaver"], EVERYONE_FSP],
        extra={"authOrig": [staff["amara.okafor"]]},
    )
    group("Coroner Group", [staff["sian.llewelyn"], contacts["Coroner Liaison"]], owner=staff["old.leaver"])
    group("IT Service Desk", [staff["ben.clarke"], staff["dev.patel"], staff["zoe.bronte"]])
    _accepted_domain(connection)
    connection.modify(f"CN=Partitions,{CONFIG_DN}", {"uPNSuffixes": [(ldap3.MODIFY_ADD, [LEGACY])]})
    connection.unbind()


def _accepted_domain(connection: ldap3.Connection) -> None:
    path = [f"CN=Microsoft Exchange,CN=Services,{CONFIG_DN}"]
    path.append(f"CN=Council,{path[-1]}")
    path.append(f"CN=Transport Settings,{path[-1]}")
    path.append(f"CN=Accepted Domains,{path[-1]}")
    for dn in path:
        connection.add(dn, ["top", "container"])
    connection.add(f"CN={MAIL},{path[-1]}", ["top", "msExchAcceptedDomain"], {"msExchAcceptedDomainName": MAIL})
