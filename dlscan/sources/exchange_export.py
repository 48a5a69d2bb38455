"""The lists Exchange itself describes: `Get-DistributionGroup` and `Get-DynamicDistributionGroup` piped to
`ConvertTo-Json` (docs/exchange-import.md gives the commands), read into the facts Graph does not carry.

PowerShell writes the same objects in several shapes, and all are read: one object rather than an array
when a command returns one list; a multi-valued property as an array, a single string, or, in Windows
PowerShell 5.1, as `{"value": [...], "Count": n}`; an address or a GUID as a string or as an object
holding it; the file in UTF-8 (with or without a BOM) or, from `>` in Windows PowerShell, UTF-16.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dlscan.sources.compressed import open_binary
from dlscan.support.errors import InputError

_WRAPPED_KEYS = ("Address", "Guid", "value")
_GUIDE = "export with the commands in docs/exchange-import.md"


@dataclass(frozen=True, slots=True)
class ExchangeList:
    """One list as Exchange describes it; None where the file does not carry the property."""

    position: int
    """Its place in the file, from 1, for messages."""
    guid: str | None
    """Exchange's Guid: the AD objectGUID, lower-case."""
    directory_id: str | None
    """ExternalDirectoryObjectId: the Entra (Graph) object id, for Exchange Online."""
    display_name: str
    address: str | None
    require_sender_authentication: bool | None
    hidden: bool | None
    managed_by: tuple[str, ...] | None
    accept_only_from: tuple[str, ...]
    recipient_filter: str | None = None
    """A dynamic list's filter (OPATH); None for other lists."""
    members: tuple[str, ...] | None = None
    """A dynamic list's members as Exchange computes them (their addresses), when the export has them."""

    @property
    def dynamic(self) -> bool:
        return self.recipient_filter is not None

    @property
    def label(self) -> str:
        return self.display_name or self.address or self.guid or self.directory_id or f"item {self.position}"


def read_exchange_export(path: Path) -> tuple[ExchangeList, ...]:
    """Every list in one exported file, or one clear `InputError`."""
    document = _document(path)
    items = document if isinstance(document, list) else [document]
    if not items:
        raise InputError(path, f"holds no lists: the command exported none; {_GUIDE}")
    return tuple(exchange_list(path, position, item) for position, item in enumerate(items, 1))


def _document(path: Path) -> Any:
    try:
        with open_binary(path) as stream:
            data = stream.read()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from None
    except (EOFError, zlib.error):
        raise InputError(path, "is a gzip file cut short or damaged") from None
    # Windows PowerShell's `>` writes UTF-16 with a BOM; Out-File -Encoding utf8 writes UTF-8 with one.
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(path, f"is neither UTF-8 nor UTF-16 text; {_GUIDE}") from None
    if not text.strip():
        raise InputError(path, f"is empty: the command exported no lists; {_GUIDE}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"is not JSON ({exc.msg})", exc.lineno) from None
    except (ValueError, RecursionError):
        raise InputError(
            path, f"holds JSON no cmdlet writes (a number too long, or nesting too deep); {_GUIDE}"
        ) from None


def exchange_list(path: Path, position: int, item: Any) -> ExchangeList:
    """One list from the object PowerShell (or the admin API) gives for it."""
    where = f"list {position}"
    if not isinstance(item, dict):
        raise InputError(path, f"{where} is not an object; {_GUIDE}")
    guid = _text(path, where, item, "Guid")
    directory_id = _text(path, where, item, "ExternalDirectoryObjectId")
    if not guid and not directory_id:
        raise InputError(path, f"{where} has neither Guid nor ExternalDirectoryObjectId; {_GUIDE}")
    recipient_filter = _text(path, where, item, "RecipientFilter")
    members = _known_strings(path, where, item, "Members")
    return ExchangeList(
        position=position,
        guid=guid.strip("{}").lower() if guid else None,
        directory_id=directory_id.lower() if directory_id else None,
        display_name=_text(path, where, item, "DisplayName") or _text(path, where, item, "Name") or "",
        address=_text(path, where, item, "PrimarySmtpAddress"),
        require_sender_authentication=_flag(path, where, item, "RequireSenderAuthenticationEnabled"),
        hidden=_flag(path, where, item, "HiddenFromAddressListsEnabled"),
        managed_by=_known_strings(path, where, item, "ManagedBy"),
        accept_only_from=_strings(path, where, item, "AcceptMessagesOnlyFromSendersOrMembers"),
        recipient_filter=recipient_filter if "RecipientFilter" in item else None,
        members=members,
    )


def _unwrapped(value: Any) -> Any:
    """A value without the object PowerShell may have put around it (an SmtpAddress, a Guid, 5.1's array)."""
    while isinstance(value, dict):
        key = next((k for k in _WRAPPED_KEYS if k in value), None)
        if key is None:
            return value
        value = value[key]
    return value


def _text(path: Path, where: str, item: dict, name: str) -> str | None:
    value = _unwrapped(item.get(name))
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InputError(path, f"{where}: {name} is {type(value).__name__}, not text; {_GUIDE}")
    return value.strip()


def _strings(path: Path, where: str, item: dict, name: str) -> tuple[str, ...]:
    value = _unwrapped(item.get(name))
    values = [] if value is None else value if isinstance(value, list) else [value]
    found = []
    for entry in values:
        entry = _unwrapped(entry)
        if entry is None:
            continue  # an owner or member PowerShell could not resolve: it wrote null
        if not isinstance(entry, str):
            raise InputError(path, f"{where}: {name} holds {type(entry).__name__}, not text; {_GUIDE}")
        if entry.strip():
            found.append(entry.strip())
    return tuple(found)


def _known_strings(path: Path, where: str, item: dict, name: str) -> tuple[str, ...] | None:
    """Owners or members, or None when they are not known in full: the property is absent or null, or
    PowerShell wrote null for one it could not resolve. Never fewer than Exchange has."""
    if name not in item:
        return None
    value = _unwrapped(item[name])
    values = value if isinstance(value, list) else [value]
    if value is None or any(_unwrapped(v) is None for v in values):
        return None
    return _strings(path, where, item, name)


def _flag(path: Path, where: str, item: dict, name: str) -> bool | None:
    value = _unwrapped(item.get(name))
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"  # a property PowerShell deserialised from a remote session
    raise InputError(path, f"{where}: {name} is {value!r}, not true or false; {_GUIDE}")
