"""Demo suppliers: registered, profiled, applied and decided through the same services as the pages."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.admin import services as admin_services
from app.auth import services as auth_services
from app.auth.models import User
from app.suppliers import services
from app.suppliers.declarations import GROUNDS
from app.suppliers.sizing import SizeLimits
from app.timeutil import utcnow

DATA = Path(__file__).with_name("suppliers.toml")

# A minimal, valid one-page PDF: enough for the content check and a viewer.
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class SeedSettings:
    accreditation_months: int
    mutual_min_share: int
    evidence_dir: Path
    evidence_max_bytes: int
    limits: SizeLimits


def valid_vat_number(seed: int) -> str:
    """A UK VAT number whose check digits are right (weights 8..2, then the last two digits make it 0 mod 97)."""
    base = f"{1000000 + seed * 7919 % 8999999:07d}"
    total = sum(w * int(d) for w, d in zip((8, 7, 6, 5, 4, 3, 2), base, strict=True))
    return f"GB{base}{(-total) % 97:02d}"


def _companies_house_number(kind: str, index: int) -> str | None:
    if kind in {"charity", "sole_trader", "community_benefit_society"}:
        return None
    prefix = "SC" if index % 7 == 3 else ""
    digits = f"{4812000 + index * 1311:07d}" if not prefix else f"{500000 + index * 97:06d}"
    return f"{prefix}{digits}" if prefix else f"0{digits}"


def seed_suppliers(session: Session, admin: User, settings: SeedSettings, *, today: date, policy: auth_services.AccountPolicy, password: str) -> list[str]:
    created: list[str] = []
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    for index, entry in enumerate(data["suppliers"], start=1):
        if auth_services.find_user_by_email(session, entry["email"]) is not None:
            continue
        _seed_one(session, admin, settings, entry, index, today=today, policy=policy, password=password)
        created.append(f"supplier {entry['name']} ({entry['outcome']})")
    return created


def _seed_one(
    session: Session, admin: User, settings: SeedSettings, entry: dict[str, Any], index: int, *, today: date, policy: auth_services.AccountPolicy, password: str
) -> None:
    user = auth_services.register_supplier(
        session, name=entry["user"], email=entry["email"], password=password, organisation_name=entry["name"], policy=policy
    )
    user.email_verified_at = utcnow()
    org = user.organisation
    assert org is not None
    services.update_profile(
        session, user, org, "details",
        {
            "name": entry["name"], "legal_name": entry["legal_name"], "description": entry["description"],
            "address_line_1": f"{index * 3 + 1} {('High Street', 'Station Road', 'Church Lane', 'Market Place')[index % 4]}",
            "town": entry["town"], "postcode": entry["postcode"], "country": "United Kingdom",
            "contact_name": entry["user"], "contact_email": entry["email"], "contact_phone": f"0161 496 {index:04d}",
            "website": "https://www." + entry["email"].split("@", 1)[1],
        },
    )
    ch_number = _companies_house_number(entry["type"], index)
    services.update_profile(
        session, user, org, "registration",
        {
            "companies_house_number": ch_number,
            "other_registration_number": None if ch_number else f"FCA-{30000 + index}",
            "duns_number": f"{210000000 + index * 4447:09d}",
            "vat_registered": entry["headcount"] > 1,
            "vat_number": valid_vat_number(index) if entry["headcount"] > 1 else None,
        },
    )
    flags = set(entry.get("flags", []))
    services.update_profile(
        session, user, org, "type",
        {
            "organisation_type": entry["type"],
            "employee_ownership_pct": entry.get("employee_pct"),
            **{flag: flag in flags for flag in ("is_public_service_mutual", "is_social_enterprise", "is_vcse", "is_supported_employment_provider")},
        },
    )
    services.update_size(
        session, user, org,
        headcount=entry["headcount"], turnover_gbp=Decimal(entry["turnover"]), balance_sheet_gbp=Decimal(entry["balance"]), limits=settings.limits,
    )
    if entry["outcome"] == "draft":
        return
    accreditation = services.get_accreditation(session, org)
    services.save_declarations(session, user, accreditation, {g.key: False for g in GROUNDS}, {}, today=today)
    for n, kind in enumerate(entry.get("certificates", [])):
        services.save_certificate(
            session, user, org, kind=kind, number=f"{kind[:2].upper()}-{index:03d}-{n + 1:04d}",
            issuer=("IASME Consortium" if kind.startswith("cyber") else "BSI Assurance UK"),
            expires_on=today + timedelta(days=200 + 37 * index), today=today,
        )
    services.save_insurance(
        session, user, accreditation, exempt=entry["headcount"] <= 1,
        employers_liability_gbp=None if entry["headcount"] <= 1 else Decimal("10000000"),
        professional_indemnity_gbp=Decimal("2000000"), today=today,
    )
    services.add_evidence(
        session, user, org, title="Insurance schedule and certificates", filename="evidence.pdf", data=EVIDENCE_PDF,
        storage_dir=settings.evidence_dir, max_bytes=settings.evidence_max_bytes, today=today,
    )
    services.submit_application(session, user, org, mutual_min_share=settings.mutual_min_share, today=today)
    outcome = entry["outcome"]
    if outcome == "accredited":
        admin_services.approve(
            session, admin, accreditation, months=settings.accreditation_months, mutual_min_share=settings.mutual_min_share, today=today
        )
    elif outcome == "rejected":
        admin_services.reject(session, admin, accreditation, entry["reason"], today=today)
    elif outcome == "changes_requested":
        admin_services.request_changes(session, admin, accreditation, entry["reason"], today=today)
