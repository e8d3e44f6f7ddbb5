"""Admin statistics: who the suppliers are, how accreditation is going, what the catalogue holds, what
buyers search for, and what has been awarded (issue "Transparency", part 3).

Each query takes a session (and ``today`` where time matters), counts in SQL and
returns plain dataclasses. The ``*_table`` functions shape those into a ``Table``:
the page and the CSV download both print the same rows, so they cannot disagree.
Days are grouped with ``date()``, which SQLite and PostgreSQL both have; months
(for awards, a few hundred rows a year) are grouped in Python.
"""

from __future__ import annotations

import csv
import io
import statistics as stats
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from app.admin.accreditation import AccreditationAction, AccreditationStatus
from app.audit.models import AuditEvent
from app.buyers.exports import clean_cell, neutralise_formula
from app.catalogue.models import Framework, Lot, Service
from app.catalogue.rules import ServiceStatus
from app.dates import add_months, format_date
from app.search.models import SearchQueryLog
from app.suppliers.models import Accreditation, Organisation, OrganisationType
from app.suppliers.sizing import Size
from app.transparency.records import AwardRecord

SEARCH_DAYS = 30
ZERO_RESULT_LIMIT = 20
AWARD_MONTHS = 12
DECISION_MONTHS = 12

# The audit actions that mark a submission and an admin's decision on it (app/suppliers/services.py and
# app/admin/services.py write them, naming the accreditation's row).
SUBMITTED_ACTION = "accreditation.submitted"
DECISION_OUTCOMES: dict[str, AccreditationStatus] = {
    f"accreditation.{AccreditationAction.APPROVE.value}": AccreditationStatus.ACCREDITED,
    f"accreditation.{AccreditationAction.REJECT.value}": AccreditationStatus.REJECTED,
    f"accreditation.{AccreditationAction.REQUEST_CHANGES.value}": AccreditationStatus.CHANGES_REQUESTED,
}
ACCREDITATION_OBJECT_TYPE = Accreditation.__tablename__

SIZE_COLUMNS: tuple[Size, ...] = tuple(Size)
FLAG_LABELS = {
    "mutual": "Public service mutuals",
    "vcse": "VCSEs",
    "social_enterprise": "Social enterprises",
}
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


# Tables, as the page and the CSV both print them.

Cell = str | int | float | Decimal | date | None
Kind = Literal["text", "count", "days", "money", "date", "month"]


