"""Rate limits on sign-in, registration, password reset and API tokens (app/ratelimit.py).

Limits are off in TestConfig; these tests turn them on with small numbers. Each client address is a
documentation address (RFC 5737) given to the test client: nothing is ever sent to it.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import limits.storage.memory
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.test import TestResponse

from app import create_app
from app.auth.models import Role
from app.ratelimit import EXTENSION_KEY
from config import TestConfig
from tests.conftest import Mailbox
from tests.factories import PASSWORD, login_as, make_user
from tests.integration.security_support import assert_security_headers

SIGN_IN, SIGN_IN_EMAIL, REGISTRATION, PASSWORD_RESET, PASSWORD_RESET_EMAIL, API_TOKEN = 4, 3, 2, 2, 1, 2
LIMITS = {
    "RATELIMIT_SIGN_IN": f"{SIGN_IN} per minute",
    "RATELIMIT_SIGN_IN_EMAIL": f"{SIGN_IN_EMAIL} per minute",
    "RATELIMIT_REGISTRATION": f"{REGISTRATION} per minute",
    "RATELIMIT_PASSWORD_RESET": f"{PASSWORD_RESET} per minute",
    "RATELIMIT_PASSWORD_RESET_EMAIL": f"{PASSWORD_RESET_EMAIL} per hour",
    "RATELIMIT_API_TOKEN": f"{API_TOKEN} per minute",
}
HERE, THERE = "192.0.2.10", "198.51.100.20"

AppFactory = Callable[..., Flask]


def _limited_config(base: type[TestConfig], **settings: object) -> type[TestConfig]:
    return type("LimitedConfig", (base,), {"RATELIMIT_ENABLED": True, **LIMITS, **settings})


def _bind(app: Flask, connection: Connection) -> Flask:
    app.extensions["sessionmaker"] = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return app


@pytest.fixture
def limited_app(connection: Connection, app_config: type[TestConfig]) -> AppFactory:
    """Build an app with rate limits on (settings may be overridden), bound to the test's transaction."""

    def build(**settings: object) -> Flask:
        return _bind(create_app(_limited_config(app_config, **settings)), connection)

    return build


@pytest.fixture(scope="module")
def module_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    base = tmp_path_factory.mktemp("rate-limits")
    settings = {"DATABASE_URL": database_url, "INSTANCE_DIR": str(base / "instance")}
    settings |= {"MAIL_OUTBOX_DIR": str(base / "outbox"), "SEARCH_INDEX_DIR": str(base / "search-index")}
    return create_app(_limited_config(TestConfig, **settings))


@pytest.fixture
def limited(module_app: Flask, connection: Connection) -> Flask:
    """The app with the limits above, every count at zero (one app for the module: building one takes a while)."""
    module_app.extensions[EXTENSION_KEY].reset()
    return _bind(module_app, connection)


def client_at(app: Flask, address: str = HERE) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client: FlaskClient, email: str, password: str = "not the password", **kwargs: object) -> TestResponse:
    return client.post("/login", data={"email": email, "password": password}, **kwargs)  # type: ignore[arg-type]


def assert_too_many(response: TestResponse, path: str, *, window: int = 60) -> None:
    assert response.status_code == 429, f"{path} answered {response.status_code}, not 429"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= window
    assert_security_headers(response, path)


def assert_too_many_page(response: TestResponse, path: str, *, window: int = 60) -> None:
    assert_too_many(response, path, window=window)
    text = response.get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-xl\">Too many attempts</h1>" in text
    assert re.search(r"Try again in \d+ (second|minute)s?\.", text)


# Each limited form: the POSTs its limit allows get the usual answer, the next gets 429.
FORMS = [
    ("/login", SIGN_IN, lambda n: {"email": f"person{n}@example.gov.uk", "password": "not the password"}),
    ("/register/supplier", REGISTRATION, lambda n: {}),
    ("/register/buyer", REGISTRATION, lambda n: {}),
    ("/verify-email/resend", REGISTRATION, lambda n: {"email": f"person{n}@example.gov.uk"}),
    ("/password/reset", PASSWORD_RESET, lambda n: {"email": f"person{n}@example.gov.uk"}),
    ("/password/reset/not-a-real-link", PASSWORD_RESET, lambda n: {}),
]


@pytest.mark.parametrize(("path", "limit", "form"), FORMS, ids=[path for path, _, _ in FORMS])
def test_each_limited_form_refuses_the_post_after_its_limit(
    limited: Flask, path: str, limit: int, form: Callable[[int], dict[str, str]]
) -> None:
    client = client_at(limited)
    for n in range(limit):
        assert client.post(path, data=form(n)).status_code in (200, 302, 400), f"POST {n + 1} to {path}"
    assert_too_many_page(client.post(path, data=form(limit)), path)


