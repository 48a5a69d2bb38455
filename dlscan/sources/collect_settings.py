"""Collection settings from command-line options over a config section, for `collect` and `run` alike."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from dlscan.sources.ldap_connect import LdapSettings, parse_server
from dlscan.sources.m365.settings import AuthMethod, GraphSettings
from dlscan.support.errors import UsageError
from dlscan.support.secret import Secret, read_secret

Value = Callable[[str], Any]
"""A setting by name: the command line's value if given, else the config section's."""

_METHOD_OPTIONS = {
    "client_secret_env": AuthMethod.CLIENT_SECRET,
    "client_secret_file": AuthMethod.CLIENT_SECRET,
    "certificate": AuthMethod.CERTIFICATE,
    "managed_identity": AuthMethod.MANAGED_IDENTITY,
    "device_code": AuthMethod.DEVICE_CODE,
    "access_token_env": AuthMethod.ACCESS_TOKEN,
}


def merged_options(options: dict[str, object], config: object) -> Value:
    def value(name: str) -> Any:
        given = options.get(name)
        # Not given: None, an empty repeatable option, or a flag left off. A number is given even when it
        # is 0 (`--retries 0`), so falsy values are told apart by identity, not by equality.
        if given is None or given is False or given == ():
            return getattr(config, name)
        return given

    return value


def ldap_settings(value: Value) -> LdapSettings:
    return LdapSettings(
        servers=tuple(parse_server(s) for s in (value("servers") or ())),
        user=value("user"),
        password=None if value("kerberos") else _password(value("password_env"), value("password_file")),
        base_dn=value("base_dn"),
        ca_file=value("ca_file"),
        tls_name=value("tls_name"),
        starttls=bool(value("starttls")),
        insecure_plain_ldap=bool(value("insecure_plain_ldap")),
        kerberos=bool(value("kerberos")),
        **{k: value(k) for k in ("page_size", "range_size", "timeout", "retries") if value(k) is not None},
    )


def _password(variable: str | None, file: Path | None) -> Secret | None:
    return read_secret("--password-env", variable, "--password-file", file, prompt="Password")


def graph_settings(value: Value) -> GraphSettings:
    chosen = sorted({method for name, method in _METHOD_OPTIONS.items() if value(name)})
    if len(chosen) != 1:
        raise UsageError(
            "choose one way to sign in: --client-secret-env/--client-secret-file, --certificate, "
            "--managed-identity, --device-code or --access-token-env"
        )
    method = AuthMethod(chosen[0])
    secret = None
    if method is AuthMethod.CLIENT_SECRET:
        secret = read_secret(
            "--client-secret-env", value("client_secret_env"), "--client-secret-file", value("client_secret_file")
        )
    elif method is AuthMethod.ACCESS_TOKEN:
        secret = read_secret("--access-token-env", value("access_token_env"), "--access-token-file", None)
    password = read_secret("--certificate-password-env", value("certificate_password_env"), "", None)
    exchange_token = None
    if value("exchange_access_token_env"):
        exchange_token = read_secret("--exchange-access-token-env", value("exchange_access_token_env"), "", None)
    numbers = {k: value(k) for k in ("concurrency", "timeout", "retries") if value(k) is not None}
    return GraphSettings(
        tenant_id=value("tenant_id"),
        client_id=value("client_id"),
        auth=method,
        secret=secret,
        certificate=value("certificate"),
        certificate_password=password,
        cloud=value("cloud") or "global",
        endpoint=value("endpoint"),
        authority_host=value("authority_host"),
        ca_file=value("ca_file"),
        read_hidden_members=bool(value("read_hidden_members")),
        exchange=bool(value("exchange")),
        exchange_endpoint=value("exchange_endpoint"),
        exchange_token=exchange_token,
        **numbers,
    )
