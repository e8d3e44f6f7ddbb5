"""Contract terms T1-T5 at their boundaries, the order form's shape, and the contract's life (extend, break)."""

import ast
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import app.contracts.terms as terms_module
from app.admin import accreditation
from app.contracts.terms import (
    FIELDS,
    ContractRuleError,
    ContractState,
    ContractTerms,
    TermLimits,
    break_notice_deadline,
    check_terms,
    exercise_break,
    extend,
    extension_window,
    next_break,
    parse_terms,
    validate,
)
from app.dates import add_months, format_date
from app.exceptions import DomainError

LIMITS = TermLimits(
    max_initial_months=24,
    max_extensions=2,
    max_extension_months=12,
    max_total_months=48,
    max_months_to_break=12,
    max_notice_days=30,
    max_upfront_months=12,
)
TODAY = date(2026, 12, 1)
START = date(2027, 1, 4)
DATA_RETURN = "All data exported as CSV and JSON within 10 days."


def make_terms(**overrides: Any) -> ContractTerms:
    values: dict[str, Any] = {
        "start_date": START,
        "initial_term_months": 12,
        "break_dates": (),
        "buyer_notice_days": 30,
        "extensions_months": (),
        "exit_fee": Decimal("0.00"),
        "upfront_payment_months": 1,
        "pricing_model": "pay_as_you_go",
        "data_return": DATA_RETURN,
    }
    values.update(overrides)
    return ContractTerms(**values)


def errors_for(limits: TermLimits = LIMITS, **overrides: Any) -> dict[str, list[str]]:
    return check_terms(make_terms(**overrides), limits, today=TODAY)


def months_after_start(months: int, days: int = 0) -> date:
    return add_months(START, months) + timedelta(days=days)


# The example body of the interface (interface.md, "Contract terms body"): integrations post it as it is.
INTERFACE_EXAMPLE: dict[str, Any] = {
    "start_date": "2027-01-04",
    "initial_term_months": 24,
    "break_dates": ["2028-01-04"],
    "buyer_notice_days": 30,
    "extensions_months": [12],
    "exit_fee": "0.00",
    "upfront_payment_months": 1,
    "pricing_model": "pay_as_you_go",
    "data_return": "All data exported as CSV and JSON within 10 days.",
}


def body(**overrides: Any) -> dict[str, Any]:
    return {**INTERFACE_EXAMPLE, **overrides}


# Dates ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2027, 8, 31), 1, date(2027, 9, 30)),
        (date(2027, 3, 1), 12, date(2028, 3, 1)),
    ],
)
def test_a_term_in_months_ends_on_the_same_day_clamped_to_the_end_of_a_shorter_month(
    start: date, months: int, expected: date
) -> None:
    assert make_terms(start_date=start, initial_term_months=months).end_date == expected


def test_end_date_is_the_day_the_contract_ends_and_the_max_extent_includes_every_extension() -> None:
    terms = make_terms(
        start_date=date(2027, 3, 1),
        initial_term_months=12,
        extensions_months=(6, 12),
        break_dates=(date(2028, 3, 1), date(2029, 3, 1)),
    )
    assert terms.end_date == date(2028, 3, 1)
    assert terms.end_date_with(0) == date(2028, 3, 1)
    assert terms.end_date_with(1) == date(2028, 9, 1)
    assert terms.end_date_with(2) == terms.max_extent_date == date(2029, 9, 1)
    assert terms.total_months == 30
    with pytest.raises(ValueError):
        terms.end_date_with(3)


def test_add_months_is_still_importable_from_accreditation() -> None:
    assert accreditation.add_months is add_months
    assert accreditation.format_date is format_date


def test_dates_are_written_in_full_whatever_the_locale() -> None:
    assert format_date(date(2027, 3, 1)) == "1 March 2027"


# The interface's example and the whole form --------------------------------------------------------------


def test_the_interface_example_is_valid() -> None:
    """24 months with a break at month 12 and one declared 12-month extension: the buyer's ways out are the break,
    the end of the initial term (by not taking the extension) and the end of the extension."""
    terms, errors = validate(INTERFACE_EXAMPLE, LIMITS, today=TODAY)
    assert errors == {}
    assert terms == ContractTerms(
        start_date=date(2027, 1, 4),
        initial_term_months=24,
        break_dates=(date(2028, 1, 4),),
        buyer_notice_days=30,
        extensions_months=(12,),
        exit_fee=Decimal("0.00"),
        upfront_payment_months=1,
        pricing_model="pay_as_you_go",
        data_return=DATA_RETURN,
    )
    assert terms.ways_out == (date(2028, 1, 4), date(2029, 1, 4), date(2030, 1, 4))


