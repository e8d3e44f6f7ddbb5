from __future__ import annotations

import pytest

from app.catalogue import rules
from app.catalogue.rules import ServiceAction, ServiceStatus, ServiceStateError

SOFTWARE = rules.LotSpec("cloud-software", "Cloud software", 1, 20, frozenset(f"cat-{i}" for i in range(30)))
SUPPORT = rules.LotSpec("cloud-support", "Cloud support", 1, 6, frozenset(["planning", "training", "a", "b", "c", "d", "e"]))


def clean(lot: rules.LotSpec = SOFTWARE, **values: object):  # type: ignore[no-untyped-def]
    return rules.clean_fields(values, lot)


@pytest.mark.parametrize(("length", "ok"), [(100, True), (101, False)])
def test_service_name_is_at_most_100_characters(length: int, ok: bool) -> None:
    _, errors = clean(name="x" * length)
    assert ("name" not in errors) is ok


def test_summary_is_at_most_50_words_and_500_characters() -> None:
    assert "summary" not in clean(summary=" ".join(["word"] * 50))[1]
    assert "50 words or fewer (it has 51)" in clean(summary=" ".join(["word"] * 51))[1]["summary"][0]
    assert "500 characters" in clean(summary="x" * 501)[1]["summary"][0]


def test_features_at_most_ten_of_ten_words() -> None:
    assert "features" not in clean(features=["fast"] * 10)[1]
    assert "no more than 10 features" in clean(features=["fast"] * 11)[1]["features"][0]
    assert "10 words or fewer" in clean(features=[" ".join(["w"] * 11)])[1]["features"][0]
    assert clean(features=["  a  ", "", "b"])[0]["features"] == ["a", "b"]


def test_categories_within_the_lot_limit_and_from_the_lot() -> None:
    assert "categories" not in clean(categories=[f"cat-{i}" for i in range(20)])[1]
    assert "no more than 20" in clean(categories=[f"cat-{i}" for i in range(21)])[1]["categories"][0]
    assert "no more than 6" in clean(SUPPORT, categories=["planning", "training", "a", "b", "c", "d", "e"])[1]["categories"][0]
    assert "not a category of Cloud software" in clean(categories=["nope"])[1]["categories"][0]
    assert clean(categories=["cat-2", "cat-1", "cat-2"])[0]["categories"] == ["cat-1", "cat-2"]


def test_price_max_below_min_is_refused_and_money_is_normalised() -> None:
    cleaned, errors = clean(price_min="10", price_max="9.99")
    assert "same as or more than the starting price" in errors["price_max"][0]
    assert cleaned["price_min"] == "10.00"
    assert clean(price_min="£1,200.5")[0]["price_min"] == "1200.50"
    assert "at most 2 decimal places" in clean(price_min="1.234")[1]["price_min"][0]
    assert "£0 or more" in clean(price_min="-1")[1]["price_min"][0]
    assert "price_min" in clean(price_min="NaN")[1]
    assert "price_min" in clean(price_min=True)[1]


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", 5), ("features", "not a list"), ("free_trial", "yes"), ("price_unit", "bushel"), ("data_location", "moon"), ("certifications", ["iso9001"]), ("unknown_field", 1)],
)
def test_wrong_types_and_values_are_explained_not_raised(field: str, value: object) -> None:
    _, errors = rules.clean_fields({field: value}, SOFTWARE)
    assert errors[field] and isinstance(errors[field][0], str)


def test_exit_formats_need_an_open_format() -> None:
    assert "open format" in clean(exit_data_formats=["other"])[1]["exit_data_formats"][0]
    assert "exit_data_formats" not in clean(exit_data_formats=["csv", "other"])[1]


def test_missing_lists_what_each_section_needs() -> None:
    missing = rules.missing({"name": "A service"}, SOFTWARE)
    assert "Enter the summary" in missing["about"]
    assert missing["documents"] == []
    assert missing["categories"] == ["Add categories"]


def test_diff_shows_exactly_the_changed_fields() -> None:
    before = {"name": "A", "summary": "S", "features": ["x"]}
    after = {"name": "A", "summary": "T", "features": ["x", "y"]}
    assert [c.field for c in rules.diff(before, after)] == ["summary", "features"]


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        (ServiceStatus.DRAFT, ServiceAction.PUBLISH, ServiceStatus.PUBLISHED),
        (ServiceStatus.PUBLISHED, ServiceAction.EDIT, ServiceStatus.PUBLISHED),
        (ServiceStatus.PUBLISHED, ServiceAction.WITHDRAW, ServiceStatus.WITHDRAWN),
        (ServiceStatus.PUBLISHED, ServiceAction.DISABLE, ServiceStatus.DISABLED),
        (ServiceStatus.DISABLED, ServiceAction.ENABLE, ServiceStatus.PUBLISHED),
    ],
)
def test_service_status_moves(status: ServiceStatus, action: ServiceAction, expected: ServiceStatus) -> None:
    assert rules.next_service_status(status, action) is expected


@pytest.mark.parametrize(
    ("status", "action"),
    [(ServiceStatus.WITHDRAWN, ServiceAction.EDIT), (ServiceStatus.WITHDRAWN, ServiceAction.PUBLISH), (ServiceStatus.PUBLISHED, ServiceAction.PUBLISH), (ServiceStatus.DRAFT, ServiceAction.WITHDRAW)],
)
def test_illegal_service_moves_are_refused(status: ServiceStatus, action: ServiceAction) -> None:
    with pytest.raises(ServiceStateError):
        rules.next_service_status(status, action)


def test_cyber_essentials_plus_covers_cyber_essentials() -> None:
    assert rules.unheld_certifications(["cyber_essentials"], ["cyber_essentials_plus"]) == []
    assert rules.unheld_certifications(["iso27001"], ["cyber_essentials"]) == ["iso27001"]


def test_price_text_reads_like_a_listing() -> None:
    assert rules.price_text({"price_min": "5.00", "price_max": "10.00", "price_unit": "user", "price_interval": "month"}) == "£5.00 to £10.00 a user a month"


def test_price_text_uses_the_right_article_and_reads_intervals_of_months() -> None:
    assert rules.price_text({"price_min": "0.05", "price_unit": "instance", "price_interval": "hour"}) == "£0.05 an instance an hour"
    assert rules.price_text({"price_min": "900", "price_unit": "licence", "price_interval": "6-months"}) == "£900.00 a licence every 6 months"
    assert rules.price_text({"price_min": "2500", "price_unit": "unit", "price_interval": ""}) == "£2,500.00 a unit"
