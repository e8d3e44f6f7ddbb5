"""Catalogue use cases: drafting, publishing and editing services as immutable versions, withdrawal and moderation."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus
from app.audit.services import record
from app.auth.models import Role, User
from app.catalogue import rules
from app.catalogue.models import Framework, Lot, Service, ServiceDocument, ServiceVersion
from app.catalogue.rules import ServiceAction, ServiceStatus, ServiceValidationError
from app.db import lock_for_update
from app.exceptions import DomainError, NotAllowed
from app.search.services import record_change
from app.suppliers import evidence
from app.suppliers.models import Accreditation, Organisation
from app.suppliers.services import current_status
from app.timeutil import today as current_date
from app.timeutil import utcnow


class UnknownLot(DomainError):
    def __init__(self, slug: object) -> None:
        super().__init__(f"{slug!r} is not a lot: choose cloud-hosting, cloud-software or cloud-support", field="lot")


class PublishRefused(DomainError):
    """Publishing is not allowed now; the message says why and what to do."""


def live_framework(session: Session) -> Framework:
    framework = session.scalar(sa.select(Framework).where(Framework.status == "live").order_by(Framework.id.desc()))
    if framework is None:
        raise DomainError("There is no live framework: run the migrations")
    return framework


_LOT_SLUG = re.compile(r"[a-z0-9-]{1,50}")


def get_lot(session: Session, slug: object) -> Lot:
    # Checked before the query: PostgreSQL refuses text with NUL characters outright.
    if not isinstance(slug, str) or not _LOT_SLUG.fullmatch(slug):
        raise UnknownLot(slug)
    lot = session.scalar(sa.select(Lot).join(Framework).where(Lot.slug == slug, Framework.status == "live"))
    if lot is None:
        raise UnknownLot(slug)
    return lot


_lot_specs: dict[tuple[int, int], rules.LotSpec] = {}


def lot_spec(lot: Lot) -> rules.LotSpec:
    """The lot's rules as plain values (cached: lots and categories are fixed data)."""
    key = (lot.id, lot.max_categories)
    if key not in _lot_specs:
        _lot_specs[key] = rules.LotSpec(
            slug=lot.slug,
            name=lot.name,
            min_categories=lot.min_categories,
            max_categories=lot.max_categories,
            category_slugs=frozenset(c.slug for c in lot.categories),
        )
    return _lot_specs[key]


def _require_owner(user: User, service: Service) -> None:
    if user.role != Role.SUPPLIER or user.organisation_id != service.organisation_id:
        raise NotAllowed("This service belongs to another supplier")


def _clean(values: Mapping[str, Any], lot: Lot) -> dict[str, Any]:
    cleaned, errors = rules.clean_fields(values, lot_spec(lot))
    if errors:
        raise ServiceValidationError(errors)
    return cleaned


def create_service(session: Session, user: User, lot_slug: object, values: Mapping[str, Any]) -> Service:
    """Start a draft service in a lot with whatever fields are given (each checked as in rule C3)."""
    if user.role != Role.SUPPLIER or user.organisation_id is None:
        raise NotAllowed("Only supplier users can create services")
    lot = get_lot(session, lot_slug)
    cleaned = _clean(values, lot)
    service = Service(
        organisation_id=user.organisation_id,
        lot=lot,
        status=ServiceStatus.DRAFT,
        name=cleaned.get("name") or "",
        data={k: v for k, v in cleaned.items() if v is not None},
    )
    session.add(service)
    session.flush()
    record(session, user, "service.created", service, after={"lot": lot.slug, "name": service.name})
    return service


