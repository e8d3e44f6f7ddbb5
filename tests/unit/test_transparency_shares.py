"""The share of awards going to SMEs, mutuals and VCSEs, worked out from hand-made award records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from app.transparency.records import AwardRecord
from app.transparency.shares import (
    AwardFilter,
    Quarter,
    Share,
    award_shares,
    filter_awards,
    format_percent,
    parse_period,
    period_key,
    quarters_between,
)

_BASE = AwardRecord(
    contract_id=1,
    reference="CS-000001",
    buyer_organisation="Borsetshire County Council",
    supplier_id=1,
    supplier_name="Supplier Ltd",
    companies_house_number="01234567",
    supplier_size="large",
    is_mutual=False,
    is_vcse=False,
    is_social_enterprise=False,
    service_id=1,
    service_name="Case management",
    service_version=1,
    lot_slug="cloud-software",
    lot_name="Cloud software",
    value=Decimal("1000.00"),
    pricing_model="fixed",
    awarded_at=datetime(2026, 1, 15, 10, 0),
    start_date=date(2026, 2, 1),
    initial_end_date=date(2027, 2, 1),
    end_date=date(2027, 2, 1),
    max_extent_date=date(2027, 2, 1),
    break_dates=(),
    status="active",
    terminated_at_break=None,
    framework_name="Cloudstore 1",
    framework_ocid="cloudstore-1",
)


def award(**overrides: Any) -> AwardRecord:
    return replace(_BASE, **overrides)


@pytest.fixture
def awards() -> list[AwardRecord]:
    """Q1 2026: a small mutual (£100) and a large company (£300). Q2: nothing. Q3: a medium VCSE whose contract
    the buyer ended at a break (£50) and a large social enterprise (£50)."""
    return [
        award(contract_id=1, supplier_size="small", is_mutual=True, value=Decimal("100.00"),
              awarded_at=datetime(2026, 1, 10)),
        award(contract_id=2, supplier_size="large", value=Decimal("300.00"), awarded_at=datetime(2026, 3, 31, 23, 59),
              buyer_organisation="Felpersham Hospitals NHS Trust", lot_slug="cloud-hosting", lot_name="Cloud hosting"),
        award(contract_id=3, supplier_size="medium", is_vcse=True, value=Decimal("50.00"),
              awarded_at=datetime(2026, 7, 1), status="ended", end_date=date(2026, 9, 1),
              terminated_at_break=date(2026, 9, 1)),
        award(contract_id=4, supplier_size="large", is_social_enterprise=True, value=Decimal("50.00"),
              awarded_at=datetime(2026, 9, 30)),
    ]


def test_overall_shares_of_value_and_of_contracts(awards: list[AwardRecord]) -> None:
    overall = award_shares(awards).overall
    assert (overall.total_value, overall.total_count) == (Decimal("500.00"), 4)
    assert (overall.sme.value, overall.sme.count) == (Decimal("150.00"), 2)
    assert overall.sme.value_percent == Decimal(30)
    assert overall.sme.count_percent == Decimal(50)
    assert overall.mutual.value_percent == Decimal(20)
    assert overall.vcse.value_percent == Decimal(20)
    assert overall.vcse.count_percent == Decimal(50)


def test_a_supplier_that_is_both_sme_and_mutual_counts_in_both_shares(awards: list[AwardRecord]) -> None:
    q1 = award_shares(awards).quarters[0]
    assert q1.sme == Share(Decimal("100.00"), 1, Decimal("400.00"), 2)
    assert q1.mutual == Share(Decimal("100.00"), 1, Decimal("400.00"), 2)
    assert q1.sme.value_percent == q1.mutual.value_percent == Decimal(25)


def test_a_large_supplier_counts_in_the_total_only(awards: list[AwardRecord]) -> None:
    only_large = award_shares([awards[1]]).overall
    assert only_large.total_value == Decimal("300.00")
    assert only_large.sme.value == only_large.mutual.value == only_large.vcse.value == Decimal(0)
    assert only_large.sme.value_percent == Decimal(0)


def test_vcses_and_social_enterprises_share_one_group(awards: list[AwardRecord]) -> None:
    q3 = award_shares(awards).quarters[2]
    assert (q3.vcse.value, q3.vcse.count, q3.vcse.value_percent) == (Decimal("100.00"), 2, Decimal(100))
    assert q3.sme.value_percent == Decimal(50)


def test_a_contract_ended_at_a_break_counts_at_its_awarded_value(awards: list[AwardRecord]) -> None:
    ended = award_shares([awards[2]]).overall
    assert ended.total_value == Decimal("50.00")
    assert ended.sme.value == Decimal("50.00")


def test_quarters_run_in_order_with_empty_quarters_kept(awards: list[AwardRecord]) -> None:
    quarters = award_shares(awards).quarters
    assert [q.label for q in quarters] == ["2026 Q1", "2026 Q2", "2026 Q3"]
    assert [q.total_count for q in quarters] == [2, 0, 2]
    empty = quarters[1]
    assert empty.is_empty and empty.quarter == Quarter(2026, 2)
    assert empty.sme.value_percent is None and empty.sme.count_percent is None
    assert not empty.sme.meets(33)


def test_an_award_counts_in_the_calendar_quarter_of_its_award_date(awards: list[AwardRecord]) -> None:
    assert Quarter.of(date(2026, 3, 31)) == Quarter(2026, 1)
    assert Quarter.of(date(2026, 4, 1)) == Quarter(2026, 2)
    assert Quarter.of(date(2026, 12, 31)) == Quarter(2026, 4)
    assert [q.total_count for q in award_shares(awards).quarters][0] == 2  # 31 March 23:59 is still Q1


def test_quarters_cross_the_year_end() -> None:
    assert [q.label for q in quarters_between(Quarter(2025, 3), Quarter(2026, 2))] == [
        "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2",
    ]
    assert quarters_between(Quarter(2026, 2), Quarter(2026, 1)) == []


def test_no_awards_gives_zero_totals_and_no_percentages() -> None:
    shares = award_shares([])
    assert shares.quarters == ()
    assert (shares.overall.total_value, shares.overall.total_count) == (Decimal(0), 0)
    assert shares.overall.sme.value_percent is None
    assert shares.overall.sme.count_percent is None
    assert format_percent(shares.overall.sme.value_percent) == ""


def test_awards_worth_nothing_have_a_count_share_but_no_value_share() -> None:
    shares = award_shares([award(supplier_size="micro", value=Decimal("0.00")), award(value=Decimal("0.00"))])
    assert shares.overall.sme.value_percent is None
    assert shares.overall.sme.count_percent == Decimal(50)


def test_a_supplier_of_unknown_size_is_not_counted_as_an_sme() -> None:
    shares = award_shares([award(supplier_size=None), award(supplier_size="micro")])
    assert shares.overall.sme.count == 1


def test_given_quarters_pad_the_range_and_leave_out_awards_outside_it(awards: list[AwardRecord]) -> None:
    shares = award_shares(awards, first=Quarter(2025, 4), last=Quarter(2026, 1))
    assert [q.label for q in shares.quarters] == ["2025 Q4", "2026 Q1"]
    assert shares.overall.total_count == 2


def test_percentages_are_exact_in_data_and_rounded_half_up_for_display() -> None:
    third = Share(Decimal("1.00"), 1, Decimal("3.00"), 3)
    assert third.value_percent is not None and third.value_percent * 3 == pytest.approx(Decimal(100))
    assert format_percent(third.value_percent) == "33.3%"
    assert format_percent(Share(Decimal("2"), 2, Decimal("3"), 3).value_percent) == "66.7%"
    assert format_percent(Decimal("12.25")) == "12.3%"
    assert format_percent(Decimal(100)) == "100.0%"
    assert format_percent(Decimal(5), places=0) == "5%"


def test_the_target_is_judged_on_the_exact_share_not_the_rounded_one() -> None:
    just_below = Share(Decimal("32.96"), 1, Decimal("100"), 3)
    assert format_percent(just_below.value_percent) == "33.0%"
    assert not just_below.meets(33)
    assert Share(Decimal("33"), 1, Decimal("100"), 3).meets(33)


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026", Quarter(2026, 1), Quarter(2026, 4)),
        ("2026 Q3", Quarter(2026, 3), Quarter(2026, 3)),
        ("2026-Q3", Quarter(2026, 3), Quarter(2026, 3)),
        ("2026q3", Quarter(2026, 3), Quarter(2026, 3)),
        (" Q1 2027 ", Quarter(2027, 1), Quarter(2027, 1)),
    ],
)
def test_a_period_is_a_year_or_a_quarter(text: str, first: Quarter, last: Quarter) -> None:
    assert parse_period(text) == (first, last)


@pytest.mark.parametrize("text", ["", "26", "2026 Q5", "Q0 2026", "last year", "2026-07", "2026 Q3 Q4"])
def test_anything_else_is_not_a_period(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_a_period_is_written_back_the_way_the_form_writes_it() -> None:
    assert period_key("2026") == "2026"
    assert period_key("q3 2026") == "2026-Q3"


def test_filters_narrow_by_buyer_supplier_type_lot_and_period(awards: list[AwardRecord]) -> None:
    def ids(criteria: AwardFilter) -> list[int]:
        return [a.contract_id for a in filter_awards(awards, criteria)]

    assert ids(AwardFilter()) == [1, 2, 3, 4]
    assert AwardFilter().is_empty
    assert ids(AwardFilter(buyer="felpersham")) == [2]
    assert ids(AwardFilter(supplier_type="sme")) == [1, 3]
    assert ids(AwardFilter(supplier_type="mutual")) == [1]
    assert ids(AwardFilter(supplier_type="vcse")) == [3, 4]
    assert ids(AwardFilter(supplier_type="large")) == [2, 4]
    assert ids(AwardFilter(lot="cloud-hosting")) == [2]
    assert ids(AwardFilter(awarded_from=Quarter(2026, 2))) == [3, 4]
    assert ids(AwardFilter(awarded_to=Quarter(2026, 1))) == [1, 2]
    assert ids(AwardFilter(awarded_from=Quarter(2026, 3), awarded_to=Quarter(2026, 3), supplier_type="sme")) == [3]


def test_filtered_shares_cover_only_the_matching_awards(awards: list[AwardRecord]) -> None:
    shares = award_shares(filter_awards(awards, AwardFilter(awarded_from=Quarter(2026, 3))))
    assert [q.label for q in shares.quarters] == ["2026 Q3"]
    assert shares.overall.sme.value_percent == Decimal(50)