@dataclass(frozen=True)
class Column:
    heading: str
    kind: Kind = "text"

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("count", "days", "money")

    def display(self, value: Cell) -> str:
        """The cell as the page shows it: "1,204", "£24,000.00", "4.5", "23 November 2026", "November 2026"."""
        if value is None:
            return "–"
        if isinstance(value, str):
            return value
        if self.kind == "count":
            return f"{value:,}"
        if self.kind == "money":
            return f"£{value:,.2f}"
        if self.kind == "days":
            return f"{value:,.1f}"
        if self.kind == "month" and isinstance(value, date):
            return month_name(value)
        if isinstance(value, date):
            return format_date(value)
        return str(value)

    def csv(self, value: Cell) -> str:
        """The cell as the CSV holds it, for spreadsheets: plain numbers, ISO dates ("2026-11-23", "2026-11")."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if self.kind == "money":
            return f"{value:.2f}"
        if self.kind == "days":
            return f"{value:.1f}"
        if self.kind == "month" and isinstance(value, date):
            return f"{value:%Y-%m}"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


@dataclass(frozen=True)
class Table:
    slug: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    # Rows that add up the others (or count across them), shown in bold.
    total_rows: frozenset[int] = field(default_factory=frozenset)

    def display_rows(self) -> list[list[str]]:
        return [[column.display(value) for column, value in zip(self.columns, row, strict=True)] for row in self.rows]

    def csv_rows(self) -> list[list[str]]:
        """The header row, then every row of the table."""
        header = [column.heading for column in self.columns]
        body = [[column.csv(value) for column, value in zip(self.columns, row, strict=True)] for row in self.rows]
        return [header, *body]


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark (so Excel reads "£" and "–"), CRLF line ends.
    Search words are typed by the public, so every cell is cleaned and guarded against formula injection
    exactly as the shortlist download is."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in table.csv_rows():
        writer.writerow([neutralise_formula(clean_cell(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def month_name(month: date) -> str:
    return f"{_MONTH_NAMES[month.month - 1]} {month.year}"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min)


# Suppliers by type and size.


@dataclass(frozen=True)
class SupplierCounts:
    """Registered supplier organisations (whatever their accreditation) by legal type and size, and by flag."""

    by_type_and_size: dict[tuple[str | None, str | None], int]
    # "mutual", "vcse", "social_enterprise" -> size (None: not known) -> count
    flags_by_size: dict[str, dict[str | None, int]]


def supplier_counts(session: Session) -> SupplierCounts:
    by_type_and_size = {
        (organisation_type, size): count
        for organisation_type, size, count in session.execute(
            sa.select(Organisation.organisation_type, Organisation.size, sa.func.count(Organisation.id)).group_by(
                Organisation.organisation_type, Organisation.size
            )
        ).tuples()
    }
    flags = {
        "mutual": Organisation.is_public_service_mutual,
        "vcse": Organisation.is_vcse,
        "social_enterprise": Organisation.is_social_enterprise,
    }
    columns = [sa.func.sum(sa.case((flag, 1), else_=0)).label(name) for name, flag in flags.items()]
    flags_by_size: dict[str, dict[str | None, int]] = {name: {} for name in flags}
    for row in session.execute(sa.select(Organisation.size, *columns).group_by(Organisation.size)):
        for name in flags:
            flags_by_size[name][row.size] = int(getattr(row, name) or 0)
    return SupplierCounts(by_type_and_size, flags_by_size)


def supplier_table(counts: SupplierCounts) -> Table:
    """One row per legal type, the total, then the mutual, VCSE and social enterprise flags (which overlap
    the types and each other); a column per size, sizes not yet worked out, and the total."""
    sizes: list[str | None] = [size.value for size in SIZE_COLUMNS] + [None]
    types: list[tuple[str | None, str]] = [(t.value, t.label) for t in OrganisationType] + [(None, "Type not given")]
    # A type no longer offered still counts (under its stored value), so the total always adds up.
    known = {value for value, _ in types}
    types += sorted((value, value) for value, _ in counts.by_type_and_size if value not in known and value is not None)
    rows: list[tuple[Cell, ...]] = []
    for value, label in types:
        cells = [counts.by_type_and_size.get((value, size), 0) for size in sizes]
        rows.append((label, *cells, sum(cells)))
    totals = [sum(count for (_, s), count in counts.by_type_and_size.items() if s == size) for size in sizes]
    rows.append(("All suppliers", *totals, sum(totals)))
    total_row = len(rows) - 1
    for name, label in FLAG_LABELS.items():
        cells = [counts.flags_by_size[name].get(size, 0) for size in sizes]
        rows.append((label, *cells, sum(cells)))
    columns = (
        Column("Type of organisation"),
        *(Column(size.label, "count") for size in SIZE_COLUMNS),
        Column("Size not known", "count"),
        Column("Total", "count"),
    )
    return Table("suppliers", columns, tuple(rows), frozenset({total_row}))


# The accreditation pipeline and the time to a decision.


def accreditation_pipeline(session: Session, *, today: date) -> dict[AccreditationStatus, int]:
    """How many supplier organisations are at each status today. An accreditation past its expiry date
    counts as expired even if no job has recorded it, and an organisation that has not started counts as
    a draft, as the supplier's own pages say (rule C6)."""
    lapsed = sa.and_(
        Accreditation.status.in_([AccreditationStatus.ACCREDITED.value, AccreditationStatus.SUSPENDED.value]),
        Accreditation.expires_on <= today,
    )
    status = sa.case(
        (lapsed, AccreditationStatus.EXPIRED.value),
        else_=sa.func.coalesce(Accreditation.status, AccreditationStatus.DRAFT.value),
    ).label("status")
    # Grouped outside a subquery: PostgreSQL does not treat a CASE with bound values as the same
    # expression in SELECT and GROUP BY.
    current = sa.select(status).select_from(Organisation).outerjoin(Accreditation).subquery()
    counts = dict(
        session.execute(sa.select(current.c.status, sa.func.count()).group_by(current.c.status)).tuples().all()
    )
    return {s: int(counts.get(s.value, 0)) for s in AccreditationStatus}


def pipeline_table(pipeline: dict[AccreditationStatus, int]) -> Table:
    rows: list[tuple[Cell, ...]] = [(status.label, count) for status, count in pipeline.items()]
    rows.append(("All suppliers", sum(pipeline.values())))
    columns = (Column("Status"), Column("Suppliers", "count"))
    return Table("accreditation", columns, tuple(rows), frozenset({len(rows) - 1}))


@dataclass(frozen=True)
class Decision:
    """An admin's decision on a submitted application, and when that application was submitted."""

    outcome: AccreditationStatus
    submitted_at: datetime
    decided_at: datetime

    @property
    def days(self) -> float:
        return (self.decided_at - self.submitted_at).total_seconds() / 86400


