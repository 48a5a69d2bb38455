"""How to reach a Microsoft 365 tenant: which cloud, which endpoint, which credential."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from dlscan.support.errors import UsageError
from dlscan.support.httppolicy import safe_url
from dlscan.support.secret import Secret


@dataclass(frozen=True)
class Cloud:
    graph: str
    """The Graph service root; requests go to {graph}/v1.0."""
    authority: str
    """The Entra ID sign-in host for this cloud."""


CLOUDS: dict[str, Cloud] = {
    "global": Cloud("https://graph.microsoft.com", "login.microsoftonline.com"),
    "usgov": Cloud("https://graph.microsoft.us", "login.microsoftonline.us"),
    "usgov-dod": Cloud("https://dod-graph.microsoft.us", "login.microsoftonline.us"),
    "china": Cloud("https://microsoftgraph.chinacloudapi.cn", "login.chinacloudapi.cn"),
}


class AuthMethod(StrEnum):
    CLIENT_SECRET = "client-secret"  # noqa: S105 - a method name, not a secret
    CERTIFICATE = "certificate"
    MANAGED_IDENTITY = "managed-identity"
    DEVICE_CODE = "device-code"
    ACCESS_TOKEN = "access-token"  # noqa: S105 - a method name, not a secret


@dataclass(frozen=True)
class GraphSettings:
    tenant_id: str | None
    client_id: str | None
    auth: AuthMethod
    secret: Secret | None = None
    """The client secret, or the pre-acquired access token."""
    certificate: Path | None = None
    certificate_password: Secret | None = None
    cloud: str = "global"
    endpoint: str | None = None
    """Another Graph service root (a proxy, a test server); overrides the cloud's."""
    authority_host: str | None = None
    """Another Entra ID sign-in host (https); overrides the cloud's."""
    ca_file: Path | None = None
    """CA certificates for the endpoint and the sign-in host, e.g. behind a TLS-inspecting proxy."""
    concurrency: int = 4
    timeout: float = 60.0
    retries: int = 5
    retry_time_scale: float = 1.0
    """Multiplies every wait before a retry; tests set 0 so that honoured Retry-After costs nothing."""
    read_hidden_members: bool = False
    """The app holds Member.Read.Hidden. Without it Graph answers a hidden-membership group's members as
    if it had none (it says nothing of what it left out), so those groups' members are unknown."""
    exchange: bool = False
    """Also read Exchange Online's facts (`dlscan.sources.m365.exchange_online`)."""
    exchange_endpoint: str | None = None
    """Another Exchange Online root (a proxy, a test server)."""
    exchange_token: Secret | None = None
    """With a pre-acquired Graph token, the Exchange Online token (another audience) to use beside it."""

    def __post_init__(self) -> None:
        if self.cloud not in CLOUDS:
            raise UsageError(f"--cloud {self.cloud!r}: choose one of {', '.join(CLOUDS)}")
        if self.auth is not AuthMethod.ACCESS_TOKEN and not self.tenant_id:
            raise UsageError("name the tenant with --tenant-id (its id or a verified domain)")
        needs_app = (AuthMethod.CLIENT_SECRET, AuthMethod.CERTIFICATE, AuthMethod.DEVICE_CODE)
        if self.auth in needs_app and not self.client_id:
            raise UsageError("name the app registration with --client-id")
        if self.auth in (AuthMethod.CLIENT_SECRET, AuthMethod.ACCESS_TOKEN) and self.secret is None:
            what = "client secret" if self.auth is AuthMethod.CLIENT_SECRET else "access token"
            raise UsageError(f"no {what}: the environment variable named for it is empty or unset")
        if self.auth is AuthMethod.CERTIFICATE and self.certificate is None:
            raise UsageError("--certificate needs a PEM or PKCS#12 file holding the private key")
        if not 1 <= self.concurrency <= 32:
            raise UsageError("--concurrency must be between 1 and 32")
        if not 0 <= self.retries <= 10:
            raise UsageError("--retries must be between 0 and 10")
        self.service_root  # noqa: B018 - validates --endpoint early, before any credential is used
        if self.exchange:
            if not self.tenant_id:
                raise UsageError("--exchange needs the tenant named with --tenant-id (its id or initial domain)")
            if self.auth is AuthMethod.ACCESS_TOKEN and self.exchange_token is None:
                raise UsageError("--exchange with --access-token-env needs --exchange-access-token-env too")
            self.exchange_root  # noqa: B018 - validates --exchange-endpoint early
        if self.authority_host is not None and not self.authority_host.startswith("https://"):
            raise UsageError(f"--authority-host {self.authority_host!r}: sign-in must use https")

    @property
    def service_root(self) -> str:
        if self.endpoint is None:
            return CLOUDS[self.cloud].graph
        return parse_endpoint(self.endpoint)

    @property
    def exchange_root(self) -> str:
        if self.exchange_endpoint is None:
            return "https://outlook.office365.com"
        parts = safe_url(self.exchange_endpoint, "--exchange-endpoint")
        return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"

    @property
    def base_url(self) -> str:
        return f"{self.service_root}/v1.0"

    @property
    def authority(self) -> str:
        return self.authority_host or CLOUDS[self.cloud].authority

    @property
    def scope(self) -> str:
        return f"{self.service_root}/.default"


def parse_endpoint(value: str) -> str:
    """A Graph service root. Plain http only to this machine: a token must never cross a network in clear."""
    parts = safe_url(value, "--endpoint")
    path = parts.path.rstrip("/").removesuffix("/v1.0")
    return f"{parts.scheme}://{parts.netloc}{path}"