def test_reading_a_form_is_free_and_other_pages_are_unaffected(limited: Flask) -> None:
    client = client_at(limited)
    for _ in range(SIGN_IN + 2):
        assert client.get("/login").status_code == 200
    for n in range(SIGN_IN):
        assert sign_in(client, f"person{n}@example.gov.uk").status_code == 400  # wrong password, not refused
    assert_too_many_page(sign_in(client, "one.more@example.gov.uk"), "/login")
    assert client.get("/login").status_code == 200
    assert client.get("/").status_code == 200
    assert client.post("/password/reset", data={"email": "person@example.gov.uk"}).status_code == 200
    assert client.post("/api/v1/contracts/validate", json={}).status_code == 422


def test_the_two_registration_forms_share_one_count(limited: Flask) -> None:
    client = client_at(limited)
    assert client.post("/register/supplier", data={}).status_code == 400
    assert client.post("/register/buyer", data={}).status_code == 400
    assert_too_many_page(client.post("/register/supplier", data={}), "/register/supplier")
    assert_too_many_page(client.post("/register/buyer", data={}), "/register/buyer")


def test_another_address_is_not_blocked_by_one_address_attempts(limited: Flask) -> None:
    here, there = client_at(limited, HERE), client_at(limited, THERE)
    for n in range(SIGN_IN):
        sign_in(here, f"person{n}@example.gov.uk")
    assert sign_in(here, "next@example.gov.uk").status_code == 429
    assert sign_in(there, "next@example.gov.uk").status_code == 400


def test_password_reset_emails_to_one_address_are_limited_from_any_address(limited: Flask, session: Session) -> None:
    user = make_user(session, email=f"reset.{uuid.uuid4().hex[:8]}@example.gov.uk")
    session.commit()
    mailbox = Mailbox(Path(limited.config["MAIL_OUTBOX_DIR"]))
    for n in range(PASSWORD_RESET_EMAIL):
        assert client_at(limited, f"203.0.113.{n + 1}").post("/password/reset", data={"email": user.email}).status_code == 200
    assert len(mailbox.for_address(user.email)) == PASSWORD_RESET_EMAIL
    flooder = client_at(limited, "203.0.113.99")
    assert_too_many_page(flooder.post("/password/reset", data={"email": f" {user.email.upper()}"}), "/password/reset", window=3600)
    assert len(mailbox.for_address(user.email)) == PASSWORD_RESET_EMAIL  # no further email was sent
    # Someone else's reset from that same address still goes through.
    assert flooder.post("/password/reset", data={"email": "someone.else@example.gov.uk"}).status_code == 200


def test_guesses_at_one_account_from_many_addresses_are_slowed(limited: Flask, session: Session) -> None:
    user = make_user(session, email="target@example.gov.uk")
    session.commit()
    # Each guess from a new address, by the form and by the API alike: the account's count still runs out.
    for n in range(SIGN_IN_EMAIL):
        client = client_at(limited, f"203.0.113.{n + 1}")
        if n % 2:
            assert client.post("/api/v1/tokens", json={"email": user.email, "password": "guess"}).status_code == 401
        else:
            assert sign_in(client, "  Target@Example.gov.uk ").status_code == 400
    fresh = client_at(limited, "203.0.113.99")
    assert_too_many_page(sign_in(fresh, user.email, PASSWORD), "/login")
    assert fresh.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}).status_code == 429
    # Another account from that same address is not held up.
    assert sign_in(fresh, "someone.else@example.gov.uk").status_code == 400


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(limited_app: AppFactory) -> None:
    untrusting = client_at(limited_app())
    for n in range(SIGN_IN):
        sign_in(untrusting, f"person{n}@example.gov.uk", headers={"X-Forwarded-For": f"203.0.113.{n}"})
    refused = sign_in(untrusting, "next@example.gov.uk", headers={"X-Forwarded-For": "203.0.113.200"})
    assert refused.status_code == 429  # a client cannot pick a new address to escape its count

    behind_proxy = limited_app(TRUSTED_PROXIES=1)
    proxy = client_at(behind_proxy, "192.0.2.250")
    for n in range(SIGN_IN):
        sign_in(proxy, f"person{n}@example.gov.uk", headers={"X-Forwarded-For": HERE})
    assert sign_in(proxy, "next@example.gov.uk", headers={"X-Forwarded-For": HERE}).status_code == 429
    # The same proxy passing on another client's request: that client has its own count.
    assert sign_in(proxy, "next@example.gov.uk", headers={"X-Forwarded-For": f"{HERE}, {THERE}"}).status_code == 400


