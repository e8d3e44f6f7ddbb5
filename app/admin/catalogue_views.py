"""Admin pages for the catalogue: the queue of edits to review, with a field-by-field diff, and disabling."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.admin.views import bp
from app.audit.models import AuditEvent
from app.catalogue import rules, services
from app.catalogue.models import Service, ServiceVersion
from app.catalogue.rules import ServiceAction, ServiceStatus
from app.db import get_or_404, get_session, paginate
from app.exceptions import DomainError
from app.forms import BaseForm
from app.suppliers.forms import ReasonForm
from app.timeutil import today

__all__ = ["bp"]

PER_PAGE = 50
STATUS_FILTERS = {
    "": "Any status",
    "unreviewed": "Edits waiting for review",
    **{s.value: s.label for s in ServiceStatus},
}


def _unreviewed() -> sa.ColumnElement[bool]:
    return Service.version_number > Service.reviewed_version_number


def count_awaiting_review(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count(Service.id)).where(_unreviewed())) or 0


@bp.context_processor
def review_counts() -> dict[str, Any]:
    # A callable, so the count is only queried by the pages that show it (the admin home).
    return {"services_awaiting_review": lambda: count_awaiting_review(get_session())}


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() else 1


@bp.route("/services")
def services_index() -> str:
    session = get_session()
    q = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    stmt = sa.select(Service).options(selectinload(Service.organisation), selectinload(Service.lot))
    if q:
        stmt = stmt.where(sa.func.lower(Service.name).contains(q.lower(), autoescape=True))
    if status == "unreviewed":
        stmt = stmt.where(_unreviewed())
    elif status:
        stmt = stmt.where(Service.status == status)
    # Newest first: the primary key orders it, so a late page costs no sort of the whole catalogue.
    page = paginate(session, stmt.order_by(Service.id.desc()), _page_number(), per_page=PER_PAGE)
    return render_template("admin/services.html", page=page, q=q, status=status, statuses=STATUS_FILTERS)


@bp.route("/services/edits")
def service_edits() -> str:
    """Services with edits no admin has seen, the longest-waiting first."""
    session = get_session()
    # A subquery per queued service (not a join): the planner then starts from the few unreviewed services
    # instead of walking every version in date order.
    first_unseen_at = (
        sa.select(ServiceVersion.created_at)
        .where(ServiceVersion.service_id == Service.id, ServiceVersion.number == Service.reviewed_version_number + 1)
        .scalar_subquery()
    )
    stmt = (
        sa.select(Service)
        .where(_unreviewed())
        .options(selectinload(Service.organisation))
        .order_by(first_unseen_at, Service.id)
    )
    page = paginate(session, stmt, _page_number(), per_page=PER_PAGE)
    waiting_since = dict(
        session.execute(
            sa.select(ServiceVersion.service_id, ServiceVersion.created_at)
            .join(Service, Service.id == ServiceVersion.service_id)
            .where(
                ServiceVersion.service_id.in_([s.id for s in page.items]),
                ServiceVersion.number == Service.reviewed_version_number + 1,
            )
        ).tuples().all()
    )
    return render_template("admin/service_edits.html", page=page, waiting_since=waiting_since)


@dataclass(frozen=True)
class Shown:
    """A field's value for the diff: text, or list items marked as added or removed."""

    text: str = ""
    items: list[tuple[str, str]] = field(default_factory=list)  # (item, "added" | "removed" | "")
    long: bool = False


_ITEM_FIELDS = ("features", "benefits", "categories")


def _shown(name: str, value: Any, other: Any, category_names: dict[str, str], *, after: bool) -> Shown:
    if name == "documents":
        kinds = services.DOCUMENT_KINDS
        listed = [f"{kinds.get(d.get('kind'), d.get('kind'))}: {d.get('filename')}" for d in value or []]
        return Shown(", ".join(listed) or "None")
    if name in _ITEM_FIELDS:
        names = (lambda v: category_names.get(v, v)) if name == "categories" else (lambda v: v)
        mine, theirs = list(value or []), set(other or [])
        mark = "added" if after else "removed"
        return Shown(items=[(names(v), "" if v in theirs else mark) for v in mine]) if mine else Shown("Not given")
    return Shown(rules.display(name, value), long=name in ("description", "onboarding", "exit_process"))


