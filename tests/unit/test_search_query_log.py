"""What the search log keeps of a search: normalised keywords, the lot, a count of filters, page 1 only."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.search.index import SearchQuery
from app.search.query_log import LoggedSearch, count_filters, logged_search, normalise_keywords

NOW = datetime(2026, 11, 23, 14, 37, 12, 345678)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Case  Management ", "case management"),
        ("\tPAYROLL\n for   Schools", "payroll for schools"),
        ("", ""),
        ("   ", ""),
        ("Éducation", "éducation"),
    ],
)
def test_keywords_are_lower_cased_with_spaces_collapsed(typed: str, kept: str) -> None:
    assert normalise_keywords(typed) == kept


def test_keywords_are_kept_to_200_characters_without_a_trailing_space() -> None:
    assert normalise_keywords("a" * 250) == "a" * 200
    assert normalise_keywords("a" * 199 + " b") == "a" * 199


def test_every_filter_but_the_lot_counts() -> None:
    assert count_filters(SearchQuery(q="x", lot="cloud-software", sort="price_asc")) == 0
    query = SearchQuery(
        categories=("payroll", "analytics"),
        org_types=("sme",),
        data_location="uk",
        certifications=("iso27001", "cyber_essentials"),
        free_trial=True,
        price_max_pence=2500,
    )
    assert count_filters(query) == 8


def test_a_first_page_is_logged_to_the_hour_and_nothing_else_about_it() -> None:
    query = SearchQuery(q="Case  Notes", lot="cloud-software", org_types=("mutual",), page=1)
    assert logged_search(query, 3, source="page", now=NOW) == LoggedSearch(
        searched_at=datetime(2026, 11, 23, 14), q="case notes", lot="cloud-software", filter_count=1,
        result_count=3, source="page",
    )


def test_later_pages_are_not_new_searches() -> None:
    assert logged_search(SearchQuery(q="case", page=2), 40, source="api", now=NOW) is None


def test_a_search_comes_from_the_page_or_the_api() -> None:
    with pytest.raises(ValueError, match="page, api"):
        logged_search(SearchQuery(), 0, source="email", now=NOW)


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("call me on 07700 900123 about payroll", "call me on [number] about payroll"),
        ("jo.bloggs@council.gov.uk case management", "[email] case management"),
        ("+44 (0)20 7946 0958", "[number]"),
        ("iso 27001 backup", "iso 27001 backup"),
    ],
)
def test_personal_details_typed_into_the_box_are_not_kept(typed: str, kept: str) -> None:
    assert normalise_keywords(typed) == kept
