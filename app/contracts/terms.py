"""Contract terms (T1-T5): what a buyer may put in an order form, and how a contract may change later.

Every path that creates or changes a contract (the award form, the JSON API,
the CLI and the seed) goes through this module, so they all accept and refuse
the same terms with the same messages. It is pure: no Flask, no database.
Today's date is always a parameter, and the limits come from the framework
row as a `TermLimits`.

Dates and months:

- A month is a calendar month, clamped to the end of a shorter month: one
  month after 31 January 2028 is 29 February 2028.
- An end date is the day the contract ends, which is the first day it no
  longer runs. A 12-month contract that starts on 1 March 2027 ends on
  1 March 2028, and its last full day is 29 February 2028.
- A break date is read the same way. If the buyer exercises the break on
  4 January 2028, the contract ends on 4 January 2028, just as a contract
  whose term ends that day would. So a break "no later than 12 months after
  the start" may fall on the same date 12 months later.

Ways out (T2):

- A declared extension is the buyer's option, so the end of the initial term
  and the end of each extension are ways out too: the buyer leaves simply by
  not taking the next extension. The ways out of an order form are its break
  dates, the end of its initial term and of each extension but the last, and
  finally the end of the last extension (the contract's furthest end).
- T2 then asks that the first way out is no later than 12 months after the
  start and each next one no more than 12 months after the one before.
- To keep that promise, an extension can only be taken in the last
  [max_notice_days] (30) days before the contract's current end date: taking
  it earlier would commit the buyer before the way out it gives up arrives.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from app.dates import add_months, format_date
from app.exceptions import DomainError

Errors = dict[str, list[str]]

# The order-form fields, in the order the form asks for them. Errors are keyed by these names.
FIELDS = (
    "start_date",
    "initial_term_months",
    "break_dates",
    "buyer_notice_days",
    "extensions_months",
    "exit_fee",
    "upfront_payment_months",
    "pricing_model",
    "data_return",
)

# T5: the only two ways a contract may charge.
PRICING_MODELS = {"pay_as_you_go": "pay as you go", "fixed": "a fixed periodic charge"}

# T4: a description shorter than this cannot say both how and in which format the data comes back.
DATA_RETURN_MIN_CHARS = 10
DATA_RETURN_MAX_CHARS = 2000

# T4: open formats a buyer can read without the supplier's software. Matches "CSV", "CSVs", "JSON-LD",
# "OpenDocument", "ODS", "an SQL dump", "PostgreSQL dump" and similar, in any letter case.
_OPEN_FORMAT = re.compile(
    r"\b(?:csv|tsv|json|jsonl|ndjson|xml|odf|ods|odt|odp|opendocument|open\s+document(?:\s+format)?)s?\b"
    r"|(?:\b|[a-z])sql\b",
    re.IGNORECASE,
)
_OPEN_FORMAT_NAMES = "CSV, JSON, XML, OpenDocument (ODF) or an SQL dump"

# Dates must be written in full ISO 8601 form; date.fromisoformat alone would also take "20270104".
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}", re.ASCII)
_MONEY = re.compile(r"-?[0-9]{1,12}(?:\.[0-9]{1,2})?", re.ASCII)


class ContractRuleError(DomainError):
    """A change to a contract would break its terms; `field` names the order-form field concerned."""

    field: str

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field)
        self.field = field


class FrameworkLimits(Protocol):
    """Anything that carries the framework's contract limits, such as the Framework model."""

    @property
    def max_initial_months(self) -> int: ...
    @property
    def max_extensions(self) -> int: ...
    @property
    def max_extension_months(self) -> int: ...
    @property
    def max_total_months(self) -> int: ...
    @property
    def max_months_to_break(self) -> int: ...
    @property
    def max_notice_days(self) -> int: ...
    @property
    def max_upfront_months(self) -> int: ...


@dataclass(frozen=True)
class TermLimits:
    """The framework's limits on contract terms (T1-T3, T5), read from the framework row."""

    max_initial_months: int
    max_extensions: int
    max_extension_months: int
    max_total_months: int
    max_months_to_break: int
    max_notice_days: int
    max_upfront_months: int

    @classmethod
    def from_framework(cls, framework: FrameworkLimits) -> TermLimits:
        """The limits of a framework (any object with the framework's limit attributes)."""
        return cls(
            max_initial_months=framework.max_initial_months,
            max_extensions=framework.max_extensions,
            max_extension_months=framework.max_extension_months,
            max_total_months=framework.max_total_months,
            max_months_to_break=framework.max_months_to_break,
            max_notice_days=framework.max_notice_days,
            max_upfront_months=framework.max_upfront_months,
        )


