"""What goes into the search index, and what may (rule C1): pure mapping from loaded rows."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.search.index import ServiceDocument
from app.suppliers.sizing import Size


def org_types(*, size: str | None, mutual: bool, social_enterprise: bool, vcse: bool) -> tuple[str, ...]:
    """The organisation-type filter values of a supplier: SME or large by computed size, plus its flags."""
    values = []
    if size:
        values.append("sme" if Size(size).is_sme else "large")
    if mutual:
        values.append("mutual")
    if social_enterprise:
        values.append("social_enterprise")
    if vcse:
        values.append("vcse")
    return tuple(values)


def price_pence(value: str | None) -> int:
    return int((Decimal(value) * 100).to_integral_value()) if value else 0


def service_document(
    *,
    service_id: int,
    version: int,
    data: Mapping[str, Any],
    lot_slug: str,
    lot_name: str,
    category_names: Mapping[str, str],
    supplier_id: int,
    supplier_name: str,
    supplier_org_types: tuple[str, ...],
    updated: datetime,
    visible_until: date | None,
) -> ServiceDocument:
    """The index document of a service's current published version."""
    categories = tuple(data.get("categories") or ())
    return ServiceDocument(
        id=service_id,
        version=version,
        lot=lot_slug,
        lot_name=lot_name,
        name=data.get("name", ""),
        summary=data.get("summary", ""),
        description=data.get("description", ""),
        features=tuple(data.get("features") or ()),
        benefits=tuple(data.get("benefits") or ()),
        categories=categories,
        category_names=tuple(category_names.get(c, c) for c in categories),
        supplier_id=supplier_id,
        supplier_name=supplier_name,
        org_types=supplier_org_types,
        data_location=data.get("data_location") or "other",
        certifications=tuple(data.get("certifications") or ()),
        free_trial=bool(data.get("free_trial")),
        price_pence=price_pence(data.get("price_min")),
        updated=updated,
        visible_until=visible_until,
    )
