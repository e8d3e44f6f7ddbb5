"""Typed factories that build rows through the models and flush (never commit)."""

from __future__ import annotations

import hashlib
import tempfile
import uuid
from datetime import date
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus, add_months
from app.auth.models import BuyerDomain, Role, User
from app.auth.passwords import hash_password
from app.catalogue.models import Service
from app.suppliers.declarations import GROUNDS
from app.suppliers.models import Accreditation, Certificate, EvidenceDocument, Organisation
from app.suppliers.sizing import compute_size
from app.timeutil import today, utcnow

PASSWORD = "a-long-test-password-42"
_numbers = count(1)

# The smallest file that is really a PDF (what evidence uploads are checked for).
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n"
)


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


def complete_profile(**overrides: Any) -> dict[str, Any]:
    """Every organisation field an application needs, for a small limited company."""
    n = next(_numbers)
    headcount = int(overrides.pop("headcount", 20))
    turnover = Decimal(str(overrides.pop("turnover_gbp", "1500000")))
    balance_sheet = Decimal(str(overrides.pop("balance_sheet_gbp", "1000000")))
    size = compute_size(headcount, turnover, balance_sheet)
    profile: dict[str, Any] = {
        "name": f"Supplier {n} Ltd",
        "legal_name": f"Supplier {n} Limited",
        "description": "Cloud hosting for councils.",
        "address_line_1": "1 High Street",
        "town": "Leeds",
        "postcode": "LS1 1AA",
        "country": "United Kingdom",
        "contact_name": "Sam Contact",
        "contact_email": f"contact{n}@example.com",
        "contact_phone": "0113 496 0000",
        "website": "https://www.example.com",
        "companies_house_number": f"{n:08d}",
        "vat_registered": True,
        "vat_number": "GB980780684",
        "organisation_type": "ltd",
        "headcount": headcount,
        "turnover_gbp": turnover,
        "balance_sheet_gbp": balance_sheet,
        "size": size.size.value,
        "size_reason": size.reason,
    }
    profile.update(overrides)
    return profile


def write_evidence(
    session: Session,
    organisation: Organisation,
    evidence_dir: Path | str,
    *,
    data: bytes = MINIMAL_PDF,
    filename: str = "certificate.pdf",
    title: str = "Cyber Essentials certificate",
) -> EvidenceDocument:
    """An evidence document row with its file really stored under the app's EVIDENCE_DIR."""
    key = f"{organisation.id}/{uuid.uuid4().hex}.pdf"
    path = Path(evidence_dir) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    document = EvidenceDocument(
        organisation=organisation, title=title, filename=filename, kind="pdf", mimetype="application/pdf",
        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
    )
    session.add(document)
    session.flush()
    return document


def make_complete_supplier(
    session: Session,
    evidence_dir: Path | str,
    *,
    status: str = AccreditationStatus.DRAFT,
    expires_on: date | None = None,
    declarations: dict[str, bool] | None = None,
    certificate_expires_on: date | None = None,
    **overrides: Any,
) -> Organisation:
    """An organisation whose application is complete: full profile, every declaration "no", a Cyber Essentials
    certificate expiring in a year, insurance and one evidence document. ``status`` other than draft also sets
    the dates that status implies (submitted, decided, accredited for 12 months unless ``expires_on`` is given)."""
    organisation = make_organisation(session, **complete_profile(**overrides))
    answers = {ground.key: False for ground in GROUNDS}
    answers.update(declarations or {})
    accreditation = Accreditation(
        organisation=organisation,
        status=str(status),
        declarations=answers,
        declaration_explanations={},
        declarations_completed_at=utcnow(),
        employers_liability_exempt=False,
        employers_liability_gbp=Decimal("5000000"),
        professional_indemnity_gbp=Decimal("1000000"),
    )
    if status != AccreditationStatus.DRAFT:
        accreditation.submitted_at = utcnow()
    if status in (AccreditationStatus.ACCREDITED, AccreditationStatus.SUSPENDED, AccreditationStatus.EXPIRED):
        accreditation.decided_at = utcnow()
        accreditation.accredited_on = today()
        default_expiry = today() if status == AccreditationStatus.EXPIRED else add_months(today(), 12)
        accreditation.expires_on = expires_on or default_expiry
    session.add(accreditation)
    session.add(
        Certificate(
            organisation=organisation, kind="cyber_essentials", number=f"CE-{organisation.id:05d}", issuer="IASME",
            expires_on=certificate_expires_on or add_months(today(), 12),
        )
    )
    session.flush()
    write_evidence(session, organisation, evidence_dir)
    session.refresh(organisation)
    return organisation


