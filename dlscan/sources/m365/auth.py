"""Credentials for Graph: azure-identity for sign-in, kiota for attaching the token to each request.

The token is attached only to requests for the Graph host in use, so a redirect or a next-page link to
another host never carries it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    AuthenticationProvider,
    BaseBearerTokenAuthenticationProvider,
)

from dlscan.sources.m365.settings import AuthMethod, GraphSettings
from dlscan.support.secret import Secret


class _StaticToken(AccessTokenProvider):
    """A token the admin acquired elsewhere, e.g. from a vault or another tool."""

    def __init__(self, token: Secret, host: str) -> None:
        self._token = token
        self._hosts = AllowedHostsValidator([host])

    async def get_authorization_token(self, uri: str, additional_authentication_context: Any = None) -> str:
        return self._token.reveal() if self._hosts.is_url_host_valid(uri) else ""

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return self._hosts


class GraphSignIn:
    """The authentication provider for one collection, and the credential to close after it."""

    def __init__(self, settings: GraphSettings) -> None:
        # azure-identity logs each failed sign-in as a warning; dlscan reports it once, as its own error.
        logging.getLogger("azure.identity").setLevel(logging.ERROR)
        host = urlsplit(settings.service_root).hostname or ""
        self._credential: Any = None
        if settings.auth is AuthMethod.ACCESS_TOKEN:
            assert settings.secret is not None
            self.provider: AuthenticationProvider = BaseBearerTokenAuthenticationProvider(
                _StaticToken(settings.secret, host)
            )
            return
        from kiota_authentication_azure.azure_identity_authentication_provider import (
            AzureIdentityAuthenticationProvider,
        )

        self._credential = _credential(settings)
        self.provider = AzureIdentityAuthenticationProvider(
            self._credential, scopes=[settings.scope], allowed_hosts=[host]
        )

    async def token_for(self, scope: str, given: Secret | None) -> str:
        """A bearer token for another resource (Exchange Online): `given`, or one from the same credential."""
        if given is not None:
            return given.reveal()
        result = self._credential.get_token(scope)
        if hasattr(result, "__await__"):
            result = await result
        return result.token

    async def close(self) -> None:
        close = getattr(self._credential, "close", None)
        if close is not None:
            result = close()
            if hasattr(result, "__await__"):
                await result


def _credential(settings: GraphSettings) -> Any:
    """The azure-identity credential for the chosen method; imported late, as it is a large package."""
    from azure.identity import DeviceCodeCredential
    from azure.identity.aio import CertificateCredential, ClientSecretCredential, ManagedIdentityCredential

    tenant, client = settings.tenant_id, settings.client_id
    common: dict[str, Any] = {"authority": settings.authority}
    if settings.ca_file is not None:
        common["connection_verify"] = str(settings.ca_file)
    if settings.auth is AuthMethod.CLIENT_SECRET:
        assert settings.secret is not None
        return ClientSecretCredential(tenant, client, settings.secret.reveal(), **common)
    if settings.auth is AuthMethod.CERTIFICATE:
        password = settings.certificate_password.reveal() if settings.certificate_password else None
        return CertificateCredential(
            tenant, client, certificate_path=str(settings.certificate), password=password, **common
        )
    if settings.auth is AuthMethod.MANAGED_IDENTITY:
        return ManagedIdentityCredential(client_id=client) if client else ManagedIdentityCredential()
    # Device code is interactive; azure-identity offers it synchronously only, and it runs once per collection.
    return DeviceCodeCredential(client_id=client, tenant_id=tenant, prompt_callback=_show_code, **common)


def _show_code(verification_uri: str, user_code: str, expires_on: Any) -> None:
    print(f"dlscan: to sign in, open {verification_uri} and enter the code {user_code}", file=sys.stderr)
