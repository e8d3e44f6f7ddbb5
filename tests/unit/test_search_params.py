"""Reading search parameters: what is understood is kept, everything else is ignored (never an error)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.search.index import SearchQuery
from app.search.params import MAX_Q_CHARS, format_pence, parse_price, parse_search_args, search_args


def parse(*pairs: tuple[str, str]) -> SearchQuery:
    return parse_search_args(MultiDict(list(pairs)))


def test_no_parameters_is_the_whole_catalogue_by_relevance_on_page_1() -> None:
    assert parse() == SearchQuery()


def test_every_parameter_is_read() -> None:
    query = parse(
        ("q", "  case management  "), ("lot", "cloud-software"), ("category", "case-management"), ("category", "payroll"),
        ("org_type", "mutual"), ("org_type", "sme"), ("data_location", "eea"), ("certification", "iso27001"),
        ("free_trial", "1"), ("price_max", "25.50"), ("sort", "price_asc"), ("page", "3"),
    )
    assert query == SearchQuery(
        q="case management", lot="cloud-software", categories=("case-management", "payroll"), org_types=("sme", "mutual"),
        data_location="eea", certifications=("iso27001",), free_trial=True, price_max_pence=2550, sort="price_asc", page=3,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("lot", "cloud-anything"), ("lot", ""), ("data_location", "mars"), ("sort", "random"), ("sort", ""),
        ("free_trial", "yes"), ("free_trial", "0"), ("org_type", "plc"), ("certification", "iso9001"),
        ("category", "<script>"), ("category", "Case Management"), ("category", "a--b"), ("category", "x" * 101),
        ("price_max", "cheap"), ("price_max", "-5"), ("price_max", "1e3"), ("price_max", "25.555"), ("price_max", "NaN"),
        ("price_max", "١٢"), ("page", "two"), ("page", "0"), ("page", "-1"), ("page", "1.5"), ("page", "٣"),
    ],
)
def test_an_unknown_value_is_ignored(name: str, value: str) -> None:
    assert parse((name, value)) == SearchQuery()


def test_the_first_understood_value_of_a_single_parameter_wins() -> None:
    assert parse(("lot", "nonsense"), ("lot", "cloud-hosting"), ("lot", "cloud-support")).lot == "cloud-hosting"
    assert parse(("sort", "name"), ("sort", "price_asc")).sort == "name"


def test_repeated_values_are_kept_once_in_a_fixed_order() -> None:
    query = parse(("org_type", "vcse"), ("org_type", "sme"), ("org_type", "vcse"), ("category", "b"), ("category", "a"), ("category", "b"))
    assert query.org_types == ("sme", "vcse")
    assert query.categories == ("b", "a")


@pytest.mark.parametrize(
    ("text", "pence"),
    [("25", 2500), ("25.5", 2550), ("25.50", 2550), ("25.", 2500), (".5", 50), ("£1,250.00", 125000), (" 0 ", 0)],
)
def test_a_price_is_read_in_pounds_as_whole_pence(text: str, pence: int) -> None:
    assert parse_price(text) == pence


def test_keywords_are_trimmed_cleaned_of_control_characters_and_cut_to_the_engine_limit() -> None:
    assert parse(("q", "\tcase\x00notes\n")).q == "case notes"
    assert len(parse(("q", "x" * 5000)).q) == MAX_Q_CHARS


def test_a_huge_page_number_is_kept_within_bounds() -> None:
    assert parse(("page", "9" * 12)).page == 10**6


def test_search_args_round_trip_and_leave_out_defaults() -> None:
    query = parse(("q", "case"), ("category", "payroll"), ("org_type", "mutual"), ("price_max", "25.50"), ("page", "2"))
    args = search_args(query)
    assert args == [("q", "case"), ("category", "payroll"), ("org_type", "mutual"), ("price_max", "25.50"), ("page", "2")]
    assert parse_search_args(MultiDict(args)) == query
    assert search_args(SearchQuery()) == []
    assert search_args(query, page=1, org_types=()) == [("q", "case"), ("category", "payroll"), ("price_max", "25.50")]


def test_pence_are_shown_as_a_buyer_types_pounds() -> None:
    assert (format_pence(2500), format_pence(2550), format_pence(5)) == ("25", "25.50", "0.05")


NAMES = st.sampled_from(
    ["q", "lot", "category", "org_type", "data_location", "certification", "free_trial", "price_max", "sort", "page", "other"]
)


@given(st.lists(st.tuples(st.one_of(NAMES, st.text()), st.text()), max_size=30))
def test_any_query_string_gives_a_search_and_never_an_error(pairs: list[tuple[str, str]]) -> None:
    query = parse_search_args(MultiDict(pairs))
    assert query.page >= 1
    assert len(query.q) <= MAX_Q_CHARS
    assert query.price_max_pence is None or query.price_max_pence >= 0
    assert parse_search_args(MultiDict(search_args(query))) == query


@given(st.dictionaries(st.text(), st.text()))
def test_any_dict_of_strings_gives_a_search(values: dict[str, str]) -> None:
    parse_search_args(MultiDict(values))
