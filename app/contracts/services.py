"""Awarding a contract from a frozen shortlist (T6), and living with it: breaks and extensions (T1-T3).

Every change goes through the pure rules in ``app.contracts.terms``; this
module adds what needs the database: the shortlist, the supplier's standing
on the day, the active template, the outcome, and the audit trail. Views own
the commit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.admin.accreditation import AccreditationStatus
from app.audit.services import record
from app.auth.models import Role, User
from app.buyers import services as projects
from app.buyers.models import Outcome, Project, ShortlistItem
from app.contracts import documents, terms
from app.contracts.models import Contract
from app.contracts.state import state_of
from app.contracts.templates import active_template
from app.dates import format_date
from app.db import lock_for_update
from app.exceptions import DomainError, NotAllowed
from app.suppliers.services import current_status

Errors = dict[str, list[str]]

# Fields of the award form besides the contract terms (R1.15: the buying organisation and the value).
AWARD_FIELDS = ("buyer_organisation", "value", "purchase_order_number")
BUYER_ORGANISATION_MAX = 200
PURCHASE_ORDER_MAX = 50
MAX_VALUE = Decimal("999999999999.99")  # up to a trillion pounds less a penny fits Numeric(14, 2)
_MONEY = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?", re.ASCII)


class AwardRefused(DomainError):
    """The award cannot be made; ``errors`` says what to fix, by form field."""

    def __init__(self, errors: Errors) -> None:
        first = next(iter(errors.values()))[0]
        super().__init__(first, field=next(iter(errors)))
        self.errors = errors


def _check_owner(actor: User, project: Project) -> None:
    if actor.role != Role.BUYER or project.buyer_id != actor.id:
        raise NotAllowed("Only the buyer who owns this project can award its contract")


def awardable_problem(project: Project, item: ShortlistItem | None, *, today: date) -> str | None:
    """T6: why this service cannot be awarded from this project today, or None if it can."""
    if project.outcome is not None:
        return "This project already has its outcome, so no other contract can be awarded from it"
    search = projects.ended_search(project)
    if search is None:
        return "End your search first: a contract is awarded from the frozen shortlist"
    if item is None or item.search_id != search.id:
        return "You can only award a contract for a service on this project's shortlist"
    name = str(item.version.data.get("name") or item.service.name)
    if item.excluded_at is not None:
        return f"{name} was excluded from evaluation ({item.exclusion_reason}), so it cannot be awarded"
    organisation = item.service.organisation
    status = current_status(organisation.accreditation, today)
    if status is AccreditationStatus.SUSPENDED:
        return f"{organisation.name} is suspended, so no contract can be awarded to it"
    if status is not AccreditationStatus.ACCREDITED:
        return f"{organisation.name} is no longer accredited ({status.label.lower()}), so no contract can be awarded to it"
    return None


def _money(raw: Any) -> Decimal | None:
    text = str(raw if raw is not None else "").replace(",", "").replace("£", "").strip()
    if not _MONEY.fullmatch(text):
        return None
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only amounts that fit
        return None


def _award_fields(values: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    organisation = " ".join(str(values.get("buyer_organisation") or "").split())
    if not organisation:
        errors["buyer_organisation"] = ["Enter the name of the organisation buying the service"]
    elif len(organisation) > BUYER_ORGANISATION_MAX:
        errors["buyer_organisation"] = [f"Organisation name must be {BUYER_ORGANISATION_MAX} characters or fewer"]
    value = _money(values.get("value"))
    if value is None:
        errors["value"] = ["Enter the total contract value in pounds, like 24000 or 24,000.50"]
    elif value < Decimal("0.01"):
        errors["value"] = ["The contract value must be at least £0.01"]
    elif value > MAX_VALUE:
        errors["value"] = [f"The contract value must be £{MAX_VALUE:,.2f} or less"]
    order = str(values.get("purchase_order_number") or "").strip()
    if len(order) > PURCHASE_ORDER_MAX:
        errors["purchase_order_number"] = [f"Purchase order number must be {PURCHASE_ORDER_MAX} characters or fewer"]
    return {"buyer_organisation": organisation, "value": value, "purchase_order_number": order or None}, errors


def award(
    session: Session,
    actor: User,
    project: Project,
    item: ShortlistItem | None,
    values: Mapping[str, Any],
    *,
    limits: terms.TermLimits,
    today: date,
    service_url: Callable[[int], str] = lambda service_id: "",
) -> Contract:
    """Award a contract for a shortlisted service (T6) on the order form's terms (T1-T5), render its document
    from the active template (T7), pin the service and template versions, and record the award as the project's
    outcome. ``values`` is the order form: the contract terms body plus buyer_organisation, value and
    purchase_order_number. Raises AwardRefused with every problem, by field."""
    _check_owner(actor, project)
    lock_for_update(session, project)
    problem = awardable_problem(project, item, today=today)
    if problem is not None:
        raise AwardRefused({"service": [problem]})
    assert item is not None
    extra, errors = _award_fields(values)
    contract_terms, term_errors = terms.validate(
        {name: values.get(name) for name in terms.FIELDS if name in values}, limits, today=today
    )
    errors = {**term_errors, **errors}
    template = active_template(session)
    if template is None:
        errors.setdefault("service", []).append(
            "No contract template is active, so the contract cannot be written: ask a Cloudstore admin to activate one"
        )
    if errors or contract_terms is None or template is None:
        raise AwardRefused(errors)

    contract = Contract(
        project=project,
        shortlist_item=item,
        buyer_id=actor.id,
        buyer_organisation=extra["buyer_organisation"],
        organisation_id=item.service.organisation_id,
        supplier_size=item.service.organisation.size,
        supplier_is_mutual=item.service.organisation.is_public_service_mutual,
        supplier_is_vcse=item.service.organisation.is_vcse,
        supplier_is_social_enterprise=item.service.organisation.is_social_enterprise,
        service_id=item.service_id,
        service_version_id=item.service_version_id,
        template=template,
        start_date=contract_terms.start_date,
        initial_term_months=contract_terms.initial_term_months,
        break_dates=[b.isoformat() for b in contract_terms.break_dates],
        buyer_notice_days=contract_terms.buyer_notice_days,
        extensions_months=list(contract_terms.extensions_months),
        extensions_taken=0,
        exit_fee=contract_terms.exit_fee,
        upfront_payment_months=contract_terms.upfront_payment_months,
        pricing_model=contract_terms.pricing_model,
        data_return=contract_terms.data_return,
        value=extra["value"],
        purchase_order_number=extra["purchase_order_number"],
        status="active",
        end_date=contract_terms.end_date,
        document=[],
        awarded_by_id=actor.id,
    )
    session.add(contract)
    session.flush()
    # Rendered once, at award: a later template never changes a signed contract.
    contract.document = documents.render_clauses(
        template.clauses, documents.contract_context(contract, service_url=service_url(item.service_id))
    )
    session.add(Outcome(project=project, result="awarded", contract_id=contract.id, recorded_by_id=actor.id))
    session.flush()
    record(
        session,
        actor,
        "contract.awarded",
        contract,
        after={
            "project_id": project.id,
            "service_id": item.service_id,
            "service_version": item.version.number,
            "template": f"{template.name} v{template.version}",
            **{name: getattr(contract_terms, name) for name in terms.FIELDS},
            "value": contract.value,
            "buyer_organisation": contract.buyer_organisation,
        },
    )
    return contract


# Reading ----------------------------------------------------------------------------------------------------


def buyer_contracts(session: Session, buyer: User) -> list[Contract]:
    return list(
        session.scalars(
            sa.select(Contract)
            .where(Contract.buyer_id == buyer.id)
            .options(joinedload(Contract.organisation), joinedload(Contract.service_version))
            .order_by(Contract.awarded_at.desc(), Contract.id.desc())
        )
    )


def supplier_contracts(session: Session, organisation_id: int) -> list[Contract]:
    return list(
        session.scalars(
            sa.select(Contract)
            .where(Contract.organisation_id == organisation_id)
            .options(joinedload(Contract.service_version))
            .order_by(Contract.awarded_at.desc(), Contract.id.desc())
        )
    )


# Changing a running contract ----------------------------------------------------------------------------------


def _check_buyer(actor: User, contract: Contract) -> None:
    if actor.role != Role.BUYER or contract.buyer_id != actor.id:
        raise NotAllowed("Only the buyer of this contract can change it")


def exercise_break(session: Session, actor: User, contract: Contract, break_date: date, *, today: date) -> Contract:
    """The buyer ends the contract at one of its break dates, at no cost, giving the agreed notice (T2, T3).
    The contract then ends on that break date."""
    _check_buyer(actor, contract)
    lock_for_update(session, contract)
    before = {"end_date": contract.end_date, "status": contract.status}
    state = terms.exercise_break(state_of(contract), break_date, today=today)
    contract.ended_on = state.ended_at_break
    contract.end_date = state.end_date
    contract.end_reason = (
        f"The buyer ended the contract at the break on {format_date(break_date)}, giving notice on {format_date(today)}"
    )
    session.flush()
    record(
        session,
        actor,
        "contract.break_exercised",
        contract,
        before=before,
        after={"end_date": contract.end_date, "break_date": break_date, "notice_given_on": today},
    )
    return contract


def take_extension(
    session: Session, actor: User, contract: Contract, extension_index: int, *, limits: terms.TermLimits, today: date
) -> Contract:
    """The buyer takes the next declared extension, re-checked under T1-T2; the contract then ends later."""
    _check_buyer(actor, contract)
    lock_for_update(session, contract)
    before = {"end_date": contract.end_date, "extensions_taken": contract.extensions_taken}
    state = terms.extend(state_of(contract), limits, extension_index=extension_index, today=today)
    contract.extensions_taken = state.extensions_taken
    contract.end_date = state.end_date
    session.flush()
    record(
        session,
        actor,
        "contract.extended",
        contract,
        before=before,
        after={"end_date": contract.end_date, "extensions_taken": contract.extensions_taken},
    )
    return contract