def decisions(session: Session, *, today: date, months: int = DECISION_MONTHS) -> list[Decision]:
    """Every approval, rejection and request for changes made in the last ``months`` months (today included),
    each with the submission it answered: the latest submission of that application before it.

    Read from the audit log, not the accreditation row, because the row keeps only the latest
    submission and decision: an application sent back for changes and then approved is two decisions.
    """
    since, until = _start_of(add_months(today, -months)), _start_of(today + timedelta(days=1))
    submitted = aliased(AuditEvent)
    answered = (
        sa.select(sa.func.max(submitted.created_at))
        .where(
            submitted.object_type == ACCREDITATION_OBJECT_TYPE,
            submitted.object_id == AuditEvent.object_id,
            submitted.action == SUBMITTED_ACTION,
            submitted.created_at <= AuditEvent.created_at,
        )
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(AuditEvent.action, answered, AuditEvent.created_at).where(
            AuditEvent.object_type == ACCREDITATION_OBJECT_TYPE,
            AuditEvent.action.in_(list(DECISION_OUTCOMES)),
            AuditEvent.created_at >= since,
            AuditEvent.created_at < until,
        )
    ).tuples()
    # A decision with no submission before it (data made before the audit log) cannot be timed.
    return [
        Decision(DECISION_OUTCOMES[action], submitted_at, decided_at)
        for action, submitted_at, decided_at in rows
        if submitted_at is not None
    ]


@dataclass(frozen=True)
class DecisionSummary:
    label: str
    count: int
    average_days: float | None
    median_days: float | None


def summarise_decisions(found: Iterable[Decision]) -> list[DecisionSummary]:
    """Per outcome (accredited, rejected, changes requested) and for all decisions: how many, and the mean
    and median days from submission to decision (None when there were none)."""
    found = list(found)

    def summary(label: str, days: Sequence[float]) -> DecisionSummary:
        if not days:
            return DecisionSummary(label, 0, None, None)
        return DecisionSummary(label, len(days), stats.fmean(days), stats.median(days))

    rows = [
        summary(outcome.label, [d.days for d in found if d.outcome is outcome])
        for outcome in DECISION_OUTCOMES.values()
    ]
    rows.append(summary("All decisions", [d.days for d in found]))
    return rows


def decision_table(summaries: Sequence[DecisionSummary]) -> Table:
    columns = (
        Column("Decision"),
        Column("Decisions", "count"),
        Column("Average days to decision", "days"),
        Column("Median days to decision", "days"),
    )
    rows = tuple((s.label, s.count, s.average_days, s.median_days) for s in summaries)
    return Table("decision-times", columns, rows, frozenset({len(rows) - 1}))


# Services by lot and status.


@dataclass(frozen=True)
class LotCounts:
    label: str
    by_status: dict[ServiceStatus, int]


def services_by_lot(session: Session) -> list[LotCounts]:
    """Every lot (the framework named too when there is more than one) with its services counted by status."""
    rows = session.execute(
        sa.select(Lot.id, Lot.name, Framework.name, Service.status, sa.func.count(Service.id))
        .join(Framework, Lot.framework_id == Framework.id)
        .outerjoin(Service, Service.lot_id == Lot.id)
        .group_by(Lot.id, Lot.name, Framework.id, Framework.name, Lot.position, Service.status)
        .order_by(Framework.id, Lot.position, Lot.id)
    ).tuples()
    lots: dict[int, tuple[str, str, dict[ServiceStatus, int]]] = {}
    for lot_id, lot_name, framework_name, status, count in rows:
        _, _, by_status = lots.setdefault(lot_id, (lot_name, framework_name, {s: 0 for s in ServiceStatus}))
        if status is not None:
            by_status[ServiceStatus(status)] = count
    several = len({framework for _, framework, _ in lots.values()}) > 1
    return [
        LotCounts(f"{framework}: {name}" if several else name, by_status)
        for name, framework, by_status in lots.values()
    ]


def services_table(lots: Sequence[LotCounts]) -> Table:
    statuses = list(ServiceStatus)
    rows: list[tuple[Cell, ...]] = []
    for lot in lots:
        cells = [lot.by_status[s] for s in statuses]
        rows.append((lot.label, *cells, sum(cells)))
    totals = [sum(lot.by_status[s] for lot in lots) for s in statuses]
    rows.append(("All lots", *totals, sum(totals)))
    columns = (Column("Lot"), *(Column(s.label, "count") for s in statuses), Column("Total", "count"))
    return Table("services", columns, tuple(rows), frozenset({len(rows) - 1}))


# Searches.


@dataclass(frozen=True)
class DaySearches:
    day: date
    searches: int = 0
    from_page: int = 0
    from_api: int = 0
    found_nothing: int = 0


