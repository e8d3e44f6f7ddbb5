"""Awarding from a shortlist, and the contract pages: buyers under /buyer/projects, suppliers under /supplier/contracts.

A contract is loaded through its owner: the buyer who awarded it, or the
supplier organisation it was awarded to. Anyone else gets a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.decorators import check_role
from app.auth.models import Role, User
from app.buyers import services as projects
from app.buyers.presenters import service_name
from app.catalogue.rules import EXIT_FORMATS, OPEN_EXIT_FORMATS
from app.contracts import documents, services
from app.contracts.forms import AwardForm, BreakForm, ExtendForm
from app.contracts.models import Contract
from app.contracts.state import limits_for, standing, state_of
from app.contracts.terms import PRICING_MODELS, ContractRuleError, break_notice_deadline, is_open_format_named
from app.db import get_session
from app.exceptions import DomainError
from app.dates import format_date
from app.forms import choices, form_page
from app.timeutil import today

bp = Blueprint("contracts", __name__, url_prefix="/buyer/projects")
supplier_bp = Blueprint("supplier_contracts", __name__, url_prefix="/supplier/contracts")

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"


@bp.before_request
def buyers_only() -> object:
    return check_role(Role.BUYER)


@supplier_bp.before_request
def suppliers_only() -> object:
    return check_role(Role.SUPPLIER)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _public_service_url(service_id: int) -> str:
    return url_for("service_pages.service", service_id=service_id, _external=True)


def _data_return_from(data: dict[str, Any]) -> str:
    """The service's exit answer as the order form's data-return clause, naming its open formats (T4)."""
    text = str(data.get("exit_process") or "").strip()
    formats = [EXIT_FORMATS[f] for f in data.get("exit_data_formats") or [] if f in OPEN_EXIT_FORMATS]
    if formats and not is_open_format_named(text):
        text = f"{text} Data is returned as {', '.join(formats)}.".strip()
    return text


# Award ------------------------------------------------------------------------------------------------------


@bp.route("/<int:project_id>/award/<int:item_id>", methods=["GET", "POST"])
def award(project_id: int, item_id: int) -> Any:
    """The order form for a shortlisted service (T6); the contract rules (T1-T5) are explained next to the fields."""
    session = get_session()
    project = projects.own_project(session, _user(), project_id)
    if project is None:
        abort(404)
    item = projects.shortlist_item(project, item_id)
    if item is None:
        abort(404)
    form = AwardForm()
    limits = limits_for(session)
    context = {"project": project, "item": item, "name": service_name(item), "limits": limits}
    problem = services.awardable_problem(project, item, today=today())
    if problem is not None:
        return render_template("contracts/award_refused.html", problem=problem, **context), 409
    if not form.is_submitted():
        data = item.version.data
        form.pricing_model.data = data.get("pricing_model") if data.get("pricing_model") in PRICING_MODELS else None
        form.data_return.data = _data_return_from(data)
        form.buyer_notice_days.data = str(limits.max_notice_days)
        form.upfront_payment_months.data = "0"
        return form_page("contracts/award.html", form, **context)
    if not form.validate():  # the CSRF token; the order form itself is checked by the contract rules
        return form_page("contracts/award.html", form, **context)
    try:
        contract = services.award(
            session, _user(), project, item, form.terms_body(), limits=limits, today=today(), service_url=_public_service_url
        )
    except services.AwardRefused as refused:
        session.rollback()
        for field, messages in refused.errors.items():
            for message in messages:
                form.add_error(field if field in form._fields else None, message)
        return form_page("contracts/award.html", form, **context)
    except DomainError as error:
        session.rollback()
        form.add_error(error.field, error.message)
        return form_page("contracts/award.html", form, **context)
    session.commit()
    flash(f"Contract awarded to {contract.organisation.name} for {service_name(item)}", "success")
    return redirect(url_for("contracts.contract", contract_id=contract.id))


# Contract pages ---------------------------------------------------------------------------------------------


def _own_contract_or_404(contract_id: int) -> Contract:
    contract = get_session().get(Contract, contract_id)
    user = _user()
    if contract is None:
        abort(404)
    if user.role == Role.BUYER and contract.buyer_id == user.id:
        return contract
    if user.role == Role.SUPPLIER and user.organisation_id is not None and contract.organisation_id == user.organisation_id:
        return contract
    abort(404)


def _rows(contracts: list[Contract]) -> list[tuple[Contract, Any]]:
    limits = limits_for(get_session())
    day = today()
    return [(contract, standing(contract, limits, day)) for contract in contracts]


@bp.route("/contracts")
def buyer_contracts() -> str:
    return render_template(
        "contracts/list.html", rows=_rows(services.buyer_contracts(get_session(), _user())), audience="buyer"
    )


@supplier_bp.route("/")
def index() -> str:
    organisation_id = _user().organisation_id
    contracts = services.supplier_contracts(get_session(), organisation_id) if organisation_id else []
    return render_template("contracts/list.html", rows=_rows(contracts), audience="supplier")


def _break_rows(contract: Contract, day: date) -> list[dict[str, Any]]:
    state = state_of(contract)
    rows = []
    for value in sorted(set(state.terms.break_dates)):
        deadline = break_notice_deadline(value, contract.buyer_notice_days)
        rows.append(
            {
                "date": value,
                "deadline": deadline,
                "usable": contract.ended_on is None and value < contract.end_date and day <= deadline,
                "exercised": contract.ended_on == value,
            }
        )
    return rows


def _contractform_page(contract: Contract, audience: str) -> str:
    session = get_session()
    limits = limits_for(session)
    day = today()
    return render_template(
        "contracts/contract.html",
        contract=contract,
        standing=standing(contract, limits, day),
        breaks=_break_rows(contract, day),
        audience=audience,
        today=day,
        pricing_models=PRICING_MODELS,
        odt_url=url_for(
            "contracts.contract_document" if audience == "buyer" else "supplier_contracts.supplier_contract_document",
            contract_id=contract.id,
        ),
    )


@bp.route("/contracts/<int:contract_id>")
def contract(contract_id: int) -> str:
    return _contractform_page(_own_contract_or_404(contract_id), "buyer")


@supplier_bp.route("/<int:contract_id>")
def supplier_contract(contract_id: int) -> str:
    return _contractform_page(_own_contract_or_404(contract_id), "supplier")


def _document_response(contract: Contract) -> Response:
    reference = f"CS-{contract.id:06d}"
    version = contract.service_version
    body = documents.odt_document(
        f"Call-off contract {reference}",
        [
            f"Service: {version.data.get('name') or contract.service.name} (version {version.number})",
            f"Supplier: {contract.organisation.name}",
            f"Buyer: {contract.buyer_organisation}",
            f"Template: {contract.template.name}, version {contract.template.version}",
        ],
        contract.document,
    )
    response = current_app.response_class(body, mimetype=ODT_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="cloudstore-contract-{reference}.odt"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/contracts/<int:contract_id>/contract.odt")
def contract_document(contract_id: int) -> Response:
    return _document_response(_own_contract_or_404(contract_id))


@supplier_bp.route("/<int:contract_id>/contract.odt")
def supplier_contract_document(contract_id: int) -> Response:
    return _document_response(_own_contract_or_404(contract_id))


# Living with the contract -----------------------------------------------------------------------------------


@bp.route("/contracts/<int:contract_id>/break", methods=["GET", "POST"])
def exercise_break(contract_id: int) -> Any:
    """End the contract at a break date (T2, T3): at no cost, with the agreed notice."""
    session = get_session()
    contract = _own_contract_or_404(contract_id)
    day = today()
    usable = [row for row in _break_rows(contract, day) if row["usable"]]
    form = BreakForm()
    form.break_date.choices = choices(
        (row["date"].isoformat(), f"{format_date(row['date'])} (give notice by {format_date(row['deadline'])})")
        for row in usable
    )
    context = {"contract": contract, "usable": usable}
    if not form.validate_on_submit():
        return form_page("contracts/break.html", form, **context)
    try:
        chosen = date.fromisoformat(form.break_date.data or "")
    except ValueError:
        form.add_error("break_date", "Choose the break date to end the contract on")
        return form_page("contracts/break.html", form, **context)
    try:
        services.exercise_break(session, _user(), contract, chosen, today=day)
    except ContractRuleError as error:
        session.rollback()
        form.add_error("break_date", error.message)
        return form_page("contracts/break.html", form, **context)
    session.commit()
    flash(f"Notice given: the contract ends on {format_date(chosen)}", "success")
    return redirect(url_for("contracts.contract", contract_id=contract.id))


@bp.route("/contracts/<int:contract_id>/extend", methods=["GET", "POST"])
def extend(contract_id: int) -> Any:
    """Take the next declared extension (T1, T2), in the last days before the contract's current end."""
    session = get_session()
    contract = _own_contract_or_404(contract_id)
    limits = limits_for(session)
    day = today()
    form = ExtendForm()
    context = {"contract": contract, "standing": standing(contract, limits, day)}
    if not form.validate_on_submit():
        return form_page("contracts/extend.html", form, **context)
    try:
        services.take_extension(session, _user(), contract, contract.extensions_taken, limits=limits, today=day)
    except ContractRuleError as error:
        session.rollback()
        form.add_error("confirm", error.message)
        context["standing"] = standing(contract, limits, day)
        return form_page("contracts/extend.html", form, **context)
    session.commit()
    flash(f"Contract extended: it now ends on {format_date(contract.end_date)}", "success")
    return redirect(url_for("contracts.contract", contract_id=contract.id))
