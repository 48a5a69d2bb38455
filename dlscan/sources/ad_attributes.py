"""The Active Directory attributes dlscan reads, named once for the LDAP collector (which asks for them)
and the LDIF reader (which holds their values to be text)."""

from __future__ import annotations

ATTRIBUTES = (
    "objectClass",
    "objectGUID",
    "displayName",
    "name",
    "mail",
    "proxyAddresses",
    "targetAddress",
    "userAccountControl",
    "groupType",
    "managedBy",
    "msExchCoManagedByLink",
    "msExchRequireAuthToSendTo",
    "msExchHideFromAddressLists",
    "authOrig",
    "dLMemSubmitPerms",
    "msExchRecipientTypeDetails",
    "mailNickname",
    "description",
    "company",
    "department",
    *(f"extensionAttribute{n}" for n in range(1, 16)),
)
"""What the collector asks of every user, contact and group, as AD spells the names."""
DYNAMIC_ATTRIBUTES = ("msExchDynamicDLFilter", "msExchDynamicDLBaseDN", "msExchQueryFilter")
"""What a dynamic distribution list adds: its filter, the base it applies under, its recipient filter."""
TEXT_ATTRIBUTES = frozenset(
    name.lower()
    for name in (
        *ATTRIBUTES,
        *DYNAMIC_ATTRIBUTES,
        "member",
        "cn",
        "objectCategory",
        "unauthOrig",
        "uPNSuffixes",
        "msExchAcceptedDomainName",
    )
    if name != "objectGUID"
)
"""The attributes dlscan reads as text (lower-case): one whose value is not text marks a damaged export."""
