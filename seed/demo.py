"""Load the demo data through the same services the pages use, idempotently."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.auth import services
from app.auth.models import BuyerDomain
from app.timeutil import utcnow

DEMO_PASSWORD = "cloudstore-demo-password"
DATA = Path(__file__).with_name("demo.toml")
SEED_ACTOR = "seed demo"


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.created:
            return "Demo data already present: nothing to do."
        return "Created: " + ", ".join(self.created) + "."


def _policy() -> services.AccountPolicy:
    from flask import current_app

    return services.AccountPolicy(fast_hashing=bool(current_app.config.get("PASSWORD_HASH_FAST")))


def seed_demo(session: Session) -> SeedReport:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    report = SeedReport()
    policy = _policy()

    existing_domains = set(session.scalars(sa.select(BuyerDomain.domain)))
    for domain in data["buyer_domains"]:
        if domain not in existing_domains:
            services.add_buyer_domain(session, None, domain, actor_label=SEED_ACTOR)
            report.created.append(f"buyer domain {domain}")

    for admin in data["admins"]:
        if services.find_user_by_email(session, admin["email"]) is None:
            services.create_admin(session, email=admin["email"], password=DEMO_PASSWORD, name=admin["name"], policy=policy)
            report.created.append(f"admin {admin['email']}")

    for buyer in data["buyers"]:
        if services.find_user_by_email(session, buyer["email"]) is None:
            user = services.register_buyer(
                session, name=buyer["name"], email=buyer["email"], password=DEMO_PASSWORD, policy=policy
            )
            user.email_verified_at = utcnow()
            report.created.append(f"buyer {buyer['email']}")

    for supplier in data["suppliers"]:
        if services.find_user_by_email(session, supplier["email"]) is None:
            user = services.register_supplier(
                session,
                name=supplier["name"],
                email=supplier["email"],
                password=DEMO_PASSWORD,
                organisation_name=supplier["organisation"],
                policy=policy,
            )
            user.email_verified_at = utcnow()
            report.created.append(f"supplier {supplier['email']}")
    session.flush()
    return report
