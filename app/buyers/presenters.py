"""A frozen shortlist as buyers read it: side by side for comparison, and as rows for the downloads.

Everything comes from the pinned service versions (C2), so a supplier's later
edit never changes what the buyer compares, downloads or awards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.buyers.exports import ExportRow, ShortlistExport
from app.buyers.models import SavedSearch, ShortlistItem
from app.catalogue import rules


@dataclass(frozen=True)
class CompareRow:
    label: str
    values: list[list[str]]  # one list of lines per service


def _lines(name: str, value: Any, category_names: Mapping[str, str]) -> list[str]:
    if name == "categories":
        return [category_names.get(slug, slug) for slug in value or []]
    if name in rules.MULTIPLE_CHOICES:
        options = rules.MULTIPLE_CHOICES[name]
        return [str(options.get(item, item)) for item in value or []] or ["None"]
    text = rules.display(name, value)
    return [text] if text else ["Not given"]


# What buyers compare, in order: price, what it covers, where data lives, assurance, support, leaving.
COMPARED: tuple[tuple[str, str], ...] = (
    ("Price", "price"),
    ("Pricing model", "pricing_model"),
    ("Minimum contract period", "minimum_contract_period"),
    ("Free trial", "free_trial"),
    ("Categories", "categories"),
    ("Data location", "data_location"),
    ("Certifications", "certifications"),
    ("Staff security clearance", "staff_security_clearance"),
    ("Support channels", "support_channels"),
    ("Support response time", "support_response_time"),
    ("Support hours", "support_hours"),
    ("How the buyer leaves", "exit_process"),
    ("Data formats at exit", "exit_data_formats"),
)


def compare_rows(items: Sequence[ShortlistItem], category_names: Mapping[str, str]) -> list[CompareRow]:
    """One row per compared attribute, one column per shortlisted service (as shortlisted)."""
    rows = []
    for label, name in COMPARED:
        values = []
        for item in items:
            data = item.version.data
            values.append([rules.price_text(data)] if name == "price" else _lines(name, data.get(name), category_names))
        rows.append(CompareRow(label, values))
    return rows


def service_name(item: ShortlistItem) -> str:
    return str(item.version.data.get("name") or item.service.name)


def shortlist_export(
    search: SavedSearch,
    *,
    framework: str,
    service_url: Callable[[int], str],
) -> ShortlistExport:
    """The downloadable shortlist: its header facts and one row per shortlisted service, excluded ones included
    with their reasons."""
    rows = []
    for item in search.items:
        data = item.version.data
        organisation = item.service.organisation
        rows.append(
            ExportRow(
                supplier_name=organisation.name,
                service_name=service_name(item),
                service_description=str(data.get("description") or data.get("summary") or ""),
                price=rules.price_text(data),
                service_url=service_url(item.service_id),
                contact_name=organisation.contact_name or "",
                telephone=organisation.contact_phone or "",
                email=organisation.contact_email or "",
                excluded_reason=item.exclusion_reason or "",
            )
        )
    ended: datetime = search.ended_at or search.created_at
    return ShortlistExport(
        framework=framework,
        search_ended=ended,
        search_summary=search.summary,
        project_name=search.project.name,
        rows=tuple(rows),
    )
