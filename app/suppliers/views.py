"""The supplier's own area: organisation profile, colleagues and accreditation application.

Everything here acts on the signed-in user's own organisation; object ids in
URLs are checked against it, so one supplier can never reach another's data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response


from app.auth.decorators import check_role
from app.auth.models import Role, User
from app.db import get_session
from app.exceptions import DomainError
from app.forms import BaseForm
from app.mail import send_mail
from app.suppliers import services
from app.suppliers.forms import (
    CERTIFICATE_LABELS,
    CertificateForm,
    DeclarationsForm,
    EvidenceForm,
    InsuranceForm,
    InviteColleagueForm,
    OrganisationDetailsForm,
    OrganisationSizeForm,
    OrganisationTypeForm,
    RegistrationNumbersForm,
)
from app.suppliers.declarations import GROUNDS
from app.suppliers.models import Certificate, EvidenceDocument, Invitation, Organisation
from app.suppliers.sizing import SizeLimits
from app.suppliers.tokens import make_invitation_token
from app.timeutil import today

bp = Blueprint("suppliers", __name__, url_prefix="/supplier")
T = TypeVar("T")


@bp.before_request
def suppliers_only() -> object:
    return check_role(Role.SUPPLIER)


def _org() -> Organisation:
    organisation: Organisation = current_user.organisation
    return organisation


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def get_own_or_404(model: type[T], ident: int) -> T:
    """Load a row that belongs to the signed-in supplier's organisation, or 404 (not 403: do not confirm it exists)."""
    from flask import abort

    obj = get_session().get(model, ident)
    if obj is None or getattr(obj, "organisation_id", None) != current_user.organisation_id:
        abort(404)
    return obj


def _mutual_min() -> int:
    return int(current_app.config["MUTUAL_MIN_EMPLOYEE_SHARE"])


def size_limits() -> SizeLimits:
    from decimal import Decimal

    return SizeLimits(eur_per_gbp=Decimal(str(current_app.config["EUR_PER_GBP"])))


def _page(template: str, form: BaseForm | None = None, **context: Any) -> tuple[str, int]:
    failed = form is not None and (form.errors or form.form_errors)
    return render_template(template, form=form, **context), 400 if failed else 200


def _tasks() -> list[services.Task]:
    org = _org()
    return services.application_tasks(org, org.accreditation, mutual_min_share=_mutual_min(), today=today())


@bp.route("/")
def index() -> str:
    org = _org()
    status = services.current_status(org.accreditation, today())
    tasks = _tasks()
    return render_template("supplier/index.html", organisation=org, status=status, tasks=tasks)


@bp.route("/organisation")
def organisation() -> str:
    org = _org()
    problems = services.profile_problems(org, mutual_min_share=_mutual_min())
    return render_template("supplier/organisation.html", organisation=org, problems=problems)


def _edit_section(section: str, form: BaseForm, values: Any, template: str) -> Any:
    session = get_session()
    if form.validate_on_submit():
        try:
            if section == "size":
                services.update_size(session, _user(), _org(), limits=size_limits(), **values())
            else:
                services.update_profile(session, _user(), _org(), section, values())
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            flash("Your organisation's details have been saved.", "success")
            return redirect(request.args.get("next") == "application" and url_for("suppliers.application") or url_for("suppliers.organisation"))
    return _page(template, form, organisation=_org(), section=section)


@bp.route("/organisation/details", methods=["GET", "POST"])
def edit_details() -> Any:
    form = OrganisationDetailsForm(obj=_org() if request.method == "GET" else None)
    names = services.SECTION_FIELDS["details"]
    return _edit_section("details", form, lambda: {n: (getattr(form, n).data or None) for n in names}, "supplier/edit_details.html")


@bp.route("/organisation/registration", methods=["GET", "POST"])
def edit_registration() -> Any:
    org = _org()
    data = None
    if request.method == "GET":
        data = {
            "companies_house_number": org.companies_house_number,
            "other_registration_number": org.other_registration_number,
            "duns_number": org.duns_number,
            "vat_registered": None if org.vat_registered is None else ("yes" if org.vat_registered else "no"),
            "vat_number": org.vat_number,
        }
    form = RegistrationNumbersForm(data=data)
    return _edit_section("registration", form, form.to_values, "supplier/edit_registration.html")


@bp.route("/organisation/type", methods=["GET", "POST"])
def edit_type() -> Any:
    org = _org()
    data = None
    if request.method == "GET":
        flags = [name for name in ("is_public_service_mutual", "is_social_enterprise", "is_vcse", "is_supported_employment_provider") if getattr(org, name)]
        data = {"organisation_type": org.organisation_type, "flags": flags, "employee_ownership_pct": org.employee_ownership_pct}
    form = OrganisationTypeForm(data=data)
    return _edit_section("type", form, form.to_values, "supplier/edit_type.html")


