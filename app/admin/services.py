"""Admin decisions on accreditation (rule C6): each one a legal move of the state machine, audited."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationAction, AccreditationStatus, expiry_date, next_status
from app.audit.services import record
from app.auth.models import User
from app.db import lock_for_update
from app.exceptions import DomainError
from app.search.services import record_organisation_change
from app.suppliers import declarations
from app.suppliers.models import Accreditation
from app.suppliers.services import application_tasks, current_status
from app.timeutil import utcnow

REASON_REQUIRED = {
    AccreditationAction.REJECT: "Enter why the application is rejected: the supplier will see it",
    AccreditationAction.REQUEST_CHANGES: "Enter what the supplier needs to change",
    AccreditationAction.SUSPEND: "Enter why the supplier is suspended: the supplier will see it",
    AccreditationAction.REINSTATE: "Enter why the supplier is reinstated",
}


VISIBILITY_CHANGES = {AccreditationAction.APPROVE, AccreditationAction.SUSPEND, AccreditationAction.REINSTATE, AccreditationAction.EXPIRE}


def _move(
    session: Session,
    actor: User | None,
    accreditation: Accreditation,
    action: AccreditationAction,
    *,
    today: date,
    reason: str | None = None,
    expires_on: date | None = None,
) -> AccreditationStatus:
    lock_for_update(session, accreditation)  # two admins deciding at once: the second sees the first's decision
    status = current_status(accreditation, today)
    new = next_status(status, action)
    if action in REASON_REQUIRED and not (reason or "").strip():
        raise DomainError(REASON_REQUIRED[action], field="reason")
    before = {"status": accreditation.status, "expires_on": accreditation.expires_on}
    if expires_on is not None:
        accreditation.accredited_on = today
        accreditation.expires_on = expires_on
    accreditation.status = new.value
    accreditation.status_changed_at = utcnow()
    accreditation.status_reason = reason.strip() if reason else None
    if action in {AccreditationAction.APPROVE, AccreditationAction.REJECT, AccreditationAction.REQUEST_CHANGES}:
        accreditation.decided_at = utcnow()
        accreditation.decided_by_id = actor.id if actor else None
    if action in VISIBILITY_CHANGES:
        # Suspension hides every service of the supplier at once; approval and reinstatement bring them back.
        record_organisation_change(session, accreditation.organisation_id, f"accreditation {action.value}")
    record(
        session,
        actor,
        f"accreditation.{action.value}",
        accreditation,
        before=before,
        after={"status": new.value, "expires_on": accreditation.expires_on, "reason": reason},
        actor_label=None if actor else "expiry check",
    )
    session.flush()
    return new


def approve(session: Session, admin: User, accreditation: Accreditation, *, months: int, mutual_min_share: int, today: date) -> None:
    """Accredit a submitted application for ``months`` from today; a "yes" on a mandatory exclusion ground can never be accredited."""
    next_status(current_status(accreditation, today), AccreditationAction.APPROVE)  # only a submitted application
    excluded = declarations.mandatory_exclusions(accreditation.declarations or {})
    if excluded:
        raise DomainError(
            "This supplier cannot be accredited: it answered yes to a mandatory exclusion ground ("
            + ", ".join(g.name for g in excluded)
            + "). Reject the application instead"
        )
    org = accreditation.organisation
    if any(not t.done for t in application_tasks(org, accreditation, mutual_min_share=mutual_min_share, today=today)):
        raise DomainError("The application is incomplete. Request changes instead")
    _move(session, admin, accreditation, AccreditationAction.APPROVE, today=today, expires_on=expiry_date(today, months))


def reject(session: Session, admin: User, accreditation: Accreditation, reason: str, *, today: date) -> None:
    _move(session, admin, accreditation, AccreditationAction.REJECT, today=today, reason=reason)


def request_changes(session: Session, admin: User, accreditation: Accreditation, reason: str, *, today: date) -> None:
    _move(session, admin, accreditation, AccreditationAction.REQUEST_CHANGES, today=today, reason=reason)


def suspend(session: Session, admin: User, accreditation: Accreditation, reason: str, *, today: date) -> None:
    """Suspend an accredited supplier: everything it lists disappears from public view (rule C1)."""
    _move(session, admin, accreditation, AccreditationAction.SUSPEND, today=today, reason=reason)


def reinstate(session: Session, admin: User, accreditation: Accreditation, reason: str, *, today: date) -> None:
    _move(session, admin, accreditation, AccreditationAction.REINSTATE, today=today, reason=reason)


def record_lapsed(session: Session, *, today: date) -> list[Accreditation]:
    """Store the expiry of every accreditation whose date has passed (reads never depend on this having run)."""
    lapsed = list(
        session.scalars(
            sa.select(Accreditation).where(
                Accreditation.status.in_([AccreditationStatus.ACCREDITED.value, AccreditationStatus.SUSPENDED.value]),
                Accreditation.expires_on <= today,
            )
        )
    )
    for accreditation in lapsed:
        before = {"status": accreditation.status, "expires_on": accreditation.expires_on}
        accreditation.status = AccreditationStatus.EXPIRED.value
        accreditation.status_changed_at = utcnow()
        record_organisation_change(session, accreditation.organisation_id, "accreditation expire")
        record(session, None, "accreditation.expire", accreditation, before=before, after={"status": "expired"}, actor_label="expiry check")
    session.flush()
    return lapsed
