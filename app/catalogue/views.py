"""The supplier's services: drafting section by section, publishing, editing and withdrawing.

Every page loads the service through ``get_own_service_or_404``: another
organisation's service answers 404, so its existence is never confirmed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.auth.decorators import check_role
from app.auth.models import Role, User
from app.catalogue import rules, services
from app.catalogue.forms import (
    SECTION_FORMS,
    CategoriesForm,
    ChooseLotForm,
    SectionForm,
    ServiceDocumentForm,
    WithdrawServiceForm,
)
from app.catalogue.models import Lot, Service, ServiceDocument
from app.catalogue.rules import ServiceStatus, ServiceValidationError
from app.db import get_session
from app.exceptions import DomainError
from app.forms import BaseForm
from app.suppliers.models import Organisation
from app.suppliers.services import current_status
from app.timeutil import today

bp = Blueprint("catalogue", __name__, url_prefix="/supplier/services")


@bp.before_request
def suppliers_only() -> object:
    return check_role(Role.SUPPLIER)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _org() -> Organisation:
    organisation: Organisation = current_user.organisation
    return organisation


def get_own_service_or_404(service_id: int) -> Service:
    """The signed-in supplier's own service, or 404 (not 403: do not confirm another supplier's service exists)."""
    service = get_session().get(Service, service_id)
    if service is None or service.organisation_id != current_user.organisation_id:
        abort(404)
    return service


def _page(template: str, form: BaseForm | None = None, **context: Any) -> tuple[str, int]:
    failed = form is not None and bool(form.errors or form.form_errors)
    return render_template(template, form=form, **context), 400 if failed else 200


def _why_not_publish() -> str | None:
    org = _org()
    return services.supplier_can_publish(org, org.accreditation, today())


def _documents_dir() -> Path:
    return Path(current_app.config["SERVICE_DOCUMENTS_DIR"])


# Presenting a service's answers


def _bullets(items: list[str]) -> Markup:
    return Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(
        Markup("").join(Markup("<li>{}</li>").format(i) for i in items)
    )


def _value(name: str, value: Any, category_names: dict[str, str]) -> dict[str, Any]:
    if value in (None, "", []):
        return {"text": rules.display(name, value), "classes": "govuk-hint"}
    if name == "categories":
        return {"html": _bullets([category_names.get(v, v) for v in value])}
    if name in ("features", "benefits"):
        return {"html": _bullets(value)}
    if name in ("description", "onboarding", "exit_process"):
        return {"html": Markup('<span class="app-preserve-lines">{}</span>').format(value)}
    return {"text": rules.display(name, value)}


def section_rows(service: Service, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Summary-list rows for each section of a service's answers (its working copy or a version)."""
    category_names = {c.slug: c.name for c in service.lot.categories}
    rows: dict[str, list[dict[str, Any]]] = {s.key: [] for s in rules.SECTIONS}
    for field in rules.FIELDS:
        rows[field.section].append(
            {"key": {"text": field.label}, "value": _value(field.name, data.get(field.name), category_names)}
        )
    current = {d["kind"]: d for d in data.get("documents", [])}
    for kind, label in services.DOCUMENT_KINDS.items():
        document = current.get(kind)
        if document:
            link = url_for("catalogue.download_document", service_id=service.id, document_id=document["id"])
            value: dict[str, Any] = {
                "html": Markup('<a class="govuk-link" href="{}">{}</a>').format(link, document["filename"])
            }
        else:
            value = {"text": "Not uploaded", "classes": "govuk-hint"}
        rows["documents"].append({"key": {"text": label}, "value": value})
    return rows


def _section_of(key: str) -> str | None:
    if key in rules.SECTIONS_BY_KEY:
        return key
    field = rules.FIELDS_BY_NAME.get(key)
    return field.section if field else None


