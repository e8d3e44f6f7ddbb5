"""Public service pages (rules C1, C2): the current published version, 410 with a reason, 404 for what is not public."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import User
from app.catalogue import services as catalogue
from app.catalogue.models import Service, ServiceVersion
from app.suppliers.models import Organisation
from app.templating import format_date
from app.timeutil import today
from tests.factories import MINIMAL_PDF, make_accredited_supplier, make_service, make_supplier_user


@pytest.fixture
def evidence_dir(app: Flask) -> Path:
    return Path(app.config["EVIDENCE_DIR"])


@pytest.fixture
def documents_dir(app: Flask, tmp_path: Path) -> Path:
    app.config["SERVICE_DOCUMENTS_DIR"] = str(tmp_path / "service-documents")
    return tmp_path / "service-documents"


def _supplier(session: Session, evidence_dir: Path, **overrides: object) -> tuple[Organisation, User]:
    org = make_accredited_supplier(session, evidence_dir, **overrides)
    return org, make_supplier_user(session, org)


def _version(session: Session, service: Service, number: int) -> ServiceVersion:
    version = catalogue.version(session, service, number)
    assert version is not None
    return version


def test_a_visible_service_shows_every_section_of_its_current_version(
    client: FlaskClient, session: Session, evidence_dir: Path
) -> None:
    org, _ = _supplier(session, evidence_dir, name="Harbour Cloud Ltd", contact_name="Jo Contact", contact_phone="0113 496 0001")
    service = make_service(
        session, org, "cloud-software", name="Payroll for schools", summary="Payroll for academies, run for you.",
        description="Runs payroll every month.\n\nSubmits RTI returns to HMRC.",
        features=["Real time information submissions", "Pension scheme support"], benefits=["Staff paid on time"],
        categories=["payroll", "analytics"], certifications=["cyber_essentials"],
        exit_process="All data exported as CSV within 10 days.", exit_data_formats=["csv", "odf"],
    )
    session.commit()

    response = client.get(f"/services/{service.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-xl">Payroll for schools</h1>' in page
    assert "Cloud software" in page
    assert f'href="/suppliers/{org.id}">Harbour Cloud Ltd</a>' in page
    assert "SME (small)" in page  # the supplier's badges
    for section in ("About the service", "Features and benefits", "Categories", "Pricing", "Data and security",
                    "Support and accessibility", "Onboarding and exit", "Documents", "Contact the supplier"):
        assert f">{section}</h2>" in page, section
    for shown in ("Payroll for academies, run for you.", "Submits RTI returns to HMRC.", "Real time information submissions",
                  "Staff paid on time", "£100.00 to £500.00 a user a month", "Pay as you go", "UK only", "Cyber Essentials",
                  "NCSC Cloud Security Principles", "Baseline Personnel Security Standard (BPSS)", "Email, Telephone",
                  "Within 4 hours", "WCAG 2.2 AA or EN 301 549", "All data exported as CSV within 10 days.",
                  "CSV, OpenDocument (ODF)", "Jo Contact", "0113 496 0001", f"mailto:{org.contact_email}",
                  f"Version 1 of this service, last updated {format_date(today())}"):
        assert shown in page, shown
    # Categories by name, in the lot's words, not their slugs.
    assert "<li>Payroll</li>" in page and "<li>Analytics</li>" in page and ">payroll<" not in page


def test_the_page_shows_the_published_version_not_the_working_copy(
    client: FlaskClient, session: Session, evidence_dir: Path
) -> None:
    service = make_service(session, evidence_dir=evidence_dir, name="Published name")
    # A working copy that differs from the current version (it never should for a live service; the page must not care).
    service.data = {**service.data, "name": "Working copy name", "summary": "Not published."}
    session.commit()
    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "Published name" in page and "Working copy name" not in page and "Not published." not in page


def test_after_an_edit_the_page_shows_the_new_version_and_version_1_is_unchanged(
    client: FlaskClient, session: Session, evidence_dir: Path
) -> None:
    org, user = _supplier(session, evidence_dir)
    service = make_service(session, org, name="Old name", price_min="100.00")
    catalogue.update_service(session, user, service, {"name": "New name", "price_min": "120.00"})
    session.commit()

    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert "New name" in page and "£120.00 to £500.00" in page
    assert "Old name" not in page and "£100.00" not in page
    assert "Version 2 of this service" in page
    session.expire_all()
    first = _version(session, service, 1)
    assert (first.data["name"], first.data["price_min"]) == ("Old name", "100.00")
    assert _version(session, service, 2).data["name"] == "New name"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("withdrawn", "This service was withdrawn by the supplier on {date}: Replaced by a newer service"),
        ("disabled", "This service was removed by Cloudstore on {date}: Misleading claims under review"),
    ],
)
def test_a_withdrawn_or_disabled_service_answers_410_with_its_date_and_reason(
    client: FlaskClient, session: Session, evidence_dir: Path, status: str, message: str
) -> None:
    service = make_service(session, status=status, evidence_dir=evidence_dir, name="Gone Service")
    session.commit()
    response = client.get(f"/services/{service.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert message.format(date=format_date(service.status_changed_at)) in page
    assert "Gone Service" in page


def test_drafts_and_unknown_services_are_not_found(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    draft = make_service(session, status="draft", evidence_dir=evidence_dir)
    session.commit()
    assert client.get(f"/services/{draft.id}").status_code == 404
    assert client.get("/services/999999").status_code == 404


@pytest.mark.parametrize("state", ["suspended", "expired", "lapsed today"])
def test_services_of_a_supplier_not_in_good_standing_are_not_found(
    client: FlaskClient, session: Session, evidence_dir: Path, state: str
) -> None:
    org, _ = _supplier(session, evidence_dir)
    service = make_service(session, org)
    assert org.accreditation is not None
    if state == "suspended":
        org.accreditation.status = "suspended"
    elif state == "expired":
        org.accreditation.status = "expired"
    else:
        org.accreditation.expires_on = today()
    session.commit()
    assert client.get(f"/services/{service.id}").status_code == 404


def test_the_day_before_the_supplier_lapses_its_services_are_visible(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org, _ = _supplier(session, evidence_dir, expires_on=today() + timedelta(days=1))
    service = make_service(session, org)
    session.commit()
    assert client.get(f"/services/{service.id}").status_code == 200


def _add_document(session: Session, user: User, service: Service, directory: Path, filename: str, data: bytes = MINIMAL_PDF) -> int:
    document = catalogue.add_document(
        session, user, service, kind="pricing", filename=filename, data=data, storage_dir=directory, max_bytes=5 * 1024 * 1024
    )
    return document.id


def test_documents_download_only_while_the_current_version_refers_to_them(
    client: FlaskClient, session: Session, evidence_dir: Path, documents_dir: Path
) -> None:
    org, user = _supplier(session, evidence_dir)
    service = make_service(session, org)
    other = make_service(session, org)
    old = _add_document(session, user, service, documents_dir, "pricing-2026.pdf")
    new = _add_document(session, user, service, documents_dir, "pricing-2027.pdf", MINIMAL_PDF + b"%new\n")
    elsewhere = _add_document(session, user, other, documents_dir, "other.pdf")
    session.commit()

    page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert f'href="/services/{service.id}/documents/{new}"' in page and "pricing-2027.pdf" in page
    assert f"/documents/{old}" not in page and "pricing-2026.pdf" not in page

    response = client.get(f"/services/{service.id}/documents/{new}")
    assert response.status_code == 200
    assert response.data == MINIMAL_PDF + b"%new\n"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "pricing-2027.pdf" in response.headers["Content-Disposition"]
    assert response.mimetype == "application/pdf"

    assert client.get(f"/services/{service.id}/documents/{old}").status_code == 404  # replaced in a later version
    assert client.get(f"/services/{service.id}/documents/{elsewhere}").status_code == 404  # another service's
    assert client.get(f"/services/{service.id}/documents/999999").status_code == 404

    catalogue.withdraw_service(session, user, service, "No longer offered")
    session.commit()
    assert client.get(f"/services/{service.id}/documents/{new}").status_code == 410


def test_documents_of_a_hidden_service_are_not_served(
    client: FlaskClient, session: Session, evidence_dir: Path, documents_dir: Path
) -> None:
    org, user = _supplier(session, evidence_dir)
    service = make_service(session, org)
    document = _add_document(session, user, service, documents_dir, "pricing.pdf")
    assert org.accreditation is not None
    org.accreditation.status = "suspended"
    session.commit()
    assert client.get(f"/services/{service.id}/documents/{document}").status_code == 404


def test_the_supplier_profile_lists_only_its_visible_services(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    org, _ = _supplier(session, evidence_dir)
    shown = make_service(session, org, name="Listed Service")
    draft = make_service(session, org, status="draft", name="Draft Service")
    withdrawn = make_service(session, org, status="withdrawn", name="Withdrawn Service")
    disabled = make_service(session, org, status="disabled", name="Disabled Service")
    other = make_service(session, evidence_dir=evidence_dir, name="Someone Else's Service")
    session.commit()

    page = client.get(f"/suppliers/{org.id}").get_data(as_text=True)
    assert f'href="/services/{shown.id}">Listed Service</a>' in page
    for hidden in (draft, withdrawn, disabled, other):
        assert hidden.name not in page and f"/services/{hidden.id}\"" not in page


def test_the_a_to_z_lists_only_suppliers_with_a_visible_service(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    listed, _ = _supplier(session, evidence_dir, name="Wagtail Listed Ltd")
    make_service(session, listed)
    no_services, _ = _supplier(session, evidence_dir, name="Wren Empty Ltd")
    only_draft, _ = _supplier(session, evidence_dir, name="Warbler Draft Ltd")
    make_service(session, only_draft, status="draft")
    only_withdrawn, _ = _supplier(session, evidence_dir, name="Waxwing Withdrawn Ltd")
    make_service(session, only_withdrawn, status="withdrawn")
    suspended, _ = _supplier(session, evidence_dir, name="Woodcock Suspended Ltd")
    make_service(session, suspended)
    assert suspended.accreditation is not None
    suspended.accreditation.status = "suspended"
    session.commit()

    page = client.get("/suppliers?letter=W").get_data(as_text=True)
    assert "Wagtail Listed Ltd" in page
    for hidden in ("Wren Empty Ltd", "Warbler Draft Ltd", "Waxwing Withdrawn Ltd", "Woodcock Suspended Ltd"):
        assert hidden not in page, hidden
    other_letter = client.get("/suppliers?letter=A").get_data(as_text=True)
    assert '/suppliers?letter=W">W<span class="govuk-visually-hidden"> (1 suppliers)' in other_letter  # hidden ones not counted
    # An accredited supplier without services still has its profile page (it is named on contracts and shortlists).
    assert client.get(f"/suppliers/{no_services.id}").status_code == 200


def test_the_a_to_z_shows_a_supplier_again_once_it_publishes(
    client: FlaskClient, session: Session, evidence_dir: Path
) -> None:
    org, _ = _supplier(session, evidence_dir, name="Yellowhammer Ltd")
    session.commit()
    assert "Yellowhammer Ltd" not in client.get("/suppliers?letter=Y").get_data(as_text=True)
    make_service(session, org)
    session.commit()
    assert "Yellowhammer Ltd" in client.get("/suppliers?letter=Y").get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(Service.id)).where(Service.organisation_id == org.id)) == 1


def test_a_supplier_with_many_services_lists_them_a_page_at_a_time(
    client: FlaskClient, session: Session, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.suppliers.directory.SERVICES_PER_PAGE", 2)
    org, _ = _supplier(session, evidence_dir)
    for name in ("Charlie Service", "Alpha Service", "Bravo Service"):
        make_service(session, org, name=name)
    session.commit()
    first = client.get(f"/suppliers/{org.id}").get_data(as_text=True)
    assert "Alpha Service" in first and "Bravo Service" in first and "Charlie Service" not in first
    assert "3 services on Cloudstore, page 1 of 2." in first
    second = client.get(f"/suppliers/{org.id}?page=2").get_data(as_text=True)
    assert "Charlie Service" in second and "Alpha Service" not in second
    assert client.get(f"/suppliers/{org.id}?page=3").status_code == 404
