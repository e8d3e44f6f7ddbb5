"""How a supplier is shown to the public: badges and profile data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import url_for

from app.admin.accreditation import CERTIFICATE_KINDS
from app.suppliers.models import Organisation
from app.suppliers.sizing import Size


@dataclass(frozen=True)
class Badge:
    key: str
    label: str


def badges(org: Organisation, today: date) -> list[Badge]:
    """The labels buyers filter and scan by: SME size, mutual, social enterprise, VCSE, supported employment, certificates."""
    result: list[Badge] = []
    if org.size:
        size = Size(org.size)
        result.append(Badge("sme" if size.is_sme else "large", f"SME ({size.label.lower()})" if size.is_sme else "Large organisation"))
    for flag, key, label in (
        ("is_public_service_mutual", "mutual", "Public service mutual"),
        ("is_social_enterprise", "social_enterprise", "Social enterprise"),
        ("is_vcse", "vcse", "VCSE"),
        ("is_supported_employment_provider", "supported_employment", "Supported employment provider"),
    ):
        if getattr(org, flag):
            result.append(Badge(key, label))
    for certificate in org.certificates:
        if certificate.expires_on >= today:
            result.append(Badge(certificate.kind, CERTIFICATE_KINDS[certificate.kind]))
    return result


def supplier_json(org: Organisation, today: date) -> dict[str, Any]:
    """The public supplier profile for GET /api/v1/suppliers/<id>."""
    return {
        "id": org.id,
        "name": org.name,
        "legal_name": org.legal_name,
        "description": org.description,
        "organisation_type": org.organisation_type,
        "size": org.size,
        "sme": org.is_sme,
        "public_service_mutual": org.is_public_service_mutual,
        "social_enterprise": org.is_social_enterprise,
        "vcse": org.is_vcse,
        "supported_employment_provider": org.is_supported_employment_provider,
        "companies_house_number": org.companies_house_number,
        "certifications": [
            {"kind": c.kind, "name": CERTIFICATE_KINDS[c.kind], "expires_on": c.expires_on.isoformat()}
            for c in org.certificates
            if c.expires_on >= today
        ],
        "contact": {"name": org.contact_name, "email": org.contact_email, "phone": org.contact_phone, "website": org.website},
        "town": org.town,
        "url": url_for("supplier_directory.profile", supplier_id=org.id, _external=True),
    }
