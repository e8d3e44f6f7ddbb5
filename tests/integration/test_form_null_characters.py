"""A null character posted in a form is refused next to its field (400), never a 500.

PostgreSQL cannot store a null character in text, so before this check a reason containing one was a 500 there
(found by tests/fuzz). On SQLite it was quietly stored. Now every form refuses it, on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus
from app.auth.models import Role
from app.suppliers.models import Accreditation, Organisation
from app.timeutil import today
from tests.contract_factories import make_contract
from tests.factories import login_as, make_accredited_supplier, make_user


@pytest.fixture
def organisation(session: Session, client: FlaskClient, app: Flask) -> Organisation:
    """An accredited supplier, with the client signed in as an admin who may suspend it."""
    organisation = make_accredited_supplier(session, Path(app.config["EVIDENCE_DIR"]))
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, admin)
    return organisation


def test_a_suspension_reason_with_a_null_character_is_refused_by_its_field(
    session: Session, client: FlaskClient, organisation: Organisation
) -> None:
    response = client.post(f"/admin/suppliers/{organisation.id}/suspend", data={"suspend-reason": "Unpaid\x00 fees"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "govuk-error-summary" in page
    assert "contains a null character: remove it" in page
    session.expire_all()
    assert session.get_one(Accreditation, organisation.accreditation.id).status == AccreditationStatus.ACCREDITED


def test_an_exclusion_reason_with_a_null_character_is_refused_by_its_field(session: Session, client: FlaskClient) -> None:
    buyer = make_user(session, Role.BUYER)
    contract = make_contract(session, buyer=buyer, start_date=today())
    session.commit()
    login_as(client, buyer)

    response = client.post(
        f"/buyer/projects/{contract.project_id}/shortlist/{contract.shortlist_item_id}/exclude",
        data={"reason": "\x00"},
    )

    assert response.status_code == 400
    assert "contains a null character: remove it" in response.get_data(as_text=True)


def test_a_reason_without_one_is_still_accepted(client: FlaskClient, organisation: Organisation) -> None:
    response = client.post(f"/admin/suppliers/{organisation.id}/suspend", data={"suspend-reason": "Unpaid fees"})

    assert response.status_code == 302
