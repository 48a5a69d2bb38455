"""Collect a snapshot from Active Directory over LDAP.

Reads, with paged searches, every user, contact, group and foreign security principal under the base,
the domain's own DNS name, the UPN suffixes and, where Exchange is present, the accepted domains.
Group members are always read with ranged retrieval, as Windows AD requires for large groups. Members
outside the base are read one by one, every one of them, and then the members outside the base of the
groups so read, until none is left; a reference that names nothing readable is recorded as unresolved.
A dropped connection is re-opened and the interrupted search restarted, a bounded number of times; a
collection that cannot complete raises, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime

import ldap3
from ldap3.core import exceptions as ldap_errors

from dlscan.model import Snapshot, SourceInfo
from dlscan.sources.ad import AdSnapshotBuilder
from dlscan.sources.ad_attributes import ATTRIBUTES, DYNAMIC_ATTRIBUTES
from dlscan.sources.ad_filter import FilterSyntaxError, attributes_of, parse_filter
from dlscan.sources.dn import normalize_dn
from dlscan.sources.ldap_connect import LdapSettings, describe_failure, open_connection
from dlscan.sources.ldif import BINARY_ATTRIBUTES, LdifRecord
from dlscan.support.errors import DlscanError
from dlscan.support.progress import Progress

RECIPIENT_FILTER = "(|(objectClass=user)(objectClass=contact)(objectClass=foreignSecurityPrincipal))"
GROUP_FILTER = "(objectClass=group)"
DYNAMIC_FILTER = "(objectClass=msExchDynamicDistributionList)"
OBJECT_FILTER = f"(|{RECIPIENT_FILTER}{GROUP_FILTER})"
_PIVOTS = ("h", "p")
"""Recipients are read in slices of their cn, concurrently, so that the server's work on one slice
overlaps the decoding of another."""
_RANGE = re.compile(r"^member;range=(\d+)-(\d+|\*)$", re.IGNORECASE)
# Failures after which re-opening the connection and repeating the search can succeed.
_TRANSIENT = (
    ldap_errors.LDAPSocketOpenError,
    ldap_errors.LDAPSocketReceiveError,
    ldap_errors.LDAPSocketSendError,
    ldap_errors.LDAPSessionTerminatedByServerError,
    ldap_errors.LDAPResponseTimeoutError,
    ldap_errors.LDAPSocketCloseError,
    ldap_errors.LDAPUnavailableResult,
    ldap_errors.LDAPBusyResult,
    ldap_errors.LDAPServerPoolExhaustedError,
)


class _Session:
    """One connection and its searches; a dropped connection is re-opened and the search restarted."""

    def __init__(
        self, settings: LdapSettings, connect: Callable[[LdapSettings], ldap3.Connection], progress: Progress
    ) -> None:
        self.settings = settings
        self._connect = connect
        self.progress = progress
        self.connection: ldap3.Connection | None = None
        self.reconnects = 0

    def search(
        self, base: str, search_filter: str, attributes: list[str], scope: str, *, missing_ok: bool = False
    ) -> list[dict]:
        """All entries of one search, up to `retries` restarts."""
        attempts = 0
        while True:
            connection = self.connection or self._open()
            try:
                return self._run(connection, base, search_filter, attributes, scope)
            except ldap_errors.LDAPNoSuchObjectResult:
                if missing_ok:
                    return []
                raise
            except ldap_errors.LDAPReferralError:
                return []
            except _TRANSIENT:
                attempts += 1
                self.connection = None
                if attempts > self.settings.retries:
                    raise
                self.reconnects += 1

    def _run(
        self, connection: ldap3.Connection, base: str, search_filter: str, attributes: list[str], scope: str
    ) -> list[dict]:
        if scope == "BASE":
            connection.search(base, search_filter, ldap3.BASE, attributes=attributes)
            return [e for e in connection.response if e.get("type") == "searchResEntry"]
        entries = []
        pages = connection.extend.standard.paged_search(
            base,
            search_filter,
            ldap3.SUBTREE,
            attributes=attributes,
            paged_size=self.settings.page_size,
            generator=True,
        )
        for count, entry in enumerate(pages, start=1):
            if entry.get("type") == "searchResEntry":
                entries.append(entry)
                self.progress.advance(objects=1, pages=1 if count % self.settings.page_size == 1 else 0)
        return entries

    def _open(self) -> ldap3.Connection:
        self.connection = self._connect(self.settings)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.unbind()
            self.connection = None


class AdCollector:
    def __init__(
        self,
        settings: LdapSettings,
        *,
        progress: Progress | None = None,
        connect: Callable[[LdapSettings], ldap3.Connection] = open_connection,
    ) -> None:
        settings.check()
        self.settings = settings
        self.progress = progress or Progress("reading Active Directory")
        self._connect = connect
        self._sessions: list[_Session] = []

    @property
    def reconnects(self) -> int:
        return sum(s.reconnects for s in self._sessions)

    def collect(self) -> Snapshot:
        try:
            return self._collect()
        except ldap_errors.LDAPException as exc:
            raise DlscanError(f"collection failed, nothing written: {describe_failure(exc, self.settings)}") from None
        except DlscanError as exc:
            raise DlscanError(f"collection failed, nothing written: {exc}") from None
        finally:
            for session in self._sessions:
                session.close()

    def _session(self) -> _Session:
        session = _Session(self.settings, self._connect, self.progress)
        self._sessions.append(session)
        return session

    def _collect(self) -> Snapshot:
        main = self._session()
        root = main.search("", "(objectClass=*)", ["defaultNamingContext", "configurationNamingContext"], "BASE")
        naming = _texts(root[0]) if root else {}
        domain = (naming.get("defaultnamingcontext") or [None])[0]
        config = (naming.get("configurationnamingcontext") or [None])[0]
        if not domain or not config:
            raise DlscanError("the server did not name its domain (rootDSE defaultNamingContext)")
        url = main.connection.server.name if main.connection else self.settings.servers[0].url
        base = self.settings.base_dn or domain
        # Dynamic lists first: the recipients are then read with every attribute their filters test.
        dynamic = main.search(base, DYNAMIC_FILTER, [*ATTRIBUTES, *DYNAMIC_ATTRIBUTES], "SUBTREE")
        wanted = (*ATTRIBUTES, *sorted(_tested_attributes(dynamic) - {a.lower() for a in ATTRIBUTES}))
        builder = AdSnapshotBuilder(
            origin=url,
            source=SourceInfo(kind="ldap", name=url, collected_at=datetime.now(UTC).isoformat(timespec="seconds")),
            allow_unresolved=True,
            filter_attributes=frozenset(a.lower() for a in (*wanted, *DYNAMIC_ATTRIBUTES)),
            exchange_schema=bool(
                main.search(
                    f"CN=Schema,{config}",
                    "(lDAPDisplayName=msExchRequireAuthToSendTo)",
                    ["lDAPDisplayName"],
                    "SUBTREE",
                    missing_ok=True,
                )
            ),
        )
        builder.add(LdifRecord(dn=domain, line=None, attributes={"objectclass": ["domainDNS"]}))
        for entry in main.search(
            f"CN=Partitions,{config}", "(objectClass=crossRefContainer)", ["uPNSuffixes"], "BASE", missing_ok=True
        ):
            builder.add(_record(entry))
        for entry in main.search(
            f"CN=Microsoft Exchange,CN=Services,{config}",
            "(objectClass=msExchAcceptedDomain)",
            ["objectClass", "msExchAcceptedDomainName"],
            "SUBTREE",
            missing_ok=True,
        ):
            builder.add(_record(entry))
        member = f"member;range=0-{self.settings.range_size - 1}"
        # Concurrent searches, one connection each: while one thread decodes, the others wait on the server.
        slices = recipient_slices(RECIPIENT_FILTER)
        with ThreadPoolExecutor(max_workers=len(slices) + 1) as pool:
            groups = pool.submit(main.search, base, GROUP_FILTER, [*wanted, member], "SUBTREE")
            parts = [pool.submit(self._session().search, base, f, list(wanted), "SUBTREE") for f in slices]
            seen: set[str] = set()
            for part in as_completed(parts):  # built while the other searches still wait on the server
                for entry in part.result():
                    if entry["dn"].lower() not in seen:
                        seen.add(entry["dn"].lower())
                        builder.add(_record(entry))
            group_entries = groups.result()
        for entry in group_entries:
            builder.add(self._with_all_members(main, entry))
        for entry in dynamic:
            builder.add(_record(entry))
        self._read_outside_the_base(main, builder, wanted)
        self.progress.finish()
        return builder.build()

    def _read_outside_the_base(self, session: _Session, builder: AdSnapshotBuilder, attributes: tuple) -> None:
        """Every member and owner the base does not hold, read one by one with no cap (they were capped
        at 10,000 once, and those past the cap silently counted as unresolved, never as external). A
        group read so may bring members of its own from outside the base: they are read in turn."""
        tried: set[str] = set()
        # With their members, ranged as in the base: a group read without them looked empty.
        wanted = [*attributes, f"member;range=0-{self.settings.range_size - 1}"]
        while pending := [dn for dn in builder.unresolved_references() if normalize_dn(dn) not in tried]:
            for dn in pending:
                tried.add(normalize_dn(dn))
                for entry in session.search(dn, OBJECT_FILTER, wanted, "BASE", missing_ok=True):
                    builder.add(self._with_all_members(session, entry))
                self.progress.advance(objects=1)

    def _with_all_members(self, session: _Session, entry: dict) -> LdifRecord:
        """The entry as a record, its member values completed range by range."""
        raw = entry.get("raw_attributes", {})
        for name in list(raw):
            match = _RANGE.match(name)
            if not match:
                continue
            values = list(raw.pop(name))
            end = match.group(2)
            while end != "*":
                start = int(end) + 1
                wanted = f"member;range={start}-{start + self.settings.range_size - 1}"
                page = session.search(entry["dn"], "(objectClass=*)", [wanted], "BASE")
                ranged = {
                    k: v for k, v in (page[0].get("raw_attributes", {}) if page else {}).items() if _RANGE.match(k)
                }
                if not ranged:
                    raise DlscanError(f"{entry['dn']}: the server stopped answering for members from {start}")
                ((key, more),) = ranged.items()
                values += more
                end = _RANGE.match(key).group(2)  # type: ignore[union-attr]
            raw["member"] = values
        return _record(entry)


def recipient_slices(search_filter: str) -> list[str]:
    """Filters that together select exactly what `search_filter` does, split by cn.

    `(!(cn>=x))` alone would drop entries without a cn (LDAP's NOT of Undefined is Undefined), so every
    slice but the last requires a cn, and the last takes the entries that have none.
    """
    slices, lower = [], None
    for pivot in (*_PIVOTS, None):
        bounds = (f"(cn>={lower})" if lower else "") + (f"(!(cn>={pivot}))(cn=*)" if pivot else "")
        slices.append(f"(&{search_filter}{bounds})")
        lower = pivot
    slices.append(f"(&{search_filter}(!(cn=*)))")
    return slices


def _tested_attributes(entries: list[dict]) -> set[str]:
    """The attributes the dynamic lists' filters test, lower-case; a filter that cannot be read names none
    (the list is then reported as not evaluated)."""
    tested: set[str] = set()
    for entry in entries:
        for text in _texts(entry).get("msexchdynamicdlfilter", []):
            try:
                tested |= attributes_of(parse_filter(text))
            except FilterSyntaxError:
                continue
    return tested


def _texts(entry: dict) -> dict[str, list[str]]:
    return {
        k.lower(): [v.decode("utf-8", "replace") for v in values]
        for k, values in entry.get("raw_attributes", {}).items()
    }


def _record(entry: dict) -> LdifRecord:
    attributes: dict[str, list] = {}
    for name, values in entry.get("raw_attributes", {}).items():
        key = name.split(";", 1)[0].lower()
        decoded = values if key in BINARY_ATTRIBUTES else [v.decode("utf-8", "replace") for v in values]
        attributes.setdefault(key, []).extend(decoded)
    return LdifRecord(dn=entry["dn"], line=None, attributes=attributes)
