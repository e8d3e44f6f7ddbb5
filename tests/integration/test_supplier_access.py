"""Supplier pages are for the organisation's own users, admin supplier pages for admins: everyone else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.suppliers.models import Certificate, EvidenceDocument, Invitation
from tests.factories import MINIMAL_PDF, login_as, make_complete_supplier, make_supplier_user, make_user

ANON, SUPPLIER, BUYER, ADMIN = "anonymous", "supplier", "buyer", "admin"

SUPPLIER_PAGES = [
    "/supplier/",
    "/supplier/organisation",
    "/supplier/organisation/details",
    "/supplier/organisation/registration",
    "/supplier/organisation/type",
    "/supplier/organisation/size",
    "/supplier/colleagues",
    "/supplier/accreditation",
    "/supplier/accreditation/declarations",
    "/supplier/accreditation/certificates",
    "/supplier/accreditation/insurance",
    "/supplier/accreditation/documents",
    "/supplier/accreditation/documents/{document_id}",
]
SUPPLIER_POSTS = [
    "/supplier/organisation/details",
    "/supplier/organisation/registration",
    "/supplier/organisation/type",
    "/supplier/organisation/size",
    "/supplier/colleagues",
    "/supplier/colleagues/{user_id}/remove",
    "/supplier/invitations/{invitation_id}/revoke",
    "/supplier/accreditation/declarations",
    "/supplier/accreditation/certificates",
    "/supplier/accreditation/certificates/{certificate_id}/remove",
    "/supplier/accreditation/insurance",
    "/supplier/accreditation/documents",
    "/supplier/accreditation/documents/{document_id}/remove",
    "/supplier/accreditation/submit",
    "/supplier/accreditation/reapply",
]
ADMIN_PAGES = [
    "/admin/accreditation",
    "/admin/accreditation?status=accredited",
    "/admin/suppliers/{organisation_id}",
    "/admin/suppliers/{organisation_id}/documents/{document_id}",
]
DECISIONS = ["approve", "reject", "request_changes", "suspend", "reinstate"]


@pytest.fixture
def org_a(app: Flask, session: Session) -> dict[str, int]:
    """Organisation A, submitted, with a certificate, a document, a second user and a pending invitation."""
    organisation = make_complete_supplier(session, app.config["EVIDENCE_DIR"], status="submitted")
    owner = make_supplier_user(session, organisation)
    colleague = make_supplier_user(session, organisation)
    invitation = Invitation(organisation_id=organisation.id, email="invited@a.example", invited_by_id=owner.id)
    session.add(invitation)
    session.commit()
    return {
        "organisation_id": organisation.id,
        "owner_id": owner.id,
        "user_id": colleague.id,
        "invitation_id": invitation.id,
        "certificate_id": organisation.certificates[0].id,
        "document_id": organisation.documents[0].id,
    }


def _client_as(role: str, app: Flask, session: Session) -> FlaskClient:
    client = app.test_client()
    if role != ANON:
        user = make_user(session, Role(role))
        session.commit()
        login_as(client, user)
    return client


def _assert_refused(role: str, response) -> None:  # type: ignore[no-untyped-def]
    if role == ANON:
        assert response.status_code == 302
        assert response.location.startswith("/login")
    else:
        assert response.status_code == 403


ADMIN_SUPPLIER_ENDPOINTS = {"admin.accreditation_queue", "admin.supplier", "admin.decide", "admin.supplier_document"}


def test_the_lists_cover_every_supplier_and_admin_supplier_route(app: Flask) -> None:
    def shape(path: str) -> str:
        return path.split("?")[0].replace("{", "<").replace("}", ">")

    listed = {shape(p) for p in SUPPLIER_PAGES + SUPPLIER_POSTS + ADMIN_PAGES}
    listed |= {"/admin/suppliers/<organisation_id>/<action>"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("suppliers.") or rule.endpoint in ADMIN_SUPPLIER_ENDPOINTS:
            path = rule.rule.replace("<int:", "<").replace("<any(approve, reject, request_changes, suspend, reinstate):", "<")
            assert path in listed, f"{rule.rule} is not in the access lists"


# Another organisation's objects


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/supplier/accreditation/certificates/{certificate_id}/remove"),
        ("get", "/supplier/accreditation/documents/{document_id}"),
        ("post", "/supplier/accreditation/documents/{document_id}/remove"),
        ("post", "/supplier/colleagues/{user_id}/remove"),
        ("post", "/supplier/colleagues/{owner_id}/remove"),
        ("post", "/supplier/invitations/{invitation_id}/revoke"),
    ],
)
def test_a_supplier_gets_404_for_another_organisations_objects(
    app: Flask, session: Session, org_a: dict[str, int], method: str, url: str
) -> None:
    intruder = make_user(session, Role.SUPPLIER)  # in organisation B, in draft so it could change its own
    session.commit()
    client = app.test_client()
    login_as(client, intruder)
    response = getattr(client, method)(url.format(**org_a))
    assert response.status_code == 404
    assert MINIMAL_PDF not in response.data

    session.expire_all()
    assert session.get(Certificate, org_a["certificate_id"]) is not None
    assert session.get(EvidenceDocument, org_a["document_id"]) is not None
    assert session.get(User, org_a["user_id"]).active and session.get(User, org_a["owner_id"]).active
    assert session.get(Invitation, org_a["invitation_id"]).is_pending


def test_a_supplier_can_reach_its_own_objects(app: Flask, session: Session, org_a: dict[str, int]) -> None:
    client = app.test_client()
    login_as(client, session.get(User, org_a["owner_id"]))
    response = client.get(f"/supplier/accreditation/documents/{org_a['document_id']}")
    assert response.status_code == 200 and response.data == MINIMAL_PDF
    client.post(f"/supplier/invitations/{org_a['invitation_id']}/revoke")
    client.post(f"/supplier/colleagues/{org_a['user_id']}/remove")
    session.expire_all()
    assert not session.get(Invitation, org_a["invitation_id"]).is_pending
    assert not session.get(User, org_a["user_id"]).active


def test_an_admins_document_link_must_name_the_documents_own_organisation(
    app: Flask, session: Session, org_a: dict[str, int]
) -> None:
    other = make_complete_supplier(session, app.config["EVIDENCE_DIR"])
    session.commit()
    admin = _client_as(ADMIN, app, session)
    assert admin.get(f"/admin/suppliers/{other.id}/documents/{org_a['document_id']}").status_code == 404
    assert admin.get(f"/admin/suppliers/{org_a['organisation_id']}/documents/999999").status_code == 404
    assert admin.get("/admin/suppliers/999999").status_code == 404


# Supplier pages: supplier users only


@pytest.mark.parametrize("role", [ANON, BUYER, ADMIN])
@pytest.mark.parametrize("url", SUPPLIER_PAGES)
def test_supplier_pages_are_refused_to_everyone_but_supplier_users(
    app: Flask, session: Session, org_a: dict[str, int], role: str, url: str
) -> None:
    response = _client_as(role, app, session).get(url.format(**org_a))
    _assert_refused(role, response)
    assert MINIMAL_PDF not in response.data


@pytest.mark.parametrize("role", [ANON, BUYER, ADMIN])
@pytest.mark.parametrize("url", SUPPLIER_POSTS)
def test_supplier_actions_are_refused_to_everyone_but_supplier_users(
    app: Flask, session: Session, org_a: dict[str, int], role: str, url: str
) -> None:
    response = _client_as(role, app, session).post(url.format(**org_a), data={"email": "x@example.com", "name": "Taken Over Ltd"})
    _assert_refused(role, response)
    session.expire_all()
    assert session.get(Invitation, org_a["invitation_id"]).is_pending
    assert session.get(User, org_a["user_id"]).active


@pytest.mark.parametrize("status", ["draft", "submitted", "changes_requested", "accredited", "rejected", "suspended", "expired"])
def test_a_supplier_user_can_open_every_supplier_page_whatever_the_status(
    app: Flask, session: Session, status: str
) -> None:
    organisation = make_complete_supplier(session, app.config["EVIDENCE_DIR"], status=status, declarations={"insolvency": True})
    user = make_supplier_user(session, organisation)
    session.commit()
    ids = {"document_id": organisation.documents[0].id}
    client = app.test_client()
    login_as(client, user)
    for url in SUPPLIER_PAGES:
        response = client.get(url.format(**ids))
        assert response.status_code == 200, url


# Admin supplier pages: admins only


@pytest.mark.parametrize("role", [ANON, SUPPLIER, BUYER])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_supplier_pages_are_refused_to_non_admins(
    app: Flask, session: Session, org_a: dict[str, int], role: str, url: str
) -> None:
    response = _client_as(role, app, session).get(url.format(**org_a))
    _assert_refused(role, response)
    assert MINIMAL_PDF not in response.data


@pytest.mark.parametrize("role", [ANON, SUPPLIER, BUYER])
@pytest.mark.parametrize("action", DECISIONS)
def test_accreditation_decisions_are_refused_to_non_admins(
    app: Flask, session: Session, org_a: dict[str, int], role: str, action: str
) -> None:
    client = _client_as(role, app, session)
    response = client.post(f"/admin/suppliers/{org_a['organisation_id']}/{action}", data={f"{action}-reason": "Because."})
    _assert_refused(role, response)
    session.expire_all()
    from app.suppliers.models import Accreditation

    status = session.scalar(sa.select(Accreditation.status).where(Accreditation.organisation_id == org_a["organisation_id"]))
    assert status == "submitted"


def test_a_supplier_cannot_decide_on_its_own_application(app: Flask, session: Session, org_a: dict[str, int]) -> None:
    client = app.test_client()
    login_as(client, session.get(User, org_a["owner_id"]))
    assert client.post(f"/admin/suppliers/{org_a['organisation_id']}/approve").status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admins_can_reach_the_supplier_pages(app: Flask, session: Session, org_a: dict[str, int], url: str) -> None:
    response = _client_as(ADMIN, app, session).get(url.format(**org_a))
    assert response.status_code == 200


@pytest.mark.parametrize("action", DECISIONS)
def test_admins_can_post_decisions(app: Flask, session: Session, org_a: dict[str, int], action: str) -> None:
    response = _client_as(ADMIN, app, session).post(f"/admin/suppliers/{org_a['organisation_id']}/{action}", data={f"{action}-reason": "Because."})
    assert response.status_code == 302  # decided, or refused with a message when not a legal move


def test_evidence_files_are_not_served_from_static(app: Flask, session: Session, org_a: dict[str, int]) -> None:
    document = session.get(EvidenceDocument, org_a["document_id"])
    assert document is not None
    stored = (Path(app.config["EVIDENCE_DIR"]) / document.storage_key).resolve()
    assert stored.exists()
    assert not stored.is_relative_to(Path(app.static_folder).resolve())  # type: ignore[arg-type]
    client = app.test_client()
    assert client.get(f"/static/{document.storage_key}").status_code == 404
    assert client.get(f"/static/../{document.storage_key}").status_code == 404