def test_the_interface_example_without_its_break_is_refused() -> None:
    _, errors = validate(body(break_dates=[]), LIMITS, today=TODAY)
    assert errors == {
        "break_dates": [
            "A contract longer than 12 months needs a break date no later than 12 months after the start "
            "(by 4 January 2028): the buyer's first way out is the end of the initial term on 4 January 2029"
        ]
    }


def test_validate_returns_no_terms_when_any_rule_fails() -> None:
    terms, errors = validate(body(initial_term_months=25), LIMITS, today=TODAY)
    assert terms is None
    assert list(errors) == ["initial_term_months"]


def test_validate_reports_shape_errors_before_rules() -> None:
    terms, errors = validate(body(start_date="soon", initial_term_months=25), LIMITS, today=TODAY)
    assert terms is None
    assert errors == {"start_date": ["Enter the start date as a date, like 2027-01-04"]}


def test_every_failing_rule_is_reported_at_once_in_form_order() -> None:
    errors = errors_for(
        start_date=TODAY - timedelta(days=1),
        initial_term_months=25,
        buyer_notice_days=31,
        exit_fee=Decimal("10.00"),
        upfront_payment_months=13,
        pricing_model="annual",
        data_return="",
    )
    assert list(errors) == [
        "start_date",
        "initial_term_months",
        "buyer_notice_days",
        "exit_fee",
        "upfront_payment_months",
        "pricing_model",
        "data_return",
    ]


# T1: term lengths ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("months", [1, 12])
def test_initial_term_of_up_to_twelve_months_needs_no_break(months: int) -> None:
    assert errors_for(initial_term_months=months) == {}


def test_initial_term_of_the_framework_maximum_is_accepted() -> None:
    assert errors_for(initial_term_months=24, break_dates=(months_after_start(12),)) == {}


@pytest.mark.parametrize("months", [0, -1, 25])
def test_initial_term_outside_one_to_the_framework_maximum_is_refused(months: int) -> None:
    errors = errors_for(initial_term_months=months, break_dates=(months_after_start(12),))
    assert errors == {"initial_term_months": [f"The initial term must be from 1 to 24 months (you entered {months})"]}


def test_initial_term_maximum_comes_from_the_framework() -> None:
    assert errors_for(replace(LIMITS, max_initial_months=36), initial_term_months=36,
                      break_dates=(months_after_start(12), months_after_start(24))) == {}


def test_two_extensions_of_twelve_months_make_the_maximum_forty_eight() -> None:
    breaks = tuple(months_after_start(m) for m in (12, 24, 36))
    assert errors_for(initial_term_months=24, extensions_months=(12, 12), break_dates=breaks) == {}


def test_a_third_extension_is_refused() -> None:
    breaks = tuple(months_after_start(m) for m in (12, 24))
    errors = errors_for(initial_term_months=12, extensions_months=(6, 6, 6), break_dates=breaks)
    assert errors == {"extensions_months": ["Declare no more than 2 extensions (you declared 3)"]}


@pytest.mark.parametrize("months", [13, 0])
def test_an_extension_outside_one_to_twelve_months_is_refused(months: int) -> None:
    errors = errors_for(initial_term_months=12, extensions_months=(12, months), break_dates=(months_after_start(12),))
    assert errors == {"extensions_months": [f"Extension 2 must be from 1 to 12 months (it is {months})"]}


def test_total_with_extensions_of_forty_eight_is_accepted_and_forty_nine_refused() -> None:
    limits = replace(LIMITS, max_extensions=3)
    breaks = tuple(months_after_start(m) for m in (12, 24, 36))
    assert errors_for(limits, initial_term_months=24, extensions_months=(12, 11, 1), break_dates=breaks) == {}
    errors = errors_for(limits, initial_term_months=24, extensions_months=(12, 12, 1), break_dates=breaks)
    assert errors == {
        "extensions_months": [
            "The initial term and extensions together must be no more than 48 months (they add up to 49)"
        ]
    }


# T2: no lock-in longer than 12 months --------------------------------------------------------------------
#
# The buyer's ways out are the break dates, the end of the initial term and of each extension but the last
# (the buyer leaves by not taking the next extension), then the furthest end. The first is due within 12 months
# of the start, and each next one within 12 months of the one before.


def ways_out(initial: int, extensions: tuple[int, ...] = (), breaks: tuple[int, ...] = ()) -> tuple[date, ...]:
    terms = make_terms(initial_term_months=initial, extensions_months=extensions,
                       break_dates=tuple(months_after_start(m) for m in breaks))
    return terms.ways_out


