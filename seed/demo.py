"""Load the demo data through the same services the pages use, idempotently."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.auth import services
from app.auth.models import BuyerDomain
from app.suppliers.sizing import SizeLimits
from app.timeutil import today, utcnow
from seed.buying import seed_buying
from seed.services import generate_services
from seed.suppliers import SeedSettings, seed_suppliers

DEMO_PASSWORD = "cloudstore-demo-password"
DATA = Path(__file__).with_name("demo.toml")
SEED_ACTOR = "seed demo"
DEFAULT_SERVICES = 300
DEFAULT_SEED = 1


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.created:
            return "Demo data already present: nothing to do."
        return "Created: " + ", ".join(self.created) + "."


def _policy() -> services.AccountPolicy:
    return services.AccountPolicy(fast_hashing=bool(current_app.config.get("PASSWORD_HASH_FAST")))


def _supplier_settings() -> SeedSettings:
    config = current_app.config
    return SeedSettings(
        accreditation_months=config["ACCREDITATION_MONTHS"],
        mutual_min_share=config["MUTUAL_MIN_EMPLOYEE_SHARE"],
        evidence_dir=Path(config["EVIDENCE_DIR"]),
        evidence_max_bytes=config["EVIDENCE_MAX_BYTES"],
        limits=SizeLimits(eur_per_gbp=Decimal(str(config["EUR_PER_GBP"]))),
    )


def seed_demo(session: Session, *, service_count: int = DEFAULT_SERVICES, seed: int = DEFAULT_SEED) -> SeedReport:
    """Demo accounts, buyer domains, suppliers and ``service_count`` listings generated from ``seed``; idempotent."""
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

    admin_email = data["admins"][0]["email"]
    admin = services.find_user_by_email(session, admin_email)
    assert admin is not None
    report.created += seed_suppliers(session, admin, _supplier_settings(), today=today(), policy=policy, password=DEMO_PASSWORD)
    session.flush()
    generated = generate_services(session, service_count, seed, today())
    if generated.created:
        report.created.append(generated.summary())
    report.created += seed_buying(session, today=today(), password=DEMO_PASSWORD, policy=policy)
    return report
