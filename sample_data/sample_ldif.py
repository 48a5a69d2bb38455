"""What the shared-directory sample generators share: LDIF records of a domain, its people and its lists,
with stable GUIDs, written in the order they were added."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dlscan.sources.ldif_write import format_record


class SampleLdif:
    def __init__(self, base: str, mail: str, namespace: str) -> None:
        self.base, self.mail, self.namespace = base, mail, namespace
        self.records: list[tuple[str, list[tuple[str, object]]]] = []

    def guid(self, key: str) -> bytes:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.namespace}:{key}").bytes_le

    def add(self, dn: str, attrs: list[tuple[str, object]]) -> str:
        self.records.append((dn, [(k, v) for k, v in attrs if v is not None]))
        return dn

    def domain(self) -> None:
        """The domain object and the mail domain, as an Exchange accepted domain."""
        self.add(self.base, [("objectClass", "domainDNS"), ("objectGUID", self.guid(self.base))])
        config = f"CN=Transport Settings,CN=Shared,CN=Microsoft Exchange,CN=Services,CN=Configuration,{self.base}"
        self.add(
            f"CN={self.mail},CN=Accepted Domains,{config}",
            [
                ("objectClass", "msExchAcceptedDomain"),
                ("msExchAcceptedDomainName", self.mail),
                ("msExchAcceptedDomainFlags", "0"),
            ],
        )

    def user(self, dn: str, name: str, company: str) -> str:
        """A mailbox user at `firstname.lastname@` the mail domain (a "Dr " title left out)."""
        local = name.lower().removeprefix("dr ").replace(" ", ".")
        return self.add(
            dn,
            [
                ("objectClass", "user"),
                ("displayName", name),
                ("company", company),
                ("objectGUID", self.guid(dn)),
                ("userAccountControl", "512"),
                ("mail", f"{local}@{self.mail}"),
                ("proxyAddresses", f"SMTP:{local}@{self.mail}"),
                ("msExchRecipientTypeDetails", "1"),
            ],
        )

    def group(
        self,
        dn: str,
        name: str,
        local: str,
        members: list[str],
        owner: str,
        *,
        nickname: bool = False,
        hidden: bool = False,
    ) -> str:
        """A distribution list that only authenticated senders may mail."""
        return self.add(
            dn,
            [
                ("objectClass", "group"),
                ("displayName", name),
                ("groupType", "8"),
                ("objectGUID", self.guid(dn)),
                ("mail", f"{local}@{self.mail}"),
                ("mailNickname", local if nickname else None),
                ("proxyAddresses", f"SMTP:{local}@{self.mail}"),
                ("msExchRequireAuthToSendTo", "TRUE"),
                ("msExchHideFromAddressLists", "TRUE" if hidden else None),
                ("managedBy", owner),
                *[("member", m) for m in members],
            ],
        )

    def render(self) -> str:
        return "version: 1\n\n" + "".join(format_record(dn, attrs) for dn, attrs in self.records)  # type: ignore[arg-type]