def test_limits_reset_after_their_window(limited: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # The in-memory counts read the time through this module: moving its clock stands in for waiting a minute.
    now = [time.time()]
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: now[0]))
    client = client_at(limited)
    for n in range(SIGN_IN):
        assert sign_in(client, f"person{n}@example.gov.uk").status_code == 400
    assert_too_many(sign_in(client, "next@example.gov.uk"), "/login")
    now[0] += 30
    assert sign_in(client, "next@example.gov.uk").status_code == 429  # half a minute on: still within the window
    now[0] += 31
    assert sign_in(client, "next@example.gov.uk").status_code == 400


def test_api_token_requests_are_refused_as_json(limited: Flask) -> None:
    client = client_at(limited)
    for n in range(API_TOKEN):
        body = {"email": f"person{n}@example.gov.uk", "password": "guess"}
        assert client.post("/api/v1/tokens", json=body).status_code == 401
    response = client.post("/api/v1/tokens", json={"email": "next@example.gov.uk", "password": "guess"})
    assert_too_many(response, "/api/v1/tokens")
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "too_many_requests"
    assert error["message"].startswith("Too many attempts. Try again in ")
    assert error["retry_after"] == int(response.headers["Retry-After"])
    # A body the view refuses still counts, and is refused the same way rather than with a 500.
    assert client.post("/api/v1/tokens", data=b"{not json", content_type="application/json").status_code == 429


def test_a_bad_body_is_still_answered_by_the_view_while_under_the_limit(limited: Flask) -> None:
    client = client_at(limited)
    response = client.post("/api/v1/tokens", data=b"{not json", content_type="application/json")
    assert response.status_code == 422
    assert "body" in response.get_json()["errors"]


def test_the_account_page_token_form_is_limited_per_person(limited: Flask, session: Session) -> None:
    alice = make_user(session, Role.SUPPLIER, email="alice@example.com")
    bob = make_user(session, Role.SUPPLIER, email="bob@example.com")
    session.commit()
    alice_client, bob_client = client_at(limited), client_at(limited)
    login_as(alice_client, alice)
    login_as(bob_client, bob)
    for n in range(API_TOKEN):
        created = alice_client.post("/account/tokens", data={"token-name": f"Deploys {n}"})
        assert created.status_code == 200 and "Deploys" in created.get_data(as_text=True)
    assert_too_many_page(alice_client.post("/account/tokens", data={"token-name": "One more"}), "/account/tokens")
    assert bob_client.post("/account/tokens", data={"token-name": "Bob's"}).status_code == 200


def test_a_bad_limit_setting_stops_the_app_starting(limited_app: AppFactory) -> None:
    with pytest.raises(RuntimeError, match="RATELIMIT_SIGN_IN_EMAIL"):
        limited_app(RATELIMIT_SIGN_IN_EMAIL="lots per day")


def test_without_redis_each_app_counts_alone(limited_app: AppFactory) -> None:
    first, second = client_at(limited_app()), client_at(limited_app())
    for n in range(SIGN_IN):
        sign_in(first, f"person{n}@example.gov.uk")
    assert sign_in(first, "next@example.gov.uk").status_code == 429
    assert sign_in(second, "next@example.gov.uk").status_code == 400


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sign_in_works_when_redis_is_down_and_counts_in_memory(
    limited_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    app = limited_app(REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0")
    client = client_at(app)
    with caplog.at_level(logging.WARNING):
        assert client.get("/login").status_code == 200
        for n in range(SIGN_IN):
            assert sign_in(client, f"person{n}@example.gov.uk").status_code == 400
    assert any(
        record.levelno == logging.WARNING and "unreachable" in record.getMessage() for record in caplog.records
    ), "no warning was logged that the rate limit storage is down"
    assert_too_many_page(sign_in(client, "next@example.gov.uk"), "/login")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """REDIS_URL, or this machine's Redis; skipped when nothing answers there."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis does not answer at {url} ({error}): set REDIS_URL to run the shared-count test")
    yield url
    client.close()


def test_two_app_instances_share_counts_through_redis(limited_app: AppFactory, redis_url: str) -> None:
    import redis

    prefix = f"cloudstore-test-{uuid.uuid4().hex}"
    first = client_at(limited_app(REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix))
    second = client_at(limited_app(REDIS_URL=redis_url, RATELIMIT_KEY_PREFIX=prefix))
    try:
        for n in range(SIGN_IN):
            sign_in(first if n % 2 else second, f"person{n}@example.gov.uk")
        assert_too_many_page(sign_in(first, "next@example.gov.uk"), "/login")
        assert_too_many_page(sign_in(second, "next@example.gov.uk"), "/login")
        assert sign_in(client_at(first.application, THERE), "next@example.gov.uk").status_code == 400
    finally:
        store = redis.Redis.from_url(redis_url)
        keys = list(store.scan_iter(match=f"*{prefix}*"))
        if keys:
            store.delete(*keys)
        store.close()
