"""Buyer email domains (rule B1): pure functions over strings."""

from __future__ import annotations

import re
from collections.abc import Iterable

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainFormatError(ValueError):
    pass


def normalise_domain(value: str) -> str:
    """Lower-case a domain typed by an admin, dropping a leading '@' or '.', and check its shape."""
    domain = value.strip().lower().lstrip("@").lstrip(".").rstrip(".")
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise DomainFormatError("Enter a domain like council.gov.uk, without 'www' or 'https://'")
    return domain


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def is_covered(domain: str, allowed: str) -> bool:
    """True if ``domain`` is ``allowed`` or a subdomain of it (``council.gov.uk`` under ``gov.uk``)."""
    return domain == allowed or domain.endswith("." + allowed)


def covering_domain(domain: str, allowed: Iterable[str]) -> str | None:
    """The allowlisted domain that already covers ``domain``, if any."""
    for candidate in sorted(allowed, key=len):
        if is_covered(domain, candidate):
            return candidate
    return None


def is_buyer_email_allowed(email: str, allowed: Iterable[str]) -> bool:
    return covering_domain(email_domain(email), allowed) is not None
