"""Typed factories that build rows through the models and flush (never commit)."""

from __future__ import annotations

from itertools import count

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import BuyerDomain, Role, User
from app.auth.passwords import hash_password
from app.suppliers.models import Organisation
from app.timeutil import utcnow

PASSWORD = "a-long-test-password-42"
_numbers = count(1)


def make_organisation(session: Session, **overrides: object) -> Organisation:
    organisation = Organisation(name=overrides.pop("name", f"Supplier {next(_numbers)} Ltd"), **overrides)
    session.add(organisation)
    session.flush()
    return organisation


def make_user(session: Session, role: Role = Role.BUYER, **overrides: object) -> User:
    n = next(_numbers)
    if role == Role.SUPPLIER and "organisation" not in overrides:
        overrides["organisation"] = make_organisation(session)
    email = overrides.pop("email", f"{role.value}{n}@example.gov.uk" if role == Role.BUYER else f"{role.value}{n}@example.com")
    user = User(
        email=str(email),
        name=str(overrides.pop("name", f"Test {role.value.title()} {n}")),
        password_hash=hash_password(str(overrides.pop("password", PASSWORD)), fast=True),
        role=role,
        email_verified_at=overrides.pop("email_verified_at", utcnow()),
        **overrides,
    )
    session.add(user)
    session.flush()
    return user


def make_buyer_domain(session: Session, domain: str = "gov.uk") -> BuyerDomain:
    entry = BuyerDomain(domain=domain)
    session.add(entry)
    session.flush()
    return entry


def login_as(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, f"sign-in as {user.email} failed"
