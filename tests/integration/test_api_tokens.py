"""API tokens: created with a password or on the account page, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth import api_tokens
from app.auth.models import ApiToken, Role, User
from app.timeutil import utcnow
from tests.factories import PASSWORD, login_as, make_user
from tests.integration.api_support import accredited_supplier_with_token, bearer, complete_service, user_with_token

TOKENS = "/api/v1/tokens"


def _reload(session: Session, user: User) -> User:
    session.expire_all()
    return session.get(User, user.id)  # type: ignore[return-value]


def _token_row(session: Session, plaintext: str) -> ApiToken:
    session.expire_all()
    token = session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(plaintext.encode()).hexdigest())
    )
    assert token is not None
    return token


# The pure parts


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer cs_" + "a" * 43, "cs_" + "a" * 43),
        ("bearer   cs_" + "a" * 43 + "  ", "cs_" + "a" * 43),
        ("Basic cs_" + "a" * 43, None),
        ("Bearer", None),
        ("Bearer ", None),
        ("cs_" + "a" * 43, None),
        ("Bearer not-a-token", None),
        ("Bearer cs_short", None),
        ("Bearer cs_" + "a" * 500, None),
        ("Bearer cs_" + "a" * 40 + "\x00", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_header_is_read_strictly(header: str | None, expected: str | None) -> None:
    assert api_tokens.bearer_token(header) == expected


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\tinside", 42, None, ["a"]])
def test_token_names_are_checked(name: object) -> None:
    with pytest.raises(api_tokens.TokenNameInvalid):
        api_tokens.clean_token_name(name)


# POST /api/v1/tokens


def test_token_is_created_with_email_and_password_and_only_its_hash_is_kept(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    response = client.post(TOKENS, json={"email": user.email.upper(), "password": PASSWORD, "name": "Catalogue sync"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "name", "prefix"}
    assert re.fullmatch(r"cs_[A-Za-z0-9_-]{43}", body["token"])
    assert body["name"] == "Catalogue sync"
    assert body["token"].startswith(body["prefix"]) and len(body["prefix"]) == 12
    row = _token_row(session, body["token"])
    assert row.user_id == user.id and row.revoked_at is None
    assert body["token"] not in (row.token_hash, row.prefix, row.name)
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.created"))
    assert event is not None and event.actor_id == user.id and event.object_id == str(row.id)
    assert body["token"] not in str(event.after)


def test_token_without_a_name_is_named_after_its_date(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    response = client.post(TOKENS, json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    assert response.get_json()["name"].startswith("API token created on ")


def test_wrong_password_and_unknown_email_get_the_same_401(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    wrong = client.post(TOKENS, json={"email": user.email, "password": "not the password"})
    unknown = client.post(TOKENS, json={"email": "nobody@example.gov.uk", "password": "not the password"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.get_json() == {
            "error": {"code": "invalid_credentials", "message": "Enter a correct email address and password"}
        }
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _reload(session, user).failed_sign_ins == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_failures_through_the_api_lock_the_account_like_the_sign_in_form(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    for _ in range(2):
        client.post("/login", data={"email": user.email, "password": "wrong password here"})
    for _ in range(2):
        assert client.post(TOKENS, json={"email": user.email, "password": "wrong password here"}).status_code == 401
    assert not _reload(session, user).is_locked
    response = client.post(TOKENS, json={"email": user.email, "password": "wrong password here"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "account_locked"
    assert _reload(session, user).is_locked
    # Locked everywhere, even with the right password.
    right = client.post(TOKENS, json={"email": user.email, "password": PASSWORD})
    assert right.status_code == 401 and "locked" in right.get_json()["error"]["message"]
    assert "locked" in client.post("/login", data={"email": user.email, "password": PASSWORD}).get_data(as_text=True)
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.locked")) is not None


def test_a_successful_token_request_resets_the_failure_count(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    for _ in range(4):
        client.post(TOKENS, json={"email": user.email, "password": "wrong password here"})
    assert client.post(TOKENS, json={"email": user.email, "password": PASSWORD}).status_code == 201
    assert _reload(session, user).failed_sign_ins == 0


@pytest.mark.parametrize(
    "overrides",
    [{"active": False}, {"email_verified_at": None}],
    ids=["deactivated", "unverified"],
)
def test_accounts_that_cannot_sign_in_get_no_token(
    client: FlaskClient, session: Session, overrides: dict[str, object]
) -> None:
    user = make_user(session, **overrides)
    session.commit()
    response = client.post(TOKENS, json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "a@example.com"}, {"password"}),
        ({"email": 5, "password": ["x"]}, {"email", "password"}),
        ({"email": "", "password": ""}, {"email", "password"}),
        ({"email": "a@example.com", "password": "x", "name": ""}, {"name"}),
        ({"email": "a@example.com", "password": "x", "name": "n" * 101}, {"name"}),
        ({"email": "a@example.com", "password": "x", "name": {"a": 1}}, {"name"}),
        ({"email": "a@example.com", "password": "x", "scope": "all"}, {"scope"}),
        ({"email": "a" * 300 + "@example.com", "password": "x"}, {"email"}),
        ({"email": "a\x00@example.com", "password": "x"}, {"email"}),
        ({"email": "a@example.com", "password": "x" * 5000}, {"password"}),
    ],
)
def test_malformed_token_requests_get_422_by_field(
    client: FlaskClient, session: Session, body: dict[str, object], fields: set[str]
) -> None:
    response = client.post(TOKENS, json=body)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == fields


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("not json", "application/json"),
        ("[]", "application/json"),
        ("null", "application/json"),
        ('"a string"', "application/json"),
        ('{"email": "a@example.com", "password": "x"}', "text/plain"),
        (b"\xff\xfe{}", "application/json"),
        ("", "application/json"),
    ],
)
def test_token_request_bodies_that_are_not_objects_get_422(
    client: FlaskClient, data: str | bytes, content_type: str
) -> None:
    response = client.post(TOKENS, data=data, content_type=content_type)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["body"]


def test_a_malformed_request_does_not_count_towards_the_lockout(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    client.post(TOKENS, json={"email": user.email, "password": "wrong", "name": ""})
    assert _reload(session, user).failed_sign_ins == 0


def test_the_token_endpoint_needs_no_csrf_token(csrf_app: Flask, session: Session) -> None:
    user = make_user(session)
    session.commit()
    assert csrf_app.test_client().post(TOKENS, json={"email": user.email, "password": PASSWORD}).status_code == 201


# Using tokens


def test_a_token_authenticates_writes_and_records_its_last_use(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    _, user, headers = accredited_supplier_with_token(session, app)
    plaintext = headers["Authorization"].split()[1]
    assert _token_row(session, plaintext).last_used_at is None
    response = client.post("/api/v1/services", json={"lot": "cloud-hosting", "name": "Backup"}, headers=headers)
    assert response.status_code == 201
    assert _token_row(session, plaintext).last_used_at is not None


def test_last_use_is_recorded_even_when_the_request_is_refused(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    _, _, headers = accredited_supplier_with_token(session, app)
    response = client.post("/api/v1/services", json={"lot": "nowhere"}, headers=headers)
    assert response.status_code == 422
    assert _token_row(session, headers["Authorization"].split()[1]).last_used_at is not None


def test_authenticate_token_refuses_revoked_tokens_and_accounts_that_cannot_sign_in(session: Session) -> None:
    now = utcnow()
    user = make_user(session, Role.SUPPLIER)
    token, plaintext = api_tokens.create_token(session, user, "t")
    header = f"Bearer {plaintext}"
    assert api_tokens.authenticate_token(session, header, now=now) is user
    user.active = False
    assert api_tokens.authenticate_token(session, header, now=now) is None
    user.active, user.email_verified_at = True, None
    assert api_tokens.authenticate_token(session, header, now=now) is None
    user.email_verified_at = now
    user.locked_at = now  # locking stops password guessing; the token is a different secret
    assert api_tokens.authenticate_token(session, header, now=now) is user
    assert api_tokens.revoke_token(session, user, token, now=now) is True
    assert api_tokens.revoke_token(session, user, token, now=now) is False
    assert api_tokens.authenticate_token(session, header, now=now) is None


def test_last_use_is_written_at_most_once_a_minute(session: Session) -> None:
    now = utcnow()
    user = make_user(session)
    token, plaintext = api_tokens.create_token(session, user, "t")
    api_tokens.authenticate_token(session, f"Bearer {plaintext}", now=now)
    api_tokens.authenticate_token(session, f"Bearer {plaintext}", now=now + timedelta(seconds=30))
    assert token.last_used_at == now
    api_tokens.authenticate_token(session, f"Bearer {plaintext}", now=now + timedelta(minutes=2))
    assert token.last_used_at == now + timedelta(minutes=2)


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "unauthorized"),
        ({"Authorization": "Bearer cs_" + "x" * 43}, "invalid_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_token"),
        ({"Authorization": "Bearer"}, "invalid_token"),
        ({"Authorization": "Bearer " + "é" * 10}, "invalid_token"),
    ],
)
def test_writes_without_a_good_token_get_401_with_a_bearer_challenge(
    client: FlaskClient, headers: dict[str, str], code: str
) -> None:
    for method, url in (
        ("post", "/api/v1/services"),
        ("patch", "/api/v1/services/1"),
        ("post", "/api/v1/services/1/publish"),
    ):
        response = getattr(client, method)(url, json={"lot": "cloud-hosting"}, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == code
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="cloudstore"')


def test_a_revoked_token_stops_working_at_once(client: FlaskClient, session: Session, app: Flask) -> None:
    _, user, headers = accredited_supplier_with_token(session, app)
    token = _token_row(session, headers["Authorization"].split()[1])
    api_tokens.revoke_token(session, user, token, now=utcnow())
    session.commit()
    response = client.post("/api/v1/services", json={"lot": "cloud-hosting"}, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_a_deactivated_users_token_stops_working(client: FlaskClient, session: Session, app: Flask) -> None:
    _, user, headers = accredited_supplier_with_token(session, app)
    user.active = False
    session.commit()
    assert client.post("/api/v1/services", json={"lot": "cloud-hosting"}, headers=headers).status_code == 401


@pytest.mark.parametrize("role", [Role.BUYER, Role.ADMIN])
def test_any_role_may_hold_a_token_but_only_suppliers_write(client: FlaskClient, session: Session, role: Role) -> None:
    _, headers = user_with_token(session, role)
    for method, url in (
        ("post", "/api/v1/services"),
        ("patch", "/api/v1/services/1"),
        ("post", "/api/v1/services/1/publish"),
    ):
        response = getattr(client, method)(url, json=complete_service(), headers=headers)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"


# The account page


def test_account_page_creates_a_token_and_shows_it_once(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = client.post("/account/tokens", data={"token-name": "Catalogue sync"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    plaintext = re.search(r'value="(cs_[A-Za-z0-9_-]+)"', page).group(1)  # type: ignore[union-attr]
    assert "Copy this token now" in page
    row = _token_row(session, plaintext)
    assert row.name == "Catalogue sync" and row.user_id == user.id
    # The account page lists it by name and prefix, never the whole token.
    account = client.get("/account").get_data(as_text=True)
    assert "Catalogue sync" in account and row.prefix in account and plaintext not in account
    assert "Never" in account
    # And the token works.
    assert client.post("/api/v1/services", json={"lot": "cloud-hosting"}, headers=bearer(plaintext)).status_code == 201


@pytest.mark.parametrize(
    ("name", "message"), [("", "Enter a name for the token"), ("n" * 101, "100 characters or fewer")]
)
def test_account_page_refuses_a_bad_token_name(client: FlaskClient, session: Session, name: str, message: str) -> None:
    user = make_user(session)
    session.commit()
    login_as(client, user)
    response = client.post("/account/tokens", data={"token-name": name})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "There is a problem" in page and 'href="#token-name"' in page and "<title>Error: " in page
    assert session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_revoking_on_the_account_page_stops_the_token_and_is_audited(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    _, user, headers = accredited_supplier_with_token(session, app)
    token = _token_row(session, headers["Authorization"].split()[1])
    login_as(client, user)
    response = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert response.status_code == 200
    assert "is revoked" in response.get_data(as_text=True)
    assert _token_row(session, headers["Authorization"].split()[1]).revoked_at is not None
    assert client.post("/api/v1/services", json={"lot": "cloud-hosting"}, headers=headers).status_code == 401
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.revoked"))
    assert event is not None and event.actor_id == user.id
    again = client.post(f"/account/tokens/{token.id}/revoke", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_nobody_can_revoke_someone_elses_token(client: FlaskClient, session: Session, app: Flask) -> None:
    _, owner, headers = accredited_supplier_with_token(session, app)
    token = _token_row(session, headers["Authorization"].split()[1])
    other = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert client.post("/account/tokens/999999/revoke").status_code == 404
    assert client.post("/account/tokens/99999999999999999999/revoke").status_code == 404
    assert _token_row(session, headers["Authorization"].split()[1]).revoked_at is None


def test_token_pages_need_sign_in(client: FlaskClient) -> None:
    assert client.post("/account/tokens", data={"token-name": "x"}).location.startswith("/login")
    assert client.post("/account/tokens/1/revoke").location.startswith("/login")


def test_token_forms_are_protected_from_cross_site_requests(csrf_app: Flask) -> None:
    assert csrf_app.test_client().post("/account/tokens", data={"token-name": "x"}).status_code == 400