def make_accredited_supplier(session: Session, evidence_dir: Path | str, **overrides: Any) -> Organisation:
    """A complete supplier accredited today for 12 months (or until ``expires_on``)."""
    overrides.setdefault("status", AccreditationStatus.ACCREDITED)
    return make_complete_supplier(session, evidence_dir, **overrides)


def make_supplier_user(session: Session, organisation: Organisation, **overrides: Any) -> User:
    return make_user(session, Role.SUPPLIER, organisation=organisation, **overrides)


# Services, built through the catalogue services so they pass the same rules as a supplier's own.

SERVICE_CATEGORIES = {
    "cloud-hosting": ["compute-and-application-hosting", "object-storage"],
    "cloud-software": ["analytics", "payroll"],
    "cloud-support": ["planning", "setup-and-migration"],
}


def complete_service_data(lot: str = "cloud-software", **overrides: Any) -> dict[str, Any]:
    """Every field a service needs before it can be published, using the rules' option values."""
    n = next(_numbers)
    data: dict[str, Any] = {
        "name": f"Test Service {n}",
        "summary": "Payroll and analytics for councils, hosted in the UK.",
        "description": "A complete description of what the service does, how it is supported and how buyers leave.",
        "features": ["Automatic daily backups", "Single sign-on"],
        "benefits": ["Staff work from any device", "No servers to maintain"],
        "categories": list(SERVICE_CATEGORIES[lot]),
        "price_min": "100.00",
        "price_max": "500.00",
        "price_unit": "user",
        "price_interval": "month",
        "pricing_model": "pay_as_you_go",
        "free_trial": True,
        "education_pricing": False,
        "minimum_contract_period": "month",
        "data_location": "uk",
        "standards": ["ncsc_cloud_principles"],
        "staff_security_clearance": "bpss",
        "support_channels": ["email", "phone"],
        "support_response_time": "4_hours",
        "support_hours": "working_hours",
        "accessibility": "wcag22_aa",
        "onboarding": "A named onboarding manager and two training sessions.",
        "exit_process": "We export all data within 10 working days and delete our copies 30 days later.",
        "exit_data_formats": ["csv", "json"],
    }
    data.update(overrides)
    return data


def make_service(
    session: Session,
    organisation: Organisation | None = None,
    lot: str = "cloud-software",
    status: str = "published",
    *,
    evidence_dir: Path | str | None = None,
    **data: Any,
) -> Service:
    """A complete service in ``lot`` for ``organisation`` (an accredited supplier by default), created and,
    unless ``status`` is "draft", published through the services; "withdrawn" and "disabled" go one step further."""
    from app.catalogue import services as catalogue

    if organisation is None:
        organisation = make_accredited_supplier(session, evidence_dir or tempfile.mkdtemp(prefix="evidence-"))
    supplier = next((u for u in organisation.users if u.role == Role.SUPPLIER), None) or make_supplier_user(session, organisation)
    service = catalogue.create_service(session, supplier, lot, complete_service_data(lot, **data))
    if status != "draft":
        catalogue.publish_service(session, supplier, service, today=today())
    if status == "withdrawn":
        catalogue.withdraw_service(session, supplier, service, "Replaced by a newer service")
    elif status == "disabled":
        catalogue.disable_service(session, make_user(session, Role.ADMIN), service, "Misleading claims under review")
    session.flush()
    return service
