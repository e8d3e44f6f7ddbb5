"""The shaping of admin statistics: tables, CSV, decision times, days and months (no app, no database)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.admin.accreditation import AccreditationStatus
from app.admin.statistics import (
    Column,
    DaySearches,
    Decision,
    DecisionSummary,
    LotCounts,
    MonthAwards,
    SupplierCounts,
    Table,
    awards_per_month,
    awards_table,
    last_days,
    last_months,
    pipeline_table,
    searches_table,
    services_table,
    summarise_decisions,
    supplier_table,
    to_csv,
)
from app.catalogue.rules import ServiceStatus
from app.transparency.records import AwardRecord

TODAY = date(2026, 11, 23)


def _award(awarded_at: datetime, value: str) -> AwardRecord:
    return AwardRecord(
        contract_id=1, reference="CS-000001", buyer_organisation="Leeds City Council", supplier_id=1,
        supplier_name="Supplier", companies_house_number=None, supplier_size="small", is_mutual=False, is_vcse=False,
        is_social_enterprise=False, service_id=1, service_name="Service", service_version=1, lot_slug="cloud-software",
        lot_name="Cloud software", value=Decimal(value), pricing_model="pay_as_you_go", awarded_at=awarded_at,
        start_date=TODAY, initial_end_date=TODAY, end_date=TODAY, max_extent_date=TODAY, break_dates=(),
        status="active", terminated_at_break=None, framework_name="Cloudstore 1", framework_ocid="ocds-x",
    )


@pytest.mark.parametrize(
    ("kind", "value", "shown", "in_csv"),
    [
        ("count", 1204, "1,204", "1204"),
        ("money", Decimal("24000.5"), "£24,000.50", "24000.50"),
        ("days", 4.25, "4.2", "4.2"),
        ("days", None, "–", ""),
        ("date", date(2026, 11, 3), "3 November 2026", "2026-11-03"),
        ("month", date(2026, 2, 1), "February 2026", "2026-02"),
        ("date", "All 30 days", "All 30 days", "All 30 days"),
        ("text", "Cloud software", "Cloud software", "Cloud software"),
    ],
)
def test_a_cell_is_written_for_people_on_the_page_and_for_spreadsheets_in_the_csv(
    kind: str, value: object, shown: str, in_csv: str
) -> None:
    column = Column("Heading", kind)  # type: ignore[arg-type]
    assert column.display(value) == shown  # type: ignore[arg-type]
    assert column.csv(value) == in_csv  # type: ignore[arg-type]


def test_the_csv_has_a_header_row_a_byte_order_mark_and_no_formulas() -> None:
    table = Table(
        "zero-result-searches",
        (Column("Search"), Column("Times searched", "count")),
        (("=1+1", 3), ("@sum(a1)", 2), ("-2", 1), ("payroll £", 1)),
    )
    body = to_csv(table)
    assert body.startswith("\ufeff".encode())
    assert b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows == [["Search", "Times searched"], ["'=1+1", "3"], ["'@sum(a1)", "2"], ["'-2", "1"], ["payroll £", "1"]]


def test_decision_times_are_averaged_and_their_median_taken_per_outcome_and_overall() -> None:
    submitted = datetime(2026, 11, 1, 9)

    def decided(outcome: AccreditationStatus, days: float) -> Decision:
        return Decision(outcome, submitted, submitted + timedelta(days=days))

    rows = summarise_decisions(
        [
            decided(AccreditationStatus.ACCREDITED, 2),
            decided(AccreditationStatus.ACCREDITED, 10),
            decided(AccreditationStatus.ACCREDITED, 3),
            decided(AccreditationStatus.REJECTED, 0.5),
        ]
    )
    by_label = {row.label: row for row in rows}
    assert [row.label for row in rows] == ["Accredited", "Rejected", "Changes requested", "All decisions"]
    accredited = by_label["Accredited"]
    assert (accredited.count, accredited.average_days, accredited.median_days) == (3, 5, 3)
    assert by_label["Changes requested"] == DecisionSummary("Changes requested", 0, None, None)
    assert by_label["All decisions"].average_days == pytest.approx(15.5 / 4)
    assert by_label["All decisions"].median_days == pytest.approx(2.5)


def test_no_decisions_give_no_average_rather_than_zero() -> None:
    assert all(row.average_days is None and row.count == 0 for row in summarise_decisions([]))


def test_the_last_30_days_end_today_and_the_last_12_months_cross_the_new_year() -> None:
    days = last_days(date(2026, 3, 1), 30)
    assert (len(days), days[0], days[-1]) == (30, date(2026, 1, 31), date(2026, 3, 1))
    months = last_months(date(2026, 2, 28), 12)
    assert (len(months), months[0], months[-1]) == (12, date(2025, 3, 1), date(2026, 2, 1))


def test_awards_are_grouped_by_calendar_month_and_months_without_any_are_listed() -> None:
    records = [
        _award(datetime(2026, 11, 1, 0, 5), "1000.00"),
        _award(datetime(2026, 11, 20, 23, 59), "2500.50"),
        _award(datetime(2026, 8, 31, 12), "12000"),
        _award(datetime(2025, 11, 30, 12), "99999"),  # the same month a year ago: outside the 12 months
        _award(datetime(2025, 12, 1, 0, 0), "7"),
    ]
    months = awards_per_month(records, today=TODAY)
    assert [m.month for m in months] == last_months(TODAY, 12)
    assert months[-1] == MonthAwards(date(2026, 11, 1), 2, Decimal("3500.50"))
    assert months[-4] == MonthAwards(date(2026, 8, 1), 1, Decimal("12000"))
    assert months[0] == MonthAwards(date(2025, 12, 1), 1, Decimal("7"))
    assert months[-2] == MonthAwards(date(2026, 10, 1))
    table = awards_table(months)
    assert table.rows[-1] == ("All 12 months", 4, Decimal("15507.50"))
    assert table.total_rows == frozenset({12})


def test_the_supplier_table_adds_up_and_lists_the_flags_after_the_total() -> None:
    counts = SupplierCounts(
        by_type_and_size={
            ("ltd", "small"): 3, ("ltd", "large"): 1, ("cic", "micro"): 2, (None, None): 4, ("gone", "small"): 1,
        },
        flags_by_size={"mutual": {"small": 1}, "vcse": {}, "social_enterprise": {"micro": 2, None: 1}},
    )
    table = supplier_table(counts)
    rows = {row[0]: row[1:] for row in table.rows}
    assert [c.heading for c in table.columns] == [
        "Type of organisation", "Micro", "Small", "Medium", "Large", "Size not known", "Total",
    ]
    assert rows["Limited company"] == (0, 3, 0, 1, 0, 4)
    assert rows["Type not given"] == (0, 0, 0, 0, 4, 4)
    assert rows["gone"] == (0, 1, 0, 0, 0, 1)  # a type no longer offered still counts
    assert rows["All suppliers"] == (2, 4, 0, 1, 4, 11)
    assert rows["Social enterprises"] == (2, 0, 0, 0, 1, 3)
    labels = [row[0] for row in table.rows]
    assert labels[-4:] == ["All suppliers", "Public service mutuals", "VCSEs", "Social enterprises"]
    assert table.total_rows == frozenset({len(labels) - 4})


def test_the_pipeline_lists_every_status_and_the_total() -> None:
    pipeline = {status: 0 for status in AccreditationStatus}
    pipeline |= {AccreditationStatus.SUBMITTED: 4, AccreditationStatus.EXPIRED: 1}
    table = pipeline_table(pipeline)
    assert table.rows[1] == ("Submitted", 4)
    assert table.rows[-1] == ("All suppliers", 5)
    assert len(table.rows) == len(AccreditationStatus) + 1


def test_the_services_table_totals_each_lot_and_each_status() -> None:
    zero = {status: 0 for status in ServiceStatus}
    lots = [
        LotCounts("Cloud hosting", zero | {ServiceStatus.PUBLISHED: 5, ServiceStatus.DRAFT: 1}),
        LotCounts("Cloud support", zero | {ServiceStatus.DISABLED: 2}),
    ]
    table = services_table(lots)
    assert [c.heading for c in table.columns] == [
        "Lot", "Draft", "Published", "Withdrawn", "Disabled by an admin", "Total",
    ]
    assert table.rows == (
        ("Cloud hosting", 1, 5, 0, 0, 6),
        ("Cloud support", 0, 0, 0, 2, 2),
        ("All lots", 1, 5, 0, 2, 8),
    )


def test_the_searches_table_has_a_row_per_day_and_a_total() -> None:
    days = [DaySearches(TODAY - timedelta(days=1)), DaySearches(TODAY, 4, 3, 1, 2)]
    table = searches_table(days)
    assert table.rows == ((TODAY - timedelta(days=1), 0, 0, 0, 0), (TODAY, 4, 3, 1, 2), ("All 2 days", 4, 3, 1, 2))
    assert table.display_rows()[1] == ["23 November 2026", "4", "3", "1", "2"]
    assert table.csv_rows()[2] == ["2026-11-23", "4", "3", "1", "2"]