@pytest.mark.parametrize(
    ("initial", "extensions", "breaks", "expected_months"),
    [
        (24, (), (12,), (12, 24)),
        (24, (12,), (12,), (12, 24, 36)),
        (12, (12, 12), (), (12, 24, 36)),
        (24, (12, 12), (12,), (12, 24, 36, 48)),
        (6, (12,), (), (6, 18)),
        (24, (12,), (12, 24, 30), (12, 24, 30, 36)),  # a break on the initial term's end is the same way out
    ],
)
def test_ways_out_are_the_breaks_and_the_end_of_the_initial_term_and_of_each_extension(
    initial: int, extensions: tuple[int, ...], breaks: tuple[int, ...], expected_months: tuple[int, ...]
) -> None:
    assert ways_out(initial, extensions, breaks) == tuple(months_after_start(m) for m in expected_months)
    assert errors_for(initial_term_months=initial, extensions_months=extensions,
                      break_dates=tuple(months_after_start(m) for m in breaks)) == {}


def test_thirteen_months_without_a_break_is_refused_with_the_latest_break_date() -> None:
    errors = errors_for(initial_term_months=13)
    assert errors == {
        "break_dates": [
            "A contract longer than 12 months needs a break date no later than 12 months after the start "
            "(by 4 January 2028): the buyer's first way out is the contract's end on 4 February 2028"
        ]
    }


def test_twenty_four_months_without_extensions_needs_a_break_by_month_twelve() -> None:
    assert errors_for(initial_term_months=24) == {
        "break_dates": [
            "A contract longer than 12 months needs a break date no later than 12 months after the start "
            "(by 4 January 2028): the buyer's first way out is the contract's end on 4 January 2029"
        ]
    }
    assert errors_for(initial_term_months=24, break_dates=(months_after_start(12),)) == {}


@pytest.mark.parametrize(("initial", "end"), [(24, "4 January 2029"), (18, "4 July 2028"), (13, "4 February 2028")])
def test_an_initial_term_longer_than_twelve_months_needs_a_break_even_with_an_extension(initial: int, end: str) -> None:
    assert errors_for(initial_term_months=initial, extensions_months=(12,)) == {
        "break_dates": [
            "A contract longer than 12 months needs a break date no later than 12 months after the start "
            f"(by 4 January 2028): the buyer's first way out is the end of the initial term on {end}"
        ]
    }


@pytest.mark.parametrize(("initial", "extensions"), [(12, (1,)), (12, (12,)), (12, (12, 12)), (6, (12,)), (1, (12,))])
def test_an_initial_term_of_up_to_twelve_months_with_extensions_of_up_to_twelve_needs_no_break(
    initial: int, extensions: tuple[int, ...]
) -> None:
    assert errors_for(initial_term_months=initial, extensions_months=extensions) == {}


def test_first_break_on_the_day_twelve_months_after_the_start_is_accepted() -> None:
    assert errors_for(initial_term_months=24, break_dates=(date(2028, 1, 4),)) == {}


def test_first_break_one_day_later_than_twelve_months_is_refused() -> None:
    errors = errors_for(initial_term_months=24, break_dates=(date(2028, 1, 5),))
    assert errors == {
        "break_dates": [
            "A contract longer than 12 months needs a break date no later than 12 months after the start "
            "(by 4 January 2028): the buyer's first way out is the break date 5 January 2028"
        ]
    }


