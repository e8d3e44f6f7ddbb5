"""Admin statistics (/admin/statistics and its CSV downloads) on a hand-made data set: suppliers of several
types and sizes, accreditations in several states with timed decisions, services across lots and statuses,
searches logged through the real search page and API, and contracts awarded in different months."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.admin import statistics
from app.admin.accreditation import AccreditationStatus
from app.admin.statistics_views import TABLES
from app.audit.models import AuditEvent
from app.auth.models import Role
from app.buyers.exports import neutralise_formula
from app.catalogue.models import Lot, Service
from app.dates import add_months, format_date
from app.search.models import SearchQueryLog
from app.suppliers.models import Organisation
from app.timeutil import today, utcnow
from tests.contract_factories import make_contract
from tests.factories import login_as, make_complete_supplier, make_organisation, make_service, make_user
from tests.integration.search_support import reindex, result_count

LARGE = {"headcount": 900, "turnover_gbp": "90000000", "balance_sheet_gbp": "80000000"}
MEDIUM = {"headcount": 100, "turnover_gbp": "20000000", "balance_sheet_gbp": "20000000"}
MICRO = {"headcount": 5, "turnover_gbp": "1000000", "balance_sheet_gbp": "500000"}
INJECTION = '=HYPERLINK("http://evil.example")'


# Reading the page as a person would: the cells of one table.


class _TableReader(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id, self.depth, self.rows = table_id, 0, []  # type: ignore[var-annotated]
        self.cell: list[str] | None = None
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and (self.depth or attributes.get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("th", "td"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("th", "td") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def table_rows(page: str, slug: str) -> list[list[str]]:
    reader = _TableReader(f"{slug}-table")
    reader.feed(page)
    assert reader.rows, f"no table {slug} on the page"
    return reader.rows


def csv_rows(client: FlaskClient, slug: str) -> list[list[str]]:
    response = client.get(f"/admin/statistics/{slug}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="cloudstore-statistics-{slug}-{today().isoformat()}.csv"'
    )
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))


def rows_by_label(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows[1:]}


# The data set.


@dataclass
class DataSet:
    lots: list[str]  # lot names, in the framework's order


def _event(session: Session, accreditation_id: int, action: str, at: datetime) -> None:
    session.add(
        AuditEvent(
            created_at=at, actor_label="someone@example.com", action=action,
            object_type="accreditations", object_id=str(accreditation_id),
        )
    )


def _log(session: Session, q: str, result_count: int, at: datetime, **fields: object) -> None:
    session.add(SearchQueryLog(searched_at=at, q=q, result_count=result_count, **fields))


@pytest.fixture
def data(session: Session, app: Flask, client: FlaskClient) -> DataSet:
    evidence = Path(app.config["EVIDENCE_DIR"])
    now, day = utcnow(), today()
    accredited = make_complete_supplier(
        session, evidence, status=AccreditationStatus.ACCREDITED, organisation_type="ltd"
    )
    large = make_complete_supplier(
        session, evidence, status=AccreditationStatus.ACCREDITED, organisation_type="plc", **LARGE
    )
    make_complete_supplier(
        session, evidence, status=AccreditationStatus.SUBMITTED, organisation_type="cic", is_social_enterprise=True,
        **MICRO,
    )
    rejected = make_complete_supplier(
        session, evidence, status=AccreditationStatus.REJECTED, organisation_type="public_service_mutual",
        is_public_service_mutual=True, employee_ownership_pct=60,
    )
    lapsed = make_complete_supplier(
        session, evidence, status=AccreditationStatus.ACCREDITED, expires_on=day - timedelta(days=1),
        organisation_type="charity", is_vcse=True, **MEDIUM,
    )
    make_organisation(session, name="Not started yet")  # no type, no size, no application

    # Decisions, timed from the submission each answered: changes requested after 3 days, accredited after
    # 5 (resubmitted) and after 11.5, rejected after 1. One more is older than 12 months; one has no
    # submission before it.
    a, b, d, f = (org.accreditation.id for org in (accredited, large, rejected, lapsed))  # type: ignore[union-attr]
    for accreditation_id, action, days_ago in [
        (a, "accreditation.submitted", 30), (a, "accreditation.request_changes", 27),
        (a, "accreditation.submitted", 20), (a, "accreditation.approve", 15),
        (d, "accreditation.submitted", 40), (d, "accreditation.reject", 39),
        (b, "accreditation.submitted", 400), (b, "accreditation.approve", 390),
        (b, "accreditation.submitted", 12), (b, "accreditation.approve", 0.5),
        (f, "accreditation.approve", 5),
    ]:
        _event(session, accreditation_id, action, now - timedelta(days=days_ago))
    session.add(AuditEvent(actor_label="x", action="accreditation.approve", object_type="users", object_id=str(a)))

    software = [make_service(session, accredited, "cloud-software", name=f"Payroll for schools {n}") for n in (1, 2)]
    make_service(session, accredited, "cloud-software", status="draft")
    make_service(session, large, "cloud-hosting", status="withdrawn")
    make_service(session, large, "cloud-support", status="disabled")

    this_month = datetime.combine(day.replace(day=1), time(0, 30))
    for value, awarded_at in [
        ("1000.00", this_month),
        ("2500.50", this_month),
        ("12000.00", datetime.combine(add_months(day.replace(day=1), -3), time(12))),
        # A year before this month: outside the 12 months.
        ("99999.00", datetime.combine(add_months(day.replace(day=1), -12), time(12))),
    ]:
        make_contract(session, service=software[0], start_date=day, value=Decimal(value), awarded_at=awarded_at)

    # Earlier searches, as the log holds them.
    for _ in range(3):
        _log(session, "quantum blockchain", 0, now - timedelta(days=5), source="api")
    _log(session, "", 0, now - timedelta(days=5), lot="cloud-hosting", filter_count=2)
    _log(session, "", 0, now - timedelta(days=5))
    _log(session, "payroll", 2, now - timedelta(days=2))
    _log(session, "ancient", 0, now - timedelta(days=31))  # outside the 30 days
    session.commit()
    reindex(app)

    # Searches made now, through the real page and API.
    for params in ({"q": "payroll"}, {"q": "zzzunicorn"}, {"q": "  ZZZunicorn "}, {"q": INJECTION}):
        assert client.get("/services", query_string=params).status_code == 200
    params = {"q": "nothingmatches", "lot": "cloud-hosting", "free_trial": "1"}
    response = client.get("/api/v1/services", query_string=params)
    assert response.status_code == 200 and response.get_json()["total"] == 0

    lots = list(session.scalars(sa.select(Lot.name).order_by(Lot.position)))
    return DataSet(lots=lots)


@pytest.fixture
def admin(session: Session, client: FlaskClient) -> FlaskClient:
    user = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, user)
    return client


def _page(client: FlaskClient) -> str:
    response = client.get("/admin/statistics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# The figures.


def test_suppliers_are_counted_by_type_and_size_with_the_flags(data: DataSet, admin: FlaskClient) -> None:
    rows = rows_by_label(table_rows(_page(admin), "suppliers"))
    #                                    micro small medium large unknown total
    assert rows["Limited company"] == ["0", "1", "0", "0", "0", "1"]
    assert rows["Public limited company (PLC)"] == ["0", "0", "0", "1", "0", "1"]
    assert rows["Community interest company (CIC)"] == ["1", "0", "0", "0", "0", "1"]
    assert rows["Public service mutual"] == ["0", "1", "0", "0", "0", "1"]
    assert rows["Charity or charitable incorporated organisation"] == ["0", "0", "1", "0", "0", "1"]
    assert rows["Sole trader"] == ["0", "0", "0", "0", "0", "0"]
    assert rows["Type not given"] == ["0", "0", "0", "0", "1", "1"]
    assert rows["All suppliers"] == ["1", "2", "1", "1", "1", "6"]
    assert rows["Public service mutuals"] == ["0", "1", "0", "0", "0", "1"]
    assert rows["VCSEs"] == ["0", "0", "1", "0", "0", "1"]
    assert rows["Social enterprises"] == ["1", "0", "0", "0", "0", "1"]


def test_the_accreditation_pipeline_counts_each_status_as_of_today(data: DataSet, admin: FlaskClient) -> None:
    rows = rows_by_label(table_rows(_page(admin), "accreditation"))
    assert rows == {
        "Draft": ["1"],  # the organisation that has not started
        "Submitted": ["1"],
        "Changes requested": ["0"],
        "Accredited": ["2"],
        "Rejected": ["1"],
        "Suspended": ["0"],
        "Expired": ["1"],  # past its expiry date, though no job has recorded it
        "All suppliers": ["6"],
    }


def test_time_to_decision_is_measured_from_the_submission_each_decision_answered(
    data: DataSet, admin: FlaskClient, session: Session
) -> None:
    summaries = {s.label: s for s in statistics.summarise_decisions(statistics.decisions(session, today=today()))}
    assert summaries["Accredited"].count == 2
    assert summaries["Accredited"].average_days == pytest.approx((5 + 11.5) / 2)
    assert summaries["Rejected"].count == 1 and summaries["Rejected"].average_days == pytest.approx(1)
    assert summaries["Changes requested"].count == 1 and summaries["Changes requested"].median_days == pytest.approx(3)
    everything = summaries["All decisions"]
    assert everything.count == 4
    assert everything.average_days == pytest.approx((3 + 5 + 11.5 + 1) / 4)
    assert everything.median_days == pytest.approx(4)
    rows = rows_by_label(table_rows(_page(admin), "decision-times"))
    assert rows["All decisions"] == ["4", "5.1", "4.0"]
    assert rows["Accredited"] == ["2", "8.2", "8.2"]


def test_services_are_counted_by_lot_and_status(data: DataSet, admin: FlaskClient) -> None:
    rows = rows_by_label(table_rows(_page(admin), "services"))
    hosting, software, support = data.lots
    #                         draft published withdrawn disabled total
    assert rows[hosting] == ["0", "0", "1", "0", "1"]
    assert rows[software] == ["1", "2", "0", "0", "3"]
    assert rows[support] == ["0", "0", "0", "1", "1"]
    assert rows["All lots"] == ["1", "2", "1", "1", "5"]


def test_searches_are_counted_per_day_including_days_without_any(data: DataSet, admin: FlaskClient) -> None:
    rows = table_rows(_page(admin), "searches")
    assert rows[0] == ["Date", "Searches", "From the search page", "From the API", "Found nothing"]
    days = rows[1:-1]
    assert len(days) == 30
    assert [row[0] for row in days] == [format_date(d) for d in statistics.last_days(today(), 30)]
    by_day = {row[0]: row[1:] for row in days}
    day = today()
    assert by_day[format_date(day)] == ["5", "4", "1", "4"]
    assert by_day[format_date(day - timedelta(days=2))] == ["1", "1", "0", "0"]
    assert by_day[format_date(day - timedelta(days=5))] == ["5", "2", "3", "5"]
    assert by_day[format_date(day - timedelta(days=1))] == ["0", "0", "0", "0"]
    assert rows[-1] == ["All 30 days", "11", "7", "4", "9"]


def test_the_commonest_searches_that_found_nothing_have_words_and_counts(data: DataSet, admin: FlaskClient) -> None:
    rows = table_rows(_page(admin), "zero-result-searches")
    assert rows[0] == ["Search", "Times searched", "With a lot or filters", "Last searched"]
    day = today()
    assert rows[1:] == [
        ["quantum blockchain", "3", "0", format_date(day - timedelta(days=5))],
        ["zzzunicorn", "2", "0", format_date(day)],
        [INJECTION.lower(), "1", "0", format_date(day)],
        ["nothingmatches", "1", "1", format_date(day)],
    ]


def test_awards_and_their_value_are_counted_per_month(data: DataSet, admin: FlaskClient) -> None:
    rows = table_rows(_page(admin), "awards")
    assert len(rows) == 1 + 12 + 1
    this_month = today().replace(day=1)
    by_month = rows_by_label(rows)
    assert by_month[statistics.month_name(this_month)] == ["2", "£3,500.50"]
    assert by_month[statistics.month_name(add_months(this_month, -3))] == ["1", "£12,000.00"]
    assert by_month[statistics.month_name(add_months(this_month, -1))] == ["0", "£0.00"]
    assert rows[-1] == ["All 12 months", "3", "£15,500.50"]


def test_the_page_explains_each_table_and_draws_searches_and_awards(data: DataSet, admin: FlaskClient) -> None:
    page = _page(admin)
    for heading in ("Suppliers by type and size", "Accreditation", "Time to a decision", "Services by lot and status",
                    "Searches", "Searches that found nothing", "Awards"):
        assert f">{heading}</h" in page, heading
    assert 'id="chart-searches-per-day"' in page and 'id="chart-awards-per-month"' in page
    assert page.count(">Download as CSV<") == len(TABLES)


def test_each_csv_has_a_header_and_the_rows_of_its_table(data: DataSet, admin: FlaskClient, session: Session) -> None:
    page = _page(admin)
    for slug, build in TABLES.items():
        assert f'href="/admin/statistics/{slug}.csv"' in page, slug
        table = build(session, today())
        downloaded = csv_rows(admin, slug)
        assert downloaded == [[neutralise_formula(cell) for cell in row] for row in table.csv_rows()], slug
        shown = table_rows(page, slug)
        assert shown == [[column.heading for column in table.columns], *table.display_rows()], slug
        # Row for row the same figures: only the page's formatting ("£1,000.00", "–", dates in words) differs.
        for shown_row, csv_row, row in zip(shown[1:], downloaded[1:], table.rows, strict=True):
            for column, shown_cell, csv_cell, value in zip(table.columns, shown_row, csv_row, row, strict=True):
                if column.kind in ("date", "month") and not isinstance(value, str):
                    assert csv_cell == value.isoformat()[: 7 if column.kind == "month" else 10]  # type: ignore[union-attr]
                else:
                    assert shown_cell.replace("£", "").replace(",", "").replace("–", "") == csv_cell.lstrip("'"), slug


def test_the_csv_guards_search_words_against_formula_injection(data: DataSet, admin: FlaskClient) -> None:
    rows = csv_rows(admin, "zero-result-searches")
    assert ["'" + INJECTION.lower(), "1", "0", today().isoformat()] in rows


def test_an_unknown_table_is_not_found(admin: FlaskClient) -> None:
    assert admin.get("/admin/statistics/users.csv").status_code == 404


@pytest.mark.parametrize("url", ["/admin/statistics", "/admin/statistics/suppliers.csv"])
@pytest.mark.parametrize("role", [None, Role.BUYER, Role.SUPPLIER])
def test_statistics_are_for_admins_only(url: str, role: Role | None, client: FlaskClient, session: Session) -> None:
    if role is not None:
        user = make_user(session, role)
        session.commit()
        login_as(client, user)
    response = client.get(url)
    if role is None:
        assert response.status_code == 302 and response.location.startswith("/login")
    else:
        assert response.status_code == 403


def test_admins_find_statistics_in_the_navigation_and_on_the_admin_home(admin: FlaskClient) -> None:
    home = admin.get("/admin/").get_data(as_text=True)
    assert home.count('href="/admin/statistics"') == 2  # the header link and the admin home's


# The search log.


def _logged(session: Session) -> list[SearchQueryLog]:
    session.expire_all()
    return list(session.scalars(sa.select(SearchQueryLog).order_by(SearchQueryLog.id)))


@pytest.fixture
def catalogue(session: Session, app: Flask) -> Service:
    service = make_service(session, lot="cloud-software", name="Payroll for schools")
    session.commit()
    reindex(app)
    return service


def test_the_search_log_has_no_column_that_could_identify_anyone(session: Session) -> None:
    columns = {column["name"] for column in sa.inspect(session.connection()).get_columns("search_queries")}
    assert columns == {"id", "searched_at", "q", "lot", "filter_count", "result_count", "source"}


def test_two_people_making_the_same_search_leave_indistinguishable_rows(
    app: Flask, session: Session, catalogue: Service
) -> None:
    first, second = make_user(session, Role.BUYER), make_user(session, Role.BUYER)
    session.commit()
    for user, q in ((first, "Payroll   Schools"), (second, "payroll schools")):
        client = app.test_client()
        login_as(client, user)
        response = client.get(
            "/services", query_string={"q": q, "lot": "cloud-software", "free_trial": "1", "category": "payroll"},
            headers={"User-Agent": f"Browser of {user.email}"}, environ_base={"REMOTE_ADDR": f"10.0.0.{user.id % 250}"},
        )
        assert response.status_code == 200
    rows = _logged(session)
    assert len(rows) == 2
    described = [(r.q, r.lot, r.filter_count, r.result_count, r.source) for r in rows]
    assert described == [("payroll schools", "cloud-software", 2, 1, "page")] * 2
    for row in rows:
        assert (row.searched_at.minute, row.searched_at.second, row.searched_at.microsecond) == (0, 0, 0)
        assert first.email not in repr(row.__dict__) and second.email not in repr(row.__dict__)


def test_the_api_logs_its_searches_as_api(client: FlaskClient, session: Session, catalogue: Service) -> None:
    response = client.get("/api/v1/services", query_string={"q": "Payroll", "org_type": ["sme", "large"]})
    assert response.status_code == 200
    (row,) = _logged(session)
    assert (row.q, row.lot, row.filter_count, row.result_count, row.source) == ("payroll", None, 2, 1, "api")


def test_only_the_first_page_of_a_search_is_logged(app: Flask, client: FlaskClient, session: Session) -> None:
    evidence = Path(app.config["EVIDENCE_DIR"])
    organisation = make_complete_supplier(session, evidence, status=AccreditationStatus.ACCREDITED)
    for n in range(31):
        make_service(session, organisation, "cloud-software", name=f"Payroll service {n}")
    session.commit()
    reindex(app)
    for page in ("1", "2"):
        assert client.get("/services", query_string={"q": "payroll", "page": page}).status_code == 200
        assert client.get("/api/v1/services", query_string={"q": "payroll", "page": page}).status_code == 200
    rows = _logged(session)
    assert [(r.source, r.result_count) for r in rows] == [("page", 31), ("api", 31)]


def test_a_search_is_not_logged_when_logging_is_off(
    app: Flask, client: FlaskClient, session: Session, catalogue: Service
) -> None:
    app.config["SEARCH_LOG_ENABLED"] = False
    assert client.get("/services", query_string={"q": "payroll"}).status_code == 200
    assert _logged(session) == []


def test_a_failing_log_write_does_not_break_the_search(
    client: FlaskClient, session: Session, catalogue: Service, caplog: pytest.LogCaptureFixture
) -> None:
    # The table is gone (rolled back with the test): every write fails, as a locked database would.
    session.execute(sa.text("DROP TABLE search_queries"))
    session.commit()
    with caplog.at_level(logging.WARNING):
        page = client.get("/services", query_string={"q": "payroll"})
        answer = client.get("/api/v1/services", query_string={"q": "payroll"})
    assert page.status_code == 200 and result_count(page.get_data(as_text=True)).startswith("1 service found")
    assert answer.status_code == 200 and answer.get_json()["total"] == 1
    assert caplog.text.count("The search was not logged for the statistics") == 2


def test_prune_deletes_logged_searches_older_than_the_retention(app: Flask, session: Session) -> None:
    now = utcnow()
    _log(session, "recent", 1, now - timedelta(days=364))
    _log(session, "old", 1, now - timedelta(days=366))
    session.commit()
    result = app.test_cli_runner().invoke(args=["search", "prune"])
    assert result.exit_code == 0, result.output
    assert "and 1 logged searches" in result.output
    assert [row.q for row in _logged(session)] == ["recent"]


def test_statistics_count_every_organisation_once(data: DataSet, session: Session) -> None:
    organisations = session.scalar(sa.select(sa.func.count(Organisation.id)))
    assert sum(statistics.accreditation_pipeline(session, today=today()).values()) == organisations
