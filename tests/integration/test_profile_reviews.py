"""An accredited supplier's own profile changes go live at once and wait for an admin to review them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.suppliers import services as supplier_services
from app.suppliers.models import Organisation
from tests.factories import login_as, make_accredited_supplier, make_complete_supplier, make_supplier_user, make_user

BECOMES_A_MUTUAL = {"organisation_type": "public_service_mutual", "flags": ["is_public_service_mutual"], "employee_ownership_pct": "60"}


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login_as(client, user)
    return client


@pytest.fixture
def admin(app: Flask, session: Session) -> FlaskClient:
    user = make_user(session, Role.ADMIN, email="admin@cloudstore.example")
    session.commit()
    return signed_in(app, user)


@pytest.fixture
def accredited(app: Flask, session: Session) -> tuple[Organisation, User]:
    organisation = make_accredited_supplier(session, Path(app.config["EVIDENCE_DIR"]), name="Northgate Care", organisation_type="ltd")
    person = make_supplier_user(session, organisation, name="Pat Supplier")
    session.commit()
    return organisation, person


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def last_change(html: str) -> str:
    match = re.search(r'name="profile-last_change" type="hidden" value="(\d+)"', html)
    assert match, "no form to mark the profile changes as reviewed"
    return match.group(1)


def test_a_change_goes_live_and_waits_for_an_admin(app: Flask, session: Session, admin: FlaskClient, accredited: tuple[Organisation, User]) -> None:
    organisation, person = accredited
    assert "0 suppliers have profile changes waiting for review" in page(admin, "/admin/")

    response = signed_in(app, person).post("/supplier/organisation/type", data=BECOMES_A_MUTUAL)
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organisation, organisation.id).is_public_service_mutual  # live at once

    assert "1 supplier has profile changes waiting for review" in page(admin, "/admin/")
    assert "Profile changes of accredited suppliers to review (1)" in page(admin, "/admin/accreditation")
    listing = page(admin, "/admin/suppliers/profile-changes")
    assert "1 supplier has profile changes waiting" in listing
    assert f'href="/admin/suppliers/{organisation.id}#profile-changes">Northgate Care</a>' in listing

    supplier_page = page(admin, f"/admin/suppliers/{organisation.id}")
    assert "Profile changes to review" in supplier_page
    rows = re.findall(r"<tr class=\"govuk-table__row\">\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>\s*"
                      r"<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", supplier_page)
    assert (person.email, "Type of organisation", "Limited company", "Public service mutual") in rows
    assert (person.email, "Public service mutual", "No", "Yes") in rows

    response = admin.post(f"/admin/suppliers/{organisation.id}/profile-reviewed", data={"profile-last_change": last_change(supplier_page)})
    assert response.status_code == 302
    after = page(admin, f"/admin/suppliers/{organisation.id}")
    assert "Northgate Care: 1 profile change marked as reviewed." in after
    assert "Profile changes to review" not in after
    assert "There are no profile changes waiting for review." in page(admin, "/admin/suppliers/profile-changes")
    [event] = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "accreditation.profile_reviewed")).all()
    assert event.actor_label == "admin@cloudstore.example" and event.after["changes"] == 1


def test_a_change_made_while_the_admin_reads_keeps_waiting(
    app: Flask, session: Session, admin: FlaskClient, accredited: tuple[Organisation, User]
) -> None:
    organisation, person = accredited
    supplier_services.update_profile(session, person, organisation, "details", {"contact_name": "Robin Newcontact"})
    session.commit()
    seen = last_change(page(admin, f"/admin/suppliers/{organisation.id}"))
    supplier_services.update_profile(session, person, organisation, "details", {"contact_phone": "0113 496 0999"})
    session.commit()

    admin.post(f"/admin/suppliers/{organisation.id}/profile-reviewed", data={"profile-last_change": seen})
    supplier_page = page(admin, f"/admin/suppliers/{organisation.id}")
    assert "1 profile change marked as reviewed." in supplier_page
    assert "Profile changes to review" in supplier_page and "0113 496 0999" in supplier_page
    assert "Robin Newcontact</td>" not in supplier_page.split("Profile changes to review")[1].split("</table>")[0]

    # The same page sent again: nothing it showed is left to review.
    response = admin.post(f"/admin/suppliers/{organisation.id}/profile-reviewed", data={"profile-last_change": seen}, follow_redirects=True)
    assert "There are no profile changes to review: another admin may have reviewed them" in response.get_data(as_text=True)
    # A broken page (no change named) is sent back to be read again, changing nothing.
    response = admin.post(f"/admin/suppliers/{organisation.id}/profile-reviewed", data={"profile-last_change": "x"}, follow_redirects=True)
    assert "Open the supplier&#39;s page again to see its profile changes" in response.get_data(as_text=True)
    assert "0113 496 0999" in page(admin, f"/admin/suppliers/{organisation.id}")


def test_an_application_is_reviewed_as_a_whole_so_its_edits_do_not_queue(
    app: Flask, session: Session, admin: FlaskClient
) -> None:
    applicant = make_complete_supplier(session, Path(app.config["EVIDENCE_DIR"]), name="Applying Ltd", status=AccreditationStatus.SUBMITTED)
    person = make_supplier_user(session, applicant)
    supplier_services.update_profile(session, person, applicant, "details", {"contact_name": "Before approval"})
    session.commit()
    assert "Profile changes to review" not in page(admin, f"/admin/suppliers/{applicant.id}")

    supplier_page = page(admin, f"/admin/suppliers/{applicant.id}")
    token = re.search(r'name="approve-csrf_token"[^>]*value="([^"]+)"', supplier_page)
    admin.post(f"/admin/suppliers/{applicant.id}/approve", data={"approve-csrf_token": token.group(1) if token else ""})
    session.expire_all()
    assert session.get(Organisation, applicant.id).accreditation.status == AccreditationStatus.ACCREDITED
    # Approval saw the whole profile: nothing from before it waits.
    assert "Profile changes to review" not in page(admin, f"/admin/suppliers/{applicant.id}")
    assert "Applying Ltd" not in page(admin, "/admin/suppliers/profile-changes")
