"""Admin pages for suppliers: the accreditation queue, an application with its evidence, and decisions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.admin import services
from app.admin.accreditation import (
    AccreditationAction,
    AccreditationStatus,
    allowed_actions,
    expiry_date,
    lapses_before,
)
from app.admin.forms import ProfileReviewedForm
from app.admin.views import bp
from app.audit.models import AuditEvent
from app.db import get_or_404, get_session
from app.exceptions import DomainError
from app.forms import BaseForm
from app.mail import send_mail
from app.suppliers import declarations
from app.suppliers.forms import CERTIFICATE_LABELS, PROFILE_FIELD_LABELS, ReasonForm
from app.suppliers.models import Accreditation, EvidenceDocument, Organisation, OrganisationType
from app.suppliers.services import application_tasks, current_status
from app.suppliers.views import send_evidence
from app.timeutil import today

QUEUES = {
    "submitted": "Waiting for a decision",
    "changes_requested": "Changes requested",
    "accredited": "Accredited",
    "suspended": "Suspended",
    "rejected": "Rejected",
    "expired": "Expired",
    "draft": "Draft",
}


@bp.route("/accreditation")
def accreditation_queue() -> str:
    session = get_session()
    status = request.args.get("status", "submitted")
    if status not in QUEUES:
        status = "submitted"
    # An accreditation lapses on its expiry date whether or not the stored status has caught up yet.
    lapsed = sa.and_(
        Accreditation.status.in_([AccreditationStatus.ACCREDITED.value, AccreditationStatus.SUSPENDED.value]),
        Accreditation.expires_on <= today(),
    )
    effective = sa.case((lapsed, AccreditationStatus.EXPIRED.value), else_=Accreditation.status)
    statuses = sa.select(effective.label("status")).subquery()
    counts = dict(session.execute(sa.select(statuses.c.status, sa.func.count()).group_by(statuses.c.status)).all())
    stmt = sa.select(Accreditation).join(Organisation).where(effective == status)
    # The queue is worked oldest first, so nobody waits behind later arrivals.
    order = Accreditation.submitted_at.asc() if status == "submitted" else Accreditation.status_changed_at.desc()
    applications = session.scalars(stmt.order_by(order, Accreditation.id)).all()
    return render_template(
        "admin/accreditation_queue.html", queues=QUEUES, status=status, counts=counts, applications=applications, today=today(),
        profiles_waiting=services.count_profiles_awaiting_review(session, today()),
    )


# The moves an admin makes from this page (submitting, reapplying and expiring are not admin decisions).
DECISIONS = frozenset({AccreditationAction.APPROVE, *services.REASON_REQUIRED})


def _decision_forms() -> dict[str, BaseForm]:
    return {action.value: ReasonForm(prefix=action.value) for action in services.REASON_REQUIRED}


@bp.route("/suppliers/<int:organisation_id>")
def supplier(organisation_id: int, forms: dict[str, BaseForm] | None = None) -> Any:
    session = get_session()
    org = get_or_404(session, Organisation, organisation_id)
    accreditation = org.accreditation
    status = current_status(accreditation, today())
    events = session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.object_type == "organisations", AuditEvent.object_id == str(org.id)),
                sa.and_(AuditEvent.object_type == "accreditations", AuditEvent.object_id == str(accreditation.id if accreditation else 0)),
            )
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(30)
    ).all()
    tasks = application_tasks(org, accreditation, mutual_min_share=current_app.config["MUTUAL_MIN_EMPLOYEE_SHARE"], today=today())
    answers = (accreditation.declarations if accreditation else None) or {}
    forms = forms or _decision_forms()
    failed = any(f.errors for f in forms.values())
    # Certificates must last as long as the accreditation: the one held, or the one approving today would give.
    if status in (AccreditationStatus.ACCREDITED, AccreditationStatus.SUSPENDED):
        accreditation_ends = accreditation.expires_on if accreditation else None
    elif status is AccreditationStatus.SUBMITTED:
        accreditation_ends = expiry_date(today(), current_app.config["ACCREDITATION_MONTHS"])
    else:
        accreditation_ends = None
    profile_changes = services.unreviewed_profile_changes(session, accreditation, today())
    profile_form = ProfileReviewedForm(prefix="profile", formdata=None)
    if profile_changes:
        profile_form.last_change.data = str(profile_changes[-1].id)  # marks reviewed what this page shows
    return render_template(
        "admin/supplier.html",
        organisation=org,
        accreditation=accreditation,
        status=status,
        actions=allowed_actions(status) & DECISIONS,
        Action=AccreditationAction,
        tasks=tasks,
        grounds=declarations.GROUNDS,
        answers=answers,
        explanations=(accreditation.declaration_explanations if accreditation else None) or {},
        exclusions=declarations.mandatory_exclusions(answers),
        labels=CERTIFICATE_LABELS,
        events=events,
        forms=forms,
        approve_form=BaseForm(prefix="approve"),
        accreditation_ends=accreditation_ends,
        lapses_before=lapses_before,
        profile_changes=profile_changes,
        profile_form=profile_form,
        field_labels=PROFILE_FIELD_LABELS,
        organisation_types={t.value: t.label for t in OrganisationType},
        today=today(),
    ), 400 if failed else 200


@bp.route("/suppliers/profile-changes")
def profile_changes() -> str:
    """Accredited suppliers whose profile changed since an admin last saw it, the longest-waiting first."""
    session = get_session()
    accreditations = session.scalars(services.profiles_awaiting_review(today())).all()
    return render_template("admin/profile_changes.html", accreditations=accreditations)


@bp.post("/suppliers/<int:organisation_id>/profile-reviewed")
def profile_reviewed(organisation_id: int) -> Response:
    session = get_session()
    org = get_or_404(session, Organisation, organisation_id)
    form = ProfileReviewedForm(prefix="profile")
    back = redirect(url_for("admin.supplier", organisation_id=org.id))
    if org.accreditation is None or not form.validate_on_submit():
        # Nothing here is typed by the admin: a stale or broken page is sent back to be read again.
        flash("Open the supplier's page again to see its profile changes, then mark them as reviewed.", "error")
        return back
    try:
        count = services.mark_profile_reviewed(session, current_user, org.accreditation, up_to=int(form.last_change.data), today=today())
    except DomainError as error:
        session.rollback()
        flash(error.message, "error")
        return back
    session.commit()
    flash(f"{org.name}: {count} profile change{'s' if count != 1 else ''} marked as reviewed.", "success")
    return back


def _notify(org: Organisation, subject: str, template: str, **context: Any) -> None:
    for user in org.users:
        if user.active:
            send_mail(user.email, subject, template, user=user, organisation=org, **context)


@bp.post("/suppliers/<int:organisation_id>/<any(approve, reject, request_changes, suspend, reinstate):action>")
def decide(organisation_id: int, action: str) -> Any:
    session = get_session()
    org = get_or_404(session, Organisation, organisation_id)
    accreditation = org.accreditation
    if accreditation is None:
        flash("This supplier has not started an application.", "error")
        return redirect(url_for("admin.supplier", organisation_id=org.id))
    move = AccreditationAction(action)
    forms = _decision_forms()
    form: BaseForm = BaseForm(prefix="approve") if move is AccreditationAction.APPROVE else forms[action]
    if not form.validate_on_submit():
        return supplier(organisation_id, forms=forms)
    reason = getattr(form, "reason", None)
    try:
        if move is AccreditationAction.APPROVE:
            services.approve(
                session, current_user, accreditation, months=current_app.config["ACCREDITATION_MONTHS"],
                mutual_min_share=current_app.config["MUTUAL_MIN_EMPLOYEE_SHARE"], today=today(),
            )
        else:
            getattr(services, action)(session, current_user, accreditation, reason.data if reason else "", today=today())
    except DomainError as error:
        if error.field == "reason" and reason is not None:
            form.add_error("reason", error.message)
            return supplier(organisation_id, forms=forms)
        flash(error.message, "error")
        return redirect(url_for("admin.supplier", organisation_id=org.id))
    session.commit()
    new = AccreditationStatus(accreditation.status)
    _notify(org, f"Your Cloudstore accreditation: {new.label.lower()}", "accreditation_decision", status=new, accreditation=accreditation)
    flash(f"{org.name}: {new.label.lower()}.", "success")
    return redirect(url_for("admin.supplier", organisation_id=org.id))


@bp.get("/suppliers/<int:organisation_id>/documents/<int:document_id>")
def supplier_document(organisation_id: int, document_id: int) -> Response:
    document = get_or_404(get_session(), EvidenceDocument, document_id)
    if document.organisation_id != organisation_id:
        from flask import abort

        abort(404)
    return send_evidence(document)
