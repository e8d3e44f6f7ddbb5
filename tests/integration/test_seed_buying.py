"""`flask seed demo` also seeds buying history: past projects, shortlists and contracts made through the services."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import User
from app.buyers.models import Outcome, Project, SavedSearch, ShortlistDownload, ShortlistItem
from app.contracts import terms
from app.contracts.models import Contract
from app.contracts.state import limits_for, terms_of
from app.dates import add_months
from app.timeutil import today
from seed.buying import break_dates_for

# Small enough to be quick; with these listings the searches find every kind of outcome and winner.
# (A project whose search finds nothing is left for a later run, so a smaller catalogue has fewer.)
SEED = ["seed", "demo", "--services", "80", "--seed", "3"]
DEMO_BUYER = "buyer@example.gov.uk"


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
        for model in (User, Project, SavedSearch, ShortlistItem, ShortlistDownload, Outcome, Contract, AuditEvent)
    }


@pytest.fixture
def seeded(app: Flask, session: Session) -> list[Contract]:
    result = app.test_cli_runner().invoke(args=SEED)
    assert result.exit_code == 0, result.output
    assert "project Adult social care case management (awarded to Riverside Care Mutual)" in result.output
    session.expire_all()
    return list(session.scalars(sa.select(Contract).order_by(Contract.id)))


def test_seeding_again_creates_no_buying_history(app: Flask, session: Session, seeded: list[Contract]) -> None:
    before = _counts(session)
    result = app.test_cli_runner().invoke(args=SEED)
    assert result.exit_code == 0, result.output
    assert "nothing to do" in result.output
    session.expire_all()
    assert _counts(session) == before


def test_every_contract_is_for_a_shortlisted_version_on_terms_the_rules_accepted_on_its_award_day(
    session: Session, seeded: list[Contract]
) -> None:
    limits = limits_for(session)
    assert len(seeded) >= 8
    for contract in seeded:
        item = contract.shortlist_item
        assert item.search.project_id == contract.project_id and item.excluded_at is None
        assert (contract.service_id, contract.service_version_id) == (item.service_id, item.service_version_id)
        awarded_on = contract.awarded_at.date()
        assert terms.check_terms(terms_of(contract), limits, today=awarded_on) == {}, contract.project.name
        assert terms.is_open_format_named(contract.data_return)
        assert contract.project.outcome is not None and contract.project.outcome.contract_id == contract.id
        assert contract.document, "the contract document is rendered at award"


def test_history_is_dated_in_order_over_most_of_the_past_year_with_reasoned_exclusions(
    session: Session, seeded: list[Contract]
) -> None:
    exclusions = 0
    for project in session.scalars(sa.select(Project)):
        (search,) = project.searches
        assert project.outcome is not None
        assert project.created_at < search.created_at < search.ended_at < project.outcome.completed_at
        assert project.locked_at == search.ended_at
        excluded = [item for item in search.items if item.excluded_at is not None]
        assert len(excluded) <= 2 and all(item.exclusion_reason for item in excluded)
        assert all(
            search.ended_at < (item.excluded_at or search.ended_at) < project.outcome.completed_at for item in excluded
        )
        exclusions += len(excluded)
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.object_type == "projects", AuditEvent.object_id == str(project.id))
        ).all()
        assert all(event.created_at <= project.outcome.completed_at for event in events)
    awarded = sorted(contract.awarded_at.date() for contract in seeded)
    assert awarded[-1] < today() and awarded[0] >= today() - timedelta(days=366)
    assert (awarded[-1] - awarded[0]).days > 240
    assert exclusions >= 2


def test_outcomes_include_awards_a_cancellation_and_none_suitable(session: Session, seeded: list[Contract]) -> None:
    results = Counter(session.scalars(sa.select(Outcome.result)))
    assert results["awarded"] == len(seeded)
    assert results["cancelled"] >= 1 and results["none_suitable"] >= 1


def test_the_demo_buyer_has_one_contract_and_no_open_project(session: Session, seeded: list[Contract]) -> None:
    buyer = session.scalars(sa.select(User).where(User.email == DEMO_BUYER)).one()
    assert [c.buyer_id for c in seeded].count(buyer.id) == 1
    projects = session.scalars(sa.select(Project).where(Project.buyer_id == buyer.id)).all()
    assert projects and all(p.locked_at is not None and p.outcome is not None for p in projects)


def test_several_buyers_registered_before_their_projects_award_to_smes_the_demo_mutual_and_a_large_supplier(
    session: Session, seeded: list[Contract]
) -> None:
    buyers = {contract.buyer for contract in seeded}
    assert len(buyers) >= 3 and all(b.email_verified_at is not None and b.role == "buyer" for b in buyers)
    for buyer in buyers:
        first = session.scalar(sa.select(sa.func.min(Project.created_at)).where(Project.buyer_id == buyer.id))
        assert first is not None and buyer.created_at < first
    winners = {contract.organisation for contract in seeded}
    assert "Riverside Care Mutual" in {o.name for o in winners}
    assert any(o.is_public_service_mutual for o in winners)
    assert any(o.is_sme and not o.is_public_service_mutual for o in winners)
    assert any(not o.is_sme for o in winners)


@pytest.mark.parametrize(
    ("initial", "extensions", "breaks_after_months"),
    [
        (12, (12, 12), []),  # every way out is already a year or less after the one before
        (24, (), [12]),
        (24, (12, 12), [12]),
        (18, (6,), [12]),
        (6, (), []),
    ],
)
def test_break_dates_are_added_only_where_the_next_way_out_is_more_than_a_year_away(
    initial: int, extensions: tuple[int, ...], breaks_after_months: list[int]
) -> None:
    start = date(2027, 1, 31)
    limits = terms.TermLimits(24, 2, 12, 48, 12, 30, 12)
    breaks = break_dates_for(start, initial, extensions, limits.max_months_to_break)
    assert breaks == [add_months(start, months) for months in breaks_after_months]
    contract = terms.ContractTerms(
        start, initial, tuple(breaks), 30, extensions, Decimal("0"), 0, "fixed", "Returned as CSV files."
    )
    assert terms.check_terms(contract, limits, today=start) == {}
