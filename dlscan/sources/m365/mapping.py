"""Graph's JSON objects turned into dlscan's model, field by field, as Exchange Online treats them."""

from __future__ import annotations

from typing import Any

from dlscan.model import (
    Attributes,
    DistributionList,
    DomainDeclaration,
    ListKind,
    Recipient,
    RecipientKind,
    RuleLanguage,
    canonical_attribute,
    make_attributes,
)

_BOUNDARY_FIELDS = "companyName,department"
_GUEST_FIELDS = "userPrincipalName,userType,creationType,externalUserState"
USER_FIELDS = (
    f"id,displayName,mail,proxyAddresses,{_GUEST_FIELDS},accountEnabled,"
    f"{_BOUNDARY_FIELDS},onPremisesExtensionAttributes,onPremisesDistinguishedName"
)
CONTACT_FIELDS = f"id,displayName,mail,proxyAddresses,{_BOUNDARY_FIELDS}"
GROUP_FIELDS = (
    "id,displayName,mail,mailEnabled,securityEnabled,groupTypes,proxyAddresses,description,onPremisesSyncEnabled,"
    "isAssignableToRole,visibility,membershipRule,membershipRuleProcessingState,resourceProvisioningOptions,"
    "mailNickname"
)
MEMBER_FIELDS = (
    f"id,displayName,mail,proxyAddresses,{_GUEST_FIELDS},accountEnabled,{_BOUNDARY_FIELDS},"
    "onPremisesExtensionAttributes,onPremisesDistinguishedName"
)
"""Members carry their own details, so a member created after the user list was read still resolves."""

USER_TYPE = "#microsoft.graph.user"
CONTACT_TYPE = "#microsoft.graph.orgContact"
GROUP_TYPE = "#microsoft.graph.group"


def smtp_addresses(item: dict[str, Any]) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for proxy in item.get("proxyAddresses") or ():
        if isinstance(proxy, str) and proxy[:5].lower() == "smtp:":
            found.setdefault(proxy[5:].strip().lower(), proxy[5:].strip())
    mail = item.get("mail")
    if isinstance(mail, str) and "@" in mail:
        found.setdefault(mail.strip().lower(), mail.strip())
    return tuple(found.values())


def primary_address(item: dict[str, Any]) -> str | None:
    """Graph's `mail` is the primary SMTP address; proxyAddresses' upper-case SMTP: agrees when present."""
    for proxy in item.get("proxyAddresses") or ():
        if isinstance(proxy, str) and proxy.startswith("SMTP:"):
            return proxy[5:].strip()
    mail = item.get("mail")
    return mail.strip() if isinstance(mail, str) and "@" in mail else None


def attributes(item: dict[str, Any], shared: dict[Attributes, Attributes]) -> Attributes:
    """companyName, department and the on-premises extension attributes a boundary may test."""
    pairs = [(name, item.get(name)) for name in ("companyName", "department")]
    extensions = item.get("onPremisesExtensionAttributes")
    if isinstance(extensions, dict):
        pairs += [(name, value) for name, value in extensions.items() if canonical_attribute(name) == name]
    return make_attributes(((n, v) for n, v in pairs if isinstance(v, str)), shared)


def recipient(item: dict[str, Any], odata_type: str, shared: dict[Attributes, Attributes] | None = None) -> Recipient:
    object_id = str(item["id"])
    name = str(item.get("displayName") or "")
    shared = {} if shared is None else shared
    if odata_type == USER_TYPE:
        enabled = item.get("accountEnabled")
        dn = item.get("onPremisesDistinguishedName")
        return Recipient(
            id=object_id,
            kind=RecipientKind.USER,
            display_name=name,
            primary_address=primary_address(item),
            addresses=smtp_addresses(item),
            enabled=enabled if isinstance(enabled, bool) else None,
            guest=is_external_user(item),
            dn=dn if isinstance(dn, str) and dn else None,
            attributes=attributes(item, shared),
        )
    if odata_type == CONTACT_TYPE:
        mail = item.get("mail")
        return Recipient(
            id=object_id,
            kind=RecipientKind.CONTACT,
            display_name=name,
            primary_address=primary_address(item),
            addresses=smtp_addresses(item),
            # Graph gives no targetAddress; an org contact's `mail` is its external address, where Exchange
            # delivers, while its primary SMTP proxy address is what people see.
            target_address=mail.strip() if isinstance(mail, str) and "@" in mail else None,
            attributes=attributes(item, shared),
        )
    kind = odata_type.removeprefix("#microsoft.graph.") or "object"
    # A device, an app, or a member Graph gives no type for: never an AD foreign security principal. An
    # untyped one may still show an address (group-list-members.md's example does): kept, but whether it
    # is a person inside or outside nobody can say, so its audience stays unknown.
    return Recipient(
        id=object_id,
        kind=RecipientKind.OBJECT,
        display_name=name or f"{kind} {object_id}",
        primary_address=primary_address(item) if not odata_type else None,
        addresses=smtp_addresses(item) if not odata_type else (),
    )


