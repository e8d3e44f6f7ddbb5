"""Admins review edits after they go live (journeys 2 and 7): the queue, the diff, approving, disabling and enabling."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.catalogue import services as catalogue
from app.catalogue.models import Service
from app.templating import format_date
from app.timeutil import utcnow
from tests.factories import login_as, make_accredited_supplier, make_service, make_supplier_user, make_user


@pytest.fixture
def evidence_dir(app: Flask) -> Path:
    return Path(app.config["EVIDENCE_DIR"])


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> User:
    user = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, user)
    return user


def _edited(session: Session, evidence_dir: Path, name: str, *edits: dict[str, object], days_ago: int = 1) -> Service:
    """A published service with ``edits`` made by its supplier, the first of them ``days_ago`` days ago."""
    org = make_accredited_supplier(session, evidence_dir)
    supplier = make_supplier_user(session, org)
    service = make_service(session, org, name=name)
    for n, changes in enumerate(edits):
        version = catalogue.update_service(session, supplier, service, changes)
        assert version is not None
        version.created_at = utcnow() - timedelta(days=days_ago, minutes=-n)
    session.flush()
    return service


def _queue_names(page: str) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="/admin/services/\d+">([^<]+)</a>', page)


def _changed_fields(page: str) -> list[str]:
    table = re.search(r'<table class="govuk-table" id="changes">(.*?)</table>', page, re.S)
    assert table, "no table of changes"
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table.group(1))


def test_the_queue_lists_unreviewed_edits_oldest_first(client: FlaskClient, session: Session, admin: User, evidence_dir: Path) -> None:
    _edited(session, evidence_dir, "Edited yesterday", {"summary": "Changed."}, days_ago=1)
    _edited(session, evidence_dir, "Edited three days ago", {"summary": "Changed."}, {"price_min": "150.00"}, days_ago=3)
    _edited(session, evidence_dir, "Edited two days ago", {"summary": "Changed."}, days_ago=2)
    make_service(session, evidence_dir=evidence_dir, name="Never edited")
    session.commit()

    page = client.get("/admin/services/edits").get_data(as_text=True)
    assert _queue_names(page) == ["Edited three days ago", "Edited two days ago", "Edited yesterday"]
    assert "3 services have edits waiting" in page
    # The number of unreviewed versions is shown (2 for the service edited twice).
    row = re.search(r"Edited three days ago</a>.*?</tr>", page, re.S)
    assert row and '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in row.group(0)


def test_the_diff_shows_exactly_the_fields_changed_since_the_last_review(
    client: FlaskClient, session: Session, admin: User, evidence_dir: Path
) -> None:
    service = _edited(
        session, evidence_dir, "Payroll Cloud",
        {"name": "Payroll Cloud Plus", "features": ["Automatic daily backups", "Single sign-on", "Open API"]},
        {"price_min": "120.00", "data_location": "eea"},
    )
    session.commit()

    page = client.get(f"/admin/services/{service.id}").get_data(as_text=True)
    assert _changed_fields(page) == ["Service name", "Features", "Starting price", "Where buyer data is stored and processed"]
    for shown in ("Payroll Cloud Plus", "£100.00", "£120.00", "UK only", "UK or European Economic Area", "Open API"):
        assert shown in page, shown
    assert '<li>Open API <strong class="govuk-tag govuk-tag--green">Added</strong></li>' in page
    assert "between version 1, the last one reviewed, and version 3" in page


def test_approving_clears_the_service_from_the_queue_and_acknowledges_every_earlier_edit(
    client: FlaskClient, session: Session, admin: User, evidence_dir: Path
) -> None:
    service = _edited(session, evidence_dir, "Approve Me", {"summary": "First edit."}, {"summary": "Second edit."})
    session.commit()

    response = client.post(f"/admin/services/{service.id}/approve-edits", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Edits to Approve Me approved up to version 3." in page
    assert "Approve Me" not in _queue_names(page)
    session.expire_all()
    assert session.get(Service, service.id).reviewed_version_number == 3  # type: ignore[union-attr]
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "service.edits_approved", AuditEvent.object_id == str(service.id)))
    assert event is not None and event.actor_id == admin.id and event.after == {"reviewed_version": 3}
    # Nothing left to approve: said plainly, nothing changes.
    page = client.post(f"/admin/services/{service.id}/approve-edits", follow_redirects=True).get_data(as_text=True)
    assert "There are no unreviewed edits of this service" in page
    assert "There are no unreviewed edits: every version up to 3 has been reviewed." in client.get(f"/admin/services/{service.id}").get_data(as_text=True)


def test_disabling_needs_a_reason_next_to_the_field(client: FlaskClient, session: Session, admin: User, evidence_dir: Path) -> None:
    service = make_service(session, evidence_dir=evidence_dir)
    session.commit()
    for blank in ("", "   "):
        response = client.post(f"/admin/services/{service.id}/disable", data={"disable-reason": blank})
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Enter why the service is disabled" in page
        assert re.search(r'govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span> Enter why the service is disabled', page)
        assert 'href="#disable-reason"' in page  # the error summary links to the field
    session.expire_all()
    assert session.get(Service, service.id).status == "published"  # type: ignore[union-attr]


def test_a_disabled_service_answers_410_publicly_and_enabling_restores_it(
    app: Flask, client: FlaskClient, session: Session, admin: User, evidence_dir: Path
) -> None:
    service = _edited(session, evidence_dir, "Disable Me", {"summary": "An edit to review."})
    session.commit()
    public = app.test_client()
    assert public.get(f"/services/{service.id}").status_code == 200

    response = client.post(f"/admin/services/{service.id}/disable", data={"disable-reason": "Claims ISO 27001 without a certificate."}, follow_redirects=True)
    assert "Disable Me is disabled" in response.get_data(as_text=True)
    session.expire_all()
    disabled = session.get(Service, service.id)
    assert disabled is not None and disabled.status == "disabled"
    assert disabled.reviewed_version_number == disabled.version_number  # disabling is a review too
    response = public.get(f"/services/{service.id}")
    assert response.status_code == 410
    assert f"removed by Cloudstore on {format_date(disabled.status_changed_at)}: Claims ISO 27001 without a certificate." in response.get_data(as_text=True)

    response = client.post(f"/admin/services/{service.id}/enable", follow_redirects=True)
    assert "Disable Me is enabled and back on the catalogue." in response.get_data(as_text=True)
    assert public.get(f"/services/{service.id}").status_code == 200
    actions = list(session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "services", AuditEvent.object_id == str(service.id)).order_by(AuditEvent.id)
    ))
    assert actions[-2:] == ["service.disabled", "service.enabled"]


def test_a_withdrawn_service_cannot_be_disabled_or_enabled(client: FlaskClient, session: Session, admin: User, evidence_dir: Path) -> None:
    service = make_service(session, status="withdrawn", evidence_dir=evidence_dir)
    session.commit()
    page = client.get(f"/admin/services/{service.id}").get_data(as_text=True)
    assert "Disable service" not in page and "Enable service" not in page
    page = client.post(f"/admin/services/{service.id}/disable", data={"disable-reason": "Because."}, follow_redirects=True).get_data(as_text=True)
    assert "A withdrawn service cannot be disabled" in page
    page = client.post(f"/admin/services/{service.id}/enable", follow_redirects=True).get_data(as_text=True)
    assert "A withdrawn service cannot be enabled" in page


def test_the_service_list_filters_by_status_and_name(client: FlaskClient, session: Session, admin: User, evidence_dir: Path) -> None:
    org = make_accredited_supplier(session, evidence_dir)
    make_service(session, org, name="Alpha Hosting")
    make_service(session, org, status="draft", name="Alpha Draft")
    make_service(session, org, status="disabled", name="Beta Hosting")
    session.commit()

    page = client.get("/admin/services?q=alpha").get_data(as_text=True)
    assert "Alpha Hosting" in page and "Alpha Draft" in page and "Beta Hosting" not in page
    page = client.get("/admin/services?status=disabled").get_data(as_text=True)
    assert "Beta Hosting" in page and "Alpha Hosting" not in page
    page = client.get("/admin/services?status=draft&q=ALPHA").get_data(as_text=True)
    assert "Alpha Draft" in page and "Alpha Hosting" not in page and "1 service" in page
    assert client.get("/admin/services?q=%25").status_code == 200  # a LIKE wildcard is just text
    assert client.get("/admin/services?status=nonsense").status_code == 200
    assert client.get("/admin/services?page=99").status_code == 404


def test_the_admin_home_counts_services_waiting_for_review_and_the_menu_links_services(
    client: FlaskClient, session: Session, admin: User, evidence_dir: Path
) -> None:
    _edited(session, evidence_dir, "Waiting One", {"summary": "Edited."})
    _edited(session, evidence_dir, "Waiting Two", {"summary": "Edited."})
    session.commit()
    page = client.get("/admin/").get_data(as_text=True)
    waiting = session.scalar(sa.select(sa.func.count(Service.id)).where(Service.version_number > Service.reviewed_version_number))
    assert f"{waiting} services have edits waiting for review" in page
    assert 'href="/admin/services"' in page


ROUTES = [
    ("get", "/admin/services"),
    ("get", "/admin/services/edits"),
    ("get", "/admin/services/{id}"),
    ("post", "/admin/services/{id}/approve-edits"),
    ("post", "/admin/services/{id}/disable"),
    ("post", "/admin/services/{id}/enable"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize("role", [None, Role.BUYER, Role.SUPPLIER])
def test_only_admins_reach_the_service_review_pages(
    client: FlaskClient, session: Session, evidence_dir: Path, method: str, path: str, role: Role | None
) -> None:
    service = _edited(session, evidence_dir, "Protected", {"summary": "Edited."})
    if role is not None:
        user = make_user(session, role) if role != Role.SUPPLIER else make_supplier_user(session, service.organisation)
        session.commit()
        login_as(client, user)
    session.commit()
    response = getattr(client, method)(path.format(id=service.id), data={"disable-reason": "Sneaky."})
    if role is None:
        assert response.status_code == 302 and "/login" in response.location
    else:
        assert response.status_code == 403
    session.expire_all()
    unchanged = session.get(Service, service.id)
    assert unchanged is not None and unchanged.status == "published" and unchanged.reviewed_version_number == 1