def last_days(today: date, days: int) -> list[date]:
    """The ``days`` days up to and including today, oldest first."""
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def searches_per_day(session: Session, *, today: date, days: int = SEARCH_DAYS) -> list[DaySearches]:
    """Searches logged on each of the last ``days`` days (today included, UTC), days without any included."""
    span = last_days(today, days)
    day = sa.func.date(SearchQueryLog.searched_at, type_=sa.Date)

    def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    rows = session.execute(
        sa.select(
            day,
            sa.func.count(SearchQueryLog.id),
            count_where(SearchQueryLog.source == "page"),
            count_where(SearchQueryLog.source == "api"),
            count_where(SearchQueryLog.result_count == 0),
        )
        .where(
            SearchQueryLog.searched_at >= _start_of(span[0]),
            SearchQueryLog.searched_at < _start_of(today + timedelta(days=1)),
        )
        .group_by(day)
    ).tuples()
    found = {d: DaySearches(d, int(n), int(p or 0), int(a or 0), int(z or 0)) for d, n, p, a, z in rows}
    return [found.get(d, DaySearches(d)) for d in span]


def searches_table(days: Sequence[DaySearches]) -> Table:
    columns = (
        Column("Date", "date"),
        Column("Searches", "count"),
        Column("From the search page", "count"),
        Column("From the API", "count"),
        Column("Found nothing", "count"),
    )
    rows: list[tuple[Cell, ...]] = [(d.day, d.searches, d.from_page, d.from_api, d.found_nothing) for d in days]
    rows.append((
        f"All {len(days)} days",
        sum(d.searches for d in days),
        sum(d.from_page for d in days),
        sum(d.from_api for d in days),
        sum(d.found_nothing for d in days),
    ))
    return Table("searches", columns, tuple(rows), frozenset({len(rows) - 1}))


@dataclass(frozen=True)
class ZeroResultSearch:
    q: str
    times: int
    with_filters: int  # how many of those chose a lot or a filter
    last_searched: date


def zero_result_searches(
    session: Session, *, today: date, days: int = SEARCH_DAYS, limit: int = ZERO_RESULT_LIMIT
) -> list[ZeroResultSearch]:
    """The keywords that most often found nothing in the last ``days`` days (browsing with no keywords left
    out), most frequent first, then alphabetically."""
    since, until = _start_of(last_days(today, days)[0]), _start_of(today + timedelta(days=1))
    times = sa.func.count(SearchQueryLog.id).label("times")
    narrowed = sa.or_(SearchQueryLog.lot.is_not(None), SearchQueryLog.filter_count > 0)
    rows = session.execute(
        sa.select(
            SearchQueryLog.q,
            times,
            sa.func.sum(sa.case((narrowed, 1), else_=0)),
            sa.func.max(SearchQueryLog.searched_at),
        )
        .where(
            SearchQueryLog.result_count == 0,
            SearchQueryLog.q != "",
            SearchQueryLog.searched_at >= since,
            SearchQueryLog.searched_at < until,
        )
        .group_by(SearchQueryLog.q)
        .order_by(times.desc(), SearchQueryLog.q)
        .limit(limit)
    ).tuples()
    return [ZeroResultSearch(q, int(n), int(f or 0), last.date()) for q, n, f, last in rows]


def zero_results_table(searches: Sequence[ZeroResultSearch]) -> Table:
    columns = (
        Column("Search"),
        Column("Times searched", "count"),
        Column("With a lot or filters", "count"),
        Column("Last searched", "date"),
    )
    rows = tuple((s.q, s.times, s.with_filters, s.last_searched) for s in searches)
    return Table("zero-result-searches", columns, rows)


# Awards.


@dataclass(frozen=True)
class MonthAwards:
    month: date  # the first day of the month
    awards: int = 0
    value: Decimal = Decimal("0.00")


def last_months(today: date, months: int) -> list[date]:
    """The first days of the ``months`` calendar months up to and including this one, oldest first."""
    this_month = today.replace(day=1)
    return [add_months(this_month, -n) for n in range(months - 1, -1, -1)]


def awards_per_month(records: Iterable[AwardRecord], *, today: date, months: int = AWARD_MONTHS) -> list[MonthAwards]:
    """Contracts awarded in each of the last ``months`` calendar months (this one included), and their value
    as awarded (excluding VAT); months without awards included."""
    span = last_months(today, months)
    counts = {month: 0 for month in span}
    values = {month: Decimal("0.00") for month in span}
    for record in records:
        month = record.awarded_at.date().replace(day=1)
        if month in counts:
            counts[month] += 1
            values[month] += record.value
    return [MonthAwards(month, counts[month], values[month]) for month in span]


def awards_table(months: Sequence[MonthAwards]) -> Table:
    columns = (Column("Month", "month"), Column("Contracts awarded", "count"), Column("Value excluding VAT", "money"))
    rows: list[tuple[Cell, ...]] = [(m.month, m.awards, m.value) for m in months]
    rows.append((
        f"All {len(months)} months",
        sum(m.awards for m in months),
        sum((m.value for m in months), Decimal("0.00")),
    ))
    return Table("awards", columns, tuple(rows), frozenset({len(rows) - 1}))