@pytest.mark.parametrize(
    ("start", "last_good_break"),
    [
        (date(2027, 8, 31), date(2028, 8, 31)),
        (date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February in 2029
        (date(2027, 1, 31), date(2028, 1, 31)),
    ],
)
def test_twelve_months_to_the_first_break_is_counted_in_calendar_months(start: date, last_good_break: date) -> None:
    today = start - timedelta(days=60)
    accepted = make_terms(start_date=start, initial_term_months=24, break_dates=(last_good_break,))
    refused = replace(accepted, break_dates=(last_good_break + timedelta(days=1),))
    assert check_terms(accepted, LIMITS, today=today) == {}
    assert f"(by {format_date(last_good_break)})" in check_terms(refused, LIMITS, today=today)["break_dates"][0]


def test_a_way_out_more_than_twelve_months_after_a_break_is_refused() -> None:
    errors = errors_for(initial_term_months=24, extensions_months=(12, 12), break_dates=(months_after_start(6),))
    assert errors == {
        "break_dates": [
            "After 4 July 2027 the buyer must have another way out within 12 months (a break date by 4 July 2028): "
            "the next is the end of the initial term on 4 January 2029"
        ]
    }


def test_break_dates_more_than_twelve_months_apart_are_refused() -> None:
    breaks = (months_after_start(6), months_after_start(18, days=1))
    errors = errors_for(initial_term_months=24, extensions_months=(6,), break_dates=breaks)
    assert errors == {
        "break_dates": [
            "After 4 July 2027 the buyer must have another way out within 12 months (a break date by 4 July 2028): "
            "the next is the break date 5 July 2028"
        ]
    }
    assert errors_for(initial_term_months=24, extensions_months=(6,),
                      break_dates=(months_after_start(6), months_after_start(18))) == {}


def test_the_end_of_an_extension_is_a_way_out_counted_in_calendar_months_from_the_one_before() -> None:
    # One month after 31 January 2027 is 28 February 2027, and 13 months after it is 29 February 2028:
    # one day more than 12 months after the end of the initial term.
    terms = make_terms(start_date=date(2027, 1, 31), initial_term_months=1, extensions_months=(12,))
    assert terms.ways_out == (date(2027, 2, 28), date(2028, 2, 29))
    assert check_terms(terms, LIMITS, today=TODAY) == {
        "break_dates": [
            "After 28 February 2027 the buyer must have another way out within 12 months "
            "(a break date by 28 February 2028): the next is the contract's end on 29 February 2028 "
            "with all its extensions"
        ]
    }
    assert check_terms(replace(terms, break_dates=(date(2028, 2, 28),)), LIMITS, today=TODAY) == {}


def test_the_lock_in_limit_comes_from_the_framework() -> None:
    limits = replace(LIMITS, max_months_to_break=6)
    errors = errors_for(limits, initial_term_months=12, break_dates=(months_after_start(6, days=1),))
    assert "no later than 6 months after the start (by 4 July 2027)" in errors["break_dates"][0]
    assert errors_for(limits, initial_term_months=12, break_dates=(months_after_start(6),)) == {}
    assert errors_for(limits, initial_term_months=6, extensions_months=(6, 6)) == {}


def test_a_short_contract_may_still_have_a_break_date() -> None:
    assert errors_for(initial_term_months=6, break_dates=(months_after_start(3),)) == {}


def test_a_break_date_may_fall_in_a_declared_extension() -> None:
    breaks = (months_after_start(12), months_after_start(30))
    assert errors_for(initial_term_months=24, extensions_months=(12,), break_dates=breaks) == {}


@pytest.mark.parametrize("break_date", [START, START - timedelta(days=1)])
def test_a_break_date_on_or_before_the_start_is_refused(break_date: date) -> None:
    errors = errors_for(initial_term_months=12, break_dates=(break_date, months_after_start(6)))
    assert errors["break_dates"] == [
        f"The break date {format_date(break_date)} must be after the start date (4 January 2027)"
    ]


def test_a_break_date_on_or_after_the_furthest_end_is_refused() -> None:
    errors = errors_for(initial_term_months=12, extensions_months=(6,), break_dates=(months_after_start(12),
                                                                                     months_after_start(18)))
    assert errors == {
        "break_dates": [
            "The break date 4 July 2028 must be before the contract ends on 4 July 2028 with all its extensions"
        ]
    }


def test_break_dates_out_of_order_are_refused() -> None:
    breaks = (months_after_start(24), months_after_start(12))
    errors = errors_for(initial_term_months=24, extensions_months=(12,), break_dates=breaks)
    assert errors == {"break_dates": ["List the break dates in order, earliest first"]}


def test_a_repeated_break_date_is_refused_once() -> None:
    breaks = (months_after_start(12), months_after_start(12), months_after_start(12))
    errors = errors_for(initial_term_months=24, break_dates=breaks)
    assert errors == {"break_dates": ["4 January 2028 is given more than once: give each break date once"]}


def test_a_break_whose_notice_deadline_has_passed_at_award_is_refused() -> None:
    terms = make_terms(start_date=TODAY, initial_term_months=12, break_dates=(TODAY + timedelta(days=29),))
    errors = check_terms(terms, LIMITS, today=TODAY)
    assert errors == {
        "break_dates": [
            "The buyer could not use the break on 30 December 2026: its notice deadline (30 days before) would be "
            "30 November 2026, which has passed. Choose a later break date or a shorter notice period"
        ]
    }
    assert check_terms(replace(terms, break_dates=(TODAY + timedelta(days=30),)), LIMITS, today=TODAY) == {}


# T3: notice and no exit fee ------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [0, 30])
def test_notice_of_up_to_thirty_days_is_accepted(days: int) -> None:
    assert errors_for(buyer_notice_days=days) == {}


@pytest.mark.parametrize("days", [31, -1])
def test_notice_outside_zero_to_thirty_days_is_refused(days: int) -> None:
    assert errors_for(buyer_notice_days=days) == {
        "buyer_notice_days": [f"The notice period must be from 0 to 30 days (you entered {days})"]
    }


def test_no_exit_fee_is_accepted() -> None:
    assert errors_for(exit_fee=Decimal("0.00")) == {}


@pytest.mark.parametrize("fee", ["0.01", "-5.00", "1000"])
def test_any_exit_fee_is_refused(fee: str) -> None:
    assert errors_for(exit_fee=Decimal(fee)) == {
        "exit_fee": ["No exit or termination fee may be set: ending at a break date costs the buyer nothing"]
    }


# T4: data returned in an open format ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        DATA_RETURN,
        "Exported as CSVs on request",
        "Full export in OpenDocument spreadsheets",
        "Open Document Format files for every record",
        "A PostgreSQL dump delivered within 5 days",
        "Records as JSON-LD, attachments as they were uploaded",
        "xml export via the admin console",
    ],
)
def test_a_data_return_naming_an_open_format_is_accepted(text: str) -> None:
    assert errors_for(data_return=text) == {}


