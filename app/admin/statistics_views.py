"""Admin statistics: /admin/statistics shows every table, /admin/statistics/<table>.csv downloads one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask import abort, current_app, render_template
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.admin import statistics
from app.admin.statistics import Table
from app.admin.views import bp
from app.db import get_session
from app.timeutil import today
from app.transparency import charts
from app.transparency.records import load_awards

__all__ = ["bp"]

_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Each table by the slug of its download, in the order the page shows them.
TABLES: dict[str, Callable[[Session, date], Table]] = {
    "suppliers": lambda session, day: statistics.supplier_table(statistics.supplier_counts(session)),
    "accreditation": lambda session, day: statistics.pipeline_table(
        statistics.accreditation_pipeline(session, today=day)
    ),
    "decision-times": lambda session, day: statistics.decision_table(
        statistics.summarise_decisions(statistics.decisions(session, today=day))
    ),
    "services": lambda session, day: statistics.services_table(statistics.services_by_lot(session)),
    "searches": lambda session, day: statistics.searches_table(statistics.searches_per_day(session, today=day)),
    "zero-result-searches": lambda session, day: statistics.zero_results_table(
        statistics.zero_result_searches(session, today=day)
    ),
    "awards": lambda session, day: statistics.awards_table(
        statistics.awards_per_month(load_awards(session, today=day), today=day)
    ),
}


def _points(table: Table, column: int, label: Callable[[date], str]) -> list[tuple[str, float | None]]:
    """One column of a table as chart points, the total row left out: the chart draws the very rows listed."""
    points: list[tuple[str, float | None]] = []
    for index, row in enumerate(table.rows):
        first, value = row[0], row[column]
        if index not in table.total_rows and isinstance(first, date) and isinstance(value, int | Decimal):
            points.append((label(first), float(value)))
    return points


def _charts(tables: dict[str, Table]) -> dict[str, Markup]:
    searches = _points(tables["searches"], 1, lambda day: f"{day.day} {_SHORT_MONTHS[day.month - 1]}")
    awards = _points(tables["awards"], 2, lambda month: f"{_SHORT_MONTHS[month.month - 1]} {month.year}")
    total_searches = sum(value or 0 for _, value in searches)
    total_value = sum(value or 0 for _, value in awards)
    return {
        "searches": charts.bar_chart(
            f"Searches per day, last {len(searches)} days",
            f"Bar chart of the number of searches made on each of the last {len(searches)} days, "
            f"{total_searches:,.0f} in all. The table after the chart gives the figures.",
            searches,
            unit="",
            chart_id="chart-searches-per-day",
        ),
        "awards": charts.bar_chart(
            f"Value of contracts awarded per month, last {len(awards)} months",
            f"Bar chart of the total value of contracts awarded in each of the last {len(awards)} calendar months, "
            f"£{total_value:,.2f} in all. The table after the chart gives the figures.",
            awards,
            unit="£",
            chart_id="chart-awards-per-month",
        ),
    }


@bp.route("/statistics")
def statistics_page() -> str:
    session, day = get_session(), today()
    tables = {slug: build(session, day) for slug, build in TABLES.items()}
    return render_template(
        "admin/statistics.html",
        tables=tables,
        charts=_charts(tables),
        today=day,
        search_days=statistics.SEARCH_DAYS,
        decision_months=statistics.DECISION_MONTHS,
        zero_result_limit=statistics.ZERO_RESULT_LIMIT,
        award_months=statistics.AWARD_MONTHS,
        retention_days=current_app.config["SEARCH_LOG_RETENTION_DAYS"],
    )


@bp.route("/statistics/<slug>.csv")
def statistics_csv(slug: str) -> Response:
    build = TABLES.get(slug)
    if build is None:
        abort(404)
    day = today()
    body = statistics.to_csv(build(get_session(), day))
    response = current_app.response_class(body, mimetype="text/csv; charset=utf-8")
    filename = f"cloudstore-statistics-{slug}-{day.isoformat()}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
