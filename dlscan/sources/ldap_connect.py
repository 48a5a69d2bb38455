"""Connecting to Active Directory safely: TLS verified by default, several servers, secrets kept secret.

The password lives in a `Secret`, which never shows its value in a repr, a log line or an error
message; it is handed to ldap3 only when binding.
"""

from __future__ import annotations

import math
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import ldap3
from ldap3.core import exceptions as ldap_errors

from dlscan.support.errors import DlscanError, UsageError
from dlscan.support.secret import Secret


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int
    use_ssl: bool

    @property
    def url(self) -> str:
        return f"{'ldaps' if self.use_ssl else 'ldap'}://{self.host}:{self.port}"


def parse_server(value: str) -> ServerAddress:
    """`ldaps://dc1:636`, `ldap://dc1` or a bare host name (LDAPS)."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"ldaps://{text}")
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname or parts.path not in ("", "/"):
        raise UsageError(f"--server {value!r} is not an LDAP address (e.g. ldaps://dc1.corp.example.org)")
    use_ssl = parts.scheme == "ldaps"
    return ServerAddress(parts.hostname, parts.port or (636 if use_ssl else 389), use_ssl)


@dataclass(frozen=True)
class LdapSettings:
    servers: tuple[ServerAddress, ...]
    user: str | None = None
    password: Secret | None = field(default=None, repr=False)
    base_dn: str | None = None
    ca_file: Path | None = None
    tls_name: str | None = None
    """The server's own name, when it differs from the address used: its certificate must carry it, and
    with Kerberos the ticket is asked for its LDAP service (ldap/<name>)."""
    starttls: bool = False
    insecure_plain_ldap: bool = False
    kerberos: bool = False
    page_size: int = 1000
    range_size: int = 1500
    timeout: float = 30.0
    retries: int = 3

    def check(self) -> None:
        if not self.servers:
            raise UsageError(
                "name at least one domain controller: --server, or servers in [collect.ad] of the config file"
            )
        plain = [s for s in self.servers if not s.use_ssl]
        if plain and not (self.starttls or self.insecure_plain_ldap):
            raise UsageError(
                f"{plain[0].url} is plain LDAP: use ldaps://, add --starttls, or accept sending the password "
                "in clear text with --insecure-plain-ldap"
            )
        if self.kerberos and self.password is not None:
            raise UsageError("--kerberos uses your Kerberos ticket; do not also give a password")
        if not self.kerberos and (self.user is None or self.password is None):
            raise UsageError(
                "give --user and a password (--password-env, --password-file or the prompt), or --kerberos"
            )
        if self.page_size < 1 or self.range_size < 2 or self.timeout <= 0 or self.retries < 0:
            raise UsageError("--page-size, --range-size, --timeout and --retries must be positive")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise UsageError(f"--ca-file {self.ca_file}: no such file")


class _KeepBytes(dict):
    """An ldap3 formatter table under which every attribute keeps the bytes the server sent.

    dlscan decodes `raw_attributes` itself; ldap3's own decoding of the same values into `attributes`
    would cost as much again as the whole search.
    """

    def __contains__(self, name: object) -> bool:
        return True

    def __getitem__(self, name: object):
        return _same


def _same(value: bytes) -> bytes:
    return value


def _tls(settings: LdapSettings) -> ldap3.Tls:
    return ldap3.Tls(
        validate=ssl.CERT_REQUIRED,
        version=ssl.PROTOCOL_TLS_CLIENT,
        ca_certs_file=str(settings.ca_file) if settings.ca_file else None,
        valid_names=[settings.tls_name] if settings.tls_name else None,
    )


def open_connection(settings: LdapSettings) -> ldap3.Connection:
    """Bind to the first server that answers; every failure becomes one clear line."""
    tls = _tls(settings)
    seconds = max(1, math.ceil(settings.timeout))  # ldap3 packs socket timeouts as whole seconds
    servers = [
        ldap3.Server(
            s.host,
            port=s.port,
            use_ssl=s.use_ssl,
            tls=tls,
            get_info=ldap3.NONE,
            connect_timeout=seconds,
            formatter=_KeepBytes(),
        )
        for s in settings.servers
    ]
    pool = ldap3.ServerPool(servers, ldap3.FIRST, active=1, exhaust=True)
    options = dict(
        read_only=True,
        auto_range=False,
        return_empty_attributes=False,
        raise_exceptions=True,
        receive_timeout=seconds,
        auto_referrals=False,
    )
    if settings.kerberos:
        # Without a name, ldap3 asks for a ticket to ldap/<the address used>, as Windows does.
        service_host = (settings.tls_name,) if settings.tls_name else None
        connection = ldap3.Connection(
            pool, authentication=ldap3.SASL, sasl_mechanism=ldap3.KERBEROS, sasl_credentials=service_host, **options
        )
    else:
        assert settings.password is not None
        connection = ldap3.Connection(
            pool, user=settings.user, password=settings.password.reveal(), authentication=ldap3.SIMPLE, **options
        )
    try:
        connection.open()
        if settings.starttls and not connection.server.ssl:
            connection.start_tls()
        connection.bind()
    except ldap_errors.LDAPPackageUnavailableError as exc:  # gssapi (or cryptography, for TLS) missing
        raise DlscanError(f"--kerberos needs the Kerberos extra ({exc}): pip install 'dlscan[kerberos]'") from None
    except (ldap_errors.LDAPException, *_kerberos_errors(settings)) as exc:
        connection.password = None
        raise DlscanError(describe_failure(exc, settings)) from None
    return connection


def _kerberos_errors(settings: LdapSettings) -> tuple[type[Exception], ...]:
    """What a Kerberos bind raises besides ldap3's own errors: the gssapi package's, which ldap3 lets
    through (none without --kerberos, or without the package, whose absence binding reports)."""
    if not settings.kerberos:
        return ()
    try:
        from gssapi.raw.misc import GSSError
    except ImportError:
        return ()
    return (GSSError,)


def _kerberos_failure(exc: BaseException, settings: LdapSettings) -> str | None:
    """One line for a Kerberos failure, naming the usual causes (no ticket, or no service principal for
    the name the server was reached by); None if `exc` is not one. A failure makes ldap3 abort the bind,
    and the server's answer to that abort is what is raised, the Kerberos error behind it."""
    errors = _kerberos_errors(settings)
    cause = next((e for e in (exc, exc.__context__) if isinstance(e, errors)), None)
    if cause is None:
        return None
    text = " ".join(str(cause).split())
    if "No Kerberos credentials" in text or "credentials cache" in text.lower():
        return "Kerberos: no ticket to bind with; run kinit (or log on to the domain) first"
    if "not found in Kerberos database" in text:
        name = settings.tls_name or settings.servers[0].host
        return (
            f"Kerberos: the domain knows no service ldap/{name}; connect by the server's own name or give it "
            "with --tls-name"
        )
    return f"Kerberos: {text[:200]}"


