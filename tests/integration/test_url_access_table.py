"""Every URL rule of the app, against an explicit table of who may reach it.

The table below is the decision for each rule and method, for six people: nobody signed in, a supplier of
organisation A, a supplier of organisation B, buyer A, buyer B and an admin. Every object named in a URL
(service, project, shortlist item, contract, organisation, document, template, token...) belongs to
organisation A or buyer A, so the table says, for example, that buyer B gets 404 on buyer A's project.

A new route without a decision here fails the suite, and so does a decision for a route that is gone.

POSTs are sent with an empty form: whoever may use the route must get past the access checks (a form shown
again with errors, a redirect or a 400/405/409/422 for the missing data are all fine; a sign-in redirect, 403, 404
or 5xx are not); whoever may not gets exactly the refusal the table names.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import sessionmaker
from werkzeug.test import TestResponse

from app import create_app
from app.auth import api_tokens
from app.auth.models import Role, User
from app.auth.tokens import make_reset_token, make_verification_token
from app.catalogue import services as catalogue
from app.suppliers.models import Invitation
from app.suppliers.tokens import make_invitation_token
from app.timeutil import today
from tests.contract_factories import contract_template, make_contract
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    make_accredited_supplier,
    make_buyer_domain,
    make_service,
    make_supplier_user,
    make_user,
)
from tests.integration.search_support import reindex
from tests.integration.security_support import assert_security_headers
from tests.live import isolated_config

# The people, in the order of each row of the table.
ANON, SUPPLIER_A, SUPPLIER_B, BUYER_A, BUYER_B, ADMIN = (
    "anonymous",
    "supplier-a",
    "supplier-b",
    "buyer-a",
    "buyer-b",
    "admin",
)
ACTORS = (ANON, SUPPLIER_A, SUPPLIER_B, BUYER_A, BUYER_B, ADMIN)

# The answers.
OK = "ok"  # any 2xx or 3xx that is not a redirect to the sign-in page
LOGIN = "sign in"  # a redirect to /login
FORBIDDEN = "403"
NOT_FOUND = "404"
UNAUTHORISED = "401"  # the API without a bearer token
BAD_REQUEST = "400"
UNPROCESSABLE = "422"  # an API request whose (empty) body is refused
ALLOWED = (
    "allowed"  # a POST let through the access checks: 2xx, 3xx (not to sign-in), or 400/405/409/422 for the empty form
)
REFUSED = "refused"  # a POST refused without changing anything: 400/403/404/405/409/422 or a sign-in redirect

# Rows used often.
PUBLIC = (OK,) * 6
ADMIN_ONLY = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)
ADMIN_POST = (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, ALLOWED)
SUPPLIERS = (LOGIN, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN)  # a supplier's own organisation's pages
SUPPLIERS_POST = (LOGIN, ALLOWED, ALLOWED, FORBIDDEN, FORBIDDEN, FORBIDDEN)
SUPPLIER_A_ONLY = (LOGIN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN)  # an object of organisation A
SUPPLIER_A_POST = (LOGIN, ALLOWED, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN)
BUYERS = (LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN)
BUYERS_POST = (LOGIN, FORBIDDEN, FORBIDDEN, ALLOWED, ALLOWED, FORBIDDEN)
BUYER_A_ONLY = (LOGIN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, FORBIDDEN)  # an object of buyer A
BUYER_A_POST = (LOGIN, FORBIDDEN, FORBIDDEN, ALLOWED, NOT_FOUND, FORBIDDEN)
SIGNED_IN = (LOGIN, OK, OK, OK, OK, OK)
SIGNED_IN_POST = (LOGIN, ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED)
ALLOWED_EVERYONE = (ALLOWED,) * 6
API_WRITE = (UNAUTHORISED,) * 6  # a session cookie is not a bearer token

TABLE: dict[tuple[str, str], tuple[str, str, str, str, str, str]] = {
    # Public pages. The signed-out-only pages (sign-in, registration) send a signed-in person home: still OK.
    ("/", "GET"): PUBLIC,
    ("/accessibility", "GET"): PUBLIC,
    ("/privacy", "GET"): PUBLIC,
    ("/healthz", "GET"): PUBLIC,
    ("/metrics", "GET"): PUBLIC,  # open outside production while METRICS_TOKEN is unset (test_observability_metrics)
    ("/transparency", "GET"): PUBLIC,
    ("/services", "GET"): PUBLIC,  # the module builds the search index, so search answers (no 503)
    ("/services/<int:service_id>", "GET"): PUBLIC,
    ("/services/<int:service_id>/documents/<int:document_id>", "GET"): PUBLIC,  # a published service's document
    ("/suppliers", "GET"): PUBLIC,
    ("/suppliers/<int:supplier_id>", "GET"): PUBLIC,
    ("/register", "GET"): PUBLIC,
    ("/register/check-email", "GET"): PUBLIC,
    ("/register/buyer", "GET"): PUBLIC,
    ("/register/buyer", "POST"): ALLOWED_EVERYONE,
    ("/register/supplier", "GET"): PUBLIC,
    ("/register/supplier", "POST"): ALLOWED_EVERYONE,
    ("/login", "GET"): PUBLIC,
    ("/login", "POST"): ALLOWED_EVERYONE,
    ("/logout", "GET"): PUBLIC,
    ("/logout", "POST"): ALLOWED_EVERYONE,
    ("/password/reset", "GET"): PUBLIC,
    ("/password/reset", "POST"): ALLOWED_EVERYONE,
    ("/password/reset/<token>", "GET"): PUBLIC,  # supplier A's reset link
    ("/password/reset/<token>", "POST"): ALLOWED_EVERYONE,
    # Supplier A's verification link: confirmed (or already confirmed), then on to the sign-in page.
    ("/verify-email/<token>", "GET"): (LOGIN,) * 6,
    ("/verify-email/resend", "GET"): PUBLIC,
    ("/verify-email/resend", "POST"): ALLOWED_EVERYONE,
    # Organisation A's invitation is for someone not yet signed in: a signed-in person is turned away (400).
    ("/invitations/<token>", "GET"): (OK, BAD_REQUEST, BAD_REQUEST, BAD_REQUEST, BAD_REQUEST, BAD_REQUEST),
    ("/invitations/<token>", "POST"): (ALLOWED, REFUSED, REFUSED, REFUSED, REFUSED, REFUSED),
    # Anyone signed in: their own account and API tokens (the token belongs to supplier A).
    ("/account", "GET"): SIGNED_IN,
    ("/account", "POST"): SIGNED_IN_POST,
    ("/account/tokens", "POST"): SIGNED_IN_POST,
    ("/account/tokens/<int:token_id>/revoke", "POST"): (LOGIN, ALLOWED, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND),
    # Admin.
    ("/admin/", "GET"): ADMIN_ONLY,
    ("/admin/accreditation", "GET"): ADMIN_ONLY,
    ("/admin/audit", "GET"): ADMIN_ONLY,
    ("/admin/buyer-domains", "GET"): ADMIN_ONLY,
    ("/admin/buyer-domains", "POST"): ADMIN_POST,
    ("/admin/buyer-domains/<int:domain_id>/remove", "POST"): ADMIN_POST,
    ("/admin/services", "GET"): ADMIN_ONLY,
    ("/admin/services/edits", "GET"): ADMIN_ONLY,
    ("/admin/services/<int:service_id>", "GET"): ADMIN_ONLY,
    ("/admin/services/<int:service_id>/approve-edits", "POST"): ADMIN_POST,
    ("/admin/services/<int:service_id>/disable", "POST"): ADMIN_POST,
    ("/admin/services/<int:service_id>/enable", "POST"): ADMIN_POST,
    ("/admin/statistics", "GET"): ADMIN_ONLY,
    ("/admin/statistics/<slug>.csv", "GET"): ADMIN_ONLY,
    ("/admin/suppliers/profile-changes", "GET"): ADMIN_ONLY,
    ("/admin/suppliers/<int:organisation_id>", "GET"): ADMIN_ONLY,
    ("/admin/suppliers/<int:organisation_id>/profile-reviewed", "POST"): ADMIN_POST,
    (
        "/admin/suppliers/<int:organisation_id>/<any(approve, reject, request_changes, suspend, reinstate):action>",
        "POST",
    ): ADMIN_POST,
    ("/admin/suppliers/<int:organisation_id>/documents/<int:document_id>", "GET"): ADMIN_ONLY,
    ("/admin/templates", "GET"): ADMIN_ONLY,
    ("/admin/templates/new", "GET"): ADMIN_ONLY,
    ("/admin/templates/new", "POST"): ADMIN_POST,
    ("/admin/templates/<int:template_id>", "GET"): ADMIN_ONLY,
    ("/admin/templates/<int:template_id>/activate", "POST"): ADMIN_POST,
    ("/admin/templates/<int:template_id>/edit", "GET"): ADMIN_ONLY,
    ("/admin/templates/<int:template_id>/edit", "POST"): ADMIN_POST,
    ("/admin/templates/<int:template_id>/new-version", "POST"): ADMIN_POST,
    ("/admin/users", "GET"): ADMIN_ONLY,
    ("/admin/users/<int:user_id>", "GET"): ADMIN_ONLY,
    ("/admin/users/<int:user_id>/deactivate", "POST"): ADMIN_POST,
    ("/admin/users/<int:user_id>/reactivate", "POST"): ADMIN_POST,
    ("/admin/users/<int:user_id>/unlock", "POST"): ADMIN_POST,
    # API: reads are open data; writes need a bearer token; validation and token exchange are open (422 when empty).
    ("/api/v1/openapi.json", "GET"): PUBLIC,
    ("/api/v1/services", "GET"): PUBLIC,
    ("/api/v1/services/<int:service_id>", "GET"): PUBLIC,
    ("/api/v1/suppliers/<int:supplier_id>", "GET"): PUBLIC,
    ("/api/v1/transparency/contracts.csv", "GET"): PUBLIC,
    ("/api/v1/transparency/ocds", "GET"): PUBLIC,
    ("/api/v1/services", "POST"): API_WRITE,
    ("/api/v1/services/<int:service_id>", "PATCH"): API_WRITE,
    ("/api/v1/services/<int:service_id>/publish", "POST"): API_WRITE,
    ("/api/v1/contracts/validate", "POST"): (UNPROCESSABLE,) * 6,
    ("/api/v1/tokens", "POST"): (UNPROCESSABLE,) * 6,
    # Buyers: their own lists, and buyer A's project, shortlist item and contract (404 for buyer B).
    ("/buyer/", "GET"): BUYERS,
    ("/buyer/projects", "GET"): BUYERS,
    ("/buyer/projects/save-search", "GET"): BUYERS,
    ("/buyer/projects/save-search", "POST"): BUYERS_POST,
    ("/buyer/projects/<int:project_id>", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/award/<int:item_id>", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/award/<int:item_id>", "POST"): BUYER_A_POST,
    ("/buyer/projects/<int:project_id>/compare", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/end-search", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/end-search", "POST"): BUYER_A_POST,
    ("/buyer/projects/<int:project_id>/outcome", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/outcome", "POST"): BUYER_A_POST,
    ("/buyer/projects/<int:project_id>/shortlist", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/shortlist.<any(csv, ods):file_format>", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/shortlist/<int:item_id>/exclude", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/<int:project_id>/shortlist/<int:item_id>/exclude", "POST"): BUYER_A_POST,
    ("/buyer/projects/contracts", "GET"): BUYERS,
    ("/buyer/projects/contracts/<int:contract_id>", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/contracts/<int:contract_id>/break", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/contracts/<int:contract_id>/break", "POST"): BUYER_A_POST,
    ("/buyer/projects/contracts/<int:contract_id>/contract.odt", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/contracts/<int:contract_id>/extend", "GET"): BUYER_A_ONLY,
    ("/buyer/projects/contracts/<int:contract_id>/extend", "POST"): BUYER_A_POST,
    # Suppliers: their own organisation's pages, and organisation A's objects (404 for supplier B).
    ("/supplier/", "GET"): SUPPLIERS,
    ("/supplier/accreditation", "GET"): SUPPLIERS,
    ("/supplier/accreditation/certificates", "GET"): SUPPLIERS,
    ("/supplier/accreditation/certificates", "POST"): SUPPLIERS_POST,
    ("/supplier/accreditation/certificates/<int:certificate_id>/remove", "POST"): SUPPLIER_A_POST,
    ("/supplier/accreditation/declarations", "GET"): SUPPLIERS,
    ("/supplier/accreditation/declarations", "POST"): SUPPLIERS_POST,
    ("/supplier/accreditation/documents", "GET"): SUPPLIERS,
    ("/supplier/accreditation/documents", "POST"): SUPPLIERS_POST,
    ("/supplier/accreditation/documents/<int:document_id>", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/accreditation/documents/<int:document_id>/remove", "POST"): SUPPLIER_A_POST,
    ("/supplier/accreditation/insurance", "GET"): SUPPLIERS,
    ("/supplier/accreditation/insurance", "POST"): SUPPLIERS_POST,
    ("/supplier/accreditation/reapply", "POST"): SUPPLIERS_POST,
    ("/supplier/accreditation/submit", "POST"): SUPPLIERS_POST,
    ("/supplier/colleagues", "GET"): SUPPLIERS,
    ("/supplier/colleagues", "POST"): SUPPLIERS_POST,
    ("/supplier/colleagues/<int:user_id>/remove", "POST"): SUPPLIER_A_POST,  # supplier A's colleague
    ("/supplier/invitations/<int:invitation_id>/revoke", "POST"): SUPPLIER_A_POST,
    ("/supplier/contracts/", "GET"): SUPPLIERS,
    ("/supplier/contracts/<int:contract_id>", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/contracts/<int:contract_id>/contract.odt", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/organisation", "GET"): SUPPLIERS,
    ("/supplier/organisation/details", "GET"): SUPPLIERS,
    ("/supplier/organisation/details", "POST"): SUPPLIERS_POST,
    ("/supplier/organisation/registration", "GET"): SUPPLIERS,
    ("/supplier/organisation/registration", "POST"): SUPPLIERS_POST,
    ("/supplier/organisation/size", "GET"): SUPPLIERS,
    ("/supplier/organisation/size", "POST"): SUPPLIERS_POST,
    ("/supplier/organisation/type", "GET"): SUPPLIERS,
    ("/supplier/organisation/type", "POST"): SUPPLIERS_POST,
    ("/supplier/services", "GET"): SUPPLIERS,
    ("/supplier/services/new", "GET"): SUPPLIERS,
    ("/supplier/services/new", "POST"): SUPPLIERS_POST,
    ("/supplier/services/<int:service_id>", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/services/<int:service_id>/documents", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/services/<int:service_id>/documents", "POST"): SUPPLIER_A_POST,
    ("/supplier/services/<int:service_id>/documents/<int:document_id>", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/services/<int:service_id>/edit/<section>", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/services/<int:service_id>/edit/<section>", "POST"): SUPPLIER_A_POST,
    ("/supplier/services/<int:service_id>/publish", "POST"): SUPPLIER_A_POST,
    ("/supplier/services/<int:service_id>/versions/<int:number>", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/services/<int:service_id>/withdraw", "GET"): SUPPLIER_A_ONLY,
    ("/supplier/services/<int:service_id>/withdraw", "POST"): SUPPLIER_A_POST,
}

HOMES = {
    SUPPLIER_A: "/supplier/",
    SUPPLIER_B: "/supplier/",
    BUYER_A: "/buyer/projects",
    BUYER_B: "/buyer/projects",
    ADMIN: "/admin/",
}


# --- The world: one set of rows for the module, each case in a savepoint rolled back after it. ---


@dataclass
class World:
    app: Flask
    connection: Connection
    users: dict[str, User | None]
    values: dict[str, object]


@pytest.fixture(scope="module")
def world(engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("access-table")
    app = create_app(isolated_config(base, database_url))
    assert app.config["WTF_CSRF_ENABLED"] is False  # empty POSTs reach the views' own checks
    with engine.connect() as connection:
        outer = connection.begin()
        app.extensions["sessionmaker"] = sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        session = app.extensions["sessionmaker"]()
        org_a = make_accredited_supplier(session, base / "evidence", name="Organisation A Ltd")
        org_b = make_accredited_supplier(session, base / "evidence", name="Organisation B Ltd")
        supplier_a = make_supplier_user(session, org_a)
        colleague_a = make_supplier_user(session, org_a)
        supplier_b = make_supplier_user(session, org_b)
        buyer_a = make_user(session, Role.BUYER)
        buyer_b = make_user(session, Role.BUYER)
        admin = make_user(session, Role.ADMIN)
        service = make_service(session, org_a)
        make_service(session, org_b)
        document = catalogue.add_document(
            session,
            supplier_a,
            service,
            kind="pricing",
            filename="pricing.pdf",
            data=MINIMAL_PDF,
            storage_dir=Path(app.config["SERVICE_DOCUMENTS_DIR"]),
            max_bytes=10_000_000,
        )
        contract = make_contract(session, buyer=buyer_a, service=service, start_date=today())
        domain = make_buyer_domain(session, "police.uk")
        invitation = Invitation(organisation=org_a, email="new.colleague@example.com", invited_by_id=supplier_a.id)
        session.add(invitation)
        token, _ = api_tokens.create_token(session, supplier_a, "Access table")
        session.commit()
        with app.app_context():
            invitation_token = make_invitation_token(invitation)
            reset_token = make_reset_token(supplier_a)
            verification_token = make_verification_token(supplier_a)
        reindex(app)
        values: dict[str, object] = {
            "service_id": service.id,
            "service_document_id": document.id,
            "evidence_document_id": org_a.documents[0].id,
            "number": 1,
            "section": "about",
            "organisation_id": org_a.id,
            "supplier_id": org_a.id,
            "user_id": colleague_a.id,
            "domain_id": domain.id,
            "template_id": contract_template(session).id,
            "token_id": token.id,
            "project_id": contract.project_id,
            "item_id": contract.shortlist_item_id,
            "contract_id": contract.id,
            "certificate_id": org_a.certificates[0].id,
            "invitation_id": invitation.id,
            "invitation_token": invitation_token,
            "reset_token": reset_token,
            "verification_token": verification_token,
            "slug": "suppliers",
            "file_format": "csv",
            "action": "approve",
        }
        users: dict[str, User | None] = {
            ANON: None,
            SUPPLIER_A: supplier_a,
            SUPPLIER_B: supplier_b,
            BUYER_A: buyer_a,
            BUYER_B: buyer_b,
            ADMIN: admin,
        }
        session.close()
        yield World(app, connection, users, values)
        outer.rollback()


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([a-z_]+)>")


def url_for_rule(rule: str, values: dict[str, object]) -> str:
    """The rule with each argument replaced by the object of organisation A or buyer A it names."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "document_id":
            name = "service_document_id" if "/services/" in rule else "evidence_document_id"
        elif name == "token":
            name = {"/invitations/": "invitation_token", "/password/": "reset_token"}.get(
                next((p for p in ("/invitations/", "/password/") if rule.startswith(p)), ""), "verification_token"
            )
        return str(values[name])

    return _ARGUMENT.sub(value, rule)