@dataclass(frozen=True)
class ContractTerms:
    """The terms of an order form, as the buyer awards them (see the module docstring for how dates are read)."""

    start_date: date
    initial_term_months: int
    break_dates: tuple[date, ...]
    buyer_notice_days: int
    extensions_months: tuple[int, ...]
    exit_fee: Decimal
    upfront_payment_months: int
    pricing_model: str
    data_return: str

    @property
    def total_months(self) -> int:
        """The initial term plus every declared extension, in months."""
        return self.initial_term_months + sum(self.extensions_months)

    @property
    def end_date(self) -> date:
        """The day the initial term ends, the first day the contract no longer runs if it is not extended.
        A 12-month contract starting on 1 March 2027 ends on 1 March 2028."""
        return add_months(self.start_date, self.initial_term_months)

    @property
    def max_extent_date(self) -> date:
        """The day the contract ends if the buyer takes every declared extension."""
        return add_months(self.start_date, self.total_months)

    def end_date_with(self, extensions_taken: int) -> date:
        """The day the contract ends once the first `extensions_taken` declared extensions have been taken."""
        if not 0 <= extensions_taken <= len(self.extensions_months):
            raise ValueError(f"{extensions_taken} extensions taken, but {len(self.extensions_months)} were declared")
        return add_months(self.start_date, self.initial_term_months + sum(self.extensions_months[:extensions_taken]))

    @property
    def ways_out(self) -> tuple[date, ...]:
        """Every day, as awarded, on which the buyer can leave at no cost, earliest first: the break dates after
        the start and before the furthest end, the end of the initial term and of each declared extension but the
        last (the buyer leaves by not taking the next one), then the furthest end itself (see T2)."""
        extent = self.max_extent_date
        ends = {self.end_date_with(taken) for taken in range(len(self.extensions_months))}
        breaks = {b for b in self.break_dates if self.start_date < b < extent}
        return (*sorted(breaks | ends), extent)


@dataclass(frozen=True)
class ContractState:
    """Where an awarded contract stands: how many of its declared extensions the buyer has taken (always the
    first ones, in order), and the break date it ends at if the buyer exercised a break."""

    terms: ContractTerms
    extensions_taken: int = 0
    ended_at_break: date | None = None

    @property
    def end_date(self) -> date:
        """The day the contract now ends: the break date exercised, or the end of the last extension taken."""
        if self.ended_at_break is not None:
            return self.ended_at_break
        return self.terms.end_date_with(self.extensions_taken)

    @property
    def next_extension_months(self) -> int | None:
        """The length of the next declared extension the buyer could take, or None if there is none left."""
        if self.ended_at_break is not None or self.extensions_taken >= len(self.terms.extensions_months):
            return None
        return self.terms.extensions_months[self.extensions_taken]

    @property
    def ways_out(self) -> tuple[date, ...]:
        """Every day on which the buyer can leave the contract at no cost: its break dates before its current
        end date, then the end date itself."""
        end = self.end_date
        return (*sorted(b for b in set(self.terms.break_dates) if b < end), end)


# Parsing: the shape of the order form -------------------------------------------------------------------


class _Invalid(Exception):
    """A value has the wrong shape; the message tells the buyer what to enter instead."""


_MISSING: dict[str, str] = {
    "start_date": "Enter the start date, like 2027-01-04",
    "initial_term_months": "Enter the initial term in months, like 24",
    "buyer_notice_days": "Enter the notice the buyer must give to end the contract at a break date, in days, like 30",
    "pricing_model": "Choose the pricing model: pay_as_you_go or fixed",
    "data_return": (
        "Enter how the buyer's data is returned at the end of the contract, and in which open format "
        "(for example CSV or JSON)"
    ),
}

# Optional fields and what leaving them out means: no break dates, no extensions, no exit fee, nothing upfront.
_DEFAULTS: dict[str, Any] = {
    "break_dates": [],
    "extensions_months": [],
    "exit_fee": "0.00",
    "upfront_payment_months": 0,
}


