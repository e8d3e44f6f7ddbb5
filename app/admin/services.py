"""Admin decisions on accreditation (rule C6): each one a legal move of the state machine, audited."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationAction, AccreditationStatus, expiry_date, next_status
from app.audit.models import AuditEvent
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
    if action is AccreditationAction.APPROVE:
        accreditation.profile_reviewed_at = accreditation.decided_at  # the whole profile was just checked
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


# Profile changes after accreditation ---------------------------------------------------------------------------
# An accredited supplier keeps its profile up to date itself, and the changes apply at once (a new address, or
# a new type of organisation that buyers filter on). Admins review them afterwards, as they do service edits,
# and suspend the supplier if a change means it no longer qualifies.

PROFILE_CHANGE_ACTIONS = (
    "organisation.details_updated",
    "organisation.registration_updated",
    "organisation.type_updated",
    "organisation.size_updated",
)
REVIEWED_PROFILE_STATUSES = (AccreditationStatus.ACCREDITED.value, AccreditationStatus.SUSPENDED.value)


def _profile_seen_at() -> sa.ColumnElement:
    """When an admin last saw the profile: reviewed since, or else the accreditation decision."""
    return sa.func.coalesce(Accreditation.profile_reviewed_at, Accreditation.decided_at, Accreditation.status_changed_at)


def _profile_change_of(organisation_id: sa.ColumnElement | int) -> sa.ColumnElement[bool]:
    return sa.and_(
        AuditEvent.object_type == "organisations",
        AuditEvent.object_id == sa.cast(organisation_id, sa.String),
        AuditEvent.action.in_(PROFILE_CHANGE_ACTIONS),
    )


def profiles_awaiting_review(today: date) -> sa.Select[tuple[Accreditation]]:
    """Accredited or suspended suppliers (not yet expired) whose profile changed since an admin last saw it,
    the longest-waiting first."""
    first_unseen_at = (
        sa.select(sa.func.min(AuditEvent.created_at))
        .where(_profile_change_of(Accreditation.organisation_id), AuditEvent.created_at > _profile_seen_at())
        .scalar_subquery()
    )
    return (
        sa.select(Accreditation)
        .where(
            Accreditation.status.in_(REVIEWED_PROFILE_STATUSES),
            Accreditation.expires_on > today,
            first_unseen_at.is_not(None),
        )
        .order_by(first_unseen_at, Accreditation.id)
    )


def count_profiles_awaiting_review(session: Session, today: date) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(profiles_awaiting_review(today).order_by(None).subquery())) or 0


def unreviewed_profile_changes(session: Session, accreditation: Accreditation | None, today: date) -> list[AuditEvent]:
    """The supplier's own profile changes since an admin last saw the profile, oldest first (none unless it is
    accredited or suspended: an application is reviewed as a whole)."""
    if accreditation is None or current_status(accreditation, today).value not in REVIEWED_PROFILE_STATUSES:
        return []
    seen_at = accreditation.profile_reviewed_at or accreditation.decided_at or accreditation.status_changed_at
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(_profile_change_of(accreditation.organisation_id), AuditEvent.created_at > seen_at)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def mark_profile_reviewed(session: Session, admin: User, accreditation: Accreditation, *, up_to: int, today: date) -> int:
    """An admin has reviewed the profile changes up to event ``up_to`` (the last one they were shown);
    returns how many that was. Later changes keep waiting."""
    lock_for_update(session, accreditation)  # two admins at once: the second finds nothing left to review
    seen = [change for change in unreviewed_profile_changes(session, accreditation, today) if change.id <= up_to]
    if not seen:
        raise DomainError("There are no profile changes to review: another admin may have reviewed them")
    before = {"profile_reviewed_at": accreditation.profile_reviewed_at}
    accreditation.profile_reviewed_at = seen[-1].created_at
    record(
        session, admin, "accreditation.profile_reviewed", accreditation,
        before=before, after={"profile_reviewed_at": accreditation.profile_reviewed_at, "changes": len(seen)},
    )
    session.flush()
    return len(seen)
