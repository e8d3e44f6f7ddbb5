"""Services as the API shows them: the public published version, and the supplier's working copy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from flask import url_for

from app.catalogue import rules
from app.catalogue.models import Service, ServiceVersion
from app.catalogue.services import lot_spec

# Fields whose value is a list; an unanswered one is shown as [] rather than null.
LIST_FIELDS = frozenset(
    {"features", "benefits", "categories", "certifications", "standards", "support_channels", "exit_data_formats"}
)
# Keys the API writes in its answers and a client cannot set (refused with a message saying so).
READ_ONLY_KEYS = frozenset(
    {"id", "status", "version", "updated", "url", "supplier", "price_text", "missing", "documents", "published_at"}
)


def timestamp(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its zone, to the second."""
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def long_date(value: date | datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def _fields(data: Mapping[str, Any]) -> dict[str, Any]:
    return {f.name: data.get(f.name, [] if f.name in LIST_FIELDS else None) for f in rules.FIELDS}


def service_page_url(service_id: int) -> str:
    """The public HTML page, /services/<id> (a fixed address in the interface)."""
    return urljoin(url_for("pages.start", _external=True), f"services/{service_id}")


def published_service_json(service: Service, version: ServiceVersion) -> dict[str, Any]:
    """A visible service as buyers see it: its current published version (rule C2), never the working copy."""
    org = service.organisation
    return {
        "id": service.id,
        "lot": version.data.get("lot", service.lot.slug),
        **_fields(version.data),
        "price_text": rules.price_text(version.data),
        "supplier": {"id": org.id, "name": org.name, "organisation_type": org.organisation_type, "sme": org.is_sme},
        "version": version.number,
        "updated": timestamp(version.created_at),
        "url": service_page_url(service.id),
    }


def working_copy_json(service: Service) -> dict[str, Any]:
    """A supplier's own service as saved, with what it still needs before it can be published."""
    missing = rules.missing(service.data or {}, lot_spec(service.lot))
    return {
        "id": service.id,
        "lot": service.lot.slug,
        "status": service.status,
        "version": service.version_number,
        **_fields(service.data or {}),
        "missing": {section: items for section, items in missing.items() if items},
        "updated": timestamp(service.updated_at),
    }
