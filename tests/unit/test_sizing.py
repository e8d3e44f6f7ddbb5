from decimal import Decimal

import pytest

from app.suppliers.sizing import DEFAULT_LIMITS, Size, SizeLimits, compute_size

# At €1.25 to the pound every euro ceiling is a whole number of pounds, so boundaries can be hit exactly:
# €2m = £1.6m, €10m = £8m, €43m = £34.4m, €50m = £40m.
EXACT = SizeLimits(eur_per_gbp=Decimal("1.25"))
PENNY = Decimal("0.01")
ZERO = Decimal("0")


def size_of(headcount: int, turnover: str | Decimal, balance_sheet: str | Decimal = "0") -> Size:
    return compute_size(headcount, Decimal(turnover), Decimal(balance_sheet), EXACT).size


@pytest.mark.parametrize(
    ("headcount", "expected"),
    [(0, Size.MICRO), (9, Size.MICRO), (10, Size.SMALL), (49, Size.SMALL), (50, Size.MEDIUM), (249, Size.MEDIUM),
     (250, Size.LARGE), (10_000, Size.LARGE)],
)
def test_staff_ceilings_are_exclusive(headcount: int, expected: Size) -> None:
    assert size_of(headcount, "100000") is expected


@pytest.mark.parametrize(
    ("headcount", "ceiling_gbp", "within", "over"),
    [(5, Decimal("1600000"), Size.MICRO, Size.SMALL),
     (35, Decimal("8000000"), Size.SMALL, Size.MEDIUM),
     (200, Decimal("40000000"), Size.MEDIUM, Size.LARGE)],
)
def test_turnover_at_the_ceiling_is_within_it_and_a_penny_over_is_not(
    headcount: int, ceiling_gbp: Decimal, within: Size, over: Size
) -> None:
    huge_balance_sheet = Decimal("999000000")
    assert size_of(headcount, ceiling_gbp, huge_balance_sheet) is within
    assert size_of(headcount, ceiling_gbp + PENNY, huge_balance_sheet) is over


@pytest.mark.parametrize(
    ("headcount", "ceiling_gbp", "within", "over"),
    [(5, Decimal("1600000"), Size.MICRO, Size.SMALL),
     (35, Decimal("8000000"), Size.SMALL, Size.MEDIUM),
     (200, Decimal("34400000"), Size.MEDIUM, Size.LARGE)],
)
def test_balance_sheet_at_the_ceiling_is_within_it_and_a_penny_over_is_not(
    headcount: int, ceiling_gbp: Decimal, within: Size, over: Size
) -> None:
    huge_turnover = Decimal("999000000")
    assert size_of(headcount, huge_turnover, ceiling_gbp) is within
    assert size_of(headcount, huge_turnover, ceiling_gbp + PENNY) is over


def test_default_rate_converts_pounds_to_euros_before_comparing() -> None:
    # €2m at €1.15 to the pound is £1,739,130.43 and a bit.
    assert compute_size(5, Decimal("1739130.43"), Decimal("1739130.44")).size is Size.MICRO
    assert compute_size(5, Decimal("1739130.44"), Decimal("1739130.44")).size is Size.SMALL


def test_balance_sheet_rescues_a_turnover_over_the_small_ceiling() -> None:
    result = compute_size(40, Decimal("9500000"), Decimal("8000000"))  # €10.9m turnover, €9.2m balance sheet
    assert result.size is Size.SMALL
    assert "balance sheet total of £8,000,000 is within the €10m" in result.reason
    assert "turnover of £9,500,000 is over the €10m" in result.reason


def test_few_staff_but_high_turnover_and_balance_sheet_is_medium() -> None:
    thirty_million_euros_in_pounds = Decimal("30000000") / Decimal("1.25")
    result = compute_size(5, thirty_million_euros_in_pounds, thirty_million_euros_in_pounds, EXACT)
    assert result.size is Size.MEDIUM
    assert result.reason.startswith("Medium: 5 staff is fewer than 250, and turnover of £24,000,000 is within the €50m")
    assert result.reason.endswith(
        "It is not micro or small: turnover and balance sheet total are both over the small limit "
        "of €10m (about £8,000,000)."
    )


def test_medium_headcount_is_large_when_both_money_tests_fail() -> None:
    result = compute_size(100, Decimal("40000000.01"), Decimal("34400000.01"), EXACT)
    assert result.size is Size.LARGE
    assert "turnover of £40,000,000.01 is over the €50m (about £40,000,000) limit" in result.reason
    assert "balance sheet total of £34,400,000.01 is over the €43m (about £34,400,000) limit" in result.reason


def test_large_by_headcount_says_so() -> None:
    result = compute_size(250, ZERO, ZERO)
    assert result.size is Size.LARGE
    assert result.reason == "Large: 250 staff is 250 or more."


def test_reason_mentions_staff_turnover_and_the_limit_in_both_currencies() -> None:
    result = compute_size(35, Decimal("6200000"), Decimal("9000000"))
    assert result.size is Size.SMALL
    assert result.reason == (
        "Small: 35 staff is fewer than 50, and turnover of £6,200,000 is within the €10m (about £8,695,652) limit."
    )


@pytest.mark.parametrize(
    ("headcount", "turnover", "balance_sheet"),
    [(-1, ZERO, ZERO), (1, Decimal("-0.01"), ZERO), (1, ZERO, Decimal("-5"))],
)
def test_negative_figures_are_refused(headcount: int, turnover: Decimal, balance_sheet: Decimal) -> None:
    with pytest.raises(ValueError):
        compute_size(headcount, turnover, balance_sheet)


def test_labels_and_sme_flag() -> None:
    assert [size.label for size in Size] == ["Micro", "Small", "Medium", "Large"]
    assert [size.is_sme for size in Size] == [True, True, True, False]
    assert Size("small") is Size.SMALL


def test_default_limits_follow_eu_recommendation_2003_361() -> None:
    assert DEFAULT_LIMITS.ceilings(Size.MICRO) == (10, Decimal("2000000"), Decimal("2000000"))
    assert DEFAULT_LIMITS.ceilings(Size.SMALL) == (50, Decimal("10000000"), Decimal("10000000"))
    assert DEFAULT_LIMITS.ceilings(Size.MEDIUM) == (250, Decimal("50000000"), Decimal("43000000"))
    assert DEFAULT_LIMITS.eur_per_gbp == Decimal("1.15")
