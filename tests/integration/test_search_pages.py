"""The search page, /services (journey 3): filters, counts, ordering, highlighting, pages and rule C1,
on a small catalogue published through the services and indexed for real."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.admin import services as admin_services
from app.auth.models import Role
from app.catalogue import services as catalogue
from app.search import get_index
from app.search import services as search_services
from app.timeutil import today
from tests.factories import login_as, make_service, make_supplier_user, make_user
from tests.integration.search_support import MALFORMED, Corpus, build_corpus, reindex, result_count, result_ids, text_of


@pytest.fixture
def corpus(session: Session, app: Flask) -> Corpus:
    return build_corpus(session, app)


def search(client: FlaskClient, **params: object) -> tuple[str, list[int]]:
    response = client.get("/services", query_string=params)
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    return page, result_ids(page)


def count(client: FlaskClient, **params: object) -> int:
    page, _ = search(client, **params)
    return int(result_count(page).split()[0])


def test_an_empty_search_lists_every_visible_service(client: FlaskClient, corpus: Corpus) -> None:
    page, ids = search(client)
    assert result_count(page) == "5 services found in all lots"
    assert sorted(ids) == sorted(s.id for s in corpus.all)


def test_an_empty_search_in_a_lot_lists_everything_in_that_lot(client: FlaskClient, corpus: Corpus) -> None:
    page, ids = search(client, lot="cloud-software")
    assert result_count(page) == "3 services found in Cloud software"
    assert sorted(ids) == sorted([corpus.case_management.id, corpus.payroll.id, corpus.case_notes.id])


def test_the_search_box_and_form_are_there_without_javascript(client: FlaskClient, corpus: Corpus) -> None:
    page, _ = search(client, q="case")
    assert re.search(r'<form method="get" action="/services"', page)
    assert '<label class="govuk-label govuk-label--m" for="q">Search for services</label>' in page
    assert 'name="q" type="search" value="case"' in page
    assert re.search(r"<button[^>]*>\s*Apply filters\s*</button>", page)
    for name in ("lot", "category", "org_type", "data_location", "certification", "free_trial", "price_max", "sort"):
        assert f'name="{name}"' in page, name


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"lot": "cloud-hosting"}, ["database_hosting"]),
        ({"category": "case-management"}, ["case_management", "case_notes"]),
        ({"category": ["payroll", "planning"]}, ["payroll", "migration"]),
        ({"org_type": "mutual"}, ["case_management", "case_notes"]),
        ({"org_type": "large"}, ["database_hosting"]),
        ({"org_type": "social_enterprise"}, ["payroll", "migration"]),
        ({"org_type": ["large", "mutual"]}, ["database_hosting", "case_management", "case_notes"]),
        ({"certification": "cyber_essentials"}, ["case_management", "database_hosting"]),
        ({"certification": ["cyber_essentials", "iso27001"]}, ["database_hosting"]),
        ({"free_trial": "1"}, ["case_management", "case_notes"]),
        ({"lot": "cloud-software", "org_type": "mutual", "free_trial": "1", "q": "records"}, ["case_management"]),
        ({"lot": "cloud-software", "category": "payroll", "org_type": "mutual"}, []),
    ],
)
def test_each_filter_and_combinations_through_the_url(
    client: FlaskClient, corpus: Corpus, params: dict[str, object], expected: list[str]
) -> None:
    _, ids = search(client, **params)
    assert sorted(ids) == sorted(getattr(corpus, name).id for name in expected)


def test_data_location_means_at_least_as_strict(client: FlaskClient, corpus: Corpus) -> None:
    uk = sorted(search(client, data_location="uk")[1])
    eea = sorted(search(client, data_location="eea")[1])
    anywhere = sorted(search(client, data_location="other")[1])
    assert uk == sorted([corpus.case_management.id, corpus.migration.id])
    assert eea == sorted([corpus.case_management.id, corpus.migration.id, corpus.database_hosting.id, corpus.case_notes.id])
    assert anywhere == sorted(s.id for s in corpus.all)
    page, _ = search(client)
    assert "UK only (2)" in page and "UK or EEA (4)" in page and "Anywhere (5)" in page


def test_counts_for_a_group_leave_out_that_groups_own_filter(client: FlaskClient, corpus: Corpus) -> None:
    page, ids = search(client, org_type="mutual")
    assert result_count(page) == "2 services found in all lots, filtered by: Mutual"
    # The other organisation types still say what choosing them would give.
    for text in ("SME (4)", "Large organisation (1)", "Public service mutual (2)", "Social enterprise (2)", "VCSE (0)"):
        assert text in page, text
    # Other groups are counted within the mutual's services.
    assert "Cloud software (2)" in page and "Cloud hosting (0)" in page and "All lots (2)" in page
    assert "Free trial" in text_of(page)


def test_category_counts_are_shown_next_to_every_option_of_the_lot(client: FlaskClient, corpus: Corpus) -> None:
    page, _ = search(client, lot="cloud-software")
    assert "Case management (2)" in page and "Payroll (1)" in page and "Accounts payable (0)" in page
    assert "Accounting and finance" in page  # grouped by the category tree
    hosting, _ = search(client, lot="cloud-hosting")
    assert "Relational database (1)" in hosting and "Object storage (0)" in hosting


def test_ticked_options_stay_ticked(client: FlaskClient, corpus: Corpus) -> None:
    page, _ = search(client, lot="cloud-hosting", org_type="large", data_location="eea", certification="iso27001",
                     free_trial="1", price_max="60")
    for pattern in (
        r'value="cloud-hosting" checked', r'value="large" checked', r'value="eea" checked', r'value="iso27001" checked',
        r'name="free_trial" type="checkbox" value="1" checked', r'name="price_max" type="text"[^>]*value="60"',
    ):
        assert re.search(pattern, page), pattern


def test_stemming_finds_hosting_from_hosted(client: FlaskClient, corpus: Corpus) -> None:
    _, ids = search(client, q="hosted")
    assert sorted(ids) == sorted([corpus.database_hosting.id, corpus.migration.id])


def test_the_price_filter_compares_starting_prices_in_pounds(client: FlaskClient, corpus: Corpus) -> None:
    assert sorted(search(client, price_max="25")[1]) == sorted([corpus.payroll.id, corpus.case_management.id, corpus.case_notes.id])
    assert search(client, price_max="24.99")[1] == [corpus.payroll.id]
    assert count(client, price_max="1000") == 5
    page, _ = search(client, price_max="25.5")
    assert "Starting price up to £25.50" in result_count(page)


def test_sorting_by_price_name_and_update(client: FlaskClient, session: Session, app: Flask, corpus: Corpus) -> None:
    version = catalogue.version(session, corpus.migration, 1)
    assert version is not None
    version.created_at += timedelta(days=1)
    session.commit()
    reindex(app)

    cheapest = search(client, sort="price_asc")[1]
    assert cheapest[0] == corpus.payroll.id and cheapest[-1] == corpus.migration.id
    assert set(cheapest[1:3]) == {corpus.case_management.id, corpus.case_notes.id}
    dearest = search(client, sort="price_desc")[1]
    assert dearest[:2] == [corpus.migration.id, corpus.database_hosting.id] and dearest[-1] == corpus.payroll.id
    by_name = search(client, sort="name")[1]
    assert by_name == [s.id for s in sorted(corpus.all, key=lambda s: s.name.casefold())]
    recent = search(client, sort="updated")[1]
    assert recent[0] == corpus.migration.id
    page, _ = search(client, sort="price_desc")
    assert '<option value="price_desc" selected>Price high to low</option>' in page


def test_equal_results_come_in_the_same_order_on_every_request(client: FlaskClient, corpus: Corpus) -> None:
    for params in ({}, {"q": "case"}, {"sort": "price_asc"}, {"org_type": "sme"}):
        assert search(client, **params)[1] == search(client, **params)[1], params


def test_highlighting_marks_the_matched_words_and_escapes_the_services_text(client: FlaskClient, corpus: Corpus) -> None:
    page, _ = search(client, q="case")
    assert "&lt;script&gt;alert(&#x27;<mark>case</mark>&#x27;)&lt;/script&gt; <mark>Case</mark> notes for housing officers." in page
    assert "<script>alert" not in page
    assert "<mark>Case</mark> management for social care" in page


def test_a_page_after_the_last_is_not_found_but_an_empty_first_page_is_a_page(client: FlaskClient, corpus: Corpus) -> None:
    assert client.get("/services?page=2").status_code == 404
    assert client.get("/services?q=case&page=2").status_code == 404
    assert client.get("/services?page=1").status_code == 200
    response = client.get("/services?q=zzzqqqxxx")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert result_count(page) == "0 services found for ‘zzzqqqxxx’ in all lots"
    assert "Improve your search results by" in page


def test_no_results_suggests_the_word_that_was_probably_meant(client: FlaskClient, corpus: Corpus) -> None:
    page, ids = search(client, q="casse", lot="cloud-software")
    assert ids == []
    match = re.search(r'Did you mean <a class="govuk-link" href="([^"]+)">([^<]+)</a>', page)
    assert match, "no suggestion"
    assert match.group(2) == "case"
    assert match.group(1) == "/services?q=case&amp;lot=cloud-software"


def test_pages_of_30_with_pagination_keeping_the_filters(client: FlaskClient, session: Session, app: Flask, corpus: Corpus) -> None:
    for number in range(31):
        make_service(session, corpus.mutual, "cloud-software", name=f"Bulk service {number}", summary="Bulk listing.",
                     categories=["payroll"], free_trial=True)
    session.commit()
    reindex(app)

    page, ids = search(client, q="bulk", org_type="mutual", free_trial="1")
    assert result_count(page).startswith("31 services found")
    assert len(ids) == 30
    next_link = re.search(r'<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next">', page)
    assert next_link
    assert next_link.group(1) == "/services?q=bulk&amp;org_type=mutual&amp;free_trial=1&amp;page=2"
    second, second_ids = search(client, q="bulk", org_type="mutual", free_trial="1", page=2)
    assert len(second_ids) == 1 and not set(second_ids) & set(ids)
    assert client.get("/services?q=bulk&org_type=mutual&free_trial=1&page=3").status_code == 404


def test_clear_all_and_remove_one_filter_links_keep_the_rest(client: FlaskClient, corpus: Corpus) -> None:
    page, _ = search(client, q="case", lot="cloud-software", org_type="mutual", sort="name")
    assert 'id="clear-filters" href="/services?q=case&amp;sort=name"' in page
    assert 'href="/services?q=case&amp;lot=cloud-software&amp;sort=name"><span class="govuk-visually-hidden">Remove filter: </span>Mutual' in page


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_never_error(client: FlaskClient, corpus: Corpus, q: str) -> None:
    response = client.get("/services", query_string={"q": q})
    assert response.status_code == 200
    assert re.match(r"\d+ services? found", result_count(response.get_data(as_text=True)))


def test_unknown_parameter_values_are_ignored(client: FlaskClient, corpus: Corpus) -> None:
    everything = search(client)[1]
    nonsense = {
        "lot": "cloud-nowhere", "org_type": "plc", "data_location": "mars", "certification": "iso9001", "free_trial": "yes",
        "price_max": "cheap", "sort": "random", "page": "first", "colour": "blue",
    }
    page, ids = search(client, **nonsense)
    assert ids == everything
    assert result_count(page) == "5 services found in all lots"
    # A category no lot has is a slug that simply matches nothing.
    assert search(client, category="no-such-category")[1] == []
    assert search(client, category="<script>")[1] == everything


def test_drafts_withdrawn_and_disabled_services_are_never_found(client: FlaskClient, session: Session, corpus: Corpus) -> None:
    draft = make_service(session, corpus.mutual, status="draft", name="Hidden draft zebra")
    withdrawn = make_service(session, corpus.mutual, status="withdrawn", name="Withdrawn zebra")
    disabled = make_service(session, corpus.mutual, status="disabled", name="Disabled zebra")
    session.commit()
    page, ids = search(client, q="zebra")
    assert ids == [] and result_count(page).startswith("0 services")
    assert not {draft.id, withdrawn.id, disabled.id} & set(search(client)[1])


def test_a_suspended_suppliers_services_disappear_and_come_back(client: FlaskClient, session: Session, corpus: Corpus) -> None:
    admin = make_user(session, Role.ADMIN)
    assert corpus.large.accreditation is not None
    admin_services.suspend(session, admin, corpus.large.accreditation, "Under investigation", today=today())
    session.commit()
    assert search(client, q="database")[1] == []
    assert count(client) == 4
    admin_services.reinstate(session, admin, corpus.large.accreditation, "Cleared", today=today())
    session.commit()
    assert search(client, q="database")[1] == [corpus.database_hosting.id]


def test_a_lapsed_accreditation_hides_services_without_reindexing(client: FlaskClient, session: Session, corpus: Corpus) -> None:
    assert corpus.small.accreditation is not None
    corpus.small.accreditation.expires_on = today()  # lapses today; nothing is written to the outbox
    session.commit()
    page, ids = search(client)
    assert not {corpus.payroll.id, corpus.migration.id} & set(ids)
    assert result_count(page) == "3 services found in all lots"
    assert search(client, q="payroll")[1] == []


def test_publishing_through_the_supplier_page_makes_the_service_searchable_in_the_next_request(
    client: FlaskClient, session: Session, corpus: Corpus
) -> None:
    draft = make_service(session, corpus.small, "cloud-hosting", status="draft", name="Quokka object storage",
                         categories=["object-storage"])
    user = make_supplier_user(session, corpus.small)
    session.commit()
    assert search(client, q="quokka")[1] == []
    login_as(client, user)

    response = client.post(f"/supplier/services/{draft.id}/publish")

    assert response.status_code == 302
    assert search(client, q="quokka")[1] == [draft.id]


def test_an_edit_is_shown_from_the_database_not_from_an_older_index_entry(
    client: FlaskClient, session: Session, app: Flask, corpus: Corpus
) -> None:
    user = make_supplier_user(session, corpus.mutual)
    catalogue.update_service(session, user, corpus.case_management, {"summary": "Case files for children's services."})
    session.commit()
    page, ids = search(client, q="case")
    assert corpus.case_management.id in ids
    assert "<mark>Case</mark> files for children&#39;s services." in page or "<mark>Case</mark> files for children&#x27;s services." in page


def test_without_an_index_search_is_temporarily_unavailable(client: FlaskClient, app: Flask) -> None:
    directory = Path(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    response = client.get("/services?q=case")
    assert response.status_code == 503
    assert "Search is temporarily unavailable" in response.get_data(as_text=True)


def test_the_start_page_searches_and_the_header_links_to_search(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<form method="get" action="/services" role="search"' in page
    assert re.search(r'<a class="govuk-service-navigation__link" href="/services"[^>]*>\s*Find services', page)


def test_opening_a_result_shows_the_service(client: FlaskClient, corpus: Corpus) -> None:
    page, ids = search(client, q="payroll")
    assert ids == [corpus.payroll.id]
    service_page = client.get(f"/services/{ids[0]}")
    assert service_page.status_code == 200
    assert "Payroll for schools" in service_page.get_data(as_text=True)


def test_changes_written_elsewhere_are_applied_before_the_next_search(
    client: FlaskClient, session: Session, app: Flask, corpus: Corpus
) -> None:
    """Another node (here: the test's own session) publishes; this node's index catches up on its next search."""
    service = make_service(session, corpus.mutual, "cloud-support", name="Wombat training", categories=["training"])
    session.commit()
    index = get_index(app)
    assert index.read_position().applied < search_services.outbox_max_id(session)

    assert search(client, q="wombat")[1] == [service.id]
    assert index.read_position().applied == search_services.outbox_max_id(session)


def test_a_category_in_two_groups_of_the_tree_is_answered_by_one_checkbox(client: FlaskClient, corpus: Corpus) -> None:
    page, ids = search(client, lot="cloud-software", category="payroll")
    assert ids == [corpus.payroll.id]
    boxes = re.findall(r'<input class="govuk-checkboxes__input"[^>]*value="payroll"[^>]*>', page)
    assert len(boxes) == 2  # Accounting and finance; Human resources and employee management
    assert [("disabled" in box, "checked" in box) for box in boxes] == [(False, True), (True, True)]
    assert "Chosen under Accounting and finance" in page
