"""Cross-cutting behaviour: CSRF, headers, errors, health, configuration, migrations, seed, CLI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask, abort
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app import create_app
from app.auth.models import BuyerDomain, User
from app.models import Base
from config import ProductionConfig
from tests.factories import PASSWORD, make_user


def test_migrations_build_exactly_the_schema_the_models_describe(connection: Connection) -> None:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    assert compare_metadata(context, Base.metadata) == []


def test_post_without_csrf_token_is_refused(csrf_app: Flask, session: Session) -> None:
    user = make_user(session)
    session.commit()
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert client.post("/logout").status_code == 400


def test_form_with_csrf_token_from_the_page_is_accepted(csrf_app: Flask, session: Session) -> None:
    import re

    user = make_user(session)
    session.commit()
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/", "/login", "/nope", "/healthz"])
def test_security_headers_on_every_response(client: FlaskClient, url: str) -> None:
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "<script type=\"module\" src=" in page


def test_session_cookie_is_httponly_and_lax(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1/none")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SECRET_KEY"] == "s3cret"


@pytest.mark.parametrize(("code", "heading"), [(400, "There is a problem"), (403, "You do not have permission"), (404, "Page not found"), (410, "This page has been removed"), (500, "Sorry, there is a problem")])
def test_error_pages_are_friendly(app: Flask, code: int, heading: str) -> None:
    @app.route(f"/boom/{code}")
    def boom() -> None:
        if code == 500:
            raise RuntimeError("unexpected")
        abort(code)

    response = app.test_client().get(f"/boom/{code}")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert heading in page and "Traceback" not in page and "Cloudstore" in page


def test_api_errors_are_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_healthz_says_search_is_unavailable_until_the_node_has_an_index(app: Flask, client: FlaskClient) -> None:
    from app.search import get_index

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "search": "unavailable"}
    get_index(app).ensure()
    assert client.get("/healthz").status_code == 200


def test_healthz_reports_each_part(app: Flask, client: FlaskClient) -> None:
    from app.search import get_index

    get_index(app).ensure()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "search": "ok"}


def test_healthz_answers_503_when_the_database_is_down(app: Flask) -> None:
    from sqlalchemy.orm import sessionmaker

    app.extensions["sessionmaker"] = sessionmaker(bind=sa.create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_seed_demo_is_idempotent_and_demo_accounts_sign_in(app: Flask, session: Session, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    counts = (session.scalar(sa.select(sa.func.count(User.id))), session.scalar(sa.select(sa.func.count(BuyerDomain.id))))
    second = runner.invoke(args=["seed", "demo"])
    assert "nothing to do" in second.output
    session.expire_all()
    assert (session.scalar(sa.select(sa.func.count(User.id))), session.scalar(sa.select(sa.func.count(BuyerDomain.id)))) == counts
    for email, home in [("admin@cloudstore.example", "/admin/"), ("buyer@example.gov.uk", "/buyer/projects"), ("supplier@mutual.example", "/supplier/")]:
        response = client.post("/login", data={"email": email, "password": "cloudstore-demo-password"})
        assert response.location == home
        client.post("/logout")
    domains = set(session.scalars(sa.select(BuyerDomain.domain)))
    assert {"gov.uk", "nhs.uk", "police.uk", "mod.uk", "ac.uk", "sch.uk"} <= domains


def test_create_admin_command(app: Flask, session: Session, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create-admin", "boss@cloudstore.example", "--password", "short"])
    assert result.exit_code != 0 and "at least 12 characters" in result.output
    result = runner.invoke(args=["users", "create-admin", "boss@cloudstore.example", "--password", "lantern river kettle"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create-admin", "boss@cloudstore.example", "--password", "lantern river kettle"])
    assert result.exit_code != 0 and "already exists" in result.output
    response = client.post("/login", data={"email": "boss@cloudstore.example", "password": "lantern river kettle"})
    assert response.location == "/admin/"


@pytest.mark.parametrize("url", ["/services/99999999999999999999999", "/suppliers/99999999999999999999", "/admin/users/99999999999999999999999"])
def test_ids_too_big_for_the_database_are_not_found(client: FlaskClient, session: Session, url: str) -> None:
    from app.auth.models import Role
    from tests.factories import login_as

    admin = make_user(session, Role.ADMIN)
    session.commit()
    login_as(client, admin)
    assert client.get(url).status_code == 404