def test_a_missing_data_return_is_refused() -> None:
    _, errors = parse_terms({k: v for k, v in body().items() if k != "data_return"})
    assert errors == {
        "data_return": [
            "Enter how the buyer's data is returned at the end of the contract, and in which open format "
            "(for example CSV or JSON)"
        ]
    }
    assert errors_for(data_return="   ") == errors


def test_a_data_return_too_short_to_say_how_is_refused() -> None:
    assert "in more detail" in errors_for(data_return="CSV")["data_return"][0]


@pytest.mark.parametrize("text", ["Exported as Excel spreadsheets", "The supplier emails a PDF report of the data"])
def test_a_data_return_without_an_open_format_is_refused(text: str) -> None:
    assert errors_for(data_return=text) == {
        "data_return": [
            "Say which open format the buyer's data is returned in, such as CSV, JSON, XML, OpenDocument (ODF) "
            "or an SQL dump, so the buyer can take it to another service"
        ]
    }


# T5: pricing ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["pay_as_you_go", "fixed"])
def test_pay_as_you_go_and_fixed_pricing_are_accepted(model: str) -> None:
    assert errors_for(pricing_model=model) == {}


def test_any_other_pricing_model_is_refused() -> None:
    assert errors_for(pricing_model="annual_upfront") == {
        "pricing_model": ["Choose the pricing model: pay_as_you_go or fixed"]
    }


@pytest.mark.parametrize("months", [0, 12])
def test_upfront_payment_of_up_to_twelve_months_is_accepted(months: int) -> None:
    assert errors_for(upfront_payment_months=months) == {}


def test_upfront_payment_of_thirteen_months_is_refused() -> None:
    assert errors_for(upfront_payment_months=13) == {
        "upfront_payment_months": ["No upfront payment may cover more than 12 months (you entered 13)"]
    }


def test_negative_upfront_payment_is_refused() -> None:
    assert "cannot be negative" in errors_for(upfront_payment_months=-1)["upfront_payment_months"][0]


# Start date ----------------------------------------------------------------------------------------------


def test_a_contract_may_start_today() -> None:
    assert check_terms(make_terms(start_date=TODAY), LIMITS, today=TODAY) == {}


def test_a_contract_starting_in_the_past_is_refused() -> None:
    errors = check_terms(make_terms(start_date=TODAY - timedelta(days=1)), LIMITS, today=TODAY)
    assert errors == {"start_date": ["The contract cannot start before today (1 December 2026)"]}


def test_dates_at_the_edge_of_the_calendar_are_an_error_not_a_crash() -> None:
    terms = make_terms(start_date=date(9999, 6, 1), initial_term_months=24, break_dates=(date(9999, 12, 1),))
    errors = check_terms(terms, LIMITS, today=TODAY)
    assert errors == {"start_date": ["Enter a realistic start date: 1 June 9999 is too far from today"]}


# Reading the order form ----------------------------------------------------------------------------------


def test_optional_fields_default_to_none() -> None:
    minimal = {k: v for k, v in body(initial_term_months=12).items()
               if k not in {"break_dates", "extensions_months", "exit_fee", "upfront_payment_months"}}
    terms, errors = parse_terms(minimal)
    assert errors == {}
    assert terms is not None
    assert (terms.break_dates, terms.extensions_months, terms.exit_fee, terms.upfront_payment_months) == (
        (), (), Decimal("0.00"), 0,
    )