@bp.route("/organisation/size", methods=["GET", "POST"])
def edit_size() -> Any:
    org = _org()
    data = None
    if request.method == "GET":
        data = {"headcount": org.headcount, "turnover_gbp": org.turnover_gbp, "balance_sheet_gbp": org.balance_sheet_gbp}
    form = OrganisationSizeForm(data=data)
    values = lambda: {  # noqa: E731
        "headcount": form.headcount.number,
        "turnover_gbp": form.turnover_gbp.decimal,
        "balance_sheet_gbp": form.balance_sheet_gbp.decimal,
    }
    return _edit_section("size", form, values, "supplier/edit_size.html")


# Colleagues


@bp.route("/colleagues", methods=["GET", "POST"])
def colleagues() -> Any:
    session = get_session()
    form = InviteColleagueForm()
    if form.validate_on_submit():
        try:
            invitation = services.invite_colleague(session, _user(), form.email.data)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            link = url_for("supplier_directory.accept_invitation", token=make_invitation_token(invitation), _external=True)
            send_mail(
                invitation.email,
                f"Join {_org().name} on Cloudstore",
                "invitation",
                inviter=_user(),
                organisation=_org(),
                link=link,
            )
            flash(f"We have emailed an invitation to {invitation.email}. It works for 7 days.", "success")
            return redirect(url_for("suppliers.colleagues"))
    pending = session.scalars(
        sa.select(Invitation)
        .where(Invitation.organisation_id == _org().id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    return _page("supplier/colleagues.html", form, organisation=_org(), pending=pending, button=BaseForm())


@bp.post("/colleagues/<int:user_id>/remove")
def remove_colleague(user_id: int) -> Response:
    session = get_session()
    colleague = get_own_or_404(User, user_id)
    if BaseForm().validate_on_submit():
        try:
            services.remove_colleague(session, _user(), colleague)
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"{colleague.name} has been removed and can no longer sign in.", "success")
    return redirect(url_for("suppliers.colleagues"))


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int) -> Response:
    session = get_session()
    invitation = get_own_or_404(Invitation, invitation_id)
    if BaseForm().validate_on_submit():
        try:
            services.revoke_invitation(session, _user(), invitation)
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"The invitation to {invitation.email} is cancelled.", "success")
    return redirect(url_for("suppliers.colleagues"))


# The accreditation application


@bp.route("/accreditation")
def application() -> str:
    org = _org()
    status = services.current_status(org.accreditation, today())
    return render_template(
        "supplier/application.html",
        organisation=org,
        accreditation=org.accreditation,
        status=status,
        tasks=_tasks(),
        editable=status in services.EDITABLE,
        button=BaseForm(),
    )


def _locked_redirect() -> Response | None:
    status = services.current_status(_org().accreditation, today())
    if request.method == "POST" and status not in services.EDITABLE:
        flash(f"Your application is {status.label.lower()}, so it cannot be changed now.", "error")
        return redirect(url_for("suppliers.application"))
    return None


@bp.route("/accreditation/declarations", methods=["GET", "POST"])
def declarations() -> Any:
    session = get_session()
    accreditation = services.get_accreditation(session, _org())
    locked = _locked_redirect()
    if locked:
        return locked
    if request.method == "POST":
        form = DeclarationsForm.build(formdata=request.form)
        if form.validate_on_submit():
            problems = services.save_declarations(session, _user(), accreditation, form.answers(), form.explanations(), today=today())
            session.commit()
            if not problems:
                flash("Your declarations have been saved.", "success")
                return redirect(url_for("suppliers.application"))
            for problem in problems:
                field = problem.key if problem.message.startswith("Answer") else f"{problem.key}__explanation"
                form.add_error(field, problem.message)
            flash("Your answers so far have been saved.", "info")
    else:
        form = DeclarationsForm.build(answers=accreditation.declarations, explanations=accreditation.declaration_explanations)
    session.commit()  # the draft application, if this was its first visit
    return _page("supplier/declarations.html", form, grounds=GROUNDS)


