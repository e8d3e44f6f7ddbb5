"""Every protected page gives each role the right answer."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import Role
from tests.factories import login_as, make_user

ANON, SUPPLIER, BUYER, ADMIN = "anonymous", "supplier", "buyer", "admin"
OK, SIGN_IN, FORBIDDEN, HOME = 200, "sign in", 403, "home"

# (url, {role: expected}) for every page that depends on who you are.
PROTECTED = [
    ("/supplier/", {ANON: SIGN_IN, SUPPLIER: OK, BUYER: FORBIDDEN, ADMIN: FORBIDDEN}),
    ("/buyer/projects", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: OK, ADMIN: FORBIDDEN}),
    ("/buyer/projects/contracts", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: OK, ADMIN: FORBIDDEN}),
    ("/supplier/contracts/", {ANON: SIGN_IN, SUPPLIER: OK, BUYER: FORBIDDEN, ADMIN: FORBIDDEN}),
    ("/admin/", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: FORBIDDEN, ADMIN: OK}),
    ("/admin/users", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: FORBIDDEN, ADMIN: OK}),
    ("/admin/users/{user_id}", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: FORBIDDEN, ADMIN: OK}),
    ("/admin/buyer-domains", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: FORBIDDEN, ADMIN: OK}),
    ("/admin/templates", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: FORBIDDEN, ADMIN: OK}),
    ("/admin/audit", {ANON: SIGN_IN, SUPPLIER: FORBIDDEN, BUYER: FORBIDDEN, ADMIN: OK}),
    ("/account", {ANON: SIGN_IN, SUPPLIER: OK, BUYER: OK, ADMIN: OK}),
    ("/register/supplier", {ANON: OK, SUPPLIER: HOME, BUYER: HOME, ADMIN: HOME}),
    ("/register/buyer", {ANON: OK, SUPPLIER: HOME, BUYER: HOME, ADMIN: HOME}),
    ("/login", {ANON: OK, SUPPLIER: HOME, BUYER: HOME, ADMIN: HOME}),
]
PROTECTED_POSTS = [
    "/admin/users/{user_id}/unlock",
    "/admin/users/{user_id}/deactivate",
    "/admin/users/{user_id}/reactivate",
    "/admin/buyer-domains",
    "/admin/buyer-domains/{domain_id}/remove",
]
HOMES = {SUPPLIER: "/supplier/", BUYER: "/buyer/projects", ADMIN: "/admin/"}


def _client_as(role: str, client: FlaskClient, session: Session) -> FlaskClient:
    if role != ANON:
        user = make_user(session, Role(role))
        session.commit()
        login_as(client, user)
    return client


@pytest.fixture
def ids(session: Session) -> dict[str, int]:
    from tests.factories import make_buyer_domain

    target = make_user(session)
    domain = make_buyer_domain(session, "police.uk")
    session.commit()
    return {"user_id": target.id, "domain_id": domain.id}


@pytest.mark.parametrize("role", [ANON, SUPPLIER, BUYER, ADMIN])
@pytest.mark.parametrize(("url", "expected"), PROTECTED, ids=[url for url, _ in PROTECTED])
def test_protected_page_answers_each_role(
    role: str, url: str, expected: dict[str, object], client: FlaskClient, session: Session, ids: dict[str, int]
) -> None:
    client = _client_as(role, client, session)
    response = client.get(url.format(**ids))
    want = expected[role]
    if want == SIGN_IN:
        assert response.status_code == 302
        assert response.location.startswith("/login")
    elif want == HOME:
        assert response.status_code == 302
        assert response.location == HOMES[role]
    else:
        assert response.status_code == want


@pytest.mark.parametrize("role", [ANON, SUPPLIER, BUYER])
@pytest.mark.parametrize("url", PROTECTED_POSTS)
def test_admin_actions_are_refused_to_everyone_else(role: str, url: str, client: FlaskClient, session: Session, ids: dict[str, int]) -> None:
    client = _client_as(role, client, session)
    response = client.post(url.format(**ids), data={"domain": "example.org.uk"})
    assert response.status_code == (302 if role == ANON else 403)
    if role == ANON:
        assert response.location.startswith("/login")


@pytest.mark.parametrize("url", ["/", "/accessibility", "/privacy", "/register", "/password/reset"])
def test_public_pages_open_to_anyone(url: str, client: FlaskClient) -> None:
    assert client.get(url).status_code == 200


def test_navigation_depends_on_role(client: FlaskClient, session: Session) -> None:
    anonymous = client.get("/").get_data(as_text=True)
    assert "Sign in" in anonymous and "Register" in anonymous and "Sign out" not in anonymous
    _client_as(ADMIN, client, session)
    admin = client.get("/").get_data(as_text=True)
    assert "Audit log" in admin and "Accreditation" in admin and "Sign out" in admin
    client.post("/logout")
    _client_as(SUPPLIER, client, session)
    supplier = client.get("/").get_data(as_text=True)
    assert "Your organisation" in supplier and "Audit log" not in supplier
