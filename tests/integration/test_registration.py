from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import User
from tests.conftest import Mailbox
from tests.factories import make_buyer_domain, make_user

GOOD_PASSWORD = "coffee train window"


def _buyer_form(email: str = "jo@council.gov.uk", **overrides: str) -> dict[str, str]:
    form = {"name": "Jo Buyer", "email": email, "password": GOOD_PASSWORD, "confirm_password": GOOD_PASSWORD}
    form.update(overrides)
    return form


def _user(session: Session, email: str) -> User | None:
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


def test_buyer_on_allowlisted_subdomain_registers_verifies_and_signs_in(
    client: FlaskClient, session: Session, mailbox: Mailbox
) -> None:
    make_buyer_domain(session, "gov.uk")
    session.commit()

    response = client.post("/register/buyer", data=_buyer_form("Jo@Council.gov.uk"))
    assert response.status_code == 302
    assert "/register/check-email" in response.location

    user = _user(session, "jo@council.gov.uk")
    assert user is not None and user.role == "buyer" and not user.is_verified

    # Unverified: sign-in refused with a message that says what to do.
    response = client.post("/login", data={"email": "jo@council.gov.uk", "password": GOOD_PASSWORD})
    assert response.status_code == 400
    assert "Confirm your email address first" in response.get_data(as_text=True)

    link = mailbox.last_link("jo@council.gov.uk")
    response = client.get(link)
    assert response.status_code == 302
    assert _user(session, "jo@council.gov.uk").is_verified

    response = client.post("/login", data={"email": "jo@council.gov.uk", "password": GOOD_PASSWORD}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your projects" in page
    assert "Sign out" in page

    actions = set(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))))
    assert {"user.registered", "user.email_verified", "user.signed_in"} <= actions


def test_buyer_email_not_on_allowlist_is_refused_next_to_the_field(client: FlaskClient, session: Session) -> None:
    make_buyer_domain(session, "gov.uk")
    session.commit()
    response = client.post("/register/buyer", data=_buyer_form("jo@gmail.com"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#email"' in page
    assert "public sector organisation" in page
    assert _user(session, "jo@gmail.com") is None


def test_supplier_registration_creates_organisation_and_first_user(client: FlaskClient, session: Session, mailbox: Mailbox) -> None:
    data = _buyer_form("sam@coop.example", organisation_name="Co-op Cloud Ltd")
    response = client.post("/register/supplier", data=data)
    assert response.status_code == 302
    user = _user(session, "sam@coop.example")
    assert user is not None and user.role == "supplier"
    assert user.organisation is not None and user.organisation.name == "Co-op Cloud Ltd"
    assert mailbox.for_address("sam@coop.example")


def test_registration_with_existing_email_is_refused(client: FlaskClient, session: Session) -> None:
    make_user(session, email="taken@example.com")
    session.commit()
    data = _buyer_form("TAKEN@example.com", organisation_name="Another Ltd")
    response = client.post("/register/supplier", data=data)
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_weak_and_mismatched_passwords_are_explained(client: FlaskClient, session: Session) -> None:
    make_buyer_domain(session)
    session.commit()
    response = client.post("/register/buyer", data=_buyer_form(password="short", confirm_password="short"))
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    response = client.post("/register/buyer", data=_buyer_form(password="password1234", confirm_password="password1234"))
    assert "too common" in response.get_data(as_text=True)
    response = client.post("/register/buyer", data=_buyer_form(confirm_password="something else entirely"))
    assert "Passwords do not match" in response.get_data(as_text=True)


def test_missing_fields_each_get_an_error_and_nothing_is_saved(client: FlaskClient, session: Session) -> None:
    response = client.post("/register/supplier", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Enter your full name", "Enter your work email address", "Enter a password", "Confirm your password", "Enter the name of your organisation"):
        assert message in page
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_verification_link_tampered_or_expired_is_refused(client: FlaskClient, session: Session, mailbox: Mailbox, app) -> None:  # type: ignore[no-untyped-def]
    client.post("/register/supplier", data=_buyer_form("sam@coop.example", organisation_name="Co-op"))
    link = mailbox.last_link("sam@coop.example")
    assert client.get(link + "x").status_code == 400
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert not _user(session, "sam@coop.example").is_verified


def test_resend_verification_sends_a_new_link_only_to_unverified_accounts(client: FlaskClient, session: Session, mailbox: Mailbox) -> None:
    make_user(session, email="done@example.gov.uk")
    unverified = make_user(session, email="pending@example.gov.uk", email_verified_at=None)
    session.commit()
    for email in ("done@example.gov.uk", "pending@example.gov.uk", "nobody@example.gov.uk"):
        response = client.post("/verify-email/resend", data={"email": email})
        assert response.status_code == 302  # the same answer for all three
    assert not mailbox.for_address("done@example.gov.uk")
    assert not mailbox.for_address("nobody@example.gov.uk")
    client.get(mailbox.last_link("pending@example.gov.uk"))
    assert _user(session, unverified.email).is_verified
