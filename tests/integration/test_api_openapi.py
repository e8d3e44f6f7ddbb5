"""The OpenAPI document describes every route of the API, and nothing that does not exist."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.api.openapi import openapi_document
from app.api.presenters import LIST_FIELDS, READ_ONLY_KEYS
from app.catalogue import rules
from app.catalogue import services as catalogue
from app.catalogue.models import Service
from tests.factories import PASSWORD
from tests.integration.api_support import accredited_supplier_with_token, complete_service

PREFIX = "/api/v1"
IGNORED_METHODS = {"HEAD", "OPTIONS"}
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def _api_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") or rule.rule.startswith(PREFIX + "/"):
            # /api/v1/services/<int:service_id> -> /services/{service_id}
            path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(PREFIX))
            routes |= {(path, method.lower()) for method in (rule.methods or set()) - IGNORED_METHODS}
    return routes


def _documented(document: dict) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {(path, method) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS}


def test_every_api_route_is_described_and_every_description_is_a_route(app: Flask) -> None:
    routes, documented = _api_routes(app), _documented(openapi_document())
    assert routes, "no API routes found"
    assert routes - documented == set(), "routes missing from app/api/openapi.py"
    assert documented - routes == set(), "app/api/openapi.py describes routes that do not exist"


def test_the_document_is_served_as_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }


def test_the_document_is_valid_openapi_3_1() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_document())


def test_every_service_field_is_described_for_requests_and_answers() -> None:
    schemas = openapi_document()["components"]["schemas"]
    names = {f.name for f in rules.FIELDS}
    assert names <= set(schemas["ServiceCreate"]["properties"])
    assert names <= set(schemas["ServiceUpdate"]["properties"])
    assert names <= set(schemas["PublishedService"]["properties"])
    assert names <= set(schemas["WorkingCopy"]["properties"])
    assert names >= LIST_FIELDS
    assert not READ_ONLY_KEYS & set(schemas["ServiceCreate"]["properties"])


def test_write_operations_need_a_bearer_token_and_reads_do_not() -> None:
    paths = openapi_document()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            # Signing in for a token and checking contract terms need no token (interface.md).
            writes = method != "get" and path not in {"/tokens", "/contracts/validate"}
            assert operation["security"] == ([{"bearer": []}] if writes else []), (path, method)
            if writes:
                assert {"401", "403", "422"} <= set(operation["responses"]), (path, method)


def test_answers_match_the_documented_shapes(client: FlaskClient, session: Session, app: Flask) -> None:
    """What the API sends is what the document promises, for every schema an answer uses."""
    jsonschema = pytest.importorskip("jsonschema")
    components = {"components": openapi_document()["components"]}

    def check(response: TestResponse, name: str) -> None:
        jsonschema.validate(response.get_json(), {"$ref": f"#/components/schemas/{name}", **components})

    _, user, headers = accredited_supplier_with_token(session, app)
    check(client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}), "TokenCreated")
    check(client.post("/api/v1/tokens", json={}), "ValidationErrors")
    check(client.post("/api/v1/services"), "Error")
    draft = client.post("/api/v1/services", json={"lot": "cloud-hosting", "name": "Draft"}, headers=headers)
    check(draft, "WorkingCopy")
    created = client.post("/api/v1/services", json=complete_service(), headers=headers)
    service_id = created.get_json()["id"]
    check(client.patch(f"/api/v1/services/{service_id}", json={"price_max": None}, headers=headers), "WorkingCopy")
    check(client.post(f"/api/v1/services/{draft.get_json()['id']}/publish", headers=headers), "ValidationErrors")
    check(client.post(f"/api/v1/services/{service_id}/publish", headers=headers), "PublishResult")
    check(client.get(f"/api/v1/services/{service_id}"), "PublishedService")
    check(client.get(f"/api/v1/suppliers/{user.organisation_id}"), "Supplier")
    catalogue.withdraw_service(session, user, session.get(Service, service_id), "Replaced")  # type: ignore[arg-type]
    session.commit()
    check(client.get(f"/api/v1/services/{service_id}"), "GoneError")
    check(client.get(f"/api/v1/services/{draft.get_json()['id']}"), "Error")