def answer(response: TestResponse) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308) and (response.location or "").startswith(
        ("/login", "http://localhost/login")
    ):
        return LOGIN
    if 200 <= status < 400:
        return OK
    return str(status)


def _matches(expected: str, got: str) -> bool:
    if expected == ALLOWED:
        return got == OK or got in {"400", "405", "409", "422"}
    if expected == REFUSED:
        return got in {LOGIN, "400", "403", "404", "405", "409", "422"}
    return got == expected


def _rules(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def _app_rules() -> set[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as base:
        return _rules(create_app(isolated_config(Path(base), "sqlite://")))


CASES = [(rule, method, actor) for (rule, method) in sorted(TABLE) for actor in ACTORS]


@pytest.fixture
def case(world: World) -> Iterator[World]:
    savepoint = world.connection.begin_nested()
    yield world
    savepoint.rollback()


def _client_as(world: World, actor: str) -> FlaskClient:
    client = world.app.test_client()
    user = world.users[actor]
    if user is not None:
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302 and response.location == HOMES[actor], f"sign-in as {actor} failed"
    return client


def test_every_rule_has_a_decision() -> None:
    rules = _app_rules()
    missing = sorted(rules - set(TABLE))
    gone = sorted(set(TABLE) - rules)
    assert not missing, f"routes with no decision in the access table: {missing}"
    assert not gone, f"decisions for routes that no longer exist: {gone}"


def test_every_decision_names_every_actor() -> None:
    for key, row in TABLE.items():
        assert len(row) == len(ACTORS), key
        if key[1] == "GET":
            assert ALLOWED not in row and REFUSED not in row, key


@pytest.mark.parametrize(("rule", "method", "actor"), CASES, ids=[f"{m} {r} as {a}" for r, m, a in CASES])
def test_rule_answers_each_actor(rule: str, method: str, actor: str, case: World) -> None:
    expected = TABLE[(rule, method)][ACTORS.index(actor)]
    client = _client_as(case, actor)
    url = url_for_rule(rule, case.values)
    response = client.open(url, method=method, data={} if method != "GET" else None)
    got = answer(response)
    assert response.status_code < 500, f"{method} {url} as {actor}: {response.status_code}"
    assert _matches(expected, got), f"{method} {url} as {actor}: expected {expected}, got {got}"
    # Whatever the answer (a page, a redirect, a 403, 404 or 405), it carries the security headers.
    assert_security_headers(response, url)


# Answers no rule in the table gives: a URL that is no route, a method a route does not take, a static asset.
OUTSIDE_THE_TABLE = [
    ("GET", "/no-such-page", 404),
    ("GET", "/api/v1/no-such-thing", 404),
    ("GET", "/account/tokens", 405),
    ("DELETE", "/api/v1/tokens", 405),
    ("GET", "/static/app.js", 200),
]


@pytest.mark.parametrize(
    ("method", "url", "status"), OUTSIDE_THE_TABLE, ids=[f"{m} {u}" for m, u, _ in OUTSIDE_THE_TABLE]
)
def test_answers_outside_the_table_carry_the_security_headers(
    method: str, url: str, status: int, case: World
) -> None:
    response = _client_as(case, BUYER_A).open(url, method=method)
    assert response.status_code == status
    assert_security_headers(response, url)
