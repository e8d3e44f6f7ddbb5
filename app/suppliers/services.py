"""Supplier use cases: the organisation profile, colleagues and the accreditation application."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.admin.accreditation import (
    AccreditationAction,
    AccreditationStatus,
    certificate_warnings,
    effective_status,
    next_status,
)
from app.admin.accreditation import Certificate as CertificateValue
from app.audit.services import record
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.auth.services import AccountPolicy, EmailTaken, find_user_by_email, normalise_email
from app.db import lock_for_update
from app.exceptions import DomainError, NotAllowed
from app.search.services import record_organisation_change
from app.suppliers import declarations, evidence
from app.suppliers.models import Accreditation, Certificate, EvidenceDocument, Invitation, Organisation
from app.suppliers.sizing import SizeLimits, compute_size
from app.timeutil import utcnow


class CompaniesHouseNumberTaken(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Another organisation on Cloudstore already has this Companies House number. "
            "Check the number, or ask a colleague in that organisation to invite you",
            field="companies_house_number",
        )


class ApplicationLocked(DomainError):
    pass


# Profile fields that appear in search documents (supplier name and organisation-type filters).
SEARCHED_FIELDS = {"name", "organisation_type", "is_public_service_mutual", "is_social_enterprise", "is_vcse"}

# What each profile section needs before an application can be submitted.
PROFILE_SECTIONS: dict[str, dict[str, str]] = {
    "details": {
        "name": "trading name",
        "legal_name": "registered name",
        "address_line_1": "first line of the registered address",
        "town": "town or city",
        "postcode": "postcode",
        "country": "country",
        "contact_name": "contact name",
        "contact_email": "contact email address",
        "contact_phone": "contact telephone number",
    },
    "registration": {},
    "type": {"organisation_type": "type of organisation"},
    "size": {"headcount": "staff headcount", "turnover_gbp": "annual turnover", "balance_sheet_gbp": "balance sheet total"},
}
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "details": (
        "name", "legal_name", "description", "address_line_1", "address_line_2", "town", "postcode", "country",
        "contact_name", "contact_email", "contact_phone", "website",
    ),
    "registration": ("companies_house_number", "other_registration_number", "duns_number", "vat_registered", "vat_number"),
    "type": (
        "organisation_type", "is_public_service_mutual", "is_social_enterprise", "is_vcse",
        "is_supported_employment_provider", "employee_ownership_pct",
    ),
    "size": ("headcount", "turnover_gbp", "balance_sheet_gbp"),
}


def profile_problems(org: Organisation, *, mutual_min_share: int) -> dict[str, list[str]]:
    """What is still missing from each section of the organisation profile."""
    problems: dict[str, list[str]] = {}
    for section, required in PROFILE_SECTIONS.items():
        problems[section] = [f"Enter the {label}" for name, label in required.items() if getattr(org, name) in (None, "")]
    if not org.companies_house_number and not org.other_registration_number:
        problems["registration"].append("Enter a Companies House number or another registration number")
    if org.vat_registered is None:
        problems["registration"].append("Say whether the organisation is registered for VAT")
    elif org.vat_registered and not org.vat_number:
        problems["registration"].append("Enter the VAT number")
    if org.is_public_service_mutual and (org.employee_ownership_pct or 0) < mutual_min_share:
        problems["type"].append(f"A public service mutual needs at least {mutual_min_share}% employee ownership, influence or control")
    return problems


def _snapshot(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def update_profile(session: Session, user: User, org: Organisation, section: str, values: Mapping[str, Any]) -> None:
    """Save one section of the organisation profile; a Companies House number belongs to one organisation."""
    names = SECTION_FIELDS[section]
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"Fields {sorted(unknown)} are not in section {section}")
    before = _snapshot(org, names)
    try:
        # Set inside the savepoint (begin_nested() flushes first): a clash then rolls back only the savepoint.
        with session.begin_nested():
            for name, value in values.items():
                setattr(org, name, value)
            session.flush()
    except IntegrityError:
        raise CompaniesHouseNumberTaken() from None
    old, new = _changes(before, _snapshot(org, names))
    if new:
        record(session, user, f"organisation.{section}_updated", org, before=old, after=new)
        if set(new) & SEARCHED_FIELDS:
            record_organisation_change(session, org.id, f"organisation {section}")
    session.flush()


def update_size(
    session: Session, user: User, org: Organisation, *, headcount: int, turnover_gbp: Decimal, balance_sheet_gbp: Decimal, limits: SizeLimits
) -> None:
    """Save headcount and finances and compute the size from them (EU 2003/361, rule C4): never typed in."""
    result = compute_size(headcount, turnover_gbp, balance_sheet_gbp, limits)
    names = (*SECTION_FIELDS["size"], "size")
    before = _snapshot(org, names)
    org.headcount, org.turnover_gbp, org.balance_sheet_gbp = headcount, turnover_gbp, balance_sheet_gbp
    org.size, org.size_reason = result.size.value, result.reason
    old, new = _changes(before, _snapshot(org, names))
    if new:
        record(session, user, "organisation.size_updated", org, before=old, after=new)
        if "size" in new:
            record_organisation_change(session, org.id, "organisation size")
    session.flush()


# Colleagues


def invite_colleague(session: Session, user: User, email: str) -> Invitation:
    """Invite someone to join the inviter's organisation; a newer invitation replaces an older one."""
    email = normalise_email(email)
    if find_user_by_email(session, email) is not None:
        raise DomainError("This email address already has a Cloudstore account. They cannot join a second organisation", field="email")
    assert user.organisation_id is not None
    for old in session.scalars(
        sa.select(Invitation).where(
            Invitation.organisation_id == user.organisation_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at = utcnow()
    invitation = Invitation(organisation_id=user.organisation_id, email=email, invited_by_id=user.id)
    session.add(invitation)
    session.flush()
    record(session, user, "invitation.sent", invitation, after={"email": email, "organisation_id": user.organisation_id})
    return invitation


def revoke_invitation(session: Session, user: User, invitation: Invitation) -> None:
    if invitation.organisation_id != user.organisation_id:
        raise NotAllowed("This invitation is for another organisation")
    if not invitation.is_pending:
        raise DomainError("This invitation has already been used or cancelled")
    invitation.revoked_at = utcnow()
    record(session, user, "invitation.revoked", invitation, before={"email": invitation.email})
    session.flush()


def accept_invitation(session: Session, invitation: Invitation, *, name: str, password: str, policy: AccountPolicy) -> User:
    """Create the invited colleague's account in the organisation; the link proved they own the address."""
    if not invitation.is_pending:
        raise DomainError("This invitation has already been used or cancelled. Ask your colleague for a new one")
    if find_user_by_email(session, invitation.email) is not None:
        raise EmailTaken()
    user = User(
        name=name.strip(),
        email=invitation.email,
        password_hash=hash_password(password, fast=policy.fast_hashing),
        role=Role.SUPPLIER,
        organisation_id=invitation.organisation_id,
        email_verified_at=utcnow(),
    )
    session.add(user)
    invitation.accepted_at = utcnow()
    session.flush()
    record(session, user, "user.joined_organisation", user, after={"organisation_id": invitation.organisation_id, "invitation_id": invitation.id})
    return user


def remove_colleague(session: Session, user: User, colleague: User) -> None:
    """Remove a colleague from the organisation: their account is deactivated and signed out."""
    if colleague.organisation_id != user.organisation_id or colleague.role != Role.SUPPLIER:
        raise NotAllowed("This person is not in your organisation")
    if colleague.id == user.id:
        raise DomainError("You cannot remove yourself. Ask a colleague to remove you")
    if not colleague.active:
        raise DomainError(f"{colleague.name} has already been removed")
    colleague.active = False
    colleague.session_version += 1
    record(session, user, "user.removed_from_organisation", colleague, before={"active": True}, after={"active": False})
    session.flush()


# The accreditation application


def get_accreditation(session: Session, org: Organisation) -> Accreditation:
    """The organisation's application, started as a draft the first time it is needed."""
    if org.accreditation is None:
        org.accreditation = Accreditation(organisation=org, status=AccreditationStatus.DRAFT, declarations={}, declaration_explanations={})
        session.add(org.accreditation)
        session.flush()
    return org.accreditation


def current_status(accreditation: Accreditation | None, today: date) -> AccreditationStatus:
    """The status as of today: an accreditation lapses on its expiry date even if no job has run."""
    if accreditation is None:
        return AccreditationStatus.DRAFT
    return effective_status(AccreditationStatus(accreditation.status), accreditation.expires_on, today)


EDITABLE = {AccreditationStatus.DRAFT, AccreditationStatus.CHANGES_REQUESTED}


def _require_editable(accreditation: Accreditation, today: date) -> None:
    status = current_status(accreditation, today)
    if status not in EDITABLE:
        raise ApplicationLocked(f"Your application is {status.label.lower()}, so this part cannot be changed now")


def save_declarations(
    session: Session, user: User, accreditation: Accreditation, answers: Mapping[str, bool | None], explanations: Mapping[str, str], *, today: date
) -> list[declarations.DeclarationProblem]:
    """Save the exclusion-ground answers as given (nothing typed is lost) and return what is still missing."""
    _require_editable(accreditation, today)
    before = {"answers": dict(accreditation.declarations or {}), "explanations": dict(accreditation.declaration_explanations or {})}
    accreditation.declarations = {k: v for k, v in answers.items() if v is not None}
    accreditation.declaration_explanations = {k: v for k, v in explanations.items() if v}
    problems = declarations.check_declarations(answers, explanations)
    accreditation.declarations_completed_at = None if problems else utcnow()
    after = {"answers": accreditation.declarations, "explanations": accreditation.declaration_explanations}
    if before != after:
        record(session, user, "accreditation.declarations_saved", accreditation, before=before, after=after)
    session.flush()
    return problems


def save_insurance(
    session: Session,
    user: User,
    accreditation: Accreditation,
    *,
    exempt: bool,
    employers_liability_gbp: Decimal | None,
    professional_indemnity_gbp: Decimal,
    today: date,
) -> None:
    """Record insurance cover: employer's liability of at least £5m unless exempt by law."""
    _require_editable(accreditation, today)
    names = ("employers_liability_exempt", "employers_liability_gbp", "professional_indemnity_gbp")
    before = _snapshot(accreditation, names)
    accreditation.employers_liability_exempt = exempt
    accreditation.employers_liability_gbp = None if exempt else employers_liability_gbp
    accreditation.professional_indemnity_gbp = professional_indemnity_gbp
    old, new = _changes(before, _snapshot(accreditation, names))
    if new:
        record(session, user, "accreditation.insurance_saved", accreditation, before=old, after=new)
    session.flush()


CERTIFICATES_EDITABLE = EDITABLE | {AccreditationStatus.ACCREDITED}


def save_certificate(
    session: Session, user: User, org: Organisation, *, kind: str, number: str, issuer: str, expires_on: date, today: date
) -> Certificate:
    """Add a certificate, or replace the one of the same kind (a renewal)."""
    status = current_status(org.accreditation, today)
    if status not in CERTIFICATES_EDITABLE:
        raise ApplicationLocked(f"Your application is {status.label.lower()}, so certificates cannot be changed now")
    if expires_on < today:
        raise DomainError("This certificate has already expired: add a current one", field="expires_on")
    existing = next((c for c in org.certificates if c.kind == kind), None)
    before = _snapshot(existing, ("number", "issuer", "expires_on")) if existing else None
    certificate = existing or Certificate(organisation=org, kind=kind)  # setting organisation adds it to org.certificates
    certificate.number, certificate.issuer, certificate.expires_on = number, issuer, expires_on
    session.add(certificate)
    session.flush()
    record(
        session, user, "certificate.renewed" if existing else "certificate.added", certificate,
        before=before, after={"kind": kind, "number": number, "issuer": issuer, "expires_on": expires_on},
    )
    return certificate


def remove_certificate(session: Session, user: User, certificate: Certificate, *, today: date) -> None:
    _require_editable(certificate.organisation.accreditation or get_accreditation(session, certificate.organisation), today)
    record(session, user, "certificate.removed", certificate, before={"kind": certificate.kind, "number": certificate.number})
    certificate.organisation.certificates.remove(certificate)
    session.flush()


def add_evidence(
    session: Session, user: User, org: Organisation, *, title: str, filename: str, data: bytes, storage_dir: Path, max_bytes: int, today: date
) -> EvidenceDocument:
    """Store an evidence document after checking by its content that it is a PDF or ODF file within the size limit."""
    _require_editable(get_accreditation(session, org), today)
    kind, mimetype = evidence.check_evidence(filename, data, max_bytes)
    key = f"{org.id}/{uuid.uuid4().hex}.{kind}"
    path = storage_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)  # never a half-written file under the final name
    document = EvidenceDocument(
        organisation=org,
        title=title.strip(),
        filename=evidence.safe_filename(filename),
        kind=kind,
        mimetype=mimetype,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        uploaded_by_id=user.id,
    )
    session.add(document)
    session.flush()
    record(session, user, "evidence.uploaded", document, after={"title": document.title, "filename": document.filename, "sha256": document.sha256})
    return document


def remove_evidence(session: Session, user: User, document: EvidenceDocument, *, storage_dir: Path, today: date) -> None:
    _require_editable(get_accreditation(session, document.organisation), today)
    record(session, user, "evidence.removed", document, before={"title": document.title, "filename": document.filename})
    session.delete(document)
    session.flush()
    (storage_dir / document.storage_key).unlink(missing_ok=True)


@dataclass
class Task:
    key: str
    title: str
    endpoint: str
    problems: list[str] = field(default_factory=list)
    started: bool = True

    @property
    def done(self) -> bool:
        return self.started and not self.problems


def application_tasks(org: Organisation, accreditation: Accreditation | None, *, mutual_min_share: int, today: date) -> list[Task]:
    """The task list: each part of the application, and what is still missing from it."""
    profile = profile_problems(org, mutual_min_share=mutual_min_share)
    tasks = [
        Task("details", "Organisation details and contact", "suppliers.edit_details", profile["details"], bool(org.legal_name)),
        Task("registration", "Registration numbers and VAT", "suppliers.edit_registration", profile["registration"], org.vat_registered is not None),
        Task("type", "Type of organisation", "suppliers.edit_type", profile["type"], bool(org.organisation_type)),
        Task("size", "Size of organisation", "suppliers.edit_size", profile["size"], org.headcount is not None),
    ]
    answers = dict(accreditation.declarations or {}) if accreditation else {}
    explanations = dict(accreditation.declaration_explanations or {}) if accreditation else {}
    problems = [p.message for p in declarations.check_declarations(answers, explanations)]
    tasks.append(Task("declarations", "Declarations", "suppliers.declarations", problems, bool(answers)))

    cert_problems = certificate_warnings(
        [CertificateValue(c.kind, c.number, c.issuer, c.expires_on) for c in org.certificates],
        accreditation.expires_on if accreditation else None,
        today,
    )
    if not org.certificates:
        cert_problems.insert(0, "Add at least one certificate: Cyber Essentials, Cyber Essentials Plus or ISO/IEC 27001")
    expired_only = [p for p in cert_problems if "expired on" in p or p.startswith("Add at least")]
    tasks.append(Task("certificates", "Security certificates", "suppliers.certificates", expired_only, bool(org.certificates)))

    insurance: list[str] = []
    if accreditation is None or accreditation.employers_liability_exempt is None:
        insurance.append("Say whether you need employer's liability insurance")
    elif not accreditation.employers_liability_exempt and (accreditation.employers_liability_gbp or 0) < 5_000_000:
        insurance.append("Employer's liability cover must be at least £5,000,000")
    if accreditation is None or accreditation.professional_indemnity_gbp is None:
        insurance.append("Enter your professional indemnity cover")
    tasks.append(Task("insurance", "Insurance", "suppliers.insurance", insurance, accreditation is not None and accreditation.employers_liability_exempt is not None))

    documents = [] if org.documents else ["Upload at least one evidence document, such as your certificates or insurance schedule"]
    tasks.append(Task("documents", "Evidence documents", "suppliers.documents", documents, bool(org.documents)))
    return tasks


def submit_application(session: Session, user: User, org: Organisation, *, mutual_min_share: int, today: date) -> Accreditation:
    """Send a complete application to the admins; an incomplete one is refused with what is missing."""
    accreditation = get_accreditation(session, org)
    lock_for_update(session, accreditation)
    status = current_status(accreditation, today)
    missing = [t.title for t in application_tasks(org, accreditation, mutual_min_share=mutual_min_share, today=today) if not t.done]
    if missing:
        raise DomainError("Complete every part of the application before you submit it. Still to do: " + ", ".join(missing))
    new = next_status(status, AccreditationAction.SUBMIT)
    before = {"status": accreditation.status}
    accreditation.status = new.value
    accreditation.submitted_at = utcnow()
    accreditation.status_changed_at = utcnow()
    record(session, user, "accreditation.submitted", accreditation, before=before, after={"status": new.value})
    session.flush()
    return accreditation


def reapply(session: Session, user: User, org: Organisation, *, today: date) -> Accreditation:
    """Start a new application after a rejection or expiry; the earlier answers are kept to edit."""
    accreditation = get_accreditation(session, org)
    lock_for_update(session, accreditation)
    status = current_status(accreditation, today)
    new = next_status(status, AccreditationAction.REAPPLY)
    record(session, user, "accreditation.reapplied", accreditation, before={"status": status.value}, after={"status": new.value})
    accreditation.status = new.value
    accreditation.status_reason = None
    accreditation.accredited_on = None
    accreditation.expires_on = None
    accreditation.status_changed_at = utcnow()
    session.flush()
    return accreditation

