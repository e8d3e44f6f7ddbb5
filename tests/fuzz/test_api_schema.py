"""The JSON API against its own description: every operation of /api/v1/openapi.json, fuzzed over HTTP.

Schemathesis reads the document from a live server and sends each operation requests made from it, both
valid ones and ones that break the schema on purpose. Whatever is sent, the server never answers 500, and
every answer is one the document promises: a documented status code and content type, a body that matches
the schema of that status, and the headers it names. The write operations run with a real bearer token of
the demo supplier, half of the time on one of that supplier's own services, so they get past the token and
ownership checks to the field rules.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import schemathesis
import sqlalchemy as sa
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.openapi import openapi_document
from app.auth.models import User
from app.catalogue.models import Service
from app.catalogue.rules import ServiceStatus
from tests.fuzz.conftest import DEMO_PASSWORD, DEMO_SUPPLIER, LiveApi, budget

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def api_token(live_api: LiveApi) -> str:
    response = requests.post(
        f"{live_api.url}/api/v1/tokens",
        json={"email": DEMO_SUPPLIER, "password": DEMO_PASSWORD, "name": "Fuzzing"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


@pytest.fixture(scope="module")
def own_service_ids(live_api: LiveApi, api_token: str) -> list[int]:
    """A draft of the demo supplier's (made through the API) and its published services."""
    response = requests.post(
        f"{live_api.url}/api/v1/services",
        json={"lot": "cloud-support", "name": "Fuzzing draft"},
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    session = live_api.app.extensions["sessionmaker"]()
    try:
        organisation_id = session.scalar(sa.select(User.organisation_id).where(User.email == DEMO_SUPPLIER))
        published = session.scalars(
            sa.select(Service.id)
            .where(Service.organisation_id == organisation_id, Service.status == ServiceStatus.PUBLISHED)
            .order_by(Service.id)
            .limit(3)
        ).all()
    finally:
        session.close()
    assert published, "the demo supplier should have published services"
    return [int(response.json()["id"]), *published]


# The document the app serves, read without a server so that pytest lists one test per operation; the first
# test below checks that the live server serves exactly this document.
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.phases.update(phases=["examples", "fuzzing"])


def test_the_live_server_serves_the_document_being_fuzzed(live_api: LiveApi) -> None:
    response = requests.get(f"{live_api.url}/api/v1/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(openapi_document()))


def _aim_at_own_services(case: Any, own_service_ids: list[int]) -> None:
    """Point an even generated service id at one of the demo supplier's services (a draft or a published one), so
    the writes reach the field rules; odd ones stay as generated (mostly 404, or someone else's service)."""
    generated = (case.path_parameters or {}).get("service_id")
    if isinstance(generated, int) and not isinstance(generated, bool) and generated % 2 == 0:
        case.path_parameters["service_id"] = own_service_ids[(generated // 2) % len(own_service_ids)]


@schema.parametrize()
@budget(EXAMPLES_PER_OPERATION)
def test_every_answer_is_one_the_document_promises(
    case: Any, live_api: LiveApi, api_token: str, own_service_ids: list[int]
) -> None:
    _aim_at_own_services(case, own_service_ids)
    case.call_and_validate(
        base_url=f"{live_api.url}/api/v1", headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS
    )
