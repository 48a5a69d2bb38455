"""Ticket settings from the config file: which system, its credentials (environment or file only), the policy."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from dlscan.findings import Severity
from dlscan.operations.config import DlscanConfig
from dlscan.operations.tickets.base import TicketSystem
from dlscan.operations.tickets.desk import OnResolve, TicketPolicy
from dlscan.operations.tickets.http import TicketHttp
from dlscan.operations.tickets.jira import DEFAULT_PRIORITIES, JiraTickets
from dlscan.operations.tickets.servicenow import ServiceNowTickets
from dlscan.operations.tickets.webhook import WebhookTickets
from dlscan.support.errors import UsageError
from dlscan.support.secret import read_secret


def ticket_policy(config: DlscanConfig) -> TicketPolicy:
    section = config.tickets
    try:
        return TicketPolicy(
            min_severity=Severity(section.min_severity or Severity.HIGH.value),
            digest=(section.mode or "each") == "digest",
            on_resolve=OnResolve(section.on_resolve or OnResolve.NONE.value),
        )
    except ValueError as exc:
        raise UsageError(f"[tickets]: {exc}") from None


def ticket_system(config: DlscanConfig, *, time_scale: float = 1.0) -> TicketSystem | None:
    """The configured system, ready to send; None when [tickets] names none."""
    name = config.tickets.system
    if not name:
        return None
    if name not in _BUILDERS:
        raise UsageError(f"[tickets] system {name!r}: choose one of {', '.join(_BUILDERS)}")
    if (config.tickets.mode or "each") not in ("each", "digest"):
        raise UsageError(f"[tickets] mode {config.tickets.mode!r}: choose each or digest")
    timeout = config.tickets.timeout or 30.0
    retries = 3 if config.tickets.retries is None else config.tickets.retries
    return _BUILDERS[name](
        config, lambda url, **kw: TicketHttp(url, timeout=timeout, retries=retries, time_scale=time_scale, **kw)
    )


def _webhook(config: DlscanConfig, http: Callable[..., TicketHttp]) -> TicketSystem:
    section = config.webhook
    secret = read_secret("[tickets.webhook] secret_env", section.secret_env, "secret_file", section.secret_file)
    return WebhookTickets(http(_required(section.url, "[tickets.webhook] url")), secret)


def _jira(config: DlscanConfig, http: Callable[..., TicketHttp]) -> TicketSystem:
    section = config.jira
    token = read_secret("[tickets.jira] token_env", section.token_env, "token_file", section.token_file)
    if token is None:
        raise UsageError("[tickets.jira] needs token_env or token_file (an API token or personal access token)")
    user = _env_value(section.user_env, "[tickets.jira] user_env")
    # Jira Cloud: e-mail address and API token (basic); Data Center: a personal access token (bearer).
    auth = httpx.BasicAuth(user, token.reveal()) if user else None
    headers = {} if user else {"Authorization": f"Bearer {token.reveal()}"}
    priorities = section.priorities or DEFAULT_PRIORITIES
    if len(priorities) != len(Severity):
        raise UsageError("[tickets.jira] priorities lists five names: for critical, high, medium, low and info")
    return JiraTickets(
        http(_required(section.url, "[tickets.jira] url"), auth=auth, headers=headers),
        project=_required(section.project, "[tickets.jira] project"),
        issue_type=section.issue_type or "Task",
        labels=section.labels,
        priorities=priorities,
        api_version=section.api_version or 2,
        close_transition=section.close_transition or "Done",
        reopen_transition=section.reopen_transition or "To Do",
    )


def _servicenow(config: DlscanConfig, http: Callable[..., TicketHttp]) -> TicketSystem:
    section = config.servicenow
    user = _env_value(section.user_env, "[tickets.servicenow] user_env")
    password = read_secret(
        "[tickets.servicenow] password_env", section.password_env, "password_file", section.password_file
    )
    if not user or password is None:
        raise UsageError("[tickets.servicenow] needs user_env and password_env or password_file")
    return ServiceNowTickets(
        http(_required(section.url, "[tickets.servicenow] url"), auth=httpx.BasicAuth(user, password.reveal())),
        table=section.table or "incident",
        assignment_group=section.assignment_group,
        caller=section.caller,
        category=section.category,
        resolved_state=section.resolved_state or "6",
        close_code=section.close_code or "Solved (Permanently)",
        reopen_state=section.reopen_state or "2",
    )


_BUILDERS: dict[str, Callable[[DlscanConfig, Callable[..., TicketHttp]], TicketSystem]] = {
    "webhook": _webhook,
    "jira": _jira,
    "servicenow": _servicenow,
}


def _required(value: str | None, what: str) -> str:
    if not value:
        raise UsageError(f"{what} is required")
    return value


def _env_value(variable: str | None, what: str) -> str | None:
    if not variable:
        return None
    secret = read_secret(what, variable, "", None)
    return secret.reveal() if secret else None
