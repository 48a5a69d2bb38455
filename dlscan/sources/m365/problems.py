"""What a failed collection from Microsoft Graph tells the admin: one line, and what to grant or check."""

from __future__ import annotations

from urllib.parse import urlsplit

from dlscan.sources.m365.client import GraphError
from dlscan.sources.m365.settings import GraphSettings

# The least application permission that lets Graph answer each kind of request.
_PERMISSIONS = (
    ("/domains", "Domain.Read.All"),
    ("/users", "User.Read.All"),
    ("/contacts", "OrgContact.Read.All"),
    ("/groups", "GroupMember.Read.All"),
)


def describe(error: GraphError, settings: GraphSettings) -> str:
    """One line an admin can act on: what failed, and for 401/403 what to grant or check."""
    path = urlsplit(error.url).path.removeprefix(urlsplit(settings.base_url).path) or error.url
    permission = next((p for prefix, p in _PERMISSIONS if path.startswith(prefix)), "Directory.Read.All")
    if error.status == 403:
        return (
            f"Microsoft Graph refused {path} ({error.status} {error.code}): grant the app the {permission} "
            "application permission, with admin consent"
        )
    if error.status == 401:
        return (
            f"Microsoft Graph did not accept the credentials for {path} ({error.status} {error.code}): check the "
            f"tenant, client id and secret, or that the token is for {settings.scope}"
        )
    what = f"HTTP {error.status}" if error.status else "no answer"
    code = f" {error.code}" if error.code else ""
    message = f": {error.message.rstrip('.')}" if error.message else ""
    return f"Microsoft Graph: {path}: {what}{code}{message}; nothing was written"


def sign_in_problem(exc: Exception) -> str | None:
    """azure-identity's sign-in failure, first line only (the rest is troubleshooting links)."""
    try:
        from azure.core.exceptions import AzureError
    except ImportError:
        return None
    if not isinstance(exc, AzureError):
        return None
    lines = [line.strip() for line in str(exc.message or exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