def _date(value: Any, name: str, example: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise _Invalid(f"{value.strip()} is not a real date: enter {name} like {example}") from None
    raise _Invalid(f"Enter {name} as a date, like {example}")


def _whole_number(value: Any, message: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    raise _Invalid(message)


def _money(value: Any, message: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Invalid(message)
    text = str(value).replace("£", "").strip()
    # Decimal() would also read "NaN", "1E+30" and "1_000"; an amount is plain digits with at most 2 decimals.
    if not _MONEY.fullmatch(text):
        raise _Invalid(message)
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern admits only amounts that fit
        raise _Invalid(message) from None
    return Decimal("0.00") if amount.is_zero() else amount  # never keep "-0.00"


def _parse_field(name: str, value: Any) -> Any:
    match name:
        case "start_date":
            return _date(value, "the start date", "2027-01-04")
        case "initial_term_months":
            return _whole_number(value, "Enter the initial term as a whole number of months, like 24")
        case "break_dates":
            if not isinstance(value, list | tuple):
                raise _Invalid('Enter the break dates as a list of dates, like ["2028-01-04"] (or [] for none)')
            return tuple(
                _date(item, f"break date {number}", "2028-01-04") for number, item in enumerate(value, start=1)
            )
        case "buyer_notice_days":
            return _whole_number(value, "Enter the notice period as a whole number of days, like 30")
        case "extensions_months":
            if not isinstance(value, list | tuple):
                raise _Invalid("Enter the extensions as a list of months, like [12, 12] (or [] for none)")
            return tuple(
                _whole_number(item, f"Enter extension {number} as a whole number of months, like 12")
                for number, item in enumerate(value, start=1)
            )
        case "exit_fee":
            return _money(value, "Enter the exit fee as an amount in pounds and pence, like 0.00")
        case "upfront_payment_months":
            return _whole_number(
                value, "Enter the months paid upfront as a whole number, like 1 (or 0 for no upfront payment)"
            )
        case "pricing_model":
            if not isinstance(value, str):
                raise _Invalid(_MISSING["pricing_model"])
            return value.strip()
        case "data_return":
            if not isinstance(value, str):
                raise _Invalid("Describe how the buyer's data is returned at the end of the contract, as text")
            text = value.strip()
            if not text:
                raise _Invalid(_MISSING["data_return"])
            if len(text) > DATA_RETURN_MAX_CHARS:
                raise _Invalid(
                    f"Describe how the data is returned in {DATA_RETURN_MAX_CHARS:,} characters or fewer "
                    f"(there are {len(text):,})"
                )
            return text
        case _:  # pragma: no cover - only names from FIELDS reach here
            raise AssertionError(name)


def parse_terms(body: Mapping[str, Any]) -> tuple[ContractTerms | None, Errors]:
    """Read an order form (the JSON "contract terms body") into ContractTerms, checking only its shape:
    dates written as 2027-01-04, whole numbers, an amount in pounds and pence, text. The rules come
    after, in check_terms. Errors are keyed by field name; a field the form does not have is an error on
    that name, and a field left out or null is "Enter ..." unless it is optional (break_dates,
    extensions_months, exit_fee and upfront_payment_months default to none)."""
    if not isinstance(body, Mapping):  # a JSON body can be any value, not only an object
        return None, {"body": ["Send the contract terms as a JSON object, like {\"start_date\": \"2027-01-04\", ...}"]}
    errors: Errors = {}
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = body.get(name)
        if value is None:
            if name in _MISSING:
                errors[name] = [_MISSING[name]]
                continue
            value = _DEFAULTS[name]
        try:
            values[name] = _parse_field(name, value)
        except _Invalid as problem:
            errors[name] = [str(problem)]
    for name in body:
        if name not in FIELDS:
            errors[str(name)] = [f"{name} is not a contract term: the order form has {', '.join(FIELDS)}"]
    if errors:
        return None, errors
    return ContractTerms(**values), {}


# Checking: the contract rules -----------------------------------------------------------------------------


def _months(count: int) -> str:
    return f"{count} month" if count == 1 else f"{count} months"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


_Add = Callable[[str, str], None]


def _check_start(terms: ContractTerms, today: date, add: _Add) -> None:
    """A contract cannot start before the day it is awarded."""
    if terms.start_date < today:
        add("start_date", f"The contract cannot start before today ({format_date(today)})")


def _check_term_lengths(terms: ContractTerms, limits: TermLimits, add: _Add) -> bool:
    """T1: the initial term is 1 to [24] months; at most [2] extensions, each of 1 to [12] months, are declared at
    award; the initial term and extensions together are at most [48] months. Returns whether all of that holds."""
    ok = True
    if not 1 <= terms.initial_term_months <= limits.max_initial_months:
        add(
            "initial_term_months",
            f"The initial term must be from 1 to {_months(limits.max_initial_months)} "
            f"(you entered {terms.initial_term_months})",
        )
        ok = False
    extensions = terms.extensions_months
    if len(extensions) > limits.max_extensions:
        add(
            "extensions_months",
            f"Declare no more than {limits.max_extensions} extensions (you declared {len(extensions)})",
        )
        ok = False
    for number, months in enumerate(extensions, start=1):
        if not 1 <= months <= limits.max_extension_months:
            add(
                "extensions_months",
                f"Extension {number} must be from 1 to {_months(limits.max_extension_months)} (it is {months})",
            )
            ok = False
    if ok and terms.total_months > limits.max_total_months:
        add(
            "extensions_months" if extensions else "initial_term_months",
            f"The initial term and extensions together must be no more than {_months(limits.max_total_months)} "
            f"(they add up to {terms.total_months})",
        )
        ok = False
    return ok


def _check_breaks(terms: ContractTerms, limits: TermLimits, today: date | None, add: _Add) -> None:
    """T2: no lock-in longer than [12] months. The buyer's ways out (ContractTerms.ways_out) are the break dates,
    the end of the initial term and of each declared extension but the last, then the furthest end: the first is
    no later than [12] months after the start, and each next one no more than [12] months after the one before.
    A contract that cannot run longer than [12] months needs no break date.

    Each break date must fall after the start and before that furthest end date, in order, once. With
    `today` (at award), the buyer must also still be able to give notice for each break."""
    limit = limits.max_months_to_break
    start = terms.start_date
    extent = terms.max_extent_date
    given = list(terms.break_dates)
    times_given = Counter(given)
    for break_date in times_given:  # each date once, in the order given
        if times_given[break_date] > 1:
            add("break_dates", f"{format_date(break_date)} is given more than once: give each break date once")
        if break_date <= start:
            add(
                "break_dates",
                f"The break date {format_date(break_date)} must be after the start date ({format_date(start)})",
            )
        elif break_date >= extent:
            add(
                "break_dates",
                f"The break date {format_date(break_date)} must be before the contract ends "
                f"on {format_date(extent)} with all its extensions",
            )
        elif today is not None and 0 <= terms.buyer_notice_days <= limits.max_notice_days:
            deadline = break_notice_deadline(break_date, terms.buyer_notice_days)
            if deadline < today:
                add(
                    "break_dates",
                    f"The buyer could not use the break on {format_date(break_date)}: its notice deadline "
                    f"({_days(terms.buyer_notice_days)} before) would be {format_date(deadline)}, which has passed. "
                    "Choose a later break date or a shorter notice period",
                )
    if given != sorted(given):
        add("break_dates", "List the break dates in order, earliest first")

    described: dict[date, str] = {b: f"the break date {format_date(b)}" for b in times_given if start < b < extent}
    for taken in range(len(terms.extensions_months)):
        end = terms.end_date_with(taken)
        described.setdefault(
            end,
            f"the end of the initial term on {format_date(end)}" if taken == 0
            else f"the end of extension {taken} on {format_date(end)}",
        )
    described[extent] = f"the contract's end on {format_date(extent)}" + (
        " with all its extensions" if terms.extensions_months else ""
    )
    previous = start
    for way_out in terms.ways_out:
        latest = add_months(previous, limit)
        if way_out > latest:
            if previous == start:
                add(
                    "break_dates",
                    f"A contract longer than {_months(limit)} needs a break date no later than {_months(limit)} "
                    f"after the start (by {format_date(latest)}): the buyer's first way out is {described[way_out]}",
                )
            else:
                add(
                    "break_dates",
                    f"After {format_date(previous)} the buyer must have another way out within {_months(limit)} "
                    f"(a break date by {format_date(latest)}): the next is {described[way_out]}",
                )
        previous = way_out


def _check_breaks_within_calendar(terms: ContractTerms, limits: TermLimits, today: date | None, add: _Add) -> None:
    """T2 for any dates at all: one so close to the year 1 or 9999 that the arithmetic leaves the calendar is
    reported on the field it came from rather than failing."""
    try:
        _check_breaks(terms, limits, today, add)
    except (ValueError, OverflowError):
        add("start_date", f"Enter a realistic start date: {format_date(terms.start_date)} is too far from today")


def _check_notice_and_exit_fee(terms: ContractTerms, limits: TermLimits, add: _Add) -> None:
    """T3: the notice the buyer must give to end the contract at a break date is at most [30] days, and
    ending at a break date costs nothing: no exit or termination fee may be set."""
    if not 0 <= terms.buyer_notice_days <= limits.max_notice_days:
        add(
            "buyer_notice_days",
            f"The notice period must be from 0 to {_days(limits.max_notice_days)} "
            f"(you entered {terms.buyer_notice_days})",
        )
    if terms.exit_fee != 0:
        add("exit_fee", "No exit or termination fee may be set: ending at a break date costs the buyer nothing")


def is_open_format_named(text: str) -> bool:
    """T4: whether a description of the data return names an open format (CSV, JSON, XML, OpenDocument, SQL)."""
    return _OPEN_FORMAT.search(text) is not None


def _check_data_return(terms: ContractTerms, add: _Add) -> None:
    """T4: the order form says how the buyer's data is returned at exit, and in an open format."""
    text = terms.data_return.strip()
    if not text:
        add("data_return", _MISSING["data_return"])
    elif len(text) < DATA_RETURN_MIN_CHARS:
        add(
            "data_return",
            "Describe how the buyer's data is returned in more detail, "
            "like \"All data exported as CSV and JSON within 10 days\"",
        )
    elif not is_open_format_named(text):
        add(
            "data_return",
            f"Say which open format the buyer's data is returned in, such as {_OPEN_FORMAT_NAMES}, "
            "so the buyer can take it to another service",
        )


def _check_pricing(terms: ContractTerms, limits: TermLimits, add: _Add) -> None:
    """T5: pricing is pay as you go or a fixed periodic charge, and no upfront payment covers more than [12] months."""
    if terms.pricing_model not in PRICING_MODELS:
        add("pricing_model", _MISSING["pricing_model"])
    if terms.upfront_payment_months < 0:
        add("upfront_payment_months", "The months paid upfront cannot be negative: enter 0 for no upfront payment")
    elif terms.upfront_payment_months > limits.max_upfront_months:
        add(
            "upfront_payment_months",
            f"No upfront payment may cover more than {_months(limits.max_upfront_months)} "
            f"(you entered {terms.upfront_payment_months})",
        )


def check_terms(terms: ContractTerms, limits: TermLimits, *, today: date) -> Errors:
    """Check an order form against the contract rules T1-T5 and return what is wrong, by field (empty if
    nothing is). The contract starts today or later; break dates are checked once the term lengths are
    acceptable, since they are measured against them."""
    errors: Errors = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    _check_start(terms, today, add)
    if _check_term_lengths(terms, limits, add):
        _check_breaks_within_calendar(terms, limits, today, add)
    _check_notice_and_exit_fee(terms, limits, add)
    _check_data_return(terms, add)
    _check_pricing(terms, limits, add)
    return {name: errors[name] for name in FIELDS if name in errors}


def validate(body: Mapping[str, Any], limits: TermLimits, *, today: date) -> tuple[ContractTerms | None, Errors]:
    """Read and check an order form: the terms if they meet every rule (T1-T5) with no errors, otherwise
    None and what to fix, by field. Shape errors come first: the rules are checked once the form reads."""
    terms, errors = parse_terms(body)
    if terms is None:
        return None, errors
    errors = check_terms(terms, limits, today=today)
    return (None, errors) if errors else (terms, {})


# Living with the contract ---------------------------------------------------------------------------------


def break_notice_deadline(break_date: date, notice_days: int) -> date:
    """T3: the last day the buyer can give notice to end the contract at this break date
    (with 30 days' notice, a break on 4 January 2028 needs notice by 5 December 2027)."""
    return break_date - timedelta(days=notice_days)


def next_break(contract: ContractTerms | ContractState, today: date) -> date | None:
    """The earliest break date the buyer can still use: its notice deadline is today or later and, for an awarded
    contract, it falls before the contract's current end date. None if there is no such break."""
    end: date | None = None
    if isinstance(contract, ContractState):
        if contract.ended_at_break is not None:
            return None
        terms, end = contract.terms, contract.end_date
    else:
        terms = contract
    for break_date in sorted(set(terms.break_dates)):
        if end is not None and break_date >= end:
            break
        if break_notice_deadline(break_date, terms.buyer_notice_days) >= today:
            return break_date
    return None


def _first_rule_error(terms: ContractTerms, limits: TermLimits) -> tuple[str, str] | None:
    errors: Errors = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if _check_term_lengths(terms, limits, add):
        _check_breaks_within_calendar(terms, limits, None, add)
    for field, messages in errors.items():
        return field, messages[0]
    return None


def extension_window(state: ContractState, limits: TermLimits) -> tuple[date, date] | None:
    """T2: the first and last day on which the buyer can take the contract's next declared extension, or None if
    there is none left to take. The window is the last [max_notice_days] (30) days the contract runs before its
    current end date (at least its last day): the end date stays a way out until the buyer commits, and the
    buyer commits no more than that many days before it."""
    if state.next_extension_months is None:
        return None
    end = state.end_date
    return end - timedelta(days=max(limits.max_notice_days, 1)), end - timedelta(days=1)


def extend(state: ContractState, limits: TermLimits, *, extension_index: int, today: date) -> ContractState:
    """T1, T2: the buyer extends a contract only by an extension declared at award, one at a time in the order
    declared (`extension_index` 0 is the first), while the contract is still running and not ended at a break,
    and only in the last [max_notice_days] days before its current end date (see extension_window). The terms
    are checked again under T1-T2 against the framework's limits. Returns the extended contract, which now
    ends at the end of that extension."""
    terms = state.terms
    declared = terms.extensions_months
    number = extension_index + 1
    if state.ended_at_break is not None:
        raise ContractRuleError(
            f"This contract ends on {format_date(state.ended_at_break)} because the buyer exercised a break, "
            "so it cannot be extended",
            field="extensions_months",
        )
    if not declared:
        raise ContractRuleError(
            "No extensions were declared when this contract was awarded, so it cannot be extended",
            field="extensions_months",
        )
    if not 0 <= extension_index < len(declared):
        raise ContractRuleError(
            f"This contract has no extension {number}: only the {len(declared)} declared at award can be taken",
            field="extensions_months",
        )
    if extension_index < state.extensions_taken:
        raise ContractRuleError(
            f"Extension {number} has already been taken: the contract now ends on {format_date(state.end_date)}",
            field="extensions_months",
        )
    if extension_index > state.extensions_taken:
        raise ContractRuleError(
            f"Take extension {state.extensions_taken + 1} first: extensions are taken in the order they were declared",
            field="extensions_months",
        )
    if today >= state.end_date:
        raise ContractRuleError(
            f"This contract ended on {format_date(state.end_date)}, so it can no longer be extended",
            field="extensions_months",
        )
    window = extension_window(state, limits)
    if window is not None and today < window[0]:
        opens = window[0]
        raise ContractRuleError(
            f"You can take the extension from {format_date(opens)}, in the last "
            f"{_days((state.end_date - opens).days)} before the contract ends on {format_date(state.end_date)}",
            field="extensions_months",
        )
    problem = _first_rule_error(terms, limits)
    if problem is not None:
        field, message = problem
        raise ContractRuleError(f"This contract cannot be extended: {message}", field=field)
    return replace(state, extensions_taken=state.extensions_taken + 1)


def exercise_break(state: ContractState, break_date: date, *, today: date) -> ContractState:
    """T2, T3: the buyer ends the contract without cause, and at no cost, at one of its declared break dates that
    falls before its current end date, giving at least the agreed notice (today is on or before the break date
    less the notice days). The contract then ends on that break date."""
    terms = state.terms
    if state.ended_at_break is not None:
        raise ContractRuleError(
            f"A break has already been exercised: this contract ends on {format_date(state.ended_at_break)}",
            field="break_dates",
        )
    if break_date not in terms.break_dates:
        declared = ", ".join(format_date(b) for b in sorted(set(terms.break_dates)))
        raise ContractRuleError(
            f"{format_date(break_date)} is not a break date of this contract: "
            + (f"its break dates are {declared}" if declared else "it has no break dates"),
            field="break_dates",
        )
    end = state.end_date
    if break_date >= end:
        raise ContractRuleError(
            f"This contract already ends on {format_date(end)}, no later than the break on {format_date(break_date)}: "
            "there is nothing to end early",
            field="break_dates",
        )
    deadline = break_notice_deadline(break_date, terms.buyer_notice_days)
    if today > deadline:
        raise ContractRuleError(
            f"The notice deadline for the break on {format_date(break_date)} was {format_date(deadline)}: "
            f"notice must be given at least {_days(terms.buyer_notice_days)} before a break date",
            field="break_dates",
        )
    return replace(state, ended_at_break=break_date)