def test_null_optional_fields_mean_none() -> None:
    terms, errors = parse_terms(body(break_dates=None, extensions_months=None, exit_fee=None))
    assert errors == {}
    assert terms is not None and terms.break_dates == () and terms.extensions_months == ()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("start_date", "Enter the start date, like 2027-01-04"),
        ("initial_term_months", "Enter the initial term in months, like 24"),
        ("buyer_notice_days",
         "Enter the notice the buyer must give to end the contract at a break date, in days, like 30"),
        ("pricing_model", "Choose the pricing model: pay_as_you_go or fixed"),
    ],
)
@pytest.mark.parametrize("how", ["left out", "null"])
def test_a_missing_required_field_asks_for_it(field: str, message: str, how: str) -> None:
    form = body()
    if how == "null":
        form[field] = None
    else:
        del form[field]
    assert parse_terms(form) == (None, {field: [message]})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("start_date", "04/01/2027", "Enter the start date as a date, like 2027-01-04"),
        ("start_date", "20270104", "Enter the start date as a date, like 2027-01-04"),
        ("start_date", 20270104, "Enter the start date as a date, like 2027-01-04"),
        ("start_date", "2027-02-30", "2027-02-30 is not a real date: enter the start date like 2027-01-04"),
        ("initial_term_months", "two years", "Enter the initial term as a whole number of months, like 24"),
        ("initial_term_months", 12.5, "Enter the initial term as a whole number of months, like 24"),
        ("initial_term_months", True, "Enter the initial term as a whole number of months, like 24"),
        ("break_dates", "2028-01-04",
         'Enter the break dates as a list of dates, like ["2028-01-04"] (or [] for none)'),
        ("break_dates", ["2028-01-04", "next year"], "Enter break date 2 as a date, like 2028-01-04"),
        ("break_dates", ["2028-13-01"], "2028-13-01 is not a real date: enter break date 1 like 2028-01-04"),
        ("buyer_notice_days", "a month", "Enter the notice period as a whole number of days, like 30"),
        ("extensions_months", 12, "Enter the extensions as a list of months, like [12, 12] (or [] for none)"),
        ("extensions_months", [12, "twelve"], "Enter extension 2 as a whole number of months, like 12"),
        ("exit_fee", "free", "Enter the exit fee as an amount in pounds and pence, like 0.00"),
        ("exit_fee", "0.001", "Enter the exit fee as an amount in pounds and pence, like 0.00"),
        ("exit_fee", "NaN", "Enter the exit fee as an amount in pounds and pence, like 0.00"),
        ("exit_fee", 1e300, "Enter the exit fee as an amount in pounds and pence, like 0.00"),
        ("exit_fee", [0], "Enter the exit fee as an amount in pounds and pence, like 0.00"),
        ("upfront_payment_months", "one",
         "Enter the months paid upfront as a whole number, like 1 (or 0 for no upfront payment)"),
        ("pricing_model", 1, "Choose the pricing model: pay_as_you_go or fixed"),
        ("data_return", ["CSV"], "Describe how the buyer's data is returned at the end of the contract, as text"),
        ("data_return", "CSV " * 600,
         "Describe how the data is returned in 2,000 characters or fewer (there are 2,399)"),
    ],
)
def test_a_value_of_the_wrong_shape_is_an_error_on_its_field(field: str, value: Any, message: str) -> None:
    assert parse_terms(body(**{field: value})) == (None, {field: [message]})


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("initial_term_months", "24", 24),
        ("buyer_notice_days", " 30 ", 30),
        ("exit_fee", 0, Decimal("0.00")),
        ("exit_fee", "£0", Decimal("0.00")),
        ("exit_fee", "0.5", Decimal("0.50")),
        ("exit_fee", "-0.00", Decimal("0.00")),
        ("start_date", date(2027, 1, 4), date(2027, 1, 4)),
        ("data_return", f"  {DATA_RETURN}\n", DATA_RETURN),
    ],
)
def test_values_are_read_leniently_where_the_meaning_is_clear(field: str, value: Any, expected: Any) -> None:
    terms, errors = parse_terms(body(**{field: value}))
    assert errors == {}
    assert getattr(terms, field) == expected


def test_a_field_the_order_form_does_not_have_is_an_error_on_that_name() -> None:
    _, errors = parse_terms(body(termination_fee="0.00"))
    assert errors == {
        "termination_fee": [f"termination_fee is not a contract term: the order form has {', '.join(FIELDS)}"]
    }


def test_a_body_that_is_not_an_object_is_refused() -> None:
    terms, errors = parse_terms(["2027-01-04"])  # type: ignore[arg-type]
    assert terms is None
    assert list(errors) == ["body"]


# Framework limits ----------------------------------------------------------------------------------------


def test_limits_are_read_from_the_framework() -> None:
    framework = SimpleNamespace(
        max_initial_months=24, max_extensions=2, max_extension_months=12, max_total_months=48,
        max_months_to_break=12, max_notice_days=30, max_upfront_months=12, end_search_limit=30,
    )
    assert TermLimits.from_framework(framework) == LIMITS


# Living with the contract --------------------------------------------------------------------------------


def awarded(**overrides: Any) -> ContractState:
    """24 months, two 12-month extensions, breaks at month 12 and in the first extension at month 30: it ends on
    4 January 2029 unless extended, and the first extension can be taken from 5 December 2028."""
    values: dict[str, Any] = {
        "initial_term_months": 24,
        "extensions_months": (12, 12),
        "break_dates": (months_after_start(12), months_after_start(30)),
    }
    values.update(overrides)
    terms = make_terms(**values)
    assert check_terms(terms, LIMITS, today=TODAY) == {}
    return ContractState(terms)


