"""Who counts as internal: the boundary's settings, and the classification of every recipient.

May import sources (for DNs), model and support.
"""

from dlscan.boundary.classify import Boundary
from dlscan.boundary.domains import merge_domains, parse_domain_option
from dlscan.boundary.settings import BoundaryError, BoundarySettings, Organisation, TrustedPartner
from dlscan.boundary.verdict import Audience, Classification

__all__ = [
    "Audience",
    "Boundary",
    "BoundaryError",
    "BoundarySettings",
    "Classification",
    "Organisation",
    "TrustedPartner",
    "merge_domains",
    "parse_domain_option",
]
