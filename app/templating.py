"""Template globals and filters: role-based navigation, dates in GOV.UK style."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask, request, url_for
from flask_login import current_user

from app import dates


def navigation() -> list[dict[str, Any]]:
    """The header links for the current user's role (public links first)."""
    items = [
        ("Find services", url_for("search.index"), "search."),
        ("Suppliers", url_for("supplier_directory.index"), "supplier_directory."),
        ("Transparency", url_for("transparency.index"), "transparency."),
    ]
    if current_user.is_authenticated:
        if current_user.is_supplier:
            items.append(("Your organisation", url_for("suppliers.index"), "suppliers."))
            items.append(("Your services", url_for("catalogue.supplier_services"), "catalogue."))
            items.append(("Contracts", url_for("supplier_contracts.index"), "supplier_contracts."))
        elif current_user.is_buyer:
            items.append(("Your projects", url_for("buyers.projects"), "buyers."))
            items.append(("Your contracts", url_for("contracts.buyer_contracts"), "contracts."))
        elif current_user.is_admin:
            items += [
                ("Admin", url_for("admin.index"), "admin.index"),
                ("Accreditation", url_for("admin.accreditation_queue"), "admin.accreditation_queue"),
                ("Services", url_for("admin.services_index"), "admin.service"),
                ("Users", url_for("admin.users"), "admin.user"),
                ("Audit log", url_for("admin.audit"), "admin.audit"),
                ("Statistics", url_for("admin.statistics_page"), "admin.statistics"),
            ]
        items.append(("Your account", url_for("auth.account"), "auth.account"))
    else:
        items += [
            ("Register", url_for("auth.register"), "auth.register"),
            ("Sign in", url_for("auth.login"), "auth.login"),
        ]
    endpoint = request.endpoint or ""
    endpoint = SECTION_OF.get(endpoint, endpoint)
    return [{"text": text, "href": href, "active": endpoint.startswith(prefix)} for text, href, prefix in items]


# Pages whose place in the header is not their blueprint's: awarding a contract is a step of a project.
SECTION_OF = {"contracts.award": "buyers.award"}


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return dates.format_date(value)


def last_valid_day(first_invalid: date | None) -> str:
    """An expiry stored as the first day something is no longer valid, shown as its last valid day."""
    return format_date(first_invalid - timedelta(days=1)) if first_invalid else ""


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{dates.format_date(value)} at {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'} UTC"


def error_list(form: Any) -> list[dict[str, str]]:
    """Errors for the GOV.UK error summary: each links to its field, form-level ones first."""
    items = [{"text": message} for message in getattr(form, "form_errors", [])]
    for field in form._fields.values():
        for message in field.errors if isinstance(field.errors, list) else []:
            if isinstance(message, str):
                items.append({"text": message, "href": f"#{field.id}"})
                break
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(navigation=navigation, error_list=error_list)
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, last_valid_day=last_valid_day)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
