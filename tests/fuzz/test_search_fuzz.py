"""Fuzzing search: whatever a buyer types or a link carries, search answers, and the page's own links keep the search.

Inputs: any Unicode (control characters, right-to-left text, emoji, lone combining marks), the characters of
Whoosh's query language, strings far beyond the 200-character limit, and query strings with parameters
repeated, unknown, empty or malformed. Run against the seeded demo catalogue of the live API server.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.search import get_index
from app.search.index import CERTIFICATIONS, DATA_LOCATIONS, LOTS, ORG_TYPES, PER_PAGE, SORTS, SearchQuery
from app.search.params import MAX_Q_CHARS, parse_search_args, search_args
from app.search.whoosh_index import MAX_WORDS, query_words
from app.timeutil import today
from tests.fuzz.conftest import LiveApi, budget
from tests.integration.search_support import MALFORMED, result_ids

# Whoosh's query language, and what other engines treat as syntax.
SYNTAX = list("\"'()[]{}*?~^:+-!\\/<>=&|%_.,;@#$") + ["AND", "OR", "NOT", "TO", "ANDNOT", "ANDMAYBE", " "]
WORDS = ["case", "management", "hosting", "cloud", "payroll", "support", "data", "migration", "café", "Cloud"]

syntax_text = st.lists(st.sampled_from(SYNTAX + WORDS), max_size=20).map("".join)
# Every code point except lone surrogates, which no URL or database can carry.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
long_text = st.builds(lambda unit, times: unit * times, st.sampled_from(["case ", "x", "(", "é", "🙂", "\x00"]), st.integers(150, 3000))
keywords = st.one_of(syntax_text, any_text, long_text, st.sampled_from(MALFORMED))

VALUES = {
    "q": keywords,
    "lot": st.sampled_from([*LOTS, "cloud-", "CLOUD-HOSTING", ""]),
    "category": st.sampled_from(["case-management", "payroll", "planning", "relational-database", "a--b", "x" * 120, "Payroll"]),
    "org_type": st.sampled_from([*ORG_TYPES, "plc", ""]),
    "data_location": st.sampled_from([*DATA_LOCATIONS, "mars"]),
    "certification": st.sampled_from([*CERTIFICATIONS, "iso9001"]),
    "free_trial": st.sampled_from(["1", "0", "yes", ""]),
    "price_max": st.one_of(st.sampled_from(["25", "25.5", ".5", "£1,250.00", "-1", "1e9", "NaN", "١٢", "9" * 40]), st.text(max_size=12)),
    "sort": st.sampled_from([*SORTS, "random", ""]),
    "page": st.one_of(st.integers(-5, 4).map(str), st.sampled_from(["9" * 13, "1.5", "٣", "", "two", "999999"])),
}
known_pair = st.sampled_from(sorted(VALUES)).flatmap(lambda name: st.tuples(st.just(name), VALUES[name]))
unknown_pair = st.tuples(st.one_of(st.sampled_from(["q[]", "Q", "lots", "utm_source", ""]), any_text), any_text)
query_strings = st.lists(st.one_of(known_pair, known_pair, known_pair, unknown_pair), max_size=12)

PAGE_LINK = re.compile(r'href="(/services(?:\?[^"]*)?)"')
SEARCH_BOX = re.compile(r'<input[^>]*\bname="q"[^>]*\bvalue="([^"]*)"')


@pytest.fixture
def client(live_api: LiveApi) -> FlaskClient:
    return live_api.app.test_client()


def _total(page_html: str) -> int:
    match = re.search(r'id="result-count"[^>]*>\s*(\d+) services? found', page_html)
    assert match, "the page says how many services were found"
    return int(match.group(1))


@budget(100)
@given(raw=keywords)
def test_the_engine_reads_any_keywords_as_plain_words(raw: str, live_api: LiveApi) -> None:
    words = query_words(raw)
    assert len(words) <= MAX_WORDS
    assert all(re.fullmatch(r"\w+", word) and word == word.lower() for word in words)
    if len(words) > 1:
        assert not {"and", "or", "not", "to"} & set(words), "operators are never words of a longer search"
    found = get_index(live_api.app).search(SearchQuery(q=raw, today=today()))
    assert len(found.hits) == min(PER_PAGE, found.total)
    assert found.words == tuple(words)


@budget(25)
@given(pairs=query_strings)
def test_any_query_string_gives_a_results_page_that_keeps_the_search(
    pairs: list[tuple[str, str]], client: FlaskClient
) -> None:
    query = parse_search_args(MultiDict(pairs))
    response = client.get("/services?" + urlencode(pairs))
    assert response.status_code in (200, 404), response.status_code
    if response.status_code == 404:
        assert query.page > 1, "only a page after the last is not found"
        return
    page = response.get_data(as_text=True)

    # The search box shows the keywords as they were kept.
    box = SEARCH_BOX.search(page)
    assert box and html.unescape(box.group(1)) == query.q
    assert len(query.q) <= MAX_Q_CHARS

    # Every link back to the search page (pages, removing a filter, clearing filters) keeps the keywords,
    # and each reads back as a search that differs from this one only by what the link changes.
    for href in PAGE_LINK.findall(page):
        if href == "/services":
            continue  # the header's link to a new search
        linked = parse_search_args(MultiDict(parse_qsl(urlsplit(html.unescape(href)).query, keep_blank_values=True)))
        if 'id="suggestion"' in page and linked.q != query.q:
            continue  # "Did you mean": the one link that changes the words
        assert linked.q == query.q, href
        assert linked.sort == query.sort, href

    # The URL the page builds for this search (the canonical one) finds exactly the same services.
    canonical = client.get("/services?" + urlencode(search_args(query)))
    assert canonical.status_code == 200
    canonical_page = canonical.get_data(as_text=True)
    assert result_ids(canonical_page) == result_ids(page)
    assert _total(canonical_page) == _total(page)


@budget(25)
@given(pairs=query_strings)
def test_the_api_answers_any_query_string_as_the_page_does(pairs: list[tuple[str, str]], client: FlaskClient) -> None:
    qs = urlencode(pairs)
    api = client.get("/api/v1/services?" + qs)
    assert api.status_code in (200, 404), api.status_code
    assert api.is_json
    if api.status_code == 404:
        assert api.get_json()["error"]["code"] == "not_found"
        assert client.get("/services?" + qs).status_code == 404
        return
    body = api.get_json()
    query = parse_search_args(MultiDict(pairs))
    assert body["page"] == query.page
    assert len(body["results"]) <= PER_PAGE
    page = client.get("/services?" + qs).get_data(as_text=True)
    assert [result["id"] for result in body["results"]] == result_ids(page)
    assert body["total"] == _total(page)