FIRST_WINDOW_OPENS = date(2028, 12, 5)  # 30 days before 4 January 2029
SECOND_WINDOW_OPENS = date(2029, 12, 5)  # 30 days before 4 January 2030


def test_break_notice_deadline_is_the_notice_days_before_the_break() -> None:
    assert break_notice_deadline(date(2028, 1, 4), 30) == date(2027, 12, 5)
    assert break_notice_deadline(date(2028, 1, 4), 0) == date(2028, 1, 4)


def test_extending_takes_the_next_declared_extension_and_moves_the_end_date() -> None:
    state = awarded()
    assert state.end_date == date(2029, 1, 4)
    assert state.next_extension_months == 12
    extended = extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)
    assert (extended.extensions_taken, extended.end_date) == (1, date(2030, 1, 4))
    twice = extend(extended, LIMITS, extension_index=1, today=SECOND_WINDOW_OPENS)
    assert (twice.end_date, twice.next_extension_months) == (date(2031, 1, 4), None)


def test_an_extension_can_be_taken_only_in_the_last_thirty_days_before_the_end() -> None:
    state = awarded()
    assert extension_window(state, LIMITS) == (FIRST_WINDOW_OPENS, date(2029, 1, 3))
    with pytest.raises(ContractRuleError) as raised:
        extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS - timedelta(days=1))
    assert str(raised.value) == (
        "You can take the extension from 5 December 2028, in the last 30 days before the contract ends "
        "on 4 January 2029"
    )
    assert raised.value.field == "extensions_months"
    with pytest.raises(ContractRuleError, match="You can take the extension from 5 December 2028"):
        extend(state, LIMITS, extension_index=0, today=TODAY)
    for today in (FIRST_WINDOW_OPENS, date(2029, 1, 3)):
        assert extend(state, LIMITS, extension_index=0, today=today).end_date == date(2030, 1, 4)
    with pytest.raises(ContractRuleError, match="ended on 4 January 2029"):
        extend(state, LIMITS, extension_index=0, today=date(2029, 1, 4))


def test_the_extension_window_message_counts_back_from_the_end_date() -> None:
    terms = make_terms(start_date=date(2027, 1, 1), initial_term_months=24, extensions_months=(12,),
                       break_dates=(date(2028, 1, 1),))
    assert check_terms(terms, LIMITS, today=TODAY) == {}
    with pytest.raises(ContractRuleError) as raised:
        extend(ContractState(terms), LIMITS, extension_index=0, today=date(2028, 12, 1))
    assert str(raised.value) == (
        "You can take the extension from 2 December 2028, in the last 30 days before the contract ends "
        "on 1 January 2029"
    )
    assert extend(ContractState(terms), LIMITS, extension_index=0, today=date(2028, 12, 2)).end_date == date(2030, 1, 1)


def test_the_extension_window_comes_from_the_framework_notice_limit() -> None:
    state = awarded()
    assert extension_window(state, replace(LIMITS, max_notice_days=10)) == (date(2028, 12, 25), date(2029, 1, 3))
    assert extension_window(state, replace(LIMITS, max_notice_days=0)) == (date(2029, 1, 3), date(2029, 1, 3))
    with pytest.raises(ContractRuleError, match="from 25 December 2028, in the last 10 days"):
        extend(state, replace(LIMITS, max_notice_days=10), extension_index=0, today=date(2028, 12, 24))


def test_there_is_no_extension_window_when_no_extension_is_left() -> None:
    state = awarded(extensions_months=(12,), break_dates=(months_after_start(12),))
    extended = extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)
    assert extension_window(extended, LIMITS) is None
    assert extension_window(exercise_break(state, months_after_start(12), today=TODAY), LIMITS) is None


def test_extensions_are_taken_in_the_order_declared() -> None:
    with pytest.raises(ContractRuleError, match="Take extension 1 first") as raised:
        extend(awarded(), LIMITS, extension_index=1, today=FIRST_WINDOW_OPENS)
    assert raised.value.field == "extensions_months"


def test_an_extension_already_taken_cannot_be_taken_again() -> None:
    state = extend(awarded(), LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)
    with pytest.raises(ContractRuleError, match="Extension 1 has already been taken: the contract now ends on 4 Jan"):
        extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)


def test_only_declared_extensions_can_be_taken() -> None:
    with pytest.raises(ContractRuleError, match="no extension 3: only the 2 declared at award can be taken"):
        extend(awarded(), LIMITS, extension_index=2, today=FIRST_WINDOW_OPENS)
    with pytest.raises(ContractRuleError, match="No extensions were declared"):
        extend(awarded(extensions_months=(), break_dates=(months_after_start(12),)), LIMITS,
               extension_index=0, today=FIRST_WINDOW_OPENS)