def _publish_errors(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """Error-summary items for a refused publish, each linking to the section to fix."""
    items = []
    for key, messages in errors.items():
        section = _section_of(key)
        for message in messages:
            items.append({"text": message, "href": f"#section-{section}"} if section else {"text": message})
    return items


def _summary(service: Service, errors: list[dict[str, str]] | None = None) -> tuple[str, int]:
    org = _org()
    missing = rules.missing(service.data, services.lot_spec(service.lot))
    required = [s.key for s in rules.SECTIONS if not s.optional]
    return render_template(
        "catalogue/supplier_service.html",
        service=service,
        status=ServiceStatus(service.status),
        sections=rules.SECTIONS,
        missing=missing,
        required=len(required),
        completed=sum(1 for key in required if not missing[key]),
        rows=section_rows(service, service.data),
        why_not=_why_not_publish(),
        accreditation=org.accreditation,
        accreditation_status=current_status(org.accreditation, today()),
        publish_errors=errors or [],
    ), 400 if errors else 200


# The pages


@bp.route("", strict_slashes=False)
def supplier_services() -> str:
    org = _org()
    found = (
        get_session()
        .scalars(
            sa.select(Service)
            .where(Service.organisation_id == org.id)
            .order_by(Service.updated_at.desc(), Service.id.desc())
        )
        .all()
    )
    return render_template(
        "catalogue/supplier_services.html",
        organisation=org,
        services=found,
        ServiceStatus=ServiceStatus,
        why_not=_why_not_publish(),
        accreditation=org.accreditation,
        accreditation_status=current_status(org.accreditation, today()),
    )


@bp.route("/new", methods=["GET", "POST"])
def choose_lot() -> Any:
    session = get_session()
    framework = services.live_framework(session)
    form = ChooseLotForm()
    form.set_lots([(lot.slug, lot.name, lot.description) for lot in framework.lots])
    if form.validate_on_submit():
        try:
            service = services.create_service(session, _user(), form.lot.data, {})
        except DomainError as error:
            form.add_error(error.field or "lot", error.message)
        else:
            session.commit()
            flash(
                f"Your draft {service.lot.name.lower()} service is started. Fill in each section, then publish it.",
                "success",
            )
            return redirect(url_for("catalogue.service", service_id=service.id))
    return _page("catalogue/choose_lot.html", form, why_not=_why_not_publish())


@bp.get("/<int:service_id>")
def service(service_id: int) -> Any:
    return _summary(get_own_service_or_404(service_id))


@bp.post("/<int:service_id>/publish")
def publish(service_id: int) -> Any:
    session = get_session()
    service = get_own_service_or_404(service_id)
    if not BaseForm().validate_on_submit():
        abort(400)
    try:
        version = services.publish_service(session, _user(), service, today=today())
    except ServiceValidationError as error:
        return _summary(service, _publish_errors(error.errors))
    except DomainError as error:
        return _summary(service, [{"text": error.message}])
    session.commit()
    flash(f"Your service is published as version {version.number}. Buyers can find it now.", "success")
    return redirect(url_for("catalogue.service", service_id=service.id))


@bp.route("/<int:service_id>/edit/<section>", methods=["GET", "POST"])
def edit_section(service_id: int, section: str) -> Any:
    session = get_session()
    service = get_own_service_or_404(service_id)
    if section == "documents":
        return redirect(url_for("catalogue.documents", service_id=service.id))
    form_class: type[SectionForm] | None = SECTION_FORMS.get(section)
    if form_class is None:
        abort(404)
    if service.status == ServiceStatus.WITHDRAWN:
        flash("This service has been withdrawn, so it cannot be changed.", "error")
        return redirect(url_for("catalogue.service", service_id=service.id))
    form = form_class() if request.method == "POST" else form_class(data=form_class.initial(service.data))
    groups = _category_options(form, service.lot)
    if form.validate_on_submit():
        try:
            version = services.update_service(session, _user(), service, form.to_values())
        except ServiceValidationError as error:
            for key, messages in error.errors.items():
                for message in messages:
                    form.add_error(form.field_for(key), message)
        except DomainError as error:
            form.add_error(form.field_for(error.field or ""), error.message)
        else:
            session.commit()
            title = rules.SECTIONS_BY_KEY[section].title
            if version is not None and service.status == ServiceStatus.PUBLISHED:
                flash(f"Your change is live as version {version.number}.", "success")
            elif version is not None:
                flash(f"Your change is saved as version {version.number} for an admin to review.", "success")
            elif service.status == ServiceStatus.DRAFT:
                flash(f"‘{title}’ saved.", "success")
            else:
                flash(f"You did not change anything in ‘{title}’.", "info")
            return redirect(url_for("catalogue.service", service_id=service.id, _anchor=f"section-{section}"))
    return _page(
        "catalogue/edit_section.html",
        form,
        service=service,
        section=rules.SECTIONS_BY_KEY[section],
        groups=groups,
    )


def _category_options(form: SectionForm, lot: Lot) -> list[dict[str, Any]]:
    """Give the categories form its lot's options; software's are also grouped (a category can be in several groups)."""
    if not isinstance(form, CategoriesForm):
        return []
    form.set_lot(lot.name, [(c.slug, c.name) for c in lot.categories], lot.min_categories, lot.max_categories)
    chosen = set(form.categories.data or [])
    return [
        {
            "name": group.name,
            "id": "categories" if position == 0 else f"categories-{group.slug}",
            "items": [{"value": c.slug, "text": c.name, "checked": c.slug in chosen} for c in group.categories],
        }
        for position, group in enumerate(lot.groups)
    ]


@bp.route("/<int:service_id>/withdraw", methods=["GET", "POST"])
def withdraw(service_id: int) -> Any:
    session = get_session()
    service = get_own_service_or_404(service_id)
    if service.status not in (ServiceStatus.PUBLISHED, ServiceStatus.DISABLED):
        flash(f"A {ServiceStatus(service.status).label.lower()} service cannot be withdrawn.", "error")
        return redirect(url_for("catalogue.service", service_id=service.id))
    form = WithdrawServiceForm()
    if form.validate_on_submit():
        try:
            services.withdraw_service(session, _user(), service, form.reason.data or "")
        except DomainError as error:
            form.add_error(error.field or "reason", error.message)
        else:
            session.commit()
            flash(f"‘{service.name}’ is withdrawn. Its page now tells buyers why.", "success")
            return redirect(url_for("catalogue.service", service_id=service.id))
    return _page("catalogue/withdraw.html", form, service=service)


@bp.route("/<int:service_id>/documents", methods=["GET", "POST"])
def documents(service_id: int) -> Any:
    session = get_session()
    service = get_own_service_or_404(service_id)
    max_bytes = int(current_app.config["EVIDENCE_MAX_BYTES"])
    form = ServiceDocumentForm()
    form.set_kinds(services.DOCUMENT_KINDS, max_bytes)
    if form.validate_on_submit():
        upload = form.document.data
        try:
            services.add_document(
                session,
                _user(),
                service,
                kind=form.kind.data,
                filename=upload.filename or "",
                data=upload.read(max_bytes + 1),
                storage_dir=_documents_dir(),
                max_bytes=max_bytes,
            )
        except DomainError as error:
            form.add_error("kind" if error.field == "kind" else "document", error.message)
        else:
            session.commit()
            kind = services.DOCUMENT_KINDS[form.kind.data]
            live = (
                f" It is live as version {service.version_number}." if service.status == ServiceStatus.PUBLISHED else ""
            )
            flash(f"{kind} uploaded.{live}", "success")
            return redirect(url_for("catalogue.documents", service_id=service.id))
    current = {d["kind"]: d for d in service.data.get("documents", [])}
    by_id = {d.id: d for d in service.documents}
    listed = [
        (services.DOCUMENT_KINDS[kind], by_id.get(current[kind]["id"]))
        for kind in services.DOCUMENT_KINDS
        if kind in current
    ]
    return _page(
        "catalogue/documents.html",
        form,
        service=service,
        listed=[(label, d) for label, d in listed if d is not None],
        editable=service.status != ServiceStatus.WITHDRAWN,
    )


@bp.get("/<int:service_id>/documents/<int:document_id>")
def download_document(service_id: int, document_id: int) -> Response:
    service = get_own_service_or_404(service_id)
    document = get_session().get(ServiceDocument, document_id)
    if document is None or document.service_id != service.id:
        abort(404)
    response = send_file(
        _documents_dir() / document.storage_key,
        mimetype=document.mimetype,
        as_attachment=True,
        download_name=document.filename,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:service_id>/versions/<int:number>")
def version(service_id: int, number: int) -> str:
    """A published version exactly as buyers saw it (rule C2: later edits never change it)."""
    service = get_own_service_or_404(service_id)
    found = services.version(get_session(), service, number)
    if found is None:
        abort(404)
    return render_template(
        "catalogue/supplier_service_version.html",
        service=service,
        version=found,
        sections=rules.SECTIONS,
        rows=section_rows(service, found.data),
    )
