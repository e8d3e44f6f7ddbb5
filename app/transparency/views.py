"""The public transparency page: every awarded contract, and the share going to SMEs, mutuals and VCSEs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask import Blueprint, abort, current_app, render_template, request
from markupsafe import Markup

from app.db import Page, get_session
from app.suppliers.directory import visible_suppliers
from app.suppliers.models import Organisation
from app.timeutil import today
from app.transparency import charts
from app.transparency.records import AwardRecord, load_awards
from app.transparency.shares import (
    SUPPLIER_TYPES,
    AwardFilter,
    AwardShares,
    Quarter,
    filter_awards,
    format_percent,
    parse_period,
    period_key,
)
from app.transparency.shares import award_shares as compute_shares

bp = Blueprint("transparency", __name__)

PER_PAGE = 25
BUYER_MAX_LENGTH = 200
# Written links rather than url_for: the downloads are served by the API, which publishes them separately.
CSV_URL = "/api/v1/transparency/contracts.csv"
OCDS_URL = "/api/v1/transparency/ocds"


@dataclass
class FilterForm:
    """The filter form as the reader filled it in, the lots and years it offers, and what was wrong."""

    buyer: str = ""
    supplier_type: str = ""
    lot: str = ""
    awarded_from: str = ""
    awarded_to: str = ""
    lots: dict[str, str] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def supplier_types(self) -> dict[str, str]:
        return {key: label for key, (label, _) in SUPPLIER_TYPES.items()}

    def query(self) -> dict[str, str]:
        """The filters to keep in page links."""
        return {
            "buyer": self.buyer, "supplier_type": self.supplier_type, "lot": self.lot,
            "awarded_from": self.awarded_from, "awarded_to": self.awarded_to,
        }


def read_filter(args: Mapping[str, str], awards: list[AwardRecord]) -> tuple[AwardFilter, FilterForm]:
    """The filter a reader asked for. A supplier type or lot not offered is ignored; a period that is not a
    year or a quarter, or a range that ends before it starts, is an error and does not filter."""
    lots: dict[str, str] = {}
    for award in sorted(awards, key=lambda a: a.lot_name):
        lots.setdefault(award.lot_slug, award.lot_name)
    form = FilterForm(lots=lots)
    form.buyer = " ".join(args.get("buyer", "").split())[:BUYER_MAX_LENGTH]
    form.supplier_type = args.get("supplier_type", "") if args.get("supplier_type", "") in SUPPLIER_TYPES else ""
    form.lot = args.get("lot", "") if args.get("lot", "") in lots else ""
    periods: dict[str, Quarter] = {}
    for name, end, label in (("awarded_from", 0, "start"), ("awarded_to", 1, "end")):
        text = args.get(name, "").strip()
        if not text:
            continue
        try:
            periods[name] = parse_period(text)[end]
        except ValueError:
            setattr(form, name, text[:20])
            form.errors[name] = (
                f"Enter the {label} of the award period as a year, like 2026, or a quarter, like 2026 Q3"
            )
        else:
            setattr(form, name, period_key(text))
    if "awarded_from" in periods and "awarded_to" in periods and periods["awarded_to"] < periods["awarded_from"]:
        form.errors["awarded_to"] = "The end of the award period must be the same as or after its start"
        del periods["awarded_to"]
    years = {award.awarded_at.year for award in awards} | {quarter.year for quarter in periods.values()}
    form.years = list(range(min(years), max(years) + 1)) if years else []
    criteria = AwardFilter(
        buyer=form.buyer,
        supplier_type=form.supplier_type,
        lot=form.lot,
        awarded_from=periods.get("awarded_from"),
        awarded_to=periods.get("awarded_to"),
    )
    return criteria, form


def page_of(items: list[AwardRecord], number: str) -> Page:
    """One page of the table; a page past the end is a 404, as elsewhere."""
    page = int(number) if number.isdigit() and len(number) < 7 else 1
    if page < 1 or (page > 1 and (page - 1) * PER_PAGE >= len(items)):
        abort(404)
    return Page(items=items[(page - 1) * PER_PAGE : page * PER_PAGE], page=page, per_page=PER_PAGE, total=len(items))


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Chart:
    title: str
    svg: Markup


def _charts(shares: AwardShares, target: int) -> dict[str, Chart]:
    """The page's four charts; each description sums up the chart and points to the table after it."""
    quarters = shares.quarters
    span = f"from {quarters[0].label} to {quarters[-1].label}" if len(quarters) > 1 else f"in {quarters[0].label}"
    overall = shares.overall
    met = sum(1 for q in quarters if q.sme.meets(target))
    with_value = sum(1 for q in quarters if q.total_value)

    def chart(title: str, draw: Callable[[str], Markup]) -> Chart:
        return Chart(title, draw(title))

    return {
        "sme": chart(
            "Share of awarded value going to SMEs, by quarter",
            lambda title: charts.bar_chart(
                title,
                f"Bar chart of the percentage of awarded contract value won by SMEs in each quarter {span}, with a "
                f"dashed line at the {target}% target. The share met the target in {met} of the {with_value} "
                f"quarters with awards; over the whole period it was {format_percent(overall.sme.value_percent)}. "
                "The table after the chart gives the figures.",
                [(q.label, _percent(q.sme.value_percent)) for q in quarters],
                unit="%",
                target=target,
                target_label=f"{target}% target",
                chart_id="chart-sme-share",
            ),
        ),
        "groups": chart(
            "Share of awarded value going to mutuals and VCSEs, by quarter",
            lambda title: charts.line_chart(
                title,
                f"Line chart of the percentage of awarded contract value won by public service mutuals and by VCSEs "
                f"and social enterprises in each quarter {span}. Over the whole period mutuals won "
                f"{format_percent(overall.mutual.value_percent)} and VCSEs and social enterprises "
                f"{format_percent(overall.vcse.value_percent)}. The table after the chart gives the figures.",
                {
                    "Public service mutuals": [(q.label, _percent(q.mutual.value_percent)) for q in quarters],
                    "VCSEs and social enterprises": [(q.label, _percent(q.vcse.value_percent)) for q in quarters],
                },
                unit="%",
                chart_id="chart-group-shares",
            ),
        ),
        "value": chart(
            "Value of contracts awarded, by quarter",
            lambda title: charts.bar_chart(
                title,
                f"Bar chart of the total value of contracts awarded in each quarter {span}, "
                f"£{overall.total_value:,.2f} in all. The table after the charts gives the figures.",
                [(q.label, float(q.total_value)) for q in quarters],
                unit="£",
                chart_id="chart-award-value",
            ),
        ),
        "count": chart(
            "Number of contracts awarded, by quarter",
            lambda title: charts.bar_chart(
                title,
                f"Bar chart of the number of contracts awarded in each quarter {span}, {overall.total_count} in "
                "all. The table after the charts gives the figures.",
                [(q.label, float(q.total_count)) for q in quarters],
                unit="",
                chart_id="chart-award-count",
            ),
        ),
    }


def _public_supplier_ids(awards: list[AwardRecord]) -> set[int]:
    """The suppliers on the page whose public profile can be opened (accredited, not suspended: rule C1)."""
    ids = {award.supplier_id for award in awards}
    if not ids:
        return set()
    visible = visible_suppliers(today()).with_only_columns(Organisation.id).where(Organisation.id.in_(ids))
    return set(get_session().scalars(visible))


@bp.route("/transparency")
def index() -> tuple[str, int]:
    session = get_session()
    awards = load_awards(session, today=today())
    criteria, form = read_filter(request.args, awards)
    shown = filter_awards(awards, criteria)
    page = page_of(shown, request.args.get("page", "1"))
    shares = compute_shares(shown)
    target = current_app.config["SME_TARGET_PERCENT"]
    return render_template(
        "transparency/index.html",
        any_awards=bool(awards),
        criteria=criteria,
        filters=form,
        page=page,
        shares=shares,
        target=target,
        charts=_charts(shares, target) if shown else {},
        linked_suppliers=_public_supplier_ids(list(page.items)),
        percent=format_percent,
        csv_url=CSV_URL,
        ocds_url=OCDS_URL,
    ), (400 if form.errors else 200)

