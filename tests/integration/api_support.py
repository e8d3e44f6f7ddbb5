"""Helpers for the JSON API tests: users with tokens, and a service body that is complete."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from app.auth import api_tokens
from app.auth.models import Role, User
from app.suppliers.models import Organisation
from tests.factories import make_accredited_supplier, make_complete_supplier, make_supplier_user, make_user


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_for(session: Session, user: User, name: str = "Tests") -> str:
    _, plaintext = api_tokens.create_token(session, user, name)
    session.flush()
    return plaintext


def accredited_supplier_with_token(
    session: Session, app: Flask, **overrides: Any
) -> tuple[Organisation, User, dict[str, str]]:
    """An accredited supplier (holding a current Cyber Essentials certificate), one of its users, and that user's
    auth header."""
    org = make_accredited_supplier(session, app.config["EVIDENCE_DIR"], **overrides)
    user = make_supplier_user(session, org)
    headers = bearer(token_for(session, user))
    session.commit()
    return org, user, headers


def unaccredited_supplier_with_token(
    session: Session, app: Flask, status: str
) -> tuple[Organisation, User, dict[str, str]]:
    org = make_complete_supplier(session, app.config["EVIDENCE_DIR"], status=status)
    user = make_supplier_user(session, org)
    headers = bearer(token_for(session, user))
    session.commit()
    return org, user, headers


def user_with_token(session: Session, role: Role) -> tuple[User, dict[str, str]]:
    user = make_user(session, role)
    headers = bearer(token_for(session, user))
    session.commit()
    return user, headers


def complete_service(**overrides: Any) -> dict[str, Any]:
    """Every field a cloud hosting service needs before it can be published."""
    body: dict[str, Any] = {
        "lot": "cloud-hosting",
        "name": "Managed PostgreSQL",
        "summary": "Managed PostgreSQL databases hosted in UK data centres, with backups and monitoring.",
        "description": "We run PostgreSQL for you: patching, backups, failover and monitoring.",
        "features": ["Daily backups kept for 35 days", "Point in time recovery"],
        "benefits": ["No database servers to manage", "Predictable monthly bills"],
        "categories": ["relational-database", "archiving-backup-and-disaster-recovery"],
        "price_min": "0.05",
        "price_max": "2.00",
        "price_unit": "gigabyte",
        "price_interval": "month",
        "pricing_model": "pay_as_you_go",
        "free_trial": True,
        "education_pricing": False,
        "minimum_contract_period": "none",
        "data_location": "uk",
        "certifications": ["cyber_essentials"],
        "standards": ["iso27001"],
        "staff_security_clearance": "bpss",
        "support_channels": ["email", "phone"],
        "support_response_time": "4_hours",
        "support_hours": "working_hours",
        "accessibility": "wcag22_aa",
        "onboarding": "A named engineer migrates your first database with you.",
        "exit_process": "We export every database as a SQL dump and CSV files within 5 working days.",
        "exit_data_formats": ["csv", "sql"],
    }
    body.update(overrides)
    return body
