from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from tests.conftest import Mailbox
from tests.factories import PASSWORD, login_as, make_user

NEW_PASSWORD = "river kettle lantern"


def _sign_in(client: FlaskClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password})


def _reload(session: Session, user: User) -> User:
    session.expire_all()
    return session.get(User, user.id)  # type: ignore[return-value]


def test_wrong_password_and_unknown_email_get_the_same_message(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    wrong = _sign_in(client, user.email, "not the right password")
    unknown = _sign_in(client, "nobody@example.gov.uk", "not the right password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Enter a correct email address and password" in wrong.get_data(as_text=True)
    assert "Enter a correct email address and password" in unknown.get_data(as_text=True)


def test_account_locks_after_five_failures_even_for_the_right_password(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    for _ in range(4):
        assert "Enter a correct email" in _sign_in(client, user.email, "wrong password here").get_data(as_text=True)
    assert not _reload(session, user).is_locked
    response = _sign_in(client, user.email, "wrong password here")
    assert "locked" in response.get_data(as_text=True)
    assert _reload(session, user).is_locked
    response = _sign_in(client, user.email, PASSWORD)
    assert response.status_code == 400
    assert "locked" in response.get_data(as_text=True)
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.locked")) is not None


def test_successful_sign_in_resets_the_failure_count(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    for _ in range(4):
        _sign_in(client, user.email, "wrong password here")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    assert _reload(session, user).failed_sign_ins == 0


def test_admin_unlocks_a_locked_account(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    user = make_user(session, failed_sign_ins=5)
    user.locked_at = user.created_at
    session.commit()
    login_as(client, admin)
    response = client.post(f"/admin/users/{user.id}/unlock", follow_redirects=True)
    assert "is unlocked" in response.get_data(as_text=True)
    client.post("/logout")
    assert _sign_in(client, user.email, PASSWORD).status_code == 302
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.unlocked"))
    assert event is not None and event.actor_id == admin.id and event.before["locked"] is True


def test_password_reset_by_email_unlocks_and_signs_out_old_sessions(
    client: FlaskClient, app: Flask, session: Session, mailbox: Mailbox
) -> None:
    user = make_user(session)
    session.commit()
    other_device = app.test_client()
    login_as(other_device, user)
    for _ in range(5):
        _sign_in(client, user.email, "wrong password here")
    assert _reload(session, user).is_locked

    response = client.post("/password/reset", data={"email": user.email.upper()})
    assert "Check your email" in response.get_data(as_text=True)
    link = mailbox.last_link(user.email)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "short", "confirm_password": "short"})
    assert response.status_code == 400
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302

    assert not _reload(session, user).is_locked
    assert _sign_in(client, user.email, PASSWORD).status_code == 400
    assert _sign_in(client, user.email, NEW_PASSWORD).status_code == 302
    # The link is single-use and the other device's session has ended.
    assert client.get(link).status_code == 400
    assert other_device.get("/buyer/").status_code == 302


def test_password_reset_for_unknown_email_looks_the_same_and_sends_nothing(client: FlaskClient, mailbox: Mailbox) -> None:
    response = client.post("/password/reset", data={"email": "nobody@example.gov.uk"})
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert mailbox.messages() == []


def test_deactivated_user_cannot_sign_in_and_is_signed_out(client: FlaskClient, app: Flask, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    user = make_user(session)
    session.commit()
    user_client = app.test_client()
    login_as(user_client, user)
    login_as(client, admin)
    client.post(f"/admin/users/{user.id}/deactivate")
    assert user_client.get("/buyer/").status_code == 302
    response = _sign_in(user_client, user.email, PASSWORD)
    assert "deactivated" in response.get_data(as_text=True)
    client.post(f"/admin/users/{user.id}/reactivate")
    assert _sign_in(user_client, user.email, PASSWORD).status_code == 302


def test_admin_cannot_deactivate_themselves(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "cannot deactivate your own account" in response.get_data(as_text=True)
    assert _reload(session, admin).active


def test_sign_out_needs_a_post_and_ends_the_session(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login_as(client, user)
    assert client.get("/logout").status_code == 200
    assert client.get("/buyer/projects").status_code == 200
    client.post("/logout")
    assert client.get("/buyer/projects").status_code == 302


def test_sign_in_redirects_only_to_local_next_pages(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    response = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/buyer/projects"
    client.post("/logout")
    response = client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert response.location == "/account"


def test_change_password_needs_the_current_one(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login_as(client, user)
    response = client.post("/account", data={"current_password": "wrong one", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "current password is not correct" in response.get_data(as_text=True)
    response = client.post("/account", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this session stays signed in


def test_password_reset_revokes_api_tokens(client: FlaskClient, app: Flask, session: Session, mailbox: Mailbox) -> None:
    from app.auth import api_tokens

    user = make_user(session, Role.SUPPLIER)
    _, token = api_tokens.create_token(session, user, "deploys")
    session.commit()
    assert client.post("/api/v1/services", json={"lot": "cloud-hosting"}, headers={"Authorization": f"Bearer {token}"}).status_code == 201
    client.post("/password/reset", data={"email": user.email})
    link = mailbox.last_link(user.email)
    client.post(link, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    response = client.post("/api/v1/services", json={"lot": "cloud-hosting"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
