"""Admin pages for contract templates (T7): list, create, preview, edit drafts, activate, new versions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.admin import template_forms
from app.admin.forms import ConfirmForm
from app.admin.views import bp
from app.contracts import documents, templates
from app.contracts.models import ContractTemplate
from app.db import get_or_404, get_session
from app.exceptions import DomainError

__all__ = ["bp"]

TemplateForms = template_forms.TemplateForm | template_forms.TemplateClausesForm


def _suggested_name(session: Session, name: str) -> str:
    taken = set(session.scalars(sa.select(ContractTemplate.name).distinct()))
    suggestion, number = f"Copy of {name}"[: templates.NAME_MAX_CHARS], 2
    while suggestion in taken:
        suggestion, number = f"Copy of {name}"[: templates.NAME_MAX_CHARS - 4] + f" {number}", number + 1
    return suggestion


def _add_errors(form: TemplateForms, error: DomainError) -> None:
    for message in error.messages if isinstance(error, documents.TemplateError) else [error.message]:
        form.add_error(error.field or "clauses", message)


def _error_items(form: TemplateForms) -> list[dict[str, str]]:
    """Every message for the error summary, each linking to its field (a template can have several problems)."""
    items = [{"text": message} for message in form.form_errors]
    for field in form:
        items += [{"text": message, "href": f"#{field.id}"} for message in field.errors if isinstance(message, str)]
    return items


def _form_page(form: TemplateForms, template: ContractTemplate | None) -> tuple[str, int]:
    errors = _error_items(form)
    html = render_template(
        "admin/templates/form.html",
        template_form=form,
        template=template,
        errors=errors,
        placeholders=documents.placeholders(),
    )
    return html, 400 if errors else 200


def _preview(template: ContractTemplate) -> tuple[list[dict[str, Any]], list[str]]:
    """The template's clauses filled in with the sample contract, as numbered headings and paragraphs."""
    try:
        rendered = documents.render_clauses(template.clauses, documents.sample_context())
    except documents.TemplateError as error:
        return [], error.messages
    return [
        {"number": number, "title": clause["title"], "paragraphs": documents.paragraphs(clause["text"])}
        for number, clause in enumerate(rendered, start=1)
    ], []


def _template_page(session: Session, template: ContractTemplate, activation_errors: list[str] | None = None) -> str:
    clauses, preview_errors = _preview(template)
    versions = session.scalars(
        sa.select(ContractTemplate)
        .where(ContractTemplate.name == template.name)
        .order_by(ContractTemplate.version.desc())
    ).all()
    return render_template(
        "admin/templates/template.html",
        template=template,
        clauses=clauses,
        preview_errors=preview_errors,
        # On a draft's page, say before the admin tries what would stop it being activated (T7).
        problems=documents.check_template(template.clauses).get("clauses", []) if template.status == "draft" else [],
        activation_errors=activation_errors or [],
        errors=[{"text": message, "href": "#clauses"} for message in activation_errors or []],
        versions=versions,
        draft=next((v for v in versions if v.status == "draft"), None),
    )


@bp.route("/templates")
def templates_index() -> str:
    session = get_session()
    rows = session.scalars(
        sa.select(ContractTemplate).order_by(ContractTemplate.name, ContractTemplate.version.desc())
    ).all()
    return render_template("admin/templates/index.html", templates=rows)


@bp.route("/templates/new", methods=["GET", "POST"])
def new_template() -> Any:
    session = get_session()
    form = template_forms.TemplateForm()
    if request.method == "GET":
        active = templates.active_template(session)
        if active is not None:  # start from the clauses contracts use today
            form.name.data = _suggested_name(session, active.name)
            form.clauses.data = documents.format_clauses(active.clauses)
    elif form.validate_on_submit():
        try:
            template = templates.create_template(session, current_user, form.name.data or "", form.clauses.data or "")
        except DomainError as error:
            _add_errors(form, error)
        else:
            session.commit()
            flash(f"{template.name} is saved as a draft. Check the preview, then activate it.", "success")
            return redirect(url_for("admin.template_detail", template_id=template.id))
    return _form_page(form, None)


@bp.route("/templates/<int:template_id>")
def template_detail(template_id: int) -> str:
    session = get_session()
    return _template_page(session, get_or_404(session, ContractTemplate, template_id))


@bp.route("/templates/<int:template_id>/edit", methods=["GET", "POST"])
def edit_template(template_id: int) -> Any:
    session = get_session()
    template = get_or_404(session, ContractTemplate, template_id)
    if template.status != "draft":
        flash(
            f"Version {template.version} of {template.name} is {template.status}, so it cannot change: "
            "create a new version to make changes.",
            "error",
        )
        return redirect(url_for("admin.template_detail", template_id=template.id))
    form: TemplateForms = (
        template_forms.TemplateForm() if template.version == 1 else template_forms.TemplateClausesForm()
    )
    if request.method == "GET":
        form.clauses.data = documents.format_clauses(template.clauses)
        if isinstance(form, template_forms.TemplateForm):
            form.name.data = template.name
    elif form.validate_on_submit():
        name = form.name.data if isinstance(form, template_forms.TemplateForm) else None
        try:
            templates.update_draft(session, current_user, template, form.clauses.data or "", name=name or None)
        except DomainError as error:
            _add_errors(form, error)
        else:
            session.commit()
            flash(f"Version {template.version} of {template.name} is saved.", "success")
            return redirect(url_for("admin.template_detail", template_id=template.id))
    return _form_page(form, template)


@bp.post("/templates/<int:template_id>/activate")
def activate_template(template_id: int) -> Any:
    session = get_session()
    template = get_or_404(session, ContractTemplate, template_id)
    if ConfirmForm().validate_on_submit():
        try:
            templates.activate(session, current_user, template)
        except documents.TemplateError as error:
            return _template_page(session, template, activation_errors=error.messages), 400
        except DomainError as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash(f"Version {template.version} of {template.name} is active: new contracts use it.", "success")
    return redirect(url_for("admin.template_detail", template_id=template.id))


@bp.post("/templates/<int:template_id>/new-version")
def new_template_version(template_id: int) -> Response:
    session = get_session()
    template = get_or_404(session, ContractTemplate, template_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.template_detail", template_id=template.id))
    try:
        draft = templates.new_version(session, current_user, template)
    except templates.DraftExists as error:
        flash(error.message, "error")
        return redirect(url_for("admin.template_detail", template_id=error.draft.id))
    session.commit()
    flash(f"Version {draft.version} of {draft.name} is a draft, copied from version {template.version}.", "success")
    return redirect(url_for("admin.edit_template", template_id=draft.id))
