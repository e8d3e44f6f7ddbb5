"""Public supplier pages (A-Z and profiles) and the colleague invitation link."""

from __future__ import annotations

import string
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus
from app.auth.tokens import LinkError
from app.auth.views import policy
from app.catalogue.models import Service
from app.catalogue.services import visible_services
from app.db import get_session, paginate
from app.exceptions import DomainError
from app.suppliers import services
from app.suppliers.forms import AcceptInvitationForm
from app.suppliers.models import Accreditation, Invitation, Organisation
from app.suppliers.presenters import badges
from app.suppliers.tokens import read_invitation_token
from app.timeutil import today

bp = Blueprint("supplier_directory", __name__)

LETTERS = list(string.ascii_uppercase) + ["0-9"]
SERVICES_PER_PAGE = 30


def visible_suppliers(on: date) -> sa.Select[tuple[Organisation]]:
    """Suppliers the public may see (rule C1): accredited, not suspended, not lapsed."""
    return (
        sa.select(Organisation)
        .join(Accreditation)
        .where(Accreditation.status == AccreditationStatus.ACCREDITED.value, Accreditation.expires_on > on)
    )


def listed_suppliers(on: date) -> sa.Select[tuple[Organisation]]:
    """Suppliers the A-Z lists: visible, with at least one service the public can see (a directory of the catalogue)."""
    # Correlated on the organisation only: the subquery keeps its own join to the accreditation (rule C1).
    own_services = visible_services(on).where(Service.organisation_id == Organisation.id).correlate(Organisation)
    return visible_suppliers(on).where(own_services.exists())


def get_visible_supplier_or_404(session: Session, supplier_id: int) -> Organisation:
    org = session.scalar(visible_suppliers(today()).where(Organisation.id == supplier_id))
    if org is None:
        abort(404)
    return org


def _first_letter(name: str) -> str:
    first = name.strip()[:1].upper()
    return first if first in string.ascii_uppercase else "0-9"


@bp.route("/suppliers")
def index() -> str:
    session = get_session()
    suppliers = session.scalars(listed_suppliers(today()).order_by(sa.func.lower(Organisation.name))).all()
    by_letter: dict[str, list[Organisation]] = {}
    for org in suppliers:
        by_letter.setdefault(_first_letter(org.name), []).append(org)
    letter = request.args.get("letter", "").upper()
    if letter not in LETTERS:
        letter = next((candidate for candidate in LETTERS if candidate in by_letter), "A")
    shown = by_letter.get(letter, [])
    return render_template(
        "suppliers/index.html", letters=LETTERS, by_letter=by_letter, letter=letter, suppliers=shown, today=today(), badges=badges
    )


@bp.route("/suppliers/<int:supplier_id>")
def profile(supplier_id: int) -> str:
    session = get_session()
    org = get_visible_supplier_or_404(session, supplier_id)
    own_services = visible_services(today()).where(Service.organisation_id == org.id)
    page_number = request.args.get("page", "1")
    services_page = paginate(
        session, own_services.order_by(sa.func.lower(Service.name), Service.id),
        int(page_number) if page_number.isdigit() else 1, per_page=SERVICES_PER_PAGE,
    )
    return render_template(
        "suppliers/profile.html", organisation=org, letter=_first_letter(org.name), badges=badges(org, today()), today=today(),
        services=services_page,
    )


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Any:
    session = get_session()
    try:
        data = read_invitation_token(token)
    except LinkError as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    invitation = session.get(Invitation, data.get("invitation"))
    if invitation is None or invitation.email != data.get("email") or not invitation.is_pending:
        message = "This invitation has already been used or cancelled. Ask your colleague to send a new one."
        return render_template("auth/link_problem.html", message=message), 400
    if current_user.is_authenticated:
        message = "You are signed in. Sign out first, then open the invitation link again."
        return render_template("auth/link_problem.html", message=message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(session, invitation, name=form.name.data, password=form.password.data, policy=policy())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            login_user(user)
            flash(f"Welcome to {invitation.organisation.name} on Cloudstore.", "success")
            return redirect(url_for("suppliers.index"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("supplier/accept_invitation.html", form=form, invitation=invitation), status


