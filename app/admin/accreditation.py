"""Supplier accreditation: its status changes, expiry and certificate warnings (rule C6).

The status moves only through the transitions in _TRANSITIONS; anything else
raises IllegalTransition. Expiry is a date, not a job: an accreditation whose
expiry date has arrived is treated as expired whether or not a scheduled task
has updated the stored status yet.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

# Re-exported (`as` form) so existing imports of these two from this module keep working.
from app.dates import add_months as add_months
from app.dates import format_date as format_date
from app.exceptions import DomainError


class AccreditationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    ACCREDITED = "accredited"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The status as shown to suppliers and admins, for example "Changes requested"."""
        return self.value.replace("_", " ").capitalize()


class AccreditationAction(enum.StrEnum):
    SUBMIT = "submit"
    REQUEST_CHANGES = "request_changes"
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    EXPIRE = "expire"
    REAPPLY = "reapply"

    @property
    def label(self) -> str:
        """The action as a button label, for example "Request changes"."""
        return self.value.replace("_", " ").capitalize()


_S = AccreditationStatus
_A = AccreditationAction

_TRANSITIONS: dict[tuple[AccreditationStatus, AccreditationAction], AccreditationStatus] = {
    (_S.DRAFT, _A.SUBMIT): _S.SUBMITTED,
    (_S.CHANGES_REQUESTED, _A.SUBMIT): _S.SUBMITTED,
    (_S.SUBMITTED, _A.REQUEST_CHANGES): _S.CHANGES_REQUESTED,
    (_S.SUBMITTED, _A.APPROVE): _S.ACCREDITED,
    (_S.SUBMITTED, _A.REJECT): _S.REJECTED,
    (_S.ACCREDITED, _A.SUSPEND): _S.SUSPENDED,
    (_S.SUSPENDED, _A.REINSTATE): _S.ACCREDITED,
    (_S.ACCREDITED, _A.EXPIRE): _S.EXPIRED,
    (_S.SUSPENDED, _A.EXPIRE): _S.EXPIRED,
    (_S.REJECTED, _A.REAPPLY): _S.DRAFT,
    (_S.EXPIRED, _A.REAPPLY): _S.DRAFT,
}

# How an admin would finish "An application that is ..." and "... cannot be ...".
_STATUS_PHRASES: dict[AccreditationStatus, str] = {
    _S.DRAFT: "draft",
    _S.SUBMITTED: "submitted",
    _S.CHANGES_REQUESTED: "waiting for changes",
    _S.ACCREDITED: "accredited",
    _S.REJECTED: "rejected",
    _S.SUSPENDED: "suspended",
    _S.EXPIRED: "expired",
}
_ACTION_PHRASES: dict[AccreditationAction, str] = {
    _A.SUBMIT: "submitted",
    _A.REQUEST_CHANGES: "sent back for changes",
    _A.APPROVE: "approved",
    _A.REJECT: "rejected",
    _A.SUSPEND: "suspended",
    _A.REINSTATE: "reinstated",
    _A.EXPIRE: "expired",
    _A.REAPPLY: "reopened for a new application",
}


class IllegalTransition(DomainError):
    """The accreditation cannot move from its current status by this action."""

    def __init__(self, current: AccreditationStatus, action: AccreditationAction) -> None:
        super().__init__(
            f"An application that is {_STATUS_PHRASES[current]} cannot be {_ACTION_PHRASES[action]}"
        )
        self.current = current
        self.action = action


def next_status(current: AccreditationStatus, action: AccreditationAction) -> AccreditationStatus:
    """Return the status an accreditation moves to when an admin or supplier takes this action,
    or raise IllegalTransition if the action is not allowed from the current status."""
    try:
        return _TRANSITIONS[(current, action)]
    except KeyError:
        raise IllegalTransition(current, action) from None


def allowed_actions(current: AccreditationStatus) -> frozenset[AccreditationAction]:
    """The actions that can be taken on an accreditation in this status (to decide which buttons to show)."""
    return frozenset(action for (status, action) in _TRANSITIONS if status is current)


def expiry_date(approved_on: date, months: int) -> date:
    """An accreditation approved on a date expires the given number of calendar months later
    (the framework's accreditation period, 12 months by default)."""
    if months < 1:
        raise ValueError("An accreditation period must be at least one month.")
    return add_months(approved_on, months)


def effective_status(
    status: AccreditationStatus, expires_on: date | None, today: date
) -> AccreditationStatus:
    """An accredited or suspended supplier is expired from its expiry date onwards, even before any job records it:
    expires_on is the first day it is no longer valid, so the day before expires_on is the last valid day."""
    if status in (_S.ACCREDITED, _S.SUSPENDED) and expires_on is not None and expires_on <= today:
        return _S.EXPIRED
    return status


def is_in_good_standing(status: AccreditationStatus, expires_on: date | None, today: date) -> bool:
    """A supplier is in good standing only while accredited, not suspended and not past its expiry date."""
    return effective_status(status, expires_on, today) is _S.ACCREDITED


CERTIFICATE_KINDS: dict[str, str] = {
    "cyber_essentials": "Cyber Essentials",
    "cyber_essentials_plus": "Cyber Essentials Plus",
    "iso27001": "ISO/IEC 27001",
}


@dataclass(frozen=True)
class Certificate:
    """A security certificate a supplier holds; it is valid up to and including expires_on."""

    kind: str
    number: str
    issuer: str
    expires_on: date

    def __post_init__(self) -> None:
        if self.kind not in CERTIFICATE_KINDS:
            raise ValueError(f"Unknown certificate kind {self.kind!r}; expected one of {sorted(CERTIFICATE_KINDS)}.")

    @property
    def label(self) -> str:
        """The certificate's name as suppliers know it, for example "Cyber Essentials Plus"."""
        return CERTIFICATE_KINDS[self.kind]


def lapses_before(certificate_expires_on: date, accreditation_expires_on: date) -> bool:
    """Whether a certificate stops being valid while the accreditation still runs. A certificate is valid
    through its expiry date; an accreditation's ``expires_on`` is its first day no longer valid."""
    return certificate_expires_on < accreditation_expires_on - timedelta(days=1)


def certificate_warnings(
    certificates: Iterable[Certificate], accreditation_expires_on: date | None, today: date
) -> list[str]:
    """Warn the supplier about each certificate that has expired (its expiry date is before today) or
    that expires before its accreditation does, so it is renewed in time."""
    warnings: list[str] = []
    for certificate in certificates:
        if certificate.expires_on < today:
            warnings.append(
                f"Your {certificate.label} certificate expired on {format_date(certificate.expires_on)}: "
                "renew it and upload the new certificate"
            )
        elif accreditation_expires_on is not None and lapses_before(certificate.expires_on, accreditation_expires_on):
            last_day = accreditation_expires_on - timedelta(days=1)
            warnings.append(
                f"Your {certificate.label} certificate expires on {format_date(certificate.expires_on)}, "
                f"before your accreditation ends on {format_date(last_day)}: "
                "renew it and upload the new certificate"
            )
    return warnings