def update_service(
    session: Session, user: User, service: Service, values: Mapping[str, Any], *, today: date | None = None
) -> ServiceVersion | None:
    """Save changed fields. A draft is simply updated; a published service goes live at once as a new
    version (rule C2) that admins review afterwards. Returns the new version, if one was made."""
    _require_owner(user, service)
    lock_for_update(session, service)
    status = ServiceStatus(service.status)
    rules.next_service_status(status, ServiceAction.EDIT)  # refuses a withdrawn service
    cleaned = _clean(values, service.lot)
    data = dict(service.data or {})
    for name, value in cleaned.items():
        if value is None or value == "" or value == []:
            data.pop(name, None)
        else:
            data[name] = value
    problems = rules.clean_fields({k: data[k] for k in ("price_min", "price_max") if k in data}, lot_spec(service.lot))[1]
    if problems:
        raise ServiceValidationError(problems)
    if data == service.data:
        return None
    if status is not ServiceStatus.DRAFT:
        missing = {k: v for k, v in rules.missing(data, lot_spec(service.lot)).items() if v}
        if missing:
            # A live service must stay complete: refuse to blank a required field, named by field where
            # this edit blanked it (so the message sits next to it), otherwise by section.
            blanked = {
                name: [f"{rules.missing_message(rules.FIELDS_BY_NAME[name])}: a published service must keep it"]
                for name in cleaned
                if name not in data and rules.FIELDS_BY_NAME[name].required
            }
            raise ServiceValidationError(blanked or {section: items for section, items in missing.items()})
    if status is not ServiceStatus.DRAFT and "certifications" in cleaned:
        # A live service may only claim certificates its supplier holds today (as at publishing).
        _check_certifications(service.organisation, data.get("certifications", []), today or current_date())
    before = service.data
    service.data = data
    service.name = data.get("name", "")
    if status is ServiceStatus.DRAFT:
        session.flush()
        return None
    version = _new_version(session, user, service)
    changes = rules.diff(before, data)
    record(
        session, user, "service.edited", service,
        before={c.field: c.before for c in changes}, after={c.field: c.after for c in changes} | {"version": version.number},
    )
    return version


def _new_version(session: Session, user: User | None, service: Service) -> ServiceVersion:
    # Every new version changes what buyers find: its search entry is refreshed after the commit.
    record_change(session, [service.id], "version")
    service.version_number += 1
    version = ServiceVersion(
        service=service,
        number=service.version_number,
        data={**service.data, "lot": service.lot.slug},
        created_by_id=user.id if user else None,
    )
    session.add(version)
    session.flush()
    return version


def _check_certifications(org: Organisation, claimed: list[str], today: date) -> None:
    held = [c.kind for c in org.certificates if c.expires_on >= today]
    unheld = rules.unheld_certifications(claimed, held)
    if unheld:
        names = ", ".join(rules.CERTIFICATIONS[c] for c in unheld)
        raise ServiceValidationError(
            {"certifications": [f"Your organisation has no current {names} certificate. Add it to your accreditation or untick it here"]}
        )


def supplier_can_publish(org: Organisation, accreditation: Accreditation | None, today: date) -> str | None:
    """Why this supplier cannot publish now (rule C1), or None if it can."""
    status = current_status(accreditation, today)
    if status is AccreditationStatus.ACCREDITED:
        return None
    return {
        AccreditationStatus.SUSPENDED: "Your organisation is suspended, so it cannot publish services. Contact us if you think this is wrong",
        AccreditationStatus.EXPIRED: "Your accreditation has expired. Apply again to renew it before you publish",
        AccreditationStatus.SUBMITTED: "Your accreditation application is waiting for a decision. You can publish once you are accredited",
    }.get(status, "Your organisation must be accredited before it can publish services. Complete and submit your accreditation application")


def publish_service(session: Session, user: User, service: Service, *, today: date) -> ServiceVersion:
    """Publish a complete draft as version 1: only an accredited, unsuspended supplier may (rule C1)."""
    _require_owner(user, service)
    lock_for_update(session, service)
    org = service.organisation
    why_not = supplier_can_publish(org, org.accreditation, today)
    if why_not:
        raise PublishRefused(why_not)
    new_status = rules.next_service_status(ServiceStatus(service.status), ServiceAction.PUBLISH)
    spec = lot_spec(service.lot)
    missing = {k: v for k, v in rules.missing(service.data, spec).items() if v}
    if missing:
        raise ServiceValidationError(missing)
    _check_certifications(org, service.data.get("certifications", []), today)
    service.status = new_status.value
    service.published_at = utcnow()
    service.status_changed_at = utcnow()
    version = _new_version(session, user, service)
    service.reviewed_version_number = version.number  # checked at accreditation; later edits are reviewed
    record(session, user, "service.published", service, before={"status": "draft"}, after={"status": "published", "version": version.number})
    return version


def withdraw_service(session: Session, user: User, service: Service, reason: str) -> None:
    """The supplier takes a service off the catalogue for good; its page then answers 410 with the reason."""
    _require_owner(user, service)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter why you are withdrawing the service: buyers will see this", field="reason")
    _change_status(session, user, service, ServiceAction.WITHDRAW, reason)