def is_external_user(item: dict[str, Any]) -> bool:
    """An account of someone from outside the tenant, by any of the marks Microsoft documents: `userType`
    Guest; a B2B account's `userPrincipalName`, which "always contains #EXT#" (user-list); `creationType`
    Invitation, or an `externalUserState` (user). An external account may be made a Member, so `userType`
    alone would count outsiders as staff."""
    if str(item.get("userType") or "").lower() == "guest":
        return True
    if "#EXT#" in str(item.get("userPrincipalName") or "").upper():
        return True
    return str(item.get("creationType") or "").lower() == "invitation" or bool(item.get("externalUserState"))


def list_kind(item: dict[str, Any]) -> ListKind:
    if "Unified" in (item.get("groupTypes") or ()):
        return ListKind.M365
    return ListKind.SECURITY if item.get("securityEnabled") else ListKind.DISTRIBUTION


def graph_knows_owners(item: dict[str, Any]) -> bool:
    """Graph v1.0 gives owners of Microsoft 365 groups and plain security groups, not of Exchange's lists,
    and (group-list-owners.md) not of "groups synchronized from an on-premises environment"."""
    if item.get("onPremisesSyncEnabled"):
        return False
    return list_kind(item) is ListKind.M365 or not item.get("mailEnabled")


def owners_known(listed: list[Any]) -> bool:
    """Whether the owners Graph listed are all the group's: group-list-owners.md says "service principals
    are not listed as group owners", so a group with none listed may be owned by an app. Unknown, then,
    never "no owner"."""
    return bool(listed)


def members_hidden(item: dict[str, Any], read_hidden: bool) -> bool:
    """Whether Graph may have left members out: group.md's `HiddenMembership` visibility hides them from
    any reader without Member.Read.Hidden (group-list-members.md), and the answer is then simply short."""
    return not read_hidden and str(item.get("visibility") or "").casefold() == "hiddenmembership"


def _dynamic_rule(item: dict[str, Any]) -> tuple[str | None, bool | None]:
    """(membershipRule, paused) of a dynamic group (groupTypes holds DynamicMembership); (None, None) else."""
    rule = item.get("membershipRule")
    if "DynamicMembership" not in (item.get("groupTypes") or ()) or not isinstance(rule, str) or not rule.strip():
        return None, None
    state = item.get("membershipRuleProcessingState")
    return rule.strip(), (state.casefold() == "paused") if isinstance(state, str) else None


def _flag(item: dict[str, Any], name: str) -> bool | None:
    value = item.get(name)
    return value if isinstance(value, bool) else None


def distribution_list(
    item: dict[str, Any],
    members: tuple[str, ...],
    owners: tuple[str, ...] | None,
    *,
    members_known: bool = True,
    facts: dict[str, Any] | None = None,
) -> DistributionList:
    """`facts`: a Microsoft 365 group's own read (`group_facts`), which says what the list read cannot."""
    addresses = smtp_addresses(item)
    rule, paused = _dynamic_rule(item)
    options = item.get("resourceProvisioningOptions")
    return DistributionList(
        id=str(item["id"]),
        display_name=str(item.get("displayName") or ""),
        primary_address=primary_address(item),
        kind=list_kind(item),
        mail_enabled=bool(item.get("mailEnabled")),
        members=members,
        owners=owners,
        # Graph v1.0 does not give Exchange's RequireSenderAuthenticationEnabled, nor hiding from the GAL; a
        # Microsoft 365 group's own read gives its allowExternalSenders and hideFromAddressLists.
        accepts_external_senders=_flag(facts or {}, "allowExternalSenders"),
        hidden_from_address_book=_flag(facts or {}, "hideFromAddressLists"),
        role_assignable=_flag(item, "isAssignableToRole"),
        addresses=addresses,
        description=str(item.get("description") or ""),
        members_known=members_known,
        membership_rule=rule,
        membership_rule_language=RuleLanguage.ENTRA if rule else None,
        membership_rule_paused=paused,
        # Graph gives `onPremisesSyncEnabled` null for a group never synchronised: then it is a cloud group.
        synced_from_premises=bool(item.get("onPremisesSyncEnabled")),
        team=("Team" in options) if isinstance(options, list) else None,
        alias=item["mailNickname"].strip() or None if isinstance(item.get("mailNickname"), str) else None,
    )


def internal_domains(domains: list[dict[str, Any]]) -> tuple[DomainDeclaration, ...]:
    """The tenant's verified domains that serve mail. domain.md: `supportedServices` lists `Email` for a
    domain mail is delivered to; a verified domain kept for sign-in alone is no mail domain. Where Graph
    leaves the services out, the domain counts, as it did before Graph listed them."""
    return tuple(
        DomainDeclaration(name=str(d["id"]).lower(), origin="verified Microsoft 365 domain")
        for d in sorted(domains, key=lambda d: str(d.get("id")))
        if d.get("isVerified") and d.get("id") and _serves_mail(d)
    )


def _serves_mail(domain: dict[str, Any]) -> bool:
    services = domain.get("supportedServices")
    return not isinstance(services, list) or any(str(s).lower() == "email" for s in services)