def test_an_ended_contract_cannot_be_extended() -> None:
    state = awarded()
    for today in (state.end_date, state.end_date + timedelta(days=1)):
        with pytest.raises(ContractRuleError, match="ended on 4 January 2029, so it can no longer be extended"):
            extend(state, LIMITS, extension_index=0, today=today)
    broken = exercise_break(state, months_after_start(12), today=TODAY)
    with pytest.raises(ContractRuleError, match="because the buyer exercised a break"):
        extend(broken, LIMITS, extension_index=0, today=date(2027, 12, 10))


def test_an_extension_is_checked_again_against_the_framework_limits() -> None:
    with pytest.raises(ContractRuleError, match="cannot be extended: Extension 1 must be from 1 to 6 months") as raised:
        extend(awarded(), replace(LIMITS, max_extension_months=6), extension_index=0, today=FIRST_WINDOW_OPENS)
    assert raised.value.field == "extensions_months"


def test_a_contract_with_no_break_is_extended_at_the_end_of_each_term() -> None:
    state = awarded(initial_term_months=12, break_dates=())
    assert state.ways_out == (months_after_start(12),)
    state = extend(state, LIMITS, extension_index=0, today=months_after_start(12, days=-1))
    assert state.ways_out == (months_after_start(24),)
    state = extend(state, LIMITS, extension_index=1, today=months_after_start(24, days=-30))
    assert state.ways_out == (months_after_start(36),)


def test_exercising_a_break_ends_the_contract_on_that_date() -> None:
    break_date = months_after_start(12)
    ended = exercise_break(awarded(), break_date, today=break_notice_deadline(break_date, 30))
    assert ended.end_date == break_date
    assert ended.ways_out == (break_date,)
    assert next_break(ended, TODAY) is None


def test_a_break_cannot_be_exercised_after_its_notice_deadline() -> None:
    break_date = months_after_start(12)
    late = break_notice_deadline(break_date, 30) + timedelta(days=1)
    with pytest.raises(ContractRuleError) as raised:
        exercise_break(awarded(), break_date, today=late)
    assert str(raised.value) == (
        "The notice deadline for the break on 4 January 2028 was 5 December 2027: "
        "notice must be given at least 30 days before a break date"
    )
    assert raised.value.field == "break_dates"
    assert isinstance(raised.value, DomainError)


def test_only_a_declared_break_date_can_be_exercised() -> None:
    with pytest.raises(ContractRuleError, match="5 January 2028 is not a break date of this contract: its break dates"):
        exercise_break(awarded(), date(2028, 1, 5), today=TODAY)


def test_a_break_in_an_extension_not_taken_has_nothing_to_end() -> None:
    state = awarded()
    in_extension = months_after_start(30)
    with pytest.raises(ContractRuleError, match="already ends on 4 January 2029"):
        exercise_break(state, in_extension, today=TODAY)
    extended = extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)
    assert exercise_break(extended, in_extension, today=FIRST_WINDOW_OPENS).end_date == in_extension


def test_a_break_cannot_be_exercised_twice() -> None:
    ended = exercise_break(awarded(), months_after_start(12), today=TODAY)
    with pytest.raises(ContractRuleError, match="already been exercised"):
        exercise_break(ended, months_after_start(12), today=TODAY)


def test_next_break_is_the_first_whose_notice_deadline_has_not_passed() -> None:
    state = awarded()
    first = months_after_start(12)
    assert next_break(state.terms, TODAY) == first
    assert next_break(state, break_notice_deadline(first, 30)) == first
    # Once the first break's deadline has passed, the break in the extension is after the contract's end.
    assert next_break(state, break_notice_deadline(first, 30) + timedelta(days=1)) is None
    assert next_break(state.terms, break_notice_deadline(first, 30) + timedelta(days=1)) == months_after_start(30)
    extended = extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)
    assert next_break(extended, FIRST_WINDOW_OPENS) == months_after_start(30)


def test_an_awarded_contract_s_ways_out_are_the_breaks_before_its_current_end_then_that_end() -> None:
    state = awarded()
    assert state.ways_out == (months_after_start(12), months_after_start(24))
    assert state.terms.ways_out == tuple(months_after_start(m) for m in (12, 24, 30, 36, 48))
    extended = extend(state, LIMITS, extension_index=0, today=FIRST_WINDOW_OPENS)
    assert extended.ways_out == (months_after_start(12), months_after_start(30), months_after_start(36))


# Purity --------------------------------------------------------------------------------------------------


def test_the_rules_import_neither_flask_nor_a_database() -> None:
    imported: set[str] = set()
    for path in (Path(terms_module.__file__), Path(terms_module.__file__).parents[1] / "dates.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "sqlalchemy", "flask_login", "flask_wtf"}
