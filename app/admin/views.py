from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin.forms import AddBuyerDomainForm, ConfirmForm
from app.admin.services import count_profiles_awaiting_review
from app.audit.models import AuditEvent
from app.auth import services as auth_services
from app.auth.decorators import check_role
from app.auth.models import BuyerDomain, Role, User
from app.db import get_or_404, get_session, paginate
from app.exceptions import DomainError
from app.timeutil import today

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> object:
    return check_role(Role.ADMIN)


def _page_number() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() else 1


@bp.route("/")
def index() -> str:
    session = get_session()
    counts = {
        "users": session.scalar(sa.select(sa.func.count(User.id))),
        "locked": session.scalar(sa.select(sa.func.count(User.id)).where(User.locked_at.is_not(None))),
        "domains": session.scalar(sa.select(sa.func.count(BuyerDomain.id))),
        "profiles": count_profiles_awaiting_review(session, today()),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/users")
def users() -> str:
    session = get_session()
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    stmt = sa.select(User).order_by(User.email)
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(sa.or_(User.email.like(pattern), sa.func.lower(User.name).like(pattern)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    if status == "locked":
        stmt = stmt.where(User.locked_at.is_not(None))
    elif status == "deactivated":
        stmt = stmt.where(User.active.is_(False))
    elif status == "unverified":
        stmt = stmt.where(User.email_verified_at.is_(None))
    page = paginate(session, stmt, _page_number(), per_page=50)
    return render_template("admin/users.html", page=page, q=q, role=role, status=status, roles=list(Role))


@bp.route("/users/<int:user_id>")
def user(user_id: int) -> str:
    session = get_session()
    target = get_or_404(session, User, user_id)
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == str(target.id))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template("admin/user.html", target=target, events=events, form=ConfirmForm())


def _user_action(user_id: int, action: Any, message: str) -> Any:
    session = get_session()
    target = get_or_404(session, User, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            action(session, target)
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash(message.format(email=target.email), "success")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.post("/users/<int:user_id>/unlock")
def unlock_user(user_id: int) -> Any:
    return _user_action(
        user_id, lambda s, u: auth_services.unlock_user(s, current_user, u), "{email} is unlocked and can sign in again."
    )


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int) -> Any:
    return _user_action(
        user_id, lambda s, u: auth_services.set_user_active(s, current_user, u, False), "{email} is deactivated and signed out."
    )


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int) -> Any:
    return _user_action(
        user_id, lambda s, u: auth_services.set_user_active(s, current_user, u, True), "{email} is active again."
    )


@bp.route("/buyer-domains", methods=["GET", "POST"])
def buyer_domains() -> Any:
    session = get_session()
    form = AddBuyerDomainForm()
    if form.validate_on_submit():
        try:
            entry = auth_services.add_buyer_domain(session, current_user, form.domain.data)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            flash(f"Buyers with email addresses ending {entry.domain} can now register.", "success")
            return redirect(url_for("admin.buyer_domains"))
    entries = session.scalars(sa.select(BuyerDomain).order_by(BuyerDomain.domain)).all()
    status = 400 if form.errors else 200
    return render_template("admin/buyer_domains.html", form=form, entries=entries, remove_form=ConfirmForm()), status


@bp.post("/buyer-domains/<int:domain_id>/remove")
def remove_buyer_domain(domain_id: int) -> Any:
    session = get_session()
    entry = get_or_404(session, BuyerDomain, domain_id)
    if ConfirmForm().validate_on_submit():
        domain = entry.domain
        auth_services.remove_buyer_domain(session, current_user, entry)
        session.commit()
        flash(f"{domain} removed. Existing buyer accounts on it keep working; new ones cannot register.", "success")
    return redirect(url_for("admin.buyer_domains"))


def _parse_day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return None


@bp.route("/audit")
def audit() -> tuple[str, int]:
    session = get_session()
    filters = {key: request.args.get(key, "").strip() for key in ("actor", "action", "object_type", "object_id", "from", "to")}
    stmt = sa.select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if filters["actor"]:
        stmt = stmt.where(AuditEvent.actor_label.like(f"%{filters['actor'].lower()}%"))
    if filters["action"]:
        stmt = stmt.where(AuditEvent.action.like(f"{filters['action']}%"))
    if filters["object_type"]:
        stmt = stmt.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        stmt = stmt.where(AuditEvent.object_id == filters["object_id"])
    errors = {}
    for key, bound in (("from", None), ("to", 1)):
        if filters[key]:
            day = _parse_day(filters[key])
            if day is None:
                errors[key] = "Enter a date as YYYY-MM-DD, for example 2026-11-23"
            elif bound is None:
                stmt = stmt.where(AuditEvent.created_at >= day)
            else:
                stmt = stmt.where(AuditEvent.created_at < day + timedelta(days=1))
    object_types = session.scalars(sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).all()
    page = paginate(session, stmt, _page_number(), per_page=50)
    html = render_template("admin/audit.html", page=page, filters=filters, errors=errors, object_types=object_types)
    return html, 400 if errors else 200
