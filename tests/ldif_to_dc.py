"""Replay an AD export (LDIF) into a test DC: the same people, contacts and lists under the DC's domain.

The directory assigns new objectGUIDs, so findings are compared on what they say, not on their ids.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import ldap3
from samba_dc import ADMIN_DN, ADMIN_PASSWORD, BASE_DN, CONFIG_DN

from dlscan.sources.ldif import read_ldif

COPIED = {
    "user": (
        "displayName",
        "givenName",
        "sn",
        "mail",
        "proxyAddresses",
        "targetAddress",
        "department",
        "company",
        "description",
        "mailNickname",
        "msExchRecipientTypeDetails",
        "msExchHomeServerName",
    ),
    "contact": (
        "displayName",
        "givenName",
        "sn",
        "mail",
        "proxyAddresses",
        "targetAddress",
        "company",
        "description",
        "mailNickname",
        "msExchRecipientTypeDetails",
    ),
    "group": (
        "displayName",
        "mail",
        "proxyAddresses",
        "groupType",
        "description",
        "mailNickname",
        "msExchRequireAuthToSendTo",
        "msExchHideFromAddressLists",
        "msExchRecipientTypeDetails",
    ),
    "dynamic": (
        "displayName",
        "mail",
        "proxyAddresses",
        "description",
        "mailNickname",
        "msExchRequireAuthToSendTo",
        "msExchHideFromAddressLists",
        "msExchRecipientTypeDetails",
        "msExchDynamicDLFilter",
        "msExchQueryFilter",
    ),
}
LINKS = ("member", "managedBy", "authOrig", "dLMemSubmitPerms", "msExchDynamicDLBaseDN")
BUILT_IN_PRINCIPAL = "S-1-5-11"


def load_ldif(path: Path, host: str) -> dict[str, str]:
    """Load the export; returns the names that had to change (foreign principals), old -> new."""
    records = list(read_ldif(path))
    domain = next(r.dn for r in records if "domainDNS" in r.texts("objectclass"))

    def moved(dn: str) -> str:
        for old, new in ((f"CN=Configuration,{domain}", CONFIG_DN), (domain, BASE_DN)):
            if dn.lower().endswith(old.lower()):
                return dn[: len(dn) - len(old)] + new
        return dn

    connection = ldap3.Connection(
        ldap3.Server(host, get_info=ldap3.NONE), ADMIN_DN, ADMIN_PASSWORD, auto_bind=True, raise_exceptions=True
    )
    created: set[str] = set()
    renamed: dict[str, str] = {}
    principals: dict[str, str] = {}

    def ensure_parent(dn: str) -> None:
        parent = _parent(dn)
        if parent.upper().startswith("OU=") and parent not in created:
            ensure_parent(parent)
            with contextlib.suppress(ldap3.core.exceptions.LDAPEntryAlreadyExistsResult):
                connection.add(parent, ["top", "organizationalUnit"])
            created.add(parent)

    links: list[tuple[str, str, list[str]]] = []
    for record in records:
        classes = {c.lower() for c in record.texts("objectclass")}
        dn = moved(record.dn)
        if "domaindns" in classes:
            continue
        if "crossrefcontainer" in classes:
            connection.modify(dn, {"uPNSuffixes": [(ldap3.MODIFY_ADD, record.texts("upnsuffixes"))]})
            continue
        if "msexchaccepteddomain" in classes:
            _add_path(connection, _parent(dn))
            connection.add(
                dn,
                ["top", "msExchAcceptedDomain"],
                {"msExchAcceptedDomainName": record.texts("msexchaccepteddomainname")},
            )
            continue
        if "foreignsecurityprincipal" in classes:
            # Samba refuses principals of domains it does not trust, so the export's principal is replayed
            # as one the DC has built in; `renamed` tells the caller which name changed.
            renamed[record.dn.split(",", 1)[0].removeprefix("CN=")] = BUILT_IN_PRINCIPAL
            principals[dn.lower()] = f"CN={BUILT_IN_PRINCIPAL},CN=ForeignSecurityPrincipals,{BASE_DN}"
            continue
        kind = (
            "dynamic"
            if "msexchdynamicdistributionlist" in classes
            else "group"
            if "group" in classes
            else "contact"
            if "contact" in classes
            else "user"
        )
        ensure_parent(dn)
        attributes = {a: [v for v in record.texts(a.lower()) if v] for a in COPIED[kind]}
        attributes = {a: values for a, values in attributes.items() if values}
        if kind == "user":
            disabled = int(record.texts("useraccountcontrol")[0]) & 2 if record.texts("useraccountcontrol") else 0
            attributes["userAccountControl"] = "546" if disabled else "544"
        object_classes = {
            "group": ["top", "group"],
            "contact": ["top", "person", "organizationalPerson", "contact"],
            "user": ["top", "person", "organizationalPerson", "user"],
            "dynamic": ["top", "msExchDynamicDistributionList"],
        }[kind]
        connection.add(dn, object_classes, attributes)
        for link in LINKS:
            if record.texts(link.lower()):
                links.append((dn, link, [moved(v) for v in record.texts(link.lower())]))
    for dn, link, values in links:
        connection.modify(dn, {link: [(ldap3.MODIFY_ADD, [principals.get(v.lower(), v) for v in values])]})
    connection.unbind()
    return renamed


def _parent(dn: str) -> str:
    """The DN one level up, respecting escaped commas."""
    i = 0
    while True:
        i = dn.index(",", i)
        if dn[i - 1] != "\\":
            return dn[i + 1 :]
        i += 1


def _add_path(connection: ldap3.Connection, dn: str) -> None:
    """Create the containers down to `dn` in the configuration partition, as Exchange would."""
    if dn.lower() == f"CN=Services,{CONFIG_DN}".lower():
        return
    _add_path(connection, _parent(dn))
    with contextlib.suppress(ldap3.core.exceptions.LDAPEntryAlreadyExistsResult):
        connection.add(dn, ["top", "container"])
