"""The services API: suppliers draft, change and publish with a token; anyone reads what is visible (C1-C3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.catalogue import rules
from app.catalogue import services as catalogue
from app.catalogue.models import Service
from app.suppliers.models import Organisation
from app.timeutil import today
from tests.factories import make_user
from tests.integration.api_support import (
    accredited_supplier_with_token,
    complete_service,
    unaccredited_supplier_with_token,
)

SERVICES = "/api/v1/services"
Headers = dict[str, str]


@pytest.fixture
def supplier(session: Session, app: Flask) -> tuple[Organisation, Headers]:
    org, _, headers = accredited_supplier_with_token(session, app)
    return org, headers


def _create(client: FlaskClient, headers: Headers, **fields: Any) -> int:
    response = client.post(SERVICES, json={"lot": "cloud-hosting", **fields}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _publish_complete(client: FlaskClient, headers: Headers, **overrides: Any) -> int:
    response = client.post(SERVICES, json=complete_service(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    service_id = int(response.get_json()["id"])
    published = client.post(f"{SERVICES}/{service_id}/publish", headers=headers)
    assert published.status_code == 200, published.get_json()
    return service_id


def _service(session: Session, service_id: int) -> Service:
    session.expire_all()
    service = session.get(Service, service_id)
    assert service is not None
    return service


def _hosting_spec(session: Session) -> rules.LotSpec:
    return catalogue.lot_spec(catalogue.get_lot(session, "cloud-hosting"))


# Creating drafts


def test_a_supplier_creates_a_draft_from_json(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    org, headers = supplier
    response = client.post(
        SERVICES, json={"lot": "cloud-hosting", "name": "  Managed backup  ", "price_min": 12.5}, headers=headers
    )
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/services/{body['id']}")
    assert body["status"] == "draft" and body["version"] == 0 and body["lot"] == "cloud-hosting"
    assert body["name"] == "Managed backup" and body["price_min"] == "12.50" and body["features"] == []
    assert "Enter the summary" in body["missing"]["about"]
    service = _service(session, body["id"])
    assert service.organisation_id == org.id and service.status == "draft"
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "service.created", AuditEvent.object_id == str(service.id))
    )
    assert event is not None


def test_a_complete_draft_has_nothing_missing(client: FlaskClient, supplier: tuple[Organisation, Headers]) -> None:
    _, headers = supplier
    body = client.post(SERVICES, json=complete_service(), headers=headers).get_json()
    assert body["missing"] == {}
    assert body["categories"] == ["archiving-backup-and-disaster-recovery", "relational-database"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "No lot"},
        {"lot": "cloud-storage"},
        {"lot": 3},
        {"lot": None},
        {"lot": ["cloud-hosting"]},
        {"lot": "cloud\x00hosting"},
        {"lot": "CLOUD-HOSTING"},
    ],
)
def test_a_draft_needs_a_known_lot(
    client: FlaskClient, supplier: tuple[Organisation, Headers], body: dict[str, Any]
) -> None:
    response = client.post(SERVICES, json=body, headers=supplier[1])
    assert response.status_code == 422
    assert "lot" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "n" * 101),
        ("name", 42),
        ("summary", " ".join(["word"] * 51)),
        ("summary", "s" * 501),
        ("description", "d" * 3001),
        ("features", [f"feature {n}" for n in range(11)]),
        ("features", ["one two three four five six seven eight nine ten eleven"]),
        ("benefits", "not a list"),
        ("categories", ["not-a-category"]),
        ("categories", [f"c{n}" for n in range(11)]),
        ("price_min", "twelve pounds"),
        ("price_min", "12.345"),
        ("price_min", "-1"),
        ("price_min", "1_000"),
        ("price_min", True),
        ("price_unit", "furlong"),
        ("price_interval", "fortnight"),
        ("pricing_model", "upfront"),
        ("free_trial", "yes"),
        ("data_location", "mars"),
        ("certifications", ["iso9001"]),
        ("exit_data_formats", ["other"]),
        ("exit_process", "e" * 1501),
    ],
)
def test_the_api_refuses_exactly_what_the_forms_refuse_with_the_same_message(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers], field: str, value: Any
) -> None:
    expected = rules.clean_fields({field: value}, _hosting_spec(session))[1]
    assert field in expected
    response = client.post(SERVICES, json={"lot": "cloud-hosting", field: value}, headers=supplier[1])
    assert response.status_code == 422
    assert response.get_json() == {"errors": expected}


@pytest.mark.parametrize(
    ("value", "stored"), [("-0", "0.00"), ("£1,500", "1500.00"), (".5", "0.50"), (7, "7.00"), (0.1, "0.10")]
)
def test_prices_are_stored_as_plain_pounds_and_pence(
    client: FlaskClient, supplier: tuple[Organisation, Headers], value: Any, stored: str
) -> None:
    response = client.post(SERVICES, json={"lot": "cloud-hosting", "price_min": value}, headers=supplier[1])
    assert response.status_code == 201
    assert response.get_json()["price_min"] == stored


@pytest.mark.parametrize("value", ["\u0663", "1e3", "Infinity", "0x10", "1 000"])
def test_prices_written_other_than_in_plain_digits_are_refused(
    client: FlaskClient, supplier: tuple[Organisation, Headers], value: str
) -> None:
    response = client.post(SERVICES, json={"lot": "cloud-hosting", "price_min": value}, headers=supplier[1])
    assert response.status_code == 422
    assert response.get_json()["errors"]["price_min"] == [
        "Enter the starting price in pounds and pence, using numbers only, like 12.50"
    ]


def test_a_maximum_below_the_starting_price_is_refused(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    response = client.post(
        SERVICES, json={"lot": "cloud-hosting", "price_min": "10", "price_max": "5"}, headers=supplier[1]
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "price_max": ["The maximum price must be the same as or more than the starting price"]
    }


def test_unknown_and_read_only_fields_are_refused_with_every_problem_at_once(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    response = client.post(
        SERVICES,
        json={"lot": "cloud-hosting", "colour": "blue", "id": 7, "status": "published", "name": "n" * 101},
        headers=supplier[1],
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"colour", "id", "status", "name"}
    assert errors["colour"] == ["colour is not a field of a service"]
    assert errors["id"] == ["id is set by Cloudstore and cannot be sent"]


def test_a_draft_is_created_for_the_callers_organisation_only(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    org, headers = supplier
    response = client.post(SERVICES, json={"lot": "cloud-hosting", "organisation_id": 999}, headers=headers)
    assert response.status_code == 422
    assert session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


# Bad bodies never cause a 500

BAD_RAW_BODIES: list[tuple[str | bytes, str]] = [
    ("null", "application/json"),
    ("[]", "application/json"),
    ('[{"lot": "cloud-hosting"}]', "application/json"),
    ('"cloud-hosting"', "application/json"),
    ("42", "application/json"),
    ("true", "application/json"),
    ("", "application/json"),
    ("   ", "application/json"),
    ("{", "application/json"),
    ("{'lot': 'cloud-hosting'}", "application/json"),
    ('{"lot": "cloud-hosting",}', "application/json"),
    ('{"lot": NaN}', "application/json"),
    ('{"lot": "cloud-hosting", "price_min": Infinity}', "application/json"),
    ('{"lot": "cloud-hosting", "name": "\\ud800"}', "application/json"),
    ('{"lot": "cloud-hosting", "\\udfff": 1}', "application/json"),
    (b"\xff\xfe\x00{", "application/json"),
    (b'{"lot": "cloud-hosting", "name": "caf\xe9"}', "application/json"),
    (b'\xef\xbb\xbf{"lot": "cloud-hosting"}', "application/json"),
    ("[" * 100_000, "application/json"),
    ('{"a":' * 50_000 + "1" + "}" * 50_000, "application/json"),
    ('{"lot": "cloud-hosting", "price_min": 1' + "0" * 5000 + "}", "application/json"),
    ('{"lot": "cloud-hosting"}', "text/plain"),
    ('{"lot": "cloud-hosting"}', "application/x-www-form-urlencoded"),
    ("lot=cloud-hosting&name=x", "application/x-www-form-urlencoded"),
    ('{"lot": "cloud-hosting"}', "multipart/form-data; boundary=x"),
]

BAD_JSON_BODIES: list[Any] = [
    {"lot": "cloud-hosting", "name": 5},
    {"lot": "cloud-hosting", "name": {"nested": {"deeper": [1, 2]}}},
    {"lot": "cloud-hosting", "name": ["a", "b"]},
    {"lot": "cloud-hosting", "name": "x" * 200_000},
    {"lot": "cloud-hosting", "summary": 3.14},
    {"lot": "cloud-hosting", "features": "one"},
    {"lot": "cloud-hosting", "features": [1, 2, 3]},
    {"lot": "cloud-hosting", "features": [["nested"]]},
    {"lot": "cloud-hosting", "features": ["x" * 100_000]},
    {"lot": "cloud-hosting", "categories": [{"slug": "search"}]},
    {"lot": "cloud-hosting", "categories": "search"},
    {"lot": "cloud-hosting", "price_min": [], "price_max": {}},
    {"lot": "cloud-hosting", "price_min": 1e308},
    {"lot": "cloud-hosting", "price_min": "1e999999999"},
    {"lot": "cloud-hosting", "price_min": "NaN"},
    {"lot": "cloud-hosting", "price_unit": 1},
    {"lot": "cloud-hosting", "free_trial": 1},
    {"lot": "cloud-hosting", "free_trial": None, "certifications": [None]},
    {"lot": "cloud-hosting", "certifications": ["cyber_essentials", 5]},
    {"lot": "cloud-hosting", "exit_data_formats": {"csv": True}},
    {"lot": "cloud-hosting", "": "empty key"},
    {"lot": "cloud-hosting", "x" * 10_000: 1},
    {"lot": {"slug": "cloud-hosting"}},
    {"lot": "x" * 100_000},
]


@pytest.mark.parametrize(("data", "content_type"), BAD_RAW_BODIES, ids=[f"raw{n}" for n in range(len(BAD_RAW_BODIES))])
def test_malformed_bodies_get_422_never_500(
    client: FlaskClient, supplier: tuple[Organisation, Headers], data: str | bytes, content_type: str
) -> None:
    _, headers = supplier
    service_id = _create(client, headers)
    for method, url in (("post", SERVICES), ("patch", f"{SERVICES}/{service_id}")):
        response = getattr(client, method)(url, data=data, content_type=content_type, headers=headers)
        assert response.status_code == 422, (method, response.get_json())
        assert response.is_json
        assert list(response.get_json()["errors"]) == ["body"]


@pytest.mark.parametrize("body", BAD_JSON_BODIES, ids=[f"json{n}" for n in range(len(BAD_JSON_BODIES))])
def test_wrong_types_and_oversized_values_get_422_by_field(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers], body: dict[str, Any]
) -> None:
    _, headers = supplier
    service_id = _create(client, headers)
    for method, url in (("post", SERVICES), ("patch", f"{SERVICES}/{service_id}")):
        response = getattr(client, method)(url, json=body, headers=headers)
        assert response.status_code == 422, (method, response.get_json())
        errors = response.get_json()["errors"]
        assert errors and all(isinstance(m, list) and m and all(isinstance(s, str) for s in m) for m in errors.values())
    assert session.scalar(sa.select(sa.func.count()).select_from(Service)) == 1


def test_a_body_over_the_size_limit_gets_413_as_json(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    response = client.post(
        SERVICES,
        data=json.dumps({"lot": "cloud-hosting", "description": "x" * 2_000_000}),
        content_type="application/json",
        headers=supplier[1],
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["code"]


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=8,
)
_field_names = st.sampled_from(["lot", *rules.FIELDS_BY_NAME, "id", "other"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(body=st.dictionaries(_field_names, _json_values, max_size=6))
def test_any_json_object_gets_an_answer_not_a_500(
    client: FlaskClient, supplier: tuple[Organisation, Headers], body: dict[str, Any]
) -> None:
    response = client.post(SERVICES, json=body, headers=supplier[1])
    assert response.status_code in (201, 422), response.get_json()


# Changing services


def test_a_supplier_changes_its_draft(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _create(client, headers, name="Backup", summary="Old summary")
    response = client.patch(
        f"{SERVICES}/{service_id}", json={"summary": "New summary", "features": ["Encrypted"]}, headers=headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["summary"] == "New summary" and body["features"] == ["Encrypted"] and body["name"] == "Backup"
    assert _service(session, service_id).data["summary"] == "New summary"
    cleared = client.patch(f"{SERVICES}/{service_id}", json={"summary": None}, headers=headers).get_json()
    assert cleared["summary"] is None
    assert client.patch(f"{SERVICES}/{service_id}", json={}, headers=headers).status_code == 200


def test_the_lot_can_be_repeated_but_not_changed(client: FlaskClient, supplier: tuple[Organisation, Headers]) -> None:
    _, headers = supplier
    service_id = _create(client, headers)
    assert (
        client.patch(
            f"{SERVICES}/{service_id}", json={"lot": "cloud-hosting", "name": "Same lot"}, headers=headers
        ).status_code
        == 200
    )
    response = client.patch(
        f"{SERVICES}/{service_id}", json={"lot": "cloud-software", "name": "Moved"}, headers=headers
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"lot"}
    assert "cannot move to another lot" in response.get_json()["errors"]["lot"][0]


def test_patch_uses_the_same_checks_as_the_forms(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _create(client, headers)
    response = client.patch(f"{SERVICES}/{service_id}", json={"name": "n" * 101, "version": 3}, headers=headers)
    assert response.status_code == 422
    expected = rules.clean_fields({"name": "n" * 101}, _hosting_spec(session))[1]["name"]
    assert response.get_json()["errors"] == {
        "name": expected,
        "version": ["version is set by Cloudstore and cannot be sent"],
    }


def test_editing_a_published_service_makes_a_new_live_version(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _publish_complete(client, headers)
    response = client.patch(f"{SERVICES}/{service_id}", json={"price_min": "0.04"}, headers=headers)
    assert response.status_code == 200
    assert response.get_json()["version"] == 2 and response.get_json()["status"] == "published"
    public = client.get(f"{SERVICES}/{service_id}").get_json()
    assert public["version"] == 2 and public["price_min"] == "0.04"
    assert catalogue.version(session, _service(session, service_id), 1).data["price_min"] == "0.05"  # type: ignore[union-attr]
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "service.edited")) is not None


def test_a_published_service_cannot_lose_a_required_answer(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _publish_complete(client, headers)
    response = client.patch(f"{SERVICES}/{service_id}", json={"summary": None}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"]
    assert client.get(f"{SERVICES}/{service_id}").get_json()["summary"]


def test_a_withdrawn_service_cannot_change(client: FlaskClient, session: Session, app: Flask) -> None:
    _, user, headers = accredited_supplier_with_token(session, app)
    service_id = _publish_complete(client, headers)
    catalogue.withdraw_service(session, user, _service(session, service_id), "Replaced")
    session.commit()
    response = client.patch(f"{SERVICES}/{service_id}", json={"name": "Back again"}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


# Another organisation's services


def test_one_supplier_can_neither_see_nor_change_anothers_services(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    _, _, owner = accredited_supplier_with_token(session, app)
    _, _, intruder = accredited_supplier_with_token(session, app)
    draft_id = _create(client, owner, name="Secret draft")
    published_id = _publish_complete(client, owner)
    missing_id = published_id + 1000
    for service_id in (draft_id, published_id, missing_id):
        for method, url, body in (
            ("patch", f"{SERVICES}/{service_id}", {"name": "Mine now"}),
            ("post", f"{SERVICES}/{service_id}/publish", None),
        ):
            response = getattr(client, method)(url, json=body, headers=intruder)
            assert response.status_code == 404
            assert response.get_json() == {
                "error": {"code": "not_found", "message": f"Your organisation has no service with id {service_id}"}
            }
    assert client.get(f"{SERVICES}/{draft_id}", headers=intruder).status_code == 404
    assert client.get(f"{SERVICES}/{draft_id}", headers=owner).status_code == 404  # drafts are never public
    assert _service(session, draft_id).name == "Secret draft"
    assert _service(session, draft_id).status == "draft"


def test_a_colleague_in_the_same_organisation_can_change_the_service(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    from tests.factories import make_supplier_user
    from tests.integration.api_support import bearer, token_for

    org, _, headers = accredited_supplier_with_token(session, app)
    service_id = _create(client, headers)
    colleague = make_supplier_user(session, org)
    colleague_headers = bearer(token_for(session, colleague))
    session.commit()
    assert (
        client.patch(f"{SERVICES}/{service_id}", json={"name": "Shared"}, headers=colleague_headers).status_code == 200
    )


@pytest.mark.parametrize(
    "url", [f"{SERVICES}/99999999999999999999", f"{SERVICES}/2147483648", "/api/v1/suppliers/99999999999999999999"]
)
def test_ids_beyond_the_database_range_are_not_found(
    client: FlaskClient, supplier: tuple[Organisation, Headers], url: str
) -> None:
    assert client.get(url).status_code == 404
    if url.startswith(SERVICES):
        assert client.patch(url, json={}, headers=supplier[1]).status_code == 404
        assert client.post(f"{url}/publish", headers=supplier[1]).status_code == 404


# Publishing


def test_a_complete_draft_is_published(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _create(client, headers, **{k: v for k, v in complete_service().items() if k != "lot"})
    response = client.post(f"{SERVICES}/{service_id}/publish", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == service_id and body["status"] == "published" and body["version"] == 1
    assert body["url"].endswith(f"/services/{service_id}")
    assert _service(session, service_id).status == "published"


def test_publishing_an_incomplete_draft_says_what_is_missing_by_section(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _create(
        client,
        headers,
        **{k: v for k, v in complete_service().items() if k not in ("lot", "summary", "exit_data_formats")},
    )
    response = client.post(f"{SERVICES}/{service_id}/publish", headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "about": ["Enter the summary"],
        "exit": ["Add formats the buyer's data is returned in"],
    }


def test_a_certification_the_supplier_does_not_hold_stops_publishing(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    response = client.post(SERVICES, json=complete_service(certifications=["iso27001"]), headers=headers)
    service_id = response.get_json()["id"]
    response = client.post(f"{SERVICES}/{service_id}/publish", headers=headers)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["certifications"]


@pytest.mark.parametrize(
    ("status", "words"),
    [("draft", "must be accredited"), ("submitted", "waiting for a decision"), ("suspended", "suspended")],
)
def test_a_supplier_not_in_good_standing_cannot_publish(
    client: FlaskClient, session: Session, app: Flask, status: str, words: str
) -> None:
    org, _, headers = unaccredited_supplier_with_token(session, app, status)
    response = client.post(SERVICES, json=complete_service(), headers=headers)
    assert response.status_code == 201  # drafting is open to every supplier
    service_id = response.get_json()["id"]
    expected = catalogue.supplier_can_publish(org, org.accreditation, today())
    response = client.post(f"{SERVICES}/{service_id}/publish", headers=headers)
    assert response.status_code == 403
    assert response.get_json() == {"error": {"code": "publish_refused", "message": expected}}
    assert words in str(expected)
    assert _service(session, service_id).status == "draft"


def test_a_published_service_cannot_be_published_again(
    client: FlaskClient, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _publish_complete(client, headers)
    response = client.post(f"{SERVICES}/{service_id}/publish", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


# Reading published services


def test_anyone_reads_a_published_service(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    org, headers = supplier
    service_id = _publish_complete(client, headers)
    response = client.get(f"{SERVICES}/{service_id}")
    assert response.status_code == 200
    body = response.get_json()
    expected = complete_service()
    expected["categories"] = sorted(expected["categories"])
    for name, value in expected.items():
        assert body[name] == value, name
    assert body["id"] == service_id and body["version"] == 1
    assert body["supplier"] == {
        "id": org.id,
        "name": org.name,
        "organisation_type": org.organisation_type,
        "sme": org.is_sme,
    }
    assert body["url"].endswith(f"/services/{service_id}")
    assert body["updated"].endswith("Z") and body["updated"][:10] == today().isoformat()
    assert body["price_text"] == rules.price_text(complete_service())
    assert body["price_text"].startswith("£0.05 to £2.00")
    assert set(body) >= {f.name for f in rules.FIELDS}


def test_drafts_and_unknown_services_are_not_found(client: FlaskClient, supplier: tuple[Organisation, Headers]) -> None:
    draft_id = _create(client, supplier[1])
    for service_id in (draft_id, draft_id + 1000):
        response = client.get(f"{SERVICES}/{service_id}")
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("change", ["suspended", "lapsed"])
def test_services_of_suppliers_not_in_good_standing_are_hidden(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers], change: str
) -> None:
    org, headers = supplier
    service_id = _publish_complete(client, headers)
    accreditation = session.get(Organisation, org.id).accreditation  # type: ignore[union-attr]
    assert accreditation is not None
    if change == "suspended":
        accreditation.status = "suspended"
    else:
        accreditation.expires_on = today()
    session.commit()
    assert client.get(f"{SERVICES}/{service_id}").status_code == 404


def test_a_withdrawn_service_is_gone_with_its_reason_and_date(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    _, user, headers = accredited_supplier_with_token(session, app)
    service_id = _publish_complete(client, headers)
    catalogue.withdraw_service(session, user, _service(session, service_id), "Replaced by Managed PostgreSQL 2")
    session.commit()
    response = client.get(f"{SERVICES}/{service_id}")
    assert response.status_code == 410
    error = response.get_json()["error"]
    changed = _service(session, service_id).status_changed_at.date()
    assert error["code"] == "gone"
    assert "withdrawn" in error["message"] and "Replaced by Managed PostgreSQL 2" in error["message"]
    assert f"{changed.day} {changed:%B %Y}" in error["message"]
    assert error["status"] == "withdrawn" and error["date"] == changed.isoformat()


def test_a_disabled_service_is_gone_with_its_reason(
    client: FlaskClient, session: Session, supplier: tuple[Organisation, Headers]
) -> None:
    _, headers = supplier
    service_id = _publish_complete(client, headers)
    admin = make_user(session, Role.ADMIN)
    catalogue.disable_service(session, admin, _service(session, service_id), "Claims we could not verify")
    session.commit()
    response = client.get(f"{SERVICES}/{service_id}")
    assert response.status_code == 410
    assert "Claims we could not verify" in response.get_json()["error"]["message"]
    assert response.get_json()["error"]["status"] == "disabled"


def test_reads_need_no_token_and_ignore_a_bad_one(client: FlaskClient, supplier: tuple[Organisation, Headers]) -> None:
    service_id = _publish_complete(client, supplier[1])
    assert client.get(f"{SERVICES}/{service_id}", headers={"Authorization": "Bearer nonsense"}).status_code == 200
