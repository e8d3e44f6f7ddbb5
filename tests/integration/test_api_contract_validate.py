"""POST /api/v1/contracts/validate: the award form's rules (T1-T5) for anyone, changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from app.dates import add_months
from app.timeutil import today

URL = "/api/v1/contracts/validate"


def body(**overrides: object) -> dict[str, object]:
    start = today() + timedelta(days=30)
    values: dict[str, object] = {
        "start_date": start.isoformat(),
        "initial_term_months": 24,
        "break_dates": [add_months(start, 12).isoformat()],
        "buyer_notice_days": 30,
        "extensions_months": [12],
        "exit_fee": "0.00",
        "upfront_payment_months": 1,
        "pricing_model": "pay_as_you_go",
        "data_return": "All data exported as CSV and JSON within 10 days.",
    }
    values.update(overrides)
    return values


def test_the_interface_example_shape_is_valid(client: FlaskClient) -> None:
    response = client.post(URL, json=body())
    assert response.status_code == 200
    assert response.get_json() == {"valid": True}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"initial_term_months": 25}, "initial_term_months"),
        ({"break_dates": []}, "break_dates"),
        ({"buyer_notice_days": 31}, "buyer_notice_days"),
        ({"exit_fee": "0.01"}, "exit_fee"),
        ({"upfront_payment_months": 13}, "upfront_payment_months"),
        ({"data_return": ""}, "data_return"),
        ({"pricing_model": "upfront"}, "pricing_model"),
        ({"start_date": "4 January 2027"}, "start_date"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_each_broken_rule_is_explained_by_field(client: FlaskClient, overrides: dict[str, object], field: str) -> None:
    response = client.post(URL, json=body(**overrides))
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["valid"] is False
    assert answer["errors"][field] and isinstance(answer["errors"][field][0], str)


def test_a_long_contract_without_a_break_names_the_date_it_needs(client: FlaskClient) -> None:
    answer = client.post(URL, json=body(break_dates=[], extensions_months=[])).get_json()
    assert "needs a break date no later than 12 months after the start" in answer["errors"]["break_dates"][0]


@pytest.mark.parametrize("raw", [b"not json", b"[]", b"null", b'"text"', b"{"])
def test_bodies_that_are_not_objects_get_422_not_500(client: FlaskClient, raw: bytes) -> None:
    response = client.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("raw", "content_type"), [(b"not json", "application/json"), (b"[]", "application/json"), (b"", None)]
)
def test_a_body_that_cannot_be_read_still_answers_valid_false(
    client: FlaskClient, raw: bytes, content_type: str | None
) -> None:
    # The documented 422 answer of this endpoint always says "valid": false, even when the body is not JSON.
    response = client.post(URL, data=raw, content_type=content_type)
    assert response.status_code == 422
    answer = response.get_json()
    assert answer["valid"] is False
    assert answer["errors"]["body"] and isinstance(answer["errors"]["body"][0], str)
