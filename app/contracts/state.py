"""Reading a stored contract as the pure rules see it: its terms, where it stands, and what a person is told.

The Contract row keeps the order form as awarded; these helpers turn it into
``terms.ContractTerms`` and ``terms.ContractState`` so that pages, the
reminder command and every change go through the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.catalogue.models import Framework
from app.contracts import terms
from app.contracts.models import Contract


def terms_of(contract: Contract) -> terms.ContractTerms:
    """The order form a contract was awarded with."""
    return terms.ContractTerms(
        start_date=contract.start_date,
        initial_term_months=contract.initial_term_months,
        break_dates=tuple(date.fromisoformat(value) for value in contract.break_dates),
        buyer_notice_days=contract.buyer_notice_days,
        extensions_months=tuple(int(months) for months in contract.extensions_months),
        exit_fee=contract.exit_fee,
        upfront_payment_months=contract.upfront_payment_months,
        pricing_model=contract.pricing_model,
        data_return=contract.data_return,
    )


def state_of(contract: Contract) -> terms.ContractState:
    """Where a contract stands: the extensions taken, and the break it ends at if the buyer exercised one."""
    return terms.ContractState(
        terms=terms_of(contract),
        extensions_taken=contract.extensions_taken,
        ended_at_break=contract.ended_on,
    )


def live_framework(session: Session) -> Framework:
    """The framework new projects and contracts are made under."""
    framework = session.scalars(sa.select(Framework).where(Framework.status == "live").order_by(Framework.id)).first()
    if framework is None:  # pragma: no cover - migration 0003 creates it
        raise LookupError("No live framework: run flask --app wsgi db upgrade")
    return framework


def limits_for(session: Session) -> terms.TermLimits:
    """The contract limits of the live framework."""
    return terms.TermLimits.from_framework(live_framework(session))


@dataclass(frozen=True)
class Standing:
    """What a buyer or supplier needs to know about a contract today."""

    status: str  # "active", "ending" (a break was exercised), "ended" (at a break) or "expired" (ran its term)
    label: str
    end_date: date
    next_break: date | None
    notice_deadline: date | None
    extension_window: tuple[date, date] | None
    next_extension_months: int | None


_LABELS = {"active": "Active", "ending": "Ending at a break", "ended": "Ended at a break", "expired": "Expired"}


def standing(contract: Contract, limits: terms.TermLimits, today: date) -> Standing:
    """The contract's status by today's date (whatever the stored status says: a contract whose end date has
    passed has ended even before the nightly command records it), its next usable break and that break's
    notice deadline, and when the next declared extension can be taken."""
    state = state_of(contract)
    end = state.end_date
    if today >= end:
        status = "ended" if state.ended_at_break is not None else "expired"
    else:
        status = "ending" if state.ended_at_break is not None else "active"
    running = status in ("active", "ending")
    next_break = terms.next_break(state, today) if running else None
    deadline = (
        terms.break_notice_deadline(next_break, state.terms.buyer_notice_days) if next_break is not None else None
    )
    window = terms.extension_window(state, limits) if status == "active" else None
    return Standing(
        status=status,
        label=_LABELS[status],
        end_date=end,
        next_break=next_break,
        notice_deadline=deadline,
        extension_window=window,
        next_extension_months=state.next_extension_months if status == "active" else None,
    )
