"""The search results presenter: the sentence, cards, facets and links, from a hand-made page of results."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import app.models  # noqa: F401  (every mapper, so models can be built without a database)
from app.catalogue.models import Lot, Service, ServiceVersion
from app.search.index import SearchHit, SearchPage, SearchQuery
from app.search.presenters import CatalogueTerms, CategoryGroupTerms, LotTerms, SearchResults
from app.suppliers.models import Organisation

TODAY = date(2026, 11, 2)

TERMS = CatalogueTerms(
    (
        LotTerms("cloud-hosting", "Cloud hosting", (("object-storage", "Object storage"), ("search", "Search"))),
        LotTerms(
            "cloud-software",
            "Cloud software",
            (("case-management", "Case management"), ("payroll", "Payroll"), ("search", "Search tools")),
            groups=(
                CategoryGroupTerms("accounting", "Accounting and finance", (("payroll", "Payroll"),)),
                CategoryGroupTerms("collaborative-working", "Collaborative working", (("case-management", "Case management"),)),
                CategoryGroupTerms("human-resources", "Human resources", (("payroll", "Payroll"),)),
            ),
        ),
        LotTerms("cloud-support", "Cloud support", (("planning", "Planning"),)),
    )
)

FACETS = {
    "lot": {"cloud-hosting": 3, "cloud-software": 34, "cloud-support": 0},
    "category": {"case-management": 12, "payroll": 4, "object-storage": 3, "search": 0},
    "org_type": {"sme": 30, "mutual": 5, "large": 4},
    "data_location": {"uk": 10, "eea": 20, "other": 34},
    "certification": {"cyber_essentials": 8},
}


def row(service_id: int, name: str = "Case notes", summary: str = "Case notes for housing officers.", **data: Any) -> tuple[Service, ServiceVersion]:
    org = Organisation(id=7, name="Riverside Care Mutual", size="small", organisation_type="cic", is_public_service_mutual=True)
    lot = Lot(slug="cloud-software", name="Cloud software")
    service = Service(id=service_id, name=name, lot=lot, organisation=org, status="published", version_number=1)
    values = {"name": name, "summary": summary, "price_min": "25.00", "price_max": None, "price_unit": "user", "price_interval": "month"}
    values.update(data)
    return service, ServiceVersion(service=service, number=1, data=values)


def results(query: SearchQuery | None = None, *, total: int = 34, hits: list[SearchHit] | None = None,
            rows: dict[int, tuple[Service, ServiceVersion]] | None = None, suggestion: str | None = None) -> SearchResults:
    page = SearchPage(total=total, hits=hits or [], facets=FACETS, suggestion=suggestion)
    return SearchResults(query or SearchQuery(), page, rows or {}, TERMS, today=TODAY)


def args(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


@pytest.mark.parametrize(
    ("query", "total", "sentence"),
    [
        (SearchQuery(q="case management", lot="cloud-software", org_types=("mutual",)), 34,
         "34 services found for ‘case management’ in Cloud software, filtered by: Mutual"),
        (SearchQuery(lot="cloud-software"), 34, "34 services found in Cloud software"),
        (SearchQuery(q="payroll"), 1, "1 service found for ‘payroll’ in all lots"),
        (SearchQuery(), 0, "0 services found in all lots"),
        (
            SearchQuery(
                lot="cloud-software", categories=("payroll", "case-management"), org_types=("large", "sme"),
                data_location="eea", certifications=("iso27001", "cyber_essentials"), free_trial=True, price_max_pence=2550,
            ),
            2,
            "2 services found in Cloud software, filtered by: Case management, Payroll, SME, Large organisation, UK or EEA, "
            "Cyber Essentials, ISO/IEC 27001, Free trial, Starting price up to £25.50",
        ),
    ],
)
def test_the_sentence_says_how_many_were_found_for_what_where_and_filtered_by_what(query: SearchQuery, total: int, sentence: str) -> None:
    assert results(query, total=total).summary == sentence


def test_the_sentence_starts_with_the_number() -> None:
    assert results(SearchQuery(q="x"), total=1234).summary.startswith("1234 ")


def test_a_card_shows_the_database_row_with_the_engines_highlights_marked_safe() -> None:
    hit = SearchHit(7, 1.0, {"name": "<mark>Case</mark> notes", "summary": "&lt;b&gt; <mark>Case</mark> notes"})
    page = results(SearchQuery(q="case"), total=1, hits=[hit], rows={7: row(7, summary="<b> Case notes")})
    (card,) = page.cards
    assert (card.id, card.name, card.supplier_id, card.supplier_name, card.lot, card.lot_name) == (
        7, "Case notes", 7, "Riverside Care Mutual", "cloud-software", "Cloud software")
    assert str(card.name_html) == "<mark>Case</mark> notes"
    assert str(card.summary_html) == "&lt;b&gt; <mark>Case</mark> notes"
    assert [badge.label for badge in card.badges] == ["SME (small)", "Public service mutual"]
    assert card.price_text == "£25.00 a user a month"
    assert card.price == {"min": "25.00", "max": None, "unit": "user", "interval": "month"}
    assert card.url == "/services/7"
    assert card.sme is True


def test_a_highlight_of_older_text_than_the_database_is_not_shown() -> None:
    hit = SearchHit(7, 1.0, {"name": "<mark>Case</mark> notes", "summary": "Old <mark>case</mark> summary"})
    (card,) = results(total=1, hits=[hit], rows={7: row(7, summary="New summary <i>")}).cards
    assert str(card.summary_html) == "New summary &lt;i&gt;"
    assert str(card.name_html) == "<mark>Case</mark> notes"


def test_hits_no_longer_visible_in_the_database_are_left_out_of_cards_and_total() -> None:
    hits = [SearchHit(1, 2.0, {}), SearchHit(2, 1.0, {}), SearchHit(3, 0.5, {})]
    page = results(total=3, hits=hits, rows={1: row(1), 3: row(3)})
    assert [card.id for card in page.cards] == [1, 3]
    assert page.total == 2


def test_every_lot_org_type_location_and_certification_is_an_option_with_its_count() -> None:
    page = results(SearchQuery(lot="cloud-software", org_types=("mutual",), data_location="eea"))
    lots, _, org_types, locations, certifications = page.facets()
    assert [(o.value, o.text, o.checked) for o in lots.options] == [
        ("cloud-hosting", "Cloud hosting (3)", False), ("cloud-software", "Cloud software (34)", True),
        ("cloud-support", "Cloud support (0)", False),
    ]
    assert page.all_lots_count == 37
    assert [(o.text, o.checked) for o in org_types.options] == [
        ("SME (30)", False), ("Large organisation (4)", False), ("Public service mutual (5)", True),
        ("Social enterprise (0)", False), ("VCSE (0)", False),
    ]
    assert [(o.text, o.checked) for o in locations.options] == [("UK only (10)", False), ("UK or EEA (20)", True), ("Anywhere (34)", False)]
    assert [o.text for o in certifications.options] == ["Cyber Essentials (8)", "Cyber Essentials Plus (0)", "ISO/IEC 27001 (0)"]


def test_with_no_lot_the_categories_are_those_with_services_by_name() -> None:
    facet = results(SearchQuery(categories=("planning",))).category_facet()
    assert [(o.value, o.text, o.checked) for o in facet.options] == [
        ("case-management", "Case management (12)", False), ("object-storage", "Object storage (3)", False),
        ("payroll", "Payroll (4)", False), ("planning", "Planning (0)", True),
    ]
    assert facet.groups == []


def test_a_lot_lists_all_its_categories_and_software_groups_them_by_the_tree() -> None:
    facet = results(SearchQuery(lot="cloud-software", categories=("payroll",))).category_facet()
    assert [o.text for o in facet.options] == ["Case management (12)", "Payroll (4)", "Search tools (0)"]
    assert [(g.name, [(o.value, o.checked, o.chosen_under) for o in g.options]) for g in facet.groups] == [
        ("Accounting and finance", [("payroll", True, None)]),
        ("Collaborative working", [("case-management", False, None)]),
        ("Human resources", [("payroll", True, "Accounting and finance")]),
    ]
    hosting = results(SearchQuery(lot="cloud-hosting")).category_facet()
    assert [o.text for o in hosting.options] == ["Object storage (3)", "Search (0)"] and hosting.groups == []


def test_removing_one_filter_keeps_the_others_and_goes_back_to_page_1() -> None:
    query = SearchQuery(q="case", lot="cloud-software", categories=("payroll", "case-management"), org_types=("mutual",),
                        free_trial=True, sort="name", page=2)
    chosen = {c.label: args(c.remove_url) for c in results(query).chosen_filters()}
    assert list(chosen) == ["Cloud software", "Case management", "Payroll", "Mutual", "Free trial"]
    assert chosen["Payroll"] == [("q", "case"), ("lot", "cloud-software"), ("category", "case-management"),
                                 ("org_type", "mutual"), ("free_trial", "1"), ("sort", "name")]
    assert ("free_trial", "1") not in chosen["Free trial"]
    assert ("lot", "cloud-software") not in chosen["Cloud software"]


def test_clear_all_filters_keeps_the_keywords_and_the_order() -> None:
    page = results(SearchQuery(q="case", lot="cloud-hosting", org_types=("sme",), sort="price_asc", page=3))
    assert page.clear_url == "/services?q=case&sort=price_asc"
    assert results(SearchQuery(org_types=("sme",))).clear_url == "/services"


def test_pagination_links_keep_every_filter() -> None:
    query = SearchQuery(q="case", org_types=("sme", "mutual"), price_max_pence=2500, page=5)
    pagination = results(query, total=30 * 9 + 1).pagination()
    assert pagination is not None
    assert args(pagination["previous"]["href"]) == [("q", "case"), ("org_type", "sme"), ("org_type", "mutual"),
                                                    ("price_max", "25"), ("page", "4")]
    assert args(pagination["next"]["href"])[-1] == ("page", "6")
    numbers = [item.get("number", "…") for item in pagination["items"]]
    assert numbers == [1, "…", 3, 4, 5, 6, 7, "…", 10]
    assert [item["number"] for item in pagination["items"] if item.get("current")] == [5]
    assert args(pagination["items"][0]["href"]) == [("q", "case"), ("org_type", "sme"), ("org_type", "mutual"), ("price_max", "25")]


def test_one_page_needs_no_pagination_and_a_page_after_the_last_is_past_the_end() -> None:
    assert results(total=30).pagination() is None
    assert not results(SearchQuery(page=1), total=0).is_past_end
    assert results(SearchQuery(page=2), total=30).is_past_end
    assert not results(SearchQuery(page=2), total=31).is_past_end


def test_did_you_mean_links_to_the_suggestion_with_the_same_filters() -> None:
    page = results(SearchQuery(q="payrol", lot="cloud-software"), total=0, suggestion="payroll")
    assert page.suggestion is not None
    assert page.suggestion.text == "payroll"
    assert args(page.suggestion.url) == [("q", "payroll"), ("lot", "cloud-software")]
    assert results(SearchQuery(q="case")).suggestion is None


def test_sort_options_in_the_order_shown_with_the_current_one_selected() -> None:
    options = results(SearchQuery(sort="price_desc")).sort_options()
    assert [(o.label, o.selected) for o in options] == [
        ("Relevance", False), ("Price low to high", False), ("Price high to low", True), ("Name", False), ("Recently updated", False),
    ]


def test_the_json_answer_has_exactly_the_interface_shape() -> None:
    hit = SearchHit(7, 1.0, {"name": "<mark>Case</mark> notes", "summary": "<mark>Case</mark> notes for housing officers."})
    answer = results(SearchQuery(q="case", lot="cloud-software"), total=1, hits=[hit], rows={7: row(7)}).as_json()
    assert set(answer) == {"total", "page", "per_page", "results", "facets"}
    assert (answer["total"], answer["page"], answer["per_page"]) == (1, 1, 30)
    assert answer["results"] == [{
        "id": 7, "name": "Case notes",
        "supplier": {"id": 7, "name": "Riverside Care Mutual", "organisation_type": "cic", "sme": True},
        "lot": "cloud-software", "summary": "Case notes for housing officers.",
        "price": {"min": "25.00", "max": None, "unit": "user", "interval": "month"},
        "url": "/services/7",
        "highlights": {"name": "<mark>Case</mark> notes", "summary": "<mark>Case</mark> notes for housing officers."},
    }]
    assert set(answer["facets"]) == {"lot", "category", "org_type", "data_location", "certification"}
    assert answer["facets"]["lot"] == {"cloud-hosting": 3, "cloud-software": 34, "cloud-support": 0}
    assert answer["facets"]["category"] == {"case-management": 12, "payroll": 4, "search": 0}
    assert answer["facets"]["data_location"] == {"uk": 10, "eea": 20, "other": 34}