def describe_failure(exc: Exception, settings: LdapSettings) -> str:
    """One line for an LDAP failure, naming the cause without echoing any secret."""
    servers = ", ".join(s.url for s in settings.servers)
    kerberos = _kerberos_failure(exc, settings)
    if kerberos is not None:
        return f"{servers}: {kerberos}"
    text = str(exc)
    if settings.password is not None:
        text = text.replace(settings.password.reveal(), "***")
    if isinstance(exc, ldap_errors.LDAPBindError) or "invalidCredentials" in text:
        return f"{servers}: the server refused the credentials of {settings.user!r} (wrong user or password)"
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate" in text.lower():
        hint = "pass --ca-file with the CA that issued the server's certificate"
        if "match" in text.lower() or "hostname" in text.lower():
            hint = "the certificate names another host; connect by that name or pass --tls-name"
        return f"{servers}: the server's TLS certificate is not trusted ({hint})"
    if isinstance(exc, ldap_errors.LDAPSocketOpenError | ldap_errors.LDAPServerPoolExhaustedError):
        return f"{servers}: no server could be reached within {settings.timeout:g} s"
    if "strongerAuthRequired" in text:
        return f"{servers}: the server requires a signed or encrypted connection; use ldaps:// or --starttls"
    first = text.splitlines()[0] if text else type(exc).__name__
    return f"{servers}: {type(exc).__name__}: {first[:200]}"
