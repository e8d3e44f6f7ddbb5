"""Awarded contracts as open data: the one query every public output reads (page, CSV, OCDS).

Only Contract rows are published, and a contract exists only once a buyer has
awarded it, so nothing of a project still searching, cancelled or with no
suitable service can leak. Buyers' personal details never appear: a record
names the buying organisation, not the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.catalogue.models import Lot, Service
from app.contracts.models import Contract
from app.contracts.state import limits_for, standing, terms_of
from app.suppliers.sizing import Size


@dataclass(frozen=True)
class AwardRecord:
    """One awarded contract as the public sees it."""

    contract_id: int
    reference: str  # "CS-000042"
    buyer_organisation: str
    supplier_id: int
    supplier_name: str
    companies_house_number: str | None
    supplier_size: str | None  # micro, small, medium or large, as computed at award (rule C4)
    is_mutual: bool
    is_vcse: bool
    is_social_enterprise: bool
    service_id: int
    service_name: str  # as at the awarded version
    service_version: int
    lot_slug: str
    lot_name: str
    value: Decimal
    pricing_model: str
    awarded_at: datetime
    start_date: date
    initial_end_date: date  # the end of the initial term (the first day it no longer runs)
    end_date: date  # the end as it stands: a break exercised, or extensions taken
    max_extent_date: date  # the end if every declared extension were taken
    break_dates: tuple[date, ...]
    status: str  # active, ending (a break was exercised), ended (at a break) or expired
    terminated_at_break: date | None  # the break date the buyer ended the contract at, if any
    framework_name: str
    framework_ocid: str

    @property
    def is_sme(self) -> bool:
        return self.supplier_size is not None and Size(self.supplier_size).is_sme

    @property
    def is_vcse_or_social_enterprise(self) -> bool:
        return self.is_vcse or self.is_social_enterprise


def load_awards(session: Session, *, today: date) -> list[AwardRecord]:
    """Every awarded contract, newest award first."""
    contracts = session.scalars(
        sa.select(Contract)
        .options(
            joinedload(Contract.organisation),
            joinedload(Contract.service_version),
            joinedload(Contract.service).joinedload(Service.lot).joinedload(Lot.framework),
        )
        .order_by(Contract.awarded_at.desc(), Contract.id.desc())
    ).unique()
    limits = limits_for(session)
    records = []
    for contract in contracts:
        terms = terms_of(contract)
        now = standing(contract, limits, today)
        lot = contract.service.lot
        records.append(
            AwardRecord(
                contract_id=contract.id,
                reference=f"CS-{contract.id:06d}",
                buyer_organisation=contract.buyer_organisation,
                supplier_id=contract.organisation_id,
                supplier_name=contract.organisation.name,
                companies_house_number=contract.organisation.companies_house_number,
                supplier_size=contract.supplier_size,
                is_mutual=contract.supplier_is_mutual,
                is_vcse=contract.supplier_is_vcse,
                is_social_enterprise=contract.supplier_is_social_enterprise,
                service_id=contract.service_id,
                service_name=str(contract.service_version.data.get("name") or contract.service.name),
                service_version=contract.service_version.number,
                lot_slug=lot.slug,
                lot_name=lot.name,
                value=contract.value,
                pricing_model=contract.pricing_model,
                awarded_at=contract.awarded_at,
                start_date=contract.start_date,
                initial_end_date=terms.end_date,
                end_date=now.end_date,
                max_extent_date=terms.max_extent_date,
                break_dates=terms.break_dates,
                status=now.status,
                terminated_at_break=contract.ended_on,
                framework_name=lot.framework.name,
                framework_ocid=lot.framework.ocid,
            )
        )
    return records
