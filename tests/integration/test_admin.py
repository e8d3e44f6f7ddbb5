from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import BuyerDomain, Role
from tests.factories import login_as, make_buyer_domain, make_user


def _domains(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(BuyerDomain.domain).order_by(BuyerDomain.domain)))


def _admin(client: FlaskClient, session: Session):  # type: ignore[no-untyped-def]
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, admin)
    return admin


def test_admin_adds_and_removes_a_buyer_domain_with_audit(client: FlaskClient, session: Session) -> None:
    admin = _admin(client, session)
    response = client.post("/admin/buyer-domains", data={"domain": "@Police.UK"}, follow_redirects=True)
    assert "can now register" in response.get_data(as_text=True)
    assert _domains(session) == ["police.uk"]
    entry = session.scalar(sa.select(BuyerDomain))
    client.post(f"/admin/buyer-domains/{entry.id}/remove")
    assert _domains(session) == []
    actions = list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == admin.id).order_by(AuditEvent.id)))
    assert actions[-2:] == ["buyer_domain.added", "buyer_domain.removed"]


def test_adding_a_domain_already_covered_by_a_suffix_is_refused_with_a_message(client: FlaskClient, session: Session) -> None:
    make_buyer_domain(session, "gov.uk")
    _admin(client, session)
    response = client.post("/admin/buyer-domains", data={"domain": "council.gov.uk"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already allowed because gov.uk is on the list" in page
    response = client.post("/admin/buyer-domains", data={"domain": "gov.uk"})
    assert "already on the list" in response.get_data(as_text=True)
    response = client.post("/admin/buyer-domains", data={"domain": "not a domain"})
    assert response.status_code == 400
    assert "Enter a domain like council.gov.uk" in response.get_data(as_text=True)
    assert _domains(session) == ["gov.uk"]


def test_admin_finds_users_by_email_role_and_status(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    make_user(session, email="findme@example.gov.uk")
    locked = make_user(session, Role.SUPPLIER, email="locked@example.com")
    locked.locked_at = locked.created_at
    session.commit()
    page = client.get("/admin/users?q=FINDME").get_data(as_text=True)
    assert "findme@example.gov.uk" in page and "locked@example.com" not in page
    page = client.get("/admin/users?status=locked").get_data(as_text=True)
    assert "locked@example.com" in page and "findme@example.gov.uk" not in page
    page = client.get("/admin/users?role=supplier").get_data(as_text=True)
    assert "locked@example.com" in page and "findme@example.gov.uk" not in page
    assert client.get("/admin/users?page=99").status_code == 404


def test_audit_log_filters_by_action_object_and_date(client: FlaskClient, session: Session) -> None:
    admin = _admin(client, session)
    target = make_user(session, email="target@example.gov.uk")
    session.commit()
    client.post(f"/admin/users/{target.id}/deactivate")
    page = client.get(f"/admin/audit?action=user.deactivated&object_type=users&object_id={target.id}").get_data(as_text=True)
    assert "user.deactivated" in page and admin.email in page
    assert '"active": false' in page  # the after data
    page = client.get("/admin/audit?action=user.deactivated&to=2000-01-01").get_data(as_text=True)
    assert "0 events" in page
    response = client.get("/admin/audit?from=yesterday")
    assert response.status_code == 400
    assert "Enter a date as YYYY-MM-DD" in response.get_data(as_text=True)
