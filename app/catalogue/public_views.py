"""Public service pages: what a buyer needs to assess a service (rule C1: 410 when withdrawn or disabled)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, render_template, send_file
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.catalogue import rules, services
from app.catalogue.models import Service, ServiceDocument, ServiceVersion
from app.catalogue.rules import ServiceStatus
from app.db import get_or_404, get_session
from app.suppliers.presenters import badges
from app.timeutil import today

bp = Blueprint("service_pages", __name__)

# Shown together as one "Price" row, the way G-Cloud listings read.
_PRICE_PARTS = ("price_min", "price_max", "price_unit", "price_interval")
# Shown above the sections (name as the heading, summary as the lead paragraph).
_SHOWN_ABOVE = ("name", "summary")
_LIST_FIELDS = ("features", "benefits")
_TEXT_FIELDS = ("description", "onboarding", "exit_process")


@dataclass(frozen=True)
class Row:
    label: str
    text: str = ""
    items: list[str] = field(default_factory=list)
    long: bool = False  # free text: kept as the supplier wrote it, line breaks included


@dataclass(frozen=True)
class PageSection:
    key: str
    title: str
    rows: list[Row]


def service_sections(data: dict[str, Any], category_names: dict[str, str]) -> list[PageSection]:
    """A published version's fields in the order of the service form, as buyers read them."""
    sections = []
    for section in rules.SECTIONS:
        rows: list[Row] = []
        for name in rules.SECTION_FIELDS[section.key]:
            label = rules.FIELDS_BY_NAME[name].label
            value = data.get(name)
            if name in _SHOWN_ABOVE or (name in _PRICE_PARTS and name != "price_min"):
                continue
            if name == "price_min":
                rows.append(Row("Price", rules.price_text(data)))
            elif name == "categories":
                rows.append(Row(label, items=[category_names.get(slug, slug) for slug in value or []]))
            elif name in _LIST_FIELDS:
                rows.append(Row(label, items=list(value or [])))
            elif name in _TEXT_FIELDS:
                rows.append(Row(label, rules.display(name, value), long=True))
            else:
                rows.append(Row(label, rules.display(name, value)))
        if rows:
            sections.append(PageSection(section.key, section.title, rows))
    return sections


_REMOVED = (ServiceStatus.WITHDRAWN, ServiceStatus.DISABLED)


def get_public_service_or_404(session: Session, service_id: int) -> Service:
    """A service the public may see (rule C1), or a withdrawn or disabled one (the caller answers 410).
    Drafts, and services of suppliers that are suspended or no longer accredited, are not found."""
    service = get_or_404(session, Service, service_id)
    if service.status not in _REMOVED and not services.is_visible(service, today()):
        abort(404)
    return service


def _current_version_or_404(session: Session, service: Service) -> ServiceVersion:
    version = services.version(session, service, service.version_number)
    if version is None:  # a published service always has one (a database check): this is only a guard
        abort(404)
    return version


def _removed_page(service: Service) -> tuple[str, int]:
    who = "withdrawn by the supplier" if service.status == ServiceStatus.WITHDRAWN else "removed by Cloudstore"
    return render_template("catalogue/service.html", service=service, removed=who), 410


@bp.route("/services/<int:service_id>")
def service(service_id: int) -> Any:
    session = get_session()
    service = get_public_service_or_404(session, service_id)
    if service.status in _REMOVED:
        return _removed_page(service)
    version = _current_version_or_404(session, service)
    data = version.data
    org = service.organisation
    category_names = {c.slug: c.name for c in service.lot.categories}
    return render_template(
        "catalogue/service.html",
        service=service,
        version=version,
        data=data,
        price=rules.price_text(data),
        sections=service_sections(data, category_names),
        documents=[d for d in data.get("documents", []) if d.get("kind") in services.DOCUMENT_KINDS],
        document_kinds=services.DOCUMENT_KINDS,
        organisation=org,
        badges=badges(org, today()),
        removed=None,
    )


def documents_dir() -> Path:
    """Where service documents are stored (the supplier pages upload them there)."""
    configured = current_app.config.get("SERVICE_DOCUMENTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "service-documents"


@bp.route("/services/<int:service_id>/documents/<int:document_id>")
def document(service_id: int, document_id: int) -> Response:
    """A public document of the service as it is now: older versions' documents are not served."""
    session = get_session()
    service = get_public_service_or_404(session, service_id)
    if service.status in _REMOVED:
        abort(410)
    version = _current_version_or_404(session, service)
    current_ids = {d.get("id") for d in version.data.get("documents", [])}
    stored = session.get(ServiceDocument, document_id)
    if stored is None or stored.service_id != service.id or stored.id not in current_ids:
        abort(404)
    path = documents_dir() / stored.storage_key
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=stored.mimetype, as_attachment=True, download_name=stored.filename)
