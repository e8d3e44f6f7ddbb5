"""A contract and the rows it needs (buyer, service, project, frozen shortlist, template), built directly and flushed.

The contract is made as if awarded long ago, so tests can put its dates anywhere
without the award rules (start today or later) getting in the way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.buyers.models import Project, SavedSearch, ShortlistItem
from app.catalogue.models import Service
from app.contracts import terms
from app.contracts.models import Contract, ContractTemplate
from app.dates import add_months
from app.suppliers.models import Organisation
from app.timeutil import utcnow
from tests.factories import make_service, make_user

DATA_RETURN = "All data exported as CSV and JSON within 10 days of the end."
TEST_TEMPLATE_NAME = "Test call-off contract"


def contract_template(session: Session) -> ContractTemplate:
    """The active template if there is one, otherwise a draft kept for tests (contracts only need a row)."""
    template = session.scalars(
        sa.select(ContractTemplate).where(ContractTemplate.status == "active").order_by(ContractTemplate.id)
    ).first()
    template = template or session.scalars(
        sa.select(ContractTemplate).where(ContractTemplate.name == TEST_TEMPLATE_NAME)
    ).first()
    if template is None:
        template = ContractTemplate(
            name=TEST_TEMPLATE_NAME,
            version=1,
            clauses=[{"key": "term", "title": "Term", "text": "The contract starts on {{ contract.start_date }}."}],
            status="draft",
        )
        session.add(template)
        session.flush()
    return template


def make_contract(
    session: Session,
    *,
    buyer: User | None = None,
    organisation: Organisation | None = None,
    service: Service | None = None,
    start_date: date,
    initial_term_months: int = 24,
    break_dates: Sequence[date] | None = None,
    buyer_notice_days: int = 30,
    extensions_months: Sequence[int] = (),
    extensions_taken: int = 0,
    ended_on: date | None = None,
    status: str = "active",
    data_return: str = DATA_RETURN,
    value: Decimal = Decimal("24000.00"),
    **overrides: Any,
) -> Contract:
    """A contract for a published service of `organisation` (an accredited supplier by default), awarded to
    `buyer` from a frozen shortlist. Break dates default to one 12 months after the start when the term is
    longer than that (T2). `ended_on` is the break date the buyer exercised; the end date follows from the
    terms as `app.contracts.terms` reads them."""
    buyer = buyer or make_user(session, Role.BUYER)
    if service is None:
        service = make_service(session, organisation) if organisation is not None else make_service(session)
    version = next(v for v in service.versions if v.number == service.version_number)
    if break_dates is None:
        break_dates = (add_months(start_date, 12),) if initial_term_months > 12 else ()

    project = Project(buyer=buyer, name=f"Buy {service.name}"[:100], locked_at=utcnow())
    session.add(project)
    search = SavedSearch(
        project=project, query={"q": service.name}, summary=service.name, active=False, ended_at=utcnow()
    )
    item = ShortlistItem(search=search, service_id=service.id, service_version_id=version.id, position=1)
    session.add_all([search, item])
    session.flush()

    state = terms.ContractState(
        terms=terms.ContractTerms(
            start_date=start_date,
            initial_term_months=initial_term_months,
            break_dates=tuple(break_dates),
            buyer_notice_days=buyer_notice_days,
            extensions_months=tuple(extensions_months),
            exit_fee=Decimal("0"),
            upfront_payment_months=0,
            pricing_model="pay_as_you_go",
            data_return=data_return,
        ),
        extensions_taken=extensions_taken,
        ended_at_break=ended_on,
    )
    fields: dict[str, Any] = {
        "project_id": project.id,
        "shortlist_item_id": item.id,
        "buyer_id": buyer.id,
        "buyer_organisation": "Department for Testing",
        "organisation_id": service.organisation_id,
        "supplier_size": service.organisation.size,
        "supplier_is_mutual": service.organisation.is_public_service_mutual,
        "supplier_is_vcse": service.organisation.is_vcse,
        "supplier_is_social_enterprise": service.organisation.is_social_enterprise,
        "service_id": service.id,
        "service_version_id": version.id,
        "template_id": contract_template(session).id,
        "start_date": start_date,
        "initial_term_months": initial_term_months,
        "break_dates": [b.isoformat() for b in break_dates],
        "buyer_notice_days": buyer_notice_days,
        "extensions_months": list(extensions_months),
        "extensions_taken": extensions_taken,
        "pricing_model": "pay_as_you_go",
        "data_return": data_return,
        "value": value,
        "status": status,
        "end_date": state.end_date,
        "ended_on": ended_on,
        "end_reason": "Break exercised" if ended_on is not None else None,
        "awarded_at": utcnow() - timedelta(days=1),
    }
    fields.update(overrides)
    contract = Contract(**fields)
    session.add(contract)
    session.flush()
    return contract
