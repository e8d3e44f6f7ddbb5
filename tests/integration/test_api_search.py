"""GET /api/v1/services: the same parameters and meaning as the search page, answered in the interface's shape."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.api.openapi import openapi_document
from app.timeutil import today
from tests.integration.search_support import MALFORMED, Corpus, build_corpus, result_count, result_ids


@pytest.fixture
def corpus(session: Session, app: Flask) -> Corpus:
    return build_corpus(session, app)


def api(client: FlaskClient, **params: object) -> dict[str, Any]:
    response = client.get("/api/v1/services", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer: dict[str, Any] = response.get_json()
    return answer


def ids(answer: dict[str, Any]) -> list[int]:
    return [result["id"] for result in answer["results"]]


def test_the_answer_has_exactly_the_interface_shape(client: FlaskClient, corpus: Corpus) -> None:
    answer = api(client, q="payroll")
    assert set(answer) == {"total", "page", "per_page", "results", "facets"}
    assert (answer["total"], answer["page"], answer["per_page"]) == (1, 1, 30)
    (result,) = answer["results"]
    assert result == {
        "id": corpus.payroll.id,
        "name": "Payroll for schools",
        "supplier": {"id": corpus.small.id, "name": "Chalk Street Software", "organisation_type": "ltd", "sme": True},
        "lot": "cloud-software",
        "summary": "Payroll and pensions for academies.",
        "price": {"min": "9.00", "max": "20.00", "unit": "user", "interval": "month"},
        "url": f"http://localhost/services/{corpus.payroll.id}",
        "highlights": {"name": "<mark>Payroll</mark> for schools", "summary": "<mark>Payroll</mark> and pensions for academies."},
    }
    assert set(answer["facets"]) == {"lot", "category", "org_type", "data_location", "certification"}
    assert answer["facets"]["lot"] == {"cloud-hosting": 0, "cloud-software": 1, "cloud-support": 0}
    assert answer["facets"]["org_type"] == {"sme": 1, "large": 0, "mutual": 0, "social_enterprise": 1, "vcse": 0}
    assert answer["facets"]["data_location"] == {"uk": 0, "eea": 0, "other": 1}
    assert answer["facets"]["certification"] == {"cyber_essentials": 0, "cyber_essentials_plus": 0, "iso27001": 0}
    assert answer["facets"]["category"] == {"payroll": 1}


def test_a_large_supplier_is_not_an_sme(client: FlaskClient, corpus: Corpus) -> None:
    (result,) = api(client, org_type="large")["results"]
    assert result["supplier"] == {"id": corpus.large.id, "name": "Stratus Hosting plc", "organisation_type": "ltd", "sme": False}


def test_the_answer_matches_the_documented_schema(client: FlaskClient, corpus: Corpus) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    components = {"components": openapi_document()["components"]}
    for params in ({}, {"q": "case"}, {"lot": "cloud-software"}, {"q": "nothing-like-this"}):
        jsonschema.validate(api(client, **params), {"$ref": "#/components/schemas/SearchResults", **components})


def test_the_api_and_the_page_agree(client: FlaskClient, corpus: Corpus) -> None:
    for params in ({}, {"q": "case"}, {"lot": "cloud-software", "sort": "price_desc"}, {"org_type": "sme", "data_location": "eea"},
                   {"price_max": "25", "sort": "name"}, {"category": ["payroll", "planning"], "free_trial": "1"}):
        answer = api(client, **params)
        page = client.get("/services", query_string=params).get_data(as_text=True)
        assert ids(answer) == result_ids(page), params
        assert result_count(page).startswith(f"{answer['total']} "), params


def test_with_a_lot_the_category_counts_are_that_lots_categories(client: FlaskClient, corpus: Corpus) -> None:
    categories = api(client, lot="cloud-support")["facets"]["category"]
    assert categories == {"ongoing-support": 0, "planning": 1, "quality-assurance-and-performance-testing": 0,
                          "security-services": 0, "setup-and-migration": 0, "training": 0}


def test_counts_leave_out_their_own_group(client: FlaskClient, corpus: Corpus) -> None:
    answer = api(client, org_type="mutual", lot="cloud-software")
    assert answer["total"] == 2
    assert answer["facets"]["org_type"] == {"sme": 3, "large": 0, "mutual": 2, "social_enterprise": 1, "vcse": 0}
    assert answer["facets"]["lot"] == {"cloud-hosting": 0, "cloud-software": 2, "cloud-support": 0}


def test_a_page_after_the_last_is_a_json_404(client: FlaskClient, corpus: Corpus) -> None:
    response = client.get("/api/v1/services?page=2")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    empty = client.get("/api/v1/services?q=zzzqqq")
    assert empty.status_code == 200 and empty.get_json()["total"] == 0 and empty.get_json()["results"] == []


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_never_error(client: FlaskClient, corpus: Corpus, q: str) -> None:
    assert client.get("/api/v1/services", query_string={"q": q}).status_code == 200


def test_unknown_values_are_ignored(client: FlaskClient, corpus: Corpus) -> None:
    everything = ids(api(client))
    assert ids(api(client, lot="x", org_type="plc", sort="best", page="one", price_max="£lots", free_trial="maybe")) == everything


def test_lapsed_suppliers_are_not_answered(client: FlaskClient, session: Session, corpus: Corpus) -> None:
    assert corpus.mutual.accreditation is not None
    corpus.mutual.accreditation.expires_on = today()
    session.commit()
    answer = api(client)
    assert not {corpus.case_management.id, corpus.case_notes.id} & set(ids(answer))
    assert answer["total"] == 3


def test_without_an_index_the_answer_is_a_json_503(client: FlaskClient, app: Flask) -> None:
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]), ignore_errors=True)
    response = client.get("/api/v1/services")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "search_unavailable"


def test_price_and_free_trial_narrow_every_count(client: FlaskClient, corpus: Corpus) -> None:
    facets = api(client, free_trial="1")["facets"]
    assert facets["org_type"] == {"sme": 2, "large": 0, "mutual": 2, "social_enterprise": 0, "vcse": 0}
    assert facets["lot"] == {"cloud-hosting": 0, "cloud-software": 2, "cloud-support": 0}
    priced = api(client, price_max="10")
    assert priced["total"] == 1
    assert priced["facets"]["data_location"] == {"uk": 0, "eea": 0, "other": 1}
