"""Buying through the pages: save a search, end it, award. Shared by the project and contract tests."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.buyers.models import Project
from app.dates import add_months
from app.timeutil import today


def save_search(client: FlaskClient, name: str = "Case management pilot", **params: Any) -> int:
    """Save the search ``params`` into a new project through the page; returns the project id."""
    response = client.post("/buyer/projects/save-search", query_string=params, data={"project": "new", "name": name})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    match = re.search(r"/buyer/projects/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def end_search(client: FlaskClient, project_id: int) -> None:
    response = client.post(f"/buyer/projects/{project_id}/end-search", data={"confirm": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def project(session: Session, project_id: int) -> Project:
    session.expire_all()  # read what the pages committed, not what this session remembers
    return session.get_one(Project, project_id)


def start(days: int = 14) -> date:
    return today() + timedelta(days=days)


def order_form(**overrides: Any) -> dict[str, Any]:
    """A valid award order form: 24 months from two weeks today, a break at 12 months, one 12-month extension."""
    begin = start()
    form: dict[str, Any] = {
        "buyer_organisation": "Borsetshire County Council",
        "start_date": begin.isoformat(),
        "initial_term_months": "24",
        "break_dates": [add_months(begin, 12).isoformat()],
        "buyer_notice_days": "30",
        "extensions_months": ["12"],
        "value": "24,000",
        "pricing_model": "pay_as_you_go",
        "upfront_payment_months": "1",
        "purchase_order_number": "PO-2027-001",
        "data_return": "All data exported as CSV and JSON within 10 working days.",
    }
    form.update(overrides)
    return form
