"""A small catalogue, published through the services (so the outbox is written) and indexed for real."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from app.catalogue.models import Service
from app.search import get_index
from app.search import services as search_services
from app.suppliers.models import Certificate, Organisation
from app.timeutil import today
from tests.factories import make_accredited_supplier, make_service

# Search box entries that would be syntax errors in a query language: here they are only words.
MALFORMED = [
    '"unbalanced quote', "case (management", "case management)", "[payroll", "{payroll}", "AND OR", "AND", "NOT",
    "*", "case*", "*:*", "?", "~", "name:case", "-", "+case -notes", "x" * 5000, "case\x00notes\x07", "\x1b[31m",
    "社会福祉のケース管理", "Управление делами", "إدارة الحالات", "🙂 case", "' OR 1=1 --", "%", "\\", "^2",
]

# Sizes come from headcount and money (rule C4): these give a small firm and a large one.
LARGE = {"headcount": 900, "turnover_gbp": "90000000", "balance_sheet_gbp": "80000000"}


@dataclass
class Corpus:
    mutual: Organisation  # an SME and a public service mutual
    large: Organisation
    small: Organisation  # an SME and a social enterprise
    case_management: Service
    database_hosting: Service
    payroll: Service
    migration: Service
    case_notes: Service

    @property
    def all(self) -> list[Service]:
        return [self.case_management, self.database_hosting, self.payroll, self.migration, self.case_notes]


def build_corpus(session: Session, app: Flask) -> Corpus:
    evidence = Path(app.config["EVIDENCE_DIR"])
    mutual = make_accredited_supplier(
        session, evidence, name="Riverside Care Mutual", is_public_service_mutual=True, employee_ownership_pct=60
    )
    large = make_accredited_supplier(session, evidence, name="Stratus Hosting plc", **LARGE)
    session.add(
        Certificate(organisation=large, kind="iso27001", number="ISO-1", issuer="BSI", expires_on=today() + timedelta(days=300))
    )
    small = make_accredited_supplier(session, evidence, name="Chalk Street Software", is_social_enterprise=True)
    session.flush()
    corpus = Corpus(
        mutual=mutual,
        large=large,
        small=small,
        case_management=make_service(
            session, mutual, "cloud-software", name="Case management for social care",
            summary="Case records for adult social care teams.", categories=["case-management"],
            price_min="25.00", price_max=None, data_location="uk", certifications=["cyber_essentials"], free_trial=True,
        ),
        database_hosting=make_service(
            session, large, "cloud-hosting", name="Managed database hosting",
            summary="We host PostgreSQL databases for councils.", categories=["relational-database"],
            price_min="50.00", data_location="eea", certifications=["cyber_essentials", "iso27001"], free_trial=False,
        ),
        payroll=make_service(
            session, small, "cloud-software", name="Payroll for schools", summary="Payroll and pensions for academies.",
            categories=["payroll"], price_min="9.00", price_max="20.00", data_location="other", certifications=[],
            free_trial=False,
        ),
        migration=make_service(
            session, small, "cloud-support", name="Cloud migration planning",
            summary="Planning your move to hosted services.", categories=["planning"], price_min="750.00",
            price_max=None, price_unit="person", price_interval="day", data_location="uk", certifications=[], free_trial=False,
        ),
        case_notes=make_service(
            session, mutual, "cloud-software", name="Case notes",
            summary="<script>alert('case')</script> Case notes for housing officers.", categories=["case-management"],
            price_min="25.00", price_max=None, data_location="eea", certifications=[], free_trial=True,
        ),
    )
    session.commit()
    reindex(app)
    return corpus


def reindex(app: Flask) -> None:
    """Rebuild the index in a session of its own (a rebuild expunges what it reads from its session)."""
    with app.extensions["sessionmaker"]() as session:
        search_services.reindex(session, get_index(app), today=today())


def result_count(page: str) -> str:
    match = re.search(r'id="result-count"[^>]*>([^<]*)<', page)
    assert match, "no result count on the page"
    return html.unescape(match.group(1)).strip()


def text_of(page: str) -> str:
    """The page's text as read, tags removed and spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def result_ids(page: str) -> list[int]:
    """The services listed as results, in order."""
    return [int(i) for i in re.findall(r'class="govuk-link app-result__link" href="/services/(\d+)"', page)]
