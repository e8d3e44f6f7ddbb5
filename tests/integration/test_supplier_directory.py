"""The public supplier A-Z, profiles and API show only suppliers in good standing (rules C1, C4, C7)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.suppliers.models import Organisation
from app.timeutil import today
from tests.factories import login_as, make_accredited_supplier, make_complete_supplier, make_organisation, make_service, make_user


@pytest.fixture
def evidence_dir(app: Flask) -> Path:
    return Path(app.config["EVIDENCE_DIR"])


def _listed(session: Session, evidence_dir: Path, **overrides: object) -> Organisation:
    """An accredited supplier with a published service: what the A-Z lists."""
    org = make_accredited_supplier(session, evidence_dir, **overrides)
    make_service(session, org)
    return org


def _published_then(session: Session, evidence_dir: Path, name: str, **accreditation: object) -> Organisation:
    """A supplier that published a service while accredited, and then changed standing."""
    org = _listed(session, evidence_dir, name=name)
    for key, value in accreditation.items():
        setattr(org.accreditation, key, value)
    session.flush()
    return org


def _hidden(session: Session, evidence_dir: Path) -> dict[str, Organisation]:
    """One supplier in each state the public must not see, all named with K."""
    return {
        "draft": make_complete_supplier(session, evidence_dir, name="Kite Draft Ltd"),
        "submitted": make_complete_supplier(session, evidence_dir, status="submitted", name="Kestrel Submitted Ltd"),
        "changes_requested": make_complete_supplier(session, evidence_dir, status="changes_requested", name="Kiln Changes Ltd"),
        "rejected": make_complete_supplier(session, evidence_dir, status="rejected", name="Knot Rejected Ltd"),
        "suspended": _published_then(session, evidence_dir, "Kelp Suspended Ltd", status="suspended"),
        "expired": _published_then(session, evidence_dir, "Kiwi Expired Ltd", status="expired", expires_on=today()),
        "lapsed today": _published_then(session, evidence_dir, "Koala Lapsed Ltd", expires_on=today()),
        "never applied": make_organisation(session, name="Kudu Unapplied Ltd"),
    }


def test_the_a_to_z_lists_only_accredited_suppliers_under_their_letter(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    kappa = _listed(session, evidence_dir, name="Kappa Cloud Ltd")
    lower = _listed(session, evidence_dir, name="kelvin hosting")
    last_day = _listed(session, evidence_dir, expires_on=today() + timedelta(days=1), name="Karma Last Day Ltd")
    _listed(session, evidence_dir, name="Lambda Ltd")
    hidden = _hidden(session, evidence_dir)
    session.commit()

    page = client.get("/suppliers?letter=k").get_data(as_text=True)
    assert page.index("Kappa Cloud Ltd") < page.index("Karma Last Day Ltd") < page.index("kelvin hosting")  # A to Z, any case
    for org in (kappa, lower, last_day):
        assert f'href="/suppliers/{org.id}"' in page
    assert "Lambda Ltd" not in page
    for state, org in hidden.items():
        assert org.name not in page, state

    page = client.get("/suppliers?letter=L").get_data(as_text=True)
    assert "Lambda Ltd" in page and "Kappa Cloud Ltd" not in page
    assert '/suppliers?letter=K">K<span class="govuk-visually-hidden"> (3 suppliers)' in page  # hidden ones not counted


def test_suppliers_not_in_good_standing_have_no_public_page_or_api_entry(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    hidden = _hidden(session, evidence_dir)
    session.commit()
    for state, org in hidden.items():
        assert client.get(f"/suppliers/{org.id}").status_code == 404, state
        response = client.get(f"/api/v1/suppliers/{org.id}")
        assert response.status_code == 404, state
        assert response.is_json and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/suppliers/999999").status_code == 404


def test_the_day_before_expiry_a_supplier_is_still_public(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org = make_accredited_supplier(session, evidence_dir, expires_on=today() + timedelta(days=1))
    session.commit()
    assert client.get(f"/suppliers/{org.id}").status_code == 200
    assert client.get(f"/api/v1/suppliers/{org.id}").status_code == 200


def test_suspending_hides_a_supplier_at_once_and_reinstating_brings_it_back(
    app: Flask, client: FlaskClient, session: Session, evidence_dir: Path
) -> None:
    org = _listed(session, evidence_dir, name="Quartz Cloud Ltd")
    admin_user = make_user(session, Role.ADMIN)
    session.commit()
    admin = app.test_client()
    login_as(admin, admin_user)

    admin.post(f"/admin/suppliers/{org.id}/suspend", data={"suspend-reason": "Investigating a complaint."})
    assert client.get(f"/suppliers/{org.id}").status_code == 404
    assert "Quartz Cloud Ltd" not in client.get("/suppliers?letter=Q").get_data(as_text=True)
    admin.post(f"/admin/suppliers/{org.id}/reinstate", data={"reinstate-reason": "Complaint not upheld."})
    assert client.get(f"/suppliers/{org.id}").status_code == 200
    assert "Quartz Cloud Ltd" in client.get("/suppliers?letter=Q").get_data(as_text=True)


def test_profile_shows_type_size_and_badges(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org = _listed(
        session, evidence_dir, name="Mutual Care Cloud",
        organisation_type="public_service_mutual", is_public_service_mutual=True, is_social_enterprise=True,
        employee_ownership_pct=60, headcount=30,
    )
    session.commit()
    page = client.get(f"/suppliers/{org.id}").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-xl\">Mutual Care Cloud</h1>" in page
    for shown in ("Public service mutual", "Small (an SME)", "SME (small)", "Social enterprise", "Cyber Essentials", "60%",
                  org.companies_house_number, "Leeds, United Kingdom"):
        assert shown in page
    # Links are real links, not escaped text.
    assert f'<a class="govuk-link" href="mailto:{org.contact_email}">' in page
    assert '<a class="govuk-link" rel="nofollow noopener" href="https://www.example.com">' in page
    assert "&lt;a" not in page
    assert 'href="/suppliers?letter=M"' in page  # back to its letter
    # Badges are on the A-Z too.
    index = client.get("/suppliers?letter=M").get_data(as_text=True)
    assert "SME (small)" in index and "Public service mutual" in index and "Social enterprise" in index


def test_a_large_supplier_is_not_labelled_an_sme(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org = make_accredited_supplier(session, evidence_dir, headcount=900, turnover_gbp="90000000", balance_sheet_gbp="90000000")
    session.commit()
    page = client.get(f"/suppliers/{org.id}").get_data(as_text=True)
    assert "Large organisation" in page and "SME (" not in page and "(an SME)" not in page
    assert client.get(f"/api/v1/suppliers/{org.id}").get_json()["sme"] is False


def test_expired_certificates_are_not_shown_as_badges(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org = make_accredited_supplier(session, evidence_dir, certificate_expires_on=today() - timedelta(days=1))
    session.commit()
    page = client.get(f"/suppliers/{org.id}").get_data(as_text=True)
    assert "No current certificates." in page and "Cyber Essentials" not in page
    assert client.get(f"/api/v1/suppliers/{org.id}").get_json()["certifications"] == []


def test_a_supplier_whose_name_starts_with_a_digit_is_under_0_to_9(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org = _listed(session, evidence_dir, name="3 Rivers Digital")
    _listed(session, evidence_dir, name="Apex Ltd")
    session.commit()
    assert "3 Rivers Digital" in client.get("/suppliers?letter=0-9").get_data(as_text=True)
    assert "3 Rivers Digital" not in client.get("/suppliers?letter=A").get_data(as_text=True)
    assert 'href="/suppliers?letter=0-9"' in client.get(f"/suppliers/{org.id}").get_data(as_text=True)


def test_an_unknown_letter_shows_the_first_letter_with_suppliers(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    _listed(session, evidence_dir, name="Beta Cloud")
    session.commit()
    response = client.get("/suppliers?letter=%3Cscript%3E")
    assert response.status_code == 200
    assert "Beta Cloud" in response.get_data(as_text=True)
    assert "There are no suppliers beginning with Z." in client.get("/suppliers?letter=Z").get_data(as_text=True)


def test_api_returns_the_public_profile_as_json(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org = make_accredited_supplier(
        session, evidence_dir, name="Open Data Co-op", organisation_type="co_operative", is_vcse=True, headcount=5,
        turnover_gbp="400000", balance_sheet_gbp="100000",
    )
    session.commit()
    response = client.get(f"/api/v1/suppliers/{org.id}")
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["id"] == org.id and data["name"] == "Open Data Co-op"
    assert (data["organisation_type"], data["size"], data["sme"]) == ("co_operative", "micro", True)
    assert data["vcse"] is True and data["public_service_mutual"] is False and data["social_enterprise"] is False
    assert data["companies_house_number"] == org.companies_house_number
    assert data["certifications"] == [
        {"kind": "cyber_essentials", "name": "Cyber Essentials", "expires_on": org.certificates[0].expires_on.isoformat()}
    ]
    assert data["contact"]["email"] == org.contact_email
    assert data["url"].endswith(f"/suppliers/{org.id}")
    # Nothing private: no VAT number, finances, declarations or documents.
    for private in ("vat_number", "turnover_gbp", "balance_sheet_gbp", "declarations", "documents"):
        assert private not in data
