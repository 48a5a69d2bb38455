"""What the boundary says of one recipient: its audience, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dlscan.boundary.settings import TrustedPartner


class Audience(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    UNKNOWN = "unknown"
    """The source cannot say who this is; never counted as internal."""
    NONE = "none"
    """Has no mail address: mail to a list does not reach it."""


@dataclass(frozen=True, slots=True)
class Classification:
    audience: Audience
    reason: str
    partner: TrustedPartner | None = None
    """For an external recipient: the trusted partner it belongs to, if any."""
