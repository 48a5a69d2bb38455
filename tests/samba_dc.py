"""A real Active Directory domain controller for the tests: Samba AD DC, provisioned into a folder and
started on loopback. tests/run.sh installs Samba; this module provisions, extends the schema with the
Exchange attributes dlscan reads, starts and stops it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REALM = "CORP.EXAMPLE.TEST"
DOMAIN = "CORP"
BASE_DN = "DC=corp,DC=example,DC=test"
CONFIG_DN = f"CN=Configuration,{BASE_DN}"
ADMIN_DN = f"CN=Administrator,CN=Users,{BASE_DN}"
ADMIN_PASSWORD = "Passw0rd!Test"
TLS_NAME = "DC1.corp.example.test"

# Exchange's own attributeIDs, so the schema matches what dlscan meets in real forests.
EXCHANGE_ATTRIBUTES = [
    ("msExchRequireAuthToSendTo", "1.2.840.113556.1.4.5062", "2.5.5.8", 1, None),
    ("msExchHideFromAddressLists", "1.2.840.113556.1.4.7000.102.73", "2.5.5.8", 1, None),
    ("targetAddress", "1.2.840.113556.1.2.352", "2.5.5.12", 64, None),
    ("mailNickname", "1.2.840.113556.1.2.447", "2.5.5.12", 64, None),
    ("msExchRecipientTypeDetails", "1.2.840.113556.1.4.7000.102.50754", "2.5.5.16", 65, None),
    ("authOrig", "1.2.840.113556.1.2.129", "2.5.5.1", 127, 110),
    ("unauthOrig", "1.2.840.113556.1.2.221", "2.5.5.1", 127, 114),
    ("dLMemSubmitPerms", "1.2.840.113556.1.2.144", "2.5.5.1", 127, 112),
    ("msExchAcceptedDomainName", "1.2.840.113556.1.4.7000.102.50802", "2.5.5.12", 64, None),
]
# Exchange's dynamic lists and the home server their filters test. These attributeIDs are from the arc
# Microsoft documents for private schema extensions, not Exchange's own: dlscan reads attributes by name.
_PRIVATE = "1.2.840.113556.1.8000.2554.53001.1"
DYNAMIC_ATTRIBUTES = [
    ("msExchDynamicDLFilter", f"{_PRIVATE}.1", "2.5.5.12"),
    ("msExchDynamicDLBaseDN", f"{_PRIVATE}.2", "2.5.5.1"),
    ("msExchQueryFilter", f"{_PRIVATE}.3", "2.5.5.12"),
]
HOME_SERVER = ("msExchHomeServerName", f"{_PRIVATE}.4", "2.5.5.12")
DYNAMIC_CLASS = ("msExchDynamicDistributionList", f"{_PRIVATE}.100", "ms-Exch-Dynamic-Distribution-List")
_SYNTAX_OM = {"2.5.5.8": 1, "2.5.5.12": 64, "2.5.5.16": 65, "2.5.5.1": 127}


@dataclass
class SambaDC:
    folder: Path
    address: str = "127.0.0.1"
    """127.0.0.1 listens on lo; a second DC beside it takes 127.0.0.2 (ports are fixed)."""
    kdc: bool = False
    """Run the domain's KDC too (port 88, so one DC at a time), for binding with a Kerberos ticket."""
    certificate_serial: int | None = None
    """The serial number of the DC's certificate, chosen by the test: Samba draws one at random for the
    certificate it makes itself (below one, which RFC 5280 forbids, about one time in two)."""
    process: subprocess.Popen | None = None

    @property
    def ca_file(self) -> Path:
        return self.folder / "private" / "tls" / "ca.pem"

    def provision(self) -> None:
        for sub in ("run", "log"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        empty = self.folder / "empty.conf"
        empty.write_text("")
        f = self.folder
        _run(
            [
                "samba-tool",
                "domain",
                "provision",
                f"--configfile={empty}",
                f"--targetdir={f}",
                f"--realm={REALM}",
                f"--domain={DOMAIN}",
                "--server-role=dc",
                "--dns-backend=NONE",
                "--backend-store=mdb",
                f"--adminpass={ADMIN_PASSWORD}",
                "--host-name=dc1",
                "--use-rfc2307",
                f"--option=interfaces={'lo' if self.address == '127.0.0.1' else self.address + '/8'}",
                "--option=bind interfaces only=yes",
                f"--option=server services=ldap{' kdc' if self.kdc else ''}",
                f"--option=pid directory={f}/run",
                f"--option=ncalrpc dir={f}/run/ncalrpc",
                f"--option=winbindd socket directory={f}/run/winbindd",
                f"--option=ntp signd socket directory={f}/run/ntp_signd",
                f"--option=log file={f}/log/log.%m",
                "--option=dsdb:schema update allowed=true",
            ]
        )
        if self.certificate_serial is not None:
            self._issue_certificate(self.certificate_serial)
        conf = f / "etc" / "smb.conf"
        text = conf.read_text()
        text = text.replace("[global]", "[global]\n\tldap server require strong auth = no\n\tldb:nosync = true", 1)
        conf.write_text(text)

    def _issue_certificate(self, serial: int) -> None:
        """A CA and the DC's certificate from it, where Samba looks for its own (it makes none if they are
        there). openssl, not the cryptography package, which refuses serials below one."""
        tls = self.folder / "private" / "tls"
        tls.mkdir(parents=True, exist_ok=True)
        (tls / "san.ext").write_text(f"subjectAltName=DNS:{TLS_NAME}\n")
        new_key = ["-newkey", "rsa:2048", "-nodes"]
        ca, dc = ["-keyout", f"{tls}/ca.key", "-out", f"{tls}/ca.pem"], ["-keyout", f"{tls}/key.pem"]
        _run(["openssl", "req", "-x509", *new_key, *ca, "-days", "2", "-subj", "/CN=Test CA"])
        _run(["openssl", "req", *new_key, *dc, "-out", f"{tls}/dc.csr", "-subj", f"/CN={TLS_NAME}"])
        signed = ["-in", f"{tls}/dc.csr", "-CA", f"{tls}/ca.pem", "-CAkey", f"{tls}/ca.key", "-days", "2"]
        _run(
            [
                "openssl",
                "x509",
                "-req",
                *signed,
                "-set_serial",
                str(serial),
                "-extfile",
                f"{tls}/san.ext",
                "-out",
                f"{tls}/cert.pem",
            ]
        )
        (tls / "key.pem").chmod(0o600)  # Samba refuses a key others can read

    def start(self) -> None:
        log = (self.folder / "log" / "samba.out").open("wb")
        self.process = subprocess.Popen(
            ["samba", "-i", "-M", "single", "-s", str(self.folder / "etc" / "smb.conf")],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"samba exited: {(self.folder / 'log' / 'samba.out').read_text()[-2000:]}")
            ports = (389, 636, 88) if self.kdc else (389, 636)
            if all(_listening(self.address, port) for port in ports) and self.ca_file.exists():
                return
            time.sleep(0.2)
        raise RuntimeError("samba did not start listening on 389 and 636 (and 88 for the KDC)")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def serve_kerberos(self, folder: Path) -> Path:
        """Name the DC's LDAP service for Kerberos, as a DC with DNS does for itself (provisioned without,
        this one registers only HOST/), and write a krb5.conf that finds this realm's KDC here."""
        host = TLS_NAME.split(".")[0]
        self.ldapmodify(
            f"dn: CN={host},OU=Domain Controllers,{BASE_DN}\nchangetype: modify\nadd: servicePrincipalName\n"
            f"servicePrincipalName: ldap/{TLS_NAME}\nservicePrincipalName: ldap/{host}\n-\n"
        )
        config = folder / "krb5.conf"
        config.write_text(
            "[libdefaults]\n"
            f"    default_realm = {REALM}\n"
            "    dns_lookup_kdc = false\n    dns_lookup_realm = false\n"
            "    rdns = false\n    dns_canonicalize_hostname = false\n"
            f"[realms]\n    {REALM} = {{\n        kdc = {self.address}\n    }}\n"
            f"[domain_realm]\n    .{REALM.lower()} = {REALM}\n"
        )
        return config

    def ldapmodify(self, ldif: str) -> None:
        _run(["ldapmodify", "-x", "-H", f"ldap://{self.address}", "-D", ADMIN_DN, "-w", ADMIN_PASSWORD], stdin=ldif)

    def extend_schema(self) -> None:
        """Add the Exchange attributes and the accepted-domain class, as an Exchange install would."""
        schema = f"CN=Schema,{CONFIG_DN}"
        parts = []
        extra = [(name, oid, syntax, None, None) for name, oid, syntax in (*DYNAMIC_ATTRIBUTES, HOME_SERVER)]
        for name, oid, syntax, _om, link in (*EXCHANGE_ATTRIBUTES, *extra):
            lines = [
                f"dn: CN={name},{schema}",
                "changetype: add",
                "objectClass: attributeSchema",
                f"lDAPDisplayName: {name}",
                f"attributeID: {oid}",
                f"attributeSyntax: {syntax}",
                f"oMSyntax: {_SYNTAX_OM[syntax]}",
                f"isSingleValued: {'FALSE' if link or name == 'msExchAcceptedDomainName' else 'TRUE'}",
            ]
            if link:
                lines.append(f"linkID: {link}")
            parts.append("\n".join(lines))
        parts.append("dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-")
        parts.append(
            "\n".join(
                [
                    f"dn: CN=ms-Exch-Accepted-Domain,{schema}",
                    "changetype: add",
                    "objectClass: classSchema",
                    "lDAPDisplayName: msExchAcceptedDomain",
                    "governsID: 1.2.840.113556.1.5.7000.62.50046",
                    "subClassOf: top",
                    "objectClassCategory: 1",
                    "mayContain: msExchAcceptedDomainName",
                    "possSuperiors: container",
                    f"defaultObjectCategory: CN=ms-Exch-Accepted-Domain,{schema}",
                ]
            )
        )
        dynamic, oid, cn = DYNAMIC_CLASS
        may = [
            "mail", "proxyAddresses", "displayName", "managedBy", "description", "mailNickname",
            "msExchRequireAuthToSendTo", "msExchHideFromAddressLists", "msExchRecipientTypeDetails",
            *(n for n, *_ in DYNAMIC_ATTRIBUTES),
        ]  # fmt: skip
        parts.append(
            "\n".join(
                [
                    f"dn: CN={cn},{schema}",
                    "changetype: add",
                    "objectClass: classSchema",
                    f"lDAPDisplayName: {dynamic}",
                    f"governsID: {oid}",
                    "subClassOf: top",
                    "objectClassCategory: 1",
                    *(f"mayContain: {n}" for n in may),
                    "possSuperiors: organizationalUnit",
                    "possSuperiors: container",
                    f"defaultObjectCategory: CN={cn},{schema}",
                ]
            )
        )
        recipient = [n for n, *_ in EXCHANGE_ATTRIBUTES if n != "msExchAcceptedDomainName"] + [HOME_SERVER[0]]
        names = "\n".join(f"mayContain: {n}" for n in recipient)
        parts.append(f"dn: CN=Mail-Recipient,{schema}\nchangetype: modify\nadd: mayContain\n{names}\n-")
        parts.append("dn:\nchangetype: modify\nadd: schemaUpdateNow\nschemaUpdateNow: 1\n-")
        self.ldapmodify("\n\n".join(parts) + "\n")


def _listening(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((address, port)) == 0


def _run(command: list[str], stdin: str | None = None) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr[-3000:] or done.stdout[-3000:]}")
    return done.stdout


def samba_available() -> bool:
    return all(shutil.which(tool) for tool in ("samba", "samba-tool", "ldapmodify", "ldapsearch"))
