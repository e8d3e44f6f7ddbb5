"""Properties of the contract rules over many generated order forms (T2 above all: never locked in for long)."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.contracts.terms import (
    FIELDS,
    ContractRuleError,
    ContractState,
    ContractTerms,
    check_terms,
    extend,
    extension_window,
    validate,
)
from app.dates import add_months
from tests.unit.test_contract_terms import LIMITS, TODAY  # the framework's default limits, as in the example tests

LOCK_IN_MONTHS = 12  # the promise in T2, stated independently of the framework row
EARLY_COMMIT_DAYS = 30  # how early the buyer may take an extension (the framework's max_notice_days)

# Fixed examples so CI sees the same cases on every run; no example database is written.
STABLE = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Starts whose anniversaries are clamped to a shorter month, where calendar months are easiest to get wrong.
MONTH_END_STARTS = [date(2027, 1, 31), date(2027, 8, 31), date(2028, 2, 29), date(2027, 3, 31), date(2028, 1, 30)]


@st.composite
def plausible_terms(draw: st.DrawFn, min_initial: int = 1, max_initial: int = 24,
                    month_end_starts: bool = True) -> ContractTerms:
    """Order forms near the T2 limits that meet every other rule: an initial term and up to two extensions within
    T1 (often exactly 12 or 24 months), and break dates stepped from the start by whole months (often exactly 12)
    give or take a day or three, in order, after the start and before the furthest end. The start is more than
    30 days after today, so every break's notice deadline is still ahead at award. Many are refused under T2,
    which is the point: they sit on its boundaries. The initial term is from min_initial to max_initial
    months; with month_end_starts=False the start is on the 28th or earlier, so no anniversary is clamped."""
    starts = st.dates(min_value=TODAY + timedelta(days=31), max_value=date(2030, 12, 31))
    if month_end_starts:
        starts = st.sampled_from(MONTH_END_STARTS) | starts
    else:
        starts = starts.filter(lambda day: day.day <= 28)
    start = draw(starts)
    typical = [months for months in (1, 6, 11, 12, 12, 13, 18, 24, 24) if min_initial <= months <= max_initial]
    initial = draw(st.sampled_from(typical) | st.integers(min_initial, max_initial))
    extensions = tuple(draw(st.lists(st.sampled_from([1, 6, 11, 12, 12]) | st.integers(1, 12), max_size=2)))
    extent = add_months(start, initial + sum(extensions))
    break_dates: list[date] = []
    previous = start
    for _ in range(draw(st.integers(0, 4))):
        step = draw(st.sampled_from([12, 12, 12, 11, 6, 1, 13, 18]))
        previous = add_months(previous, step) + timedelta(days=draw(st.sampled_from([0, 0, -1, 1, -3])))
        break_dates.append(previous)
    return ContractTerms(
        start_date=start,
        initial_term_months=initial,
        break_dates=tuple(b for b in break_dates if b < extent),
        buyer_notice_days=draw(st.integers(0, 30)),
        extensions_months=extensions,
        exit_fee=Decimal("0.00"),
        upfront_payment_months=draw(st.integers(0, 12)),
        pricing_model=draw(st.sampled_from(["pay_as_you_go", "fixed"])),
        data_return="All data exported as CSV within 10 days",
    )


def days_locked_in(terms: ContractTerms, days_early: Sequence[int], *, accepted: bool = True) -> list[date]:
    """Live through the contract day by day and return the days on which the buyer is locked in for too long.

    The buyer takes the first len(days_early) declared extensions, in order: extension k on the day that is
    days_early[k] days (1 to EARLY_COMMIT_DAYS) before the then end date, which is inside its allowed window.
    For accepted terms it goes through extend(), which must refuse it EARLY_COMMIT_DAYS + 1 days before; terms
    that were refused cannot be extended, so their extensions are simply counted as taken. Until an extension
    is taken, the current end date is a way out: the buyer leaves by not taking it.

    On each day from the start up to (not including) the current end date, the next way out is the first break
    date after that day, or the current end date. It must be at most LOCK_IN_MONTHS calendar months away.

    The one permitted slack: from the day the buyer takes an extension until the old end date, the buyer has
    committed early, up to EARLY_COMMIT_DAYS (30) days before the way out it gave up. On those days only, the
    next way out may be up to 12 months + 30 days away, counted as 12 calendar months after the day 30 days
    later (the old end date is at most 30 days later, and the way out after it is at most 12 months after it;
    counting the days first keeps that exact when the months are clamped to a shorter month's end)."""
    def current_ways_out(end: date) -> list[date]:
        return [*sorted(b for b in set(terms.break_dates) if b < end), end]

    state = ContractState(terms)
    ways_out = current_ways_out(state.end_date)
    committed_early_until: date | None = None
    locked: list[date] = []
    day = terms.start_date
    upcoming = 0
    while day < state.end_date:
        taken = state.extensions_taken
        if taken < len(days_early) and day == state.end_date - timedelta(days=days_early[taken]):
            too_early = state.end_date - timedelta(days=EARLY_COMMIT_DAYS + 1)
            last_day = state.end_date - timedelta(days=1)
            assert extension_window(state, LIMITS) == (too_early + timedelta(days=1), last_day)
            committed_early_until = state.end_date
            if accepted:
                with pytest.raises(ContractRuleError, match="You can take the extension from"):
                    extend(state, LIMITS, extension_index=taken, today=too_early)
                state = extend(state, LIMITS, extension_index=taken, today=day)
            else:
                state = replace(state, extensions_taken=taken + 1)
            assert state.end_date == terms.end_date_with(taken + 1)
            ways_out, upcoming = current_ways_out(state.end_date), 0
        while ways_out[upcoming] <= day:
            upcoming += 1
        if committed_early_until is not None and day < committed_early_until:
            furthest = add_months(day + timedelta(days=EARLY_COMMIT_DAYS), LOCK_IN_MONTHS)
        else:
            furthest = add_months(day, LOCK_IN_MONTHS)
        if ways_out[upcoming] > furthest:
            locked.append(day)
        day += timedelta(days=1)
    assert state.end_date == terms.end_date_with(len(days_early))
    return locked


@STABLE
@given(terms=plausible_terms(), data=st.data())
def test_an_accepted_contract_never_locks_the_buyer_in_for_more_than_twelve_months(
    terms: ContractTerms, data: st.DataObject
) -> None:
    """Day by day from the start to the end, the buyer's next way out (a break date after that day, or the current
    end date, which stays a way out until the buyer takes the next extension) is at most 12 calendar months away,
    whichever extensions the buyer takes on whichever day of their windows.

    The one permitted slack: on the days from taking an extension up to the old end date, the buyer has
    committed up to max_notice_days (30) days early, so there the next way out may be up to 12 months + 30 days
    away (see days_locked_in). Everywhere else the limit is exactly 12 months."""
    assume(check_terms(terms, LIMITS, today=TODAY) == {})
    taken = data.draw(st.integers(0, len(terms.extensions_months)), label="extensions taken")
    days_early = data.draw(st.lists(st.integers(1, EARLY_COMMIT_DAYS), min_size=taken, max_size=taken),
                           label="days before the end each extension is taken")
    assert days_locked_in(terms, days_early) == []


@STABLE
@given(terms=plausible_terms())
def test_a_contract_is_refused_exactly_when_a_buyer_taking_every_extension_would_be_locked_in(
    terms: ContractTerms,
) -> None:
    """Taking each extension on the last day it runs, the buyer gives up each way out as late as possible; the
    contract is accepted if and only if even then no day is locked in."""
    errors = check_terms(terms, LIMITS, today=TODAY)
    assert set(errors) <= {"break_dates"}  # plausible_terms meets every other rule
    locked = days_locked_in(terms, [1] * len(terms.extensions_months), accepted=errors == {})
    assert (errors == {}) == (locked == []), (errors, locked[:3])


@STABLE
@given(terms=plausible_terms(min_initial=LOCK_IN_MONTHS + 1), days_late=st.integers(1, 400))
def test_a_first_way_out_later_than_twelve_months_after_the_start_is_always_refused(
    terms: ContractTerms, days_late: int
) -> None:
    late_first = add_months(terms.start_date, LOCK_IN_MONTHS) + timedelta(days=days_late)
    later = tuple(b for b in terms.break_dates if b > late_first)
    moved = replace(terms, break_dates=(late_first, *later))
    assert "break_dates" in check_terms(moved, LIMITS, today=TODAY)


@STABLE
@given(terms=plausible_terms(min_initial=LOCK_IN_MONTHS + 1))
def test_an_initial_term_longer_than_twelve_months_with_no_break_is_always_refused(terms: ContractTerms) -> None:
    assert "break_dates" in check_terms(replace(terms, break_dates=()), LIMITS, today=TODAY)


@STABLE
@given(terms=plausible_terms(max_initial=LOCK_IN_MONTHS, month_end_starts=False))
def test_up_to_twelve_months_at_a_time_needs_no_break(terms: ContractTerms) -> None:
    """An initial term and extensions of at most 12 months each give the buyer a way out at least every 12
    months (up to a clamped month end: one month after 31 January is 28 February, and 13 months after it is
    29 February in a leap year, one day more than 12 months after 28 February)."""
    assert check_terms(replace(terms, break_dates=()), LIMITS, today=TODAY) == {}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.dates().map(date.isoformat) | st.sampled_from(["0.00", "12", "-1", "1e400", "NaN", "9999-12-31"]),
    lambda children: st.lists(children, max_size=4),
    max_leaves=8,
)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.dictionaries(st.sampled_from([*FIELDS, "extra"]), JSON_VALUES) | JSON_VALUES)
def test_any_json_body_gets_an_answer_never_an_exception(body: Any) -> None:
    terms, errors = validate(body, LIMITS, today=TODAY)
    assert (terms is None) == bool(errors)
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)


# The example body of the interface (interface.md, "Contract terms body"), which is valid.
VALID_BODY: dict[str, Any] = {
    "start_date": "2027-01-04", "initial_term_months": 24, "break_dates": ["2028-01-04"],
    "buyer_notice_days": 30, "extensions_months": [12], "exit_fee": "0.00", "upfront_payment_months": 1,
    "pricing_model": "pay_as_you_go", "data_return": "All data exported as CSV and JSON within 10 days.",
}
EXTREMES = st.sampled_from([
    0, -1, 10**40, -(10**40), "0001-01-01", "9999-12-31", ["0001-01-02"], ["9999-12-30"], [10**40], [1] * 50,
    "-0.00", "999999999999.99", "",
])


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), EXTREMES | JSON_VALUES, min_size=1, max_size=3))
def test_an_order_form_with_a_few_strange_values_gets_an_answer_never_an_exception(changes: dict[str, Any]) -> None:
    assert validate(VALID_BODY, LIMITS, today=TODAY)[1] == {}
    terms, errors = validate({**VALID_BODY, **changes}, LIMITS, today=TODAY)
    assert (terms is None) == bool(errors)
    assert set(errors) <= set(FIELDS)