def _changes(session: Session, service: Service) -> list[dict[str, Any]]:
    category_names = {c.slug: c.name for c in service.lot.categories}
    return [
        {
            "label": change.label,
            "before": _shown(change.field, change.before, change.after, category_names, after=False),
            "after": _shown(change.field, change.after, change.before, category_names, after=True),
        }
        for change in services.unreviewed_changes(session, service)
    ]


@bp.route("/services/<int:service_id>")
def service_review(service_id: int, disable_form: ReasonForm | None = None) -> Any:
    session = get_session()
    service = get_or_404(session, Service, service_id)
    status = ServiceStatus(service.status)
    versions = session.scalars(
        sa.select(ServiceVersion).where(ServiceVersion.service_id == service.id).order_by(ServiceVersion.number.desc())
    ).all()
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "services", AuditEvent.object_id == str(service.id))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(30)
    ).all()
    disable_form = disable_form or ReasonForm(prefix="disable")
    return render_template(
        "admin/service_review.html",
        service=service,
        status=status,
        organisation=service.organisation,
        versions=versions,
        changes=_changes(session, service),
        unreviewed=service.version_number - service.reviewed_version_number,
        can_disable=_allowed(status, ServiceAction.DISABLE),
        can_enable=_allowed(status, ServiceAction.ENABLE),
        visible=services.is_visible(service, today()),
        disable_form=disable_form,
        approve_form=BaseForm(prefix="approve"),
        enable_form=BaseForm(prefix="enable"),
        events=events,
        form=disable_form,
    ), 400 if disable_form.errors else 200


def _allowed(status: ServiceStatus, action: ServiceAction) -> bool:
    try:
        rules.next_service_status(status, action)
    except rules.ServiceStateError:
        return False
    return True


@bp.post("/services/<int:service_id>/approve-edits")
def approve_service_edits(service_id: int) -> Response:
    session = get_session()
    service = get_or_404(session, Service, service_id)
    if BaseForm(prefix="approve").validate_on_submit():
        try:
            services.acknowledge_edits(session, current_user, service)
        except DomainError as error:
            flash(error.message, "error")
            return redirect(url_for("admin.service_review", service_id=service.id))
        session.commit()
        flash(f"Edits to {service.name} approved up to version {service.version_number}.", "success")
    return redirect(url_for("admin.service_edits"))


@bp.post("/services/<int:service_id>/disable")
def disable_service(service_id: int) -> Any:
    session = get_session()
    service = get_or_404(session, Service, service_id)
    form = ReasonForm(prefix="disable")
    if not form.validate_on_submit():
        return service_review(service_id, disable_form=form)
    try:
        services.disable_service(session, current_user, service, form.reason.data or "")
    except DomainError as error:
        if error.field == "reason":
            form.add_error("reason", error.message)
            return service_review(service_id, disable_form=form)
        flash(error.message, "error")
        return redirect(url_for("admin.service_review", service_id=service.id))
    session.commit()
    flash(f"{service.name} is disabled: it is off the catalogue and its page says why.", "success")
    return redirect(url_for("admin.service_review", service_id=service.id))


@bp.post("/services/<int:service_id>/enable")
def enable_service(service_id: int) -> Response:
    session = get_session()
    service = get_or_404(session, Service, service_id)
    if BaseForm(prefix="enable").validate_on_submit():
        try:
            services.enable_service(session, current_user, service)
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"{service.name} is enabled and back on the catalogue.", "success")
    return redirect(url_for("admin.service_review", service_id=service.id))