def disable_service(session: Session, admin: User, service: Service, reason: str) -> None:
    """An admin takes a service out of the catalogue (for example after reviewing an edit)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Enter why the service is disabled: the supplier and buyers will see this", field="reason")
    _change_status(session, admin, service, ServiceAction.DISABLE, reason)
    service.reviewed_version_number = service.version_number


def enable_service(session: Session, admin: User, service: Service) -> None:
    _change_status(session, admin, service, ServiceAction.ENABLE, None)
    service.reviewed_version_number = service.version_number


_AUDIT_ACTIONS = {ServiceAction.WITHDRAW: "withdrawn", ServiceAction.DISABLE: "disabled", ServiceAction.ENABLE: "enabled"}


def _change_status(session: Session, actor: User, service: Service, action: ServiceAction, reason: str | None) -> None:
    lock_for_update(session, service)
    before = {"status": service.status}
    new = rules.next_service_status(ServiceStatus(service.status), action)
    service.status = new.value
    service.status_reason = reason
    service.status_changed_at = utcnow()
    record_change(session, [service.id], f"service {_AUDIT_ACTIONS[action]}")
    record(session, actor, f"service.{_AUDIT_ACTIONS[action]}", service, before=before, after={"status": new.value, "reason": reason})
    session.flush()


def acknowledge_edits(session: Session, admin: User, service: Service) -> None:
    """An admin has reviewed every edit up to the current version."""
    lock_for_update(session, service)
    if service.reviewed_version_number >= service.version_number:
        raise DomainError("There are no unreviewed edits of this service")
    before = {"reviewed_version": service.reviewed_version_number}
    service.reviewed_version_number = service.version_number
    record(session, admin, "service.edits_approved", service, before=before, after={"reviewed_version": service.version_number})
    session.flush()


def version(session: Session, service: Service, number: int) -> ServiceVersion | None:
    return session.scalar(sa.select(ServiceVersion).where(ServiceVersion.service_id == service.id, ServiceVersion.number == number))


def unreviewed_changes(session: Session, service: Service) -> list[rules.FieldChange]:
    """Every field changed since the last version an admin saw."""
    old = version(session, service, service.reviewed_version_number)
    new = version(session, service, service.version_number)
    if old is None or new is None:
        return []
    return rules.diff(old.data, new.data)


def visible_services(today: date) -> sa.Select[tuple[Service]]:
    """Services the public may see (rule C1): published, by an accredited, unsuspended, unexpired supplier."""
    return (
        sa.select(Service)
        .join(Accreditation, Accreditation.organisation_id == Service.organisation_id)
        .where(
            Service.status == ServiceStatus.PUBLISHED.value,
            Accreditation.status == AccreditationStatus.ACCREDITED.value,
            Accreditation.expires_on > today,
        )
    )


def is_visible(service: Service, today: date) -> bool:
    return service.status == ServiceStatus.PUBLISHED and current_status(service.organisation.accreditation, today) is AccreditationStatus.ACCREDITED


DOCUMENT_KINDS = {"service_definition": "Service definition", "pricing": "Pricing document", "terms": "Terms and conditions"}


def add_document(
    session: Session, user: User, service: Service, *, kind: str, filename: str, data: bytes, storage_dir: Path, max_bytes: int
) -> ServiceDocument:
    """Attach a public PDF or ODF document (checked by content); a new one of the same kind replaces it in the next version."""
    _require_owner(user, service)
    lock_for_update(session, service)
    rules.next_service_status(ServiceStatus(service.status), ServiceAction.EDIT)
    if kind not in DOCUMENT_KINDS:
        raise DomainError("Choose what kind of document this is", field="kind")
    detected, mimetype = evidence.check_evidence(filename, data, max_bytes)
    key = f"{service.id}/{uuid.uuid4().hex}.{detected}"
    path = storage_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    document = ServiceDocument(
        service=service, kind=kind, filename=evidence.safe_filename(filename), mimetype=mimetype,
        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key, uploaded_by_id=user.id,
    )
    session.add(document)
    session.flush()
    documents = {d["kind"]: d for d in service.data.get("documents", [])}
    documents[kind] = {"kind": kind, "id": document.id, "filename": document.filename}
    data_copy = dict(service.data)
    data_copy["documents"] = [documents[k] for k in DOCUMENT_KINDS if k in documents]
    service.data = data_copy
    record(session, user, "service.document_added", service, after={"kind": kind, "filename": document.filename})
    if service.status != ServiceStatus.DRAFT:
        _new_version(session, user, service)
    session.flush()
    return document


