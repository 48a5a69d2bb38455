"""Reading the values of one AD entry as the model wants them: addresses, ids, text, numbers, flags."""

from __future__ import annotations

import uuid

from dlscan.sources.dn import normalize_dn
from dlscan.sources.ldif import LdifRecord


def smtp_addresses(record: LdifRecord) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for proxy in record.texts("proxyaddresses"):
        if proxy[:5].lower() == "smtp:":
            found.setdefault(proxy[5:].strip().lower(), proxy[5:].strip())
    for mail in record.texts("mail"):
        if "@" in mail:
            found.setdefault(mail.strip().lower(), mail.strip())
    return tuple(found.values())


def primary_address(record: LdifRecord, addresses: tuple[str, ...]) -> str | None:
    for proxy in record.texts("proxyaddresses"):
        if proxy.startswith("SMTP:"):
            return proxy[5:].strip()
    mail = text_of(record, "mail")
    if mail and "@" in mail:
        return mail.strip()
    return addresses[0] if addresses else None


def object_id_of(record: LdifRecord) -> str:
    guid = record.first("objectguid")
    if isinstance(guid, bytes) and len(guid) == 16:
        return str(uuid.UUID(bytes_le=guid))
    if isinstance(guid, str) and guid.strip():
        return guid.strip().strip("{}").lower()
    return "dn:" + normalize_dn(record.dn)


def text_of(record: LdifRecord, name: str) -> str | None:
    value = record.first(name)
    return value if isinstance(value, str) and value.strip() else None


def integer(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def flag(value: object) -> bool | None:
    if not isinstance(value, str):
        return None
    return value.strip().upper() == "TRUE"


def strip_smtp(value: str) -> str:
    return value[5:].strip() if value[:5].lower() == "smtp:" else value.strip()


def rdn_value(dn: str) -> str:
    first = dn.split(",", 1)[0]
    return first.partition("=")[2].replace("\\", "") or dn