@bp.route("/accreditation/certificates", methods=["GET", "POST"])
def certificates() -> Any:
    session = get_session()
    form = CertificateForm()
    if form.validate_on_submit():
        try:
            services.save_certificate(
                session, _user(), _org(), kind=form.kind.data, number=form.number.data, issuer=form.issuer.data,
                expires_on=form.expires_on.data, today=today(),
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            session.commit()
            flash(f"{CERTIFICATE_LABELS[form.kind.data]} certificate saved.", "success")
            return redirect(url_for("suppliers.certificates"))
    org = _org()
    status = services.current_status(org.accreditation, today())
    return _page(
        "supplier/certificates.html", form, organisation=org, labels=CERTIFICATE_LABELS, button=BaseForm(),
        editable=status in services.CERTIFICATES_EDITABLE, removable=status in services.EDITABLE,
    )


@bp.post("/accreditation/certificates/<int:certificate_id>/remove")
def remove_certificate(certificate_id: int) -> Response:
    session = get_session()
    certificate = get_own_or_404(Certificate, certificate_id)
    if BaseForm().validate_on_submit():
        try:
            services.remove_certificate(session, _user(), certificate, today=today())
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash("Certificate removed.", "success")
    return redirect(url_for("suppliers.certificates"))


@bp.route("/accreditation/insurance", methods=["GET", "POST"])
def insurance() -> Any:
    session = get_session()
    accreditation = services.get_accreditation(session, _org())
    locked = _locked_redirect()
    if locked:
        return locked
    data = None
    if request.method == "GET":
        exempt = accreditation.employers_liability_exempt
        data = {
            "employers_liability_exempt": None if exempt is None else ("yes" if exempt else "no"),
            "employers_liability_gbp": accreditation.employers_liability_gbp,
            "professional_indemnity_gbp": accreditation.professional_indemnity_gbp,
        }
    form = InsuranceForm(data=data)
    if form.validate_on_submit():
        services.save_insurance(
            session, _user(), accreditation,
            exempt=form.employers_liability_exempt.data == "yes",
            employers_liability_gbp=form.employers_liability_gbp.decimal,
            professional_indemnity_gbp=form.professional_indemnity_gbp.decimal,  # type: ignore[arg-type]
            today=today(),
        )
        session.commit()
        flash("Your insurance details have been saved.", "success")
        return redirect(url_for("suppliers.application"))
    session.commit()
    return _page("supplier/insurance.html", form)


def _evidence_dir() -> Path:
    # Absolute, so files are read back from where they were written (send_file resolves relative paths from app/).
    return Path(current_app.config["EVIDENCE_DIR"]).absolute()


@bp.route("/accreditation/documents", methods=["GET", "POST"])
def documents() -> Any:
    session = get_session()
    locked = _locked_redirect()
    if locked:
        return locked
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = form.document.data
        try:
            services.add_evidence(
                session, _user(), _org(), title=form.title.data, filename=upload.filename or "",
                data=upload.read(current_app.config["EVIDENCE_MAX_BYTES"] + 1),
                storage_dir=_evidence_dir(), max_bytes=current_app.config["EVIDENCE_MAX_BYTES"], today=today(),
            )
        except DomainError as error:
            form.add_error("document", error.message)
        else:
            session.commit()
            flash(f"‘{form.title.data}’ uploaded.", "success")
            return redirect(url_for("suppliers.documents"))
    org = _org()
    status = services.current_status(org.accreditation, today())
    return _page("supplier/documents.html", form, organisation=org, editable=status in services.EDITABLE, button=BaseForm())


@bp.get("/accreditation/documents/<int:document_id>")
def download_document(document_id: int) -> Response:
    document = get_own_or_404(EvidenceDocument, document_id)
    return send_evidence(document)


def send_evidence(document: EvidenceDocument) -> Response:
    """Send an evidence file as a download (never rendered inline, never from static/)."""
    response = send_file(
        _evidence_dir() / document.storage_key, mimetype=document.mimetype, as_attachment=True, download_name=document.filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/accreditation/documents/<int:document_id>/remove")
def remove_document(document_id: int) -> Response:
    session = get_session()
    document = get_own_or_404(EvidenceDocument, document_id)
    if BaseForm().validate_on_submit():
        try:
            services.remove_evidence(session, _user(), document, storage_dir=_evidence_dir(), today=today())
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash("Document removed.", "success")
    return redirect(url_for("suppliers.documents"))


@bp.post("/accreditation/submit")
def submit_application() -> Response:
    session = get_session()
    if BaseForm().validate_on_submit():
        try:
            services.submit_application(session, _user(), _org(), mutual_min_share=_mutual_min(), today=today())
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash("Your application has been sent. We will email you when an admin has reviewed it.", "success")
    return redirect(url_for("suppliers.application"))


@bp.post("/accreditation/reapply")
def reapply() -> Response:
    session = get_session()
    if BaseForm().validate_on_submit():
        try:
            services.reapply(session, _user(), _org(), today=today())
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash("You have started a new application. Your earlier answers are kept for you to check and update.", "success")
    return redirect(url_for("suppliers.application"))



