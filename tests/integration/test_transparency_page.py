"""The public transparency page through HTTP: awarded contracts, the shares going to SMEs, mutuals and VCSEs
against the target, charts with their tables, and filters that narrow all of it."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.buyers.models import Outcome, Project
from app.contracts.models import Contract
from app.suppliers.models import Organisation
from app.transparency import views
from tests.contract_factories import make_contract
from tests.factories import login_as, make_accredited_supplier, make_service, make_user

URL = "/transparency"


class _Tables(HTMLParser):
    """Each table's rows as lists of cell texts, by table id; and every svg's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.svgs: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "svg":
            self.svgs.append(attributes)
        elif tag == "table":
            self._table = self.tables.setdefault(str(attributes.get("id") or f"table-{len(self.tables)}"), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    return parser


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def buyer(session: Session) -> User:
    return make_user(session, Role.BUYER, name="Priya Personal", email="priya.personal@borsetshire.gov.uk")


@pytest.fixture
def suppliers(session: Session, app: Flask) -> dict[str, Organisation]:
    evidence = app.config["EVIDENCE_DIR"]
    return {
        "mutual": make_accredited_supplier(session, evidence, name="Riverside Care Mutual"),
        "large": make_accredited_supplier(session, evidence, name="MegaCloud UK"),
        "vcse": make_accredited_supplier(session, evidence, name="Open Commons Co-operative"),
        "social": make_accredited_supplier(session, evidence, name="Big Social Enterprise plc"),
    }


@pytest.fixture
def contracts(session: Session, buyer: User, suppliers: dict[str, Organisation]) -> dict[str, Contract]:
    """2025 Q1: a small mutual (£100,000) and a large company (£300,000, hosting, another buyer). Q2: nothing.
    Q3: a medium VCSE whose contract the buyer ended at a break (£50,000) and a large social enterprise
    (£50,000). SMEs: £150,000 of £500,000 = 30%; mutuals 20%; VCSEs and social enterprises 20%."""
    made = {
        "mutual": make_contract(
            session, buyer=buyer, service=make_service(session, suppliers["mutual"], name="Case management"),
            start_date=date(2025, 2, 1), value=Decimal("100000"), awarded_at=datetime(2025, 1, 15, 9),
            buyer_organisation="Borsetshire County Council", supplier_size="small", supplier_is_mutual=True,
        ),
        "large": make_contract(
            session, buyer=buyer,
            service=make_service(session, suppliers["large"], lot="cloud-hosting", name="Object storage"),
            start_date=date(2025, 3, 1), initial_term_months=12, value=Decimal("300000"),
            awarded_at=datetime(2025, 2, 10, 9), buyer_organisation="Felpersham Hospitals NHS Trust",
            supplier_size="large",
        ),
        "vcse": make_contract(
            session, buyer=buyer, service=make_service(session, suppliers["vcse"], name="Dashboards"),
            start_date=date(2025, 7, 15), value=Decimal("50000"), awarded_at=datetime(2025, 7, 5, 9),
            ended_on=date(2026, 7, 15), status="ended", buyer_organisation="Borsetshire County Council",
            supplier_size="medium", supplier_is_vcse=True,
        ),
        "social": make_contract(
            session, buyer=buyer, service=make_service(session, suppliers["social"], name="Payroll"),
            start_date=date(2025, 9, 1), initial_term_months=12, value=Decimal("50000"),
            awarded_at=datetime(2025, 8, 20, 9), buyer_organisation="Wessex Constabulary",
            supplier_size="large", supplier_is_social_enterprise=True,
        ),
    }
    session.commit()
    return made


def get(client: FlaskClient, query: str = "", status: int = 200) -> str:
    response = client.get(f"{URL}?{query}" if query else URL)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_anyone_signed_out_sees_every_awarded_contract(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    html = get(client)
    rows = read(html).tables["awards"][1:]
    assert len(rows) == 4
    newest = rows[0]
    assert newest[0] == "Wessex Constabulary"
    assert newest[1].startswith("Big Social Enterprise plc")
    assert newest[3] == "£50,000"
    assert (newest[4], newest[5]) == ("1 Sep 2025", "1 Sep 2026")
    mutual = contracts["mutual"]
    assert f'href="/suppliers/{mutual.organisation_id}"' in html
    assert f'href="/services/{mutual.service_id}"' in html
    mutual_row = rows[3]
    assert mutual_row[1] == "Riverside Care Mutual Small (SME), Public service mutual"
    assert mutual_row[6] == "1 Feb 2026"  # its break date
    assert 'href="/api/v1/transparency/contracts.csv"' in html
    assert 'href="/api/v1/transparency/ocds"' in html


def test_a_contract_ended_at_a_break_is_listed_with_its_awarded_value(
    client: FlaskClient, contracts: dict[str, Contract]
) -> None:
    row = next(r for r in read(get(client)).tables["awards"][1:] if r[1].startswith("Open Commons"))
    assert row[3] == "£50,000"
    assert row[5] == "15 Jul 2026"
    assert row[6] == "15 Jul 2026 (used)"
    assert "at a break" in row[7]


def test_shares_overall_against_the_target(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    html = get(client)
    assert "SMEs won 30.0% of the value of the contracts awarded: £150,000 of £500,000." in text_of(html)
    assert "This is below the 33% target." in text_of(html)
    overall = read(html).tables["overall-shares"]
    assert overall[1] == ["SMEs", "£150,000", "30.0%", "2 of 4 (50.0%)"]
    assert overall[2] == ["Public service mutuals", "£100,000", "20.0%", "1 of 4 (25.0%)"]
    assert overall[3] == ["VCSEs and social enterprises", "£100,000", "20.0%", "2 of 4 (50.0%)"]
    assert overall[4] == ["All suppliers", "£500,000", "100.0%", "4"]
    assert "counts in both" in html


def test_the_target_comes_from_configuration(app: Flask, client: FlaskClient, contracts: dict[str, Contract]) -> None:
    app.config["SME_TARGET_PERCENT"] = 25
    assert "This meets the 25% target." in text_of(get(client))


def test_each_chart_is_an_image_described_and_followed_by_a_table_of_its_figures(
    client: FlaskClient, contracts: dict[str, Contract]
) -> None:
    page = read(get(client))
    assert len(page.svgs) == 4
    for svg in page.svgs:
        assert svg["role"] == "img"
        assert svg["aria-labelledby"] in page.ids and svg["aria-describedby"] in page.ids
    sme = page.tables["sme-table"]
    assert [row[0] for row in sme[1:]] == ["2025 Q1", "2025 Q2", "2025 Q3"]
    assert sme[1][1:] == ["25.0% Below target", "£100,000 of £400,000", "1 of 2 (50.0%)"]
    assert sme[2][1:] == ["No awards", "£0", "0 of 0"]
    assert sme[3][1:] == ["50.0% Target met", "£50,000 of £100,000", "1 of 2 (50.0%)"]
    groups = page.tables["groups-table"]
    assert groups[1][1:] == ["25.0% of value 1 of 2 contracts (50.0%)", "0.0% of value 0 of 2 contracts (0.0%)"]
    assert groups[3][1:] == ["0.0% of value 0 of 2 contracts (0.0%)", "100.0% of value 2 of 2 contracts (100.0%)"]
    awards = page.tables["awards-table"]
    assert awards[1:] == [
        ["2025 Q1", "2", "£400,000"],
        ["2025 Q2", "0", "£0"],
        ["2025 Q3", "2", "£100,000"],
        ["All quarters", "4", "£500,000"],
    ]


def test_the_sme_chart_has_a_target_line(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    html = get(client)
    sme_chart = html[html.index('id="chart-sme-share"') : html.index("</svg>", html.index('id="chart-sme-share"'))]
    assert 'class="app-chart__target"' in sme_chart
    assert "33% target" in sme_chart


@pytest.mark.parametrize(
    ("query", "suppliers_shown", "sme_share"),
    [
        ("supplier_type=large", ["Big Social Enterprise plc", "MegaCloud UK"], "0.0%"),
        ("supplier_type=sme", ["Open Commons Co-operative", "Riverside Care Mutual"], "100.0%"),
        ("supplier_type=mutual", ["Riverside Care Mutual"], "100.0%"),
        ("supplier_type=vcse", ["Big Social Enterprise plc", "Open Commons Co-operative"], "50.0%"),
        ("buyer=felpersham", ["MegaCloud UK"], "0.0%"),
        ("lot=cloud-hosting", ["MegaCloud UK"], "0.0%"),
        ("awarded_from=2025-Q3", ["Big Social Enterprise plc", "Open Commons Co-operative"], "50.0%"),
        ("awarded_from=2025&awarded_to=2025-Q1", ["MegaCloud UK", "Riverside Care Mutual"], "25.0%"),
        ("buyer=BORSETSHIRE&awarded_to=2025-Q2", ["Riverside Care Mutual"], "100.0%"),
    ],
)
def test_filters_narrow_the_table_and_the_shares(
    client: FlaskClient, contracts: dict[str, Contract], query: str, suppliers_shown: list[str], sme_share: str
) -> None:
    page = read(get(client, query))
    shown = sorted(re.split(r" (?:Small|Medium|Large)", row[1])[0] for row in page.tables["awards"][1:])
    assert shown == suppliers_shown
    assert page.tables["overall-shares"][1][2] == sme_share
    assert page.tables["overall-shares"][4][3] == str(len(suppliers_shown))


def test_a_period_filter_limits_the_quarters_shown(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    page = read(get(client, "awarded_from=2025-Q3"))
    assert [row[0] for row in page.tables["awards-table"][1:]] == ["2025 Q3", "All quarters"]


def test_filters_that_match_nothing_say_so(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    html = get(client, "buyer=Nowhere+District")
    assert "No contracts match your filters." in html
    assert "<svg" not in html


def test_a_period_that_is_not_a_year_or_quarter_is_an_error_next_to_its_field(
    client: FlaskClient, contracts: dict[str, Contract]
) -> None:
    html = get(client, "awarded_from=someday&supplier_type=sme", status=400)
    assert "There is a problem" in html
    assert 'href="#awarded_from"' in html
    assert "Enter the start of the award period as a year, like 2026, or a quarter, like 2026 Q3" in html
    assert len(read(html).tables["awards"]) - 1 == 2, "the other filters still apply"


def test_a_period_that_ends_before_it_starts_is_an_error(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    html = get(client, "awarded_from=2025-Q3&awarded_to=2025-Q1", status=400)
    assert "The end of the award period must be the same as or after its start" in html


def test_an_unknown_supplier_type_or_lot_filters_nothing(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    assert len(read(get(client, "supplier_type=giant&lot=nope")).tables["awards"]) - 1 == 4


def test_pages_keep_the_filters(
    client: FlaskClient, contracts: dict[str, Contract], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PER_PAGE", 1)
    first = get(client, "buyer=borsetshire")
    assert "Showing 1 to 1." in first
    assert re.search(r'href="/transparency\?(page=2&amp;buyer=borsetshire|buyer=borsetshire&amp;page=2)"', first)
    second = read(get(client, "buyer=borsetshire&page=2"))
    assert second.tables["awards"][1][1].startswith("Riverside Care Mutual")
    assert second.tables["overall-shares"][4][3] == "2", "the shares cover every page, not just this one"
    get(client, "buyer=borsetshire&page=3", status=404)


def test_projects_without_an_award_add_nothing(
    session: Session, client: FlaskClient, buyer: User, contracts: dict[str, Contract]
) -> None:
    cancelled = Project(buyer=buyer, name="Visitor management")
    still_searching = Project(buyer=buyer, name="Library system")
    session.add_all([cancelled, still_searching])
    session.flush()
    session.add(Outcome(project=cancelled, result="cancelled", note="Budget withdrawn"))
    session.commit()
    html = get(client)
    assert read(html).tables["overall-shares"][4] == ["All suppliers", "£500,000", "100.0%", "4"]
    assert "Visitor management" not in html and "Library system" not in html


def test_no_buyer_name_or_email_appears(client: FlaskClient, buyer: User, contracts: dict[str, Contract]) -> None:
    html = get(client)
    assert "Priya" not in html
    assert "priya.personal" not in html
    assert buyer.email not in html


def test_a_supplier_no_longer_accredited_is_named_but_not_linked(
    session: Session, client: FlaskClient, suppliers: dict[str, Organisation], contracts: dict[str, Contract]
) -> None:
    accreditation = suppliers["large"].accreditation
    assert accreditation is not None
    accreditation.status = "suspended"
    session.commit()
    html = get(client)
    assert "MegaCloud UK" in html
    assert f'href="/suppliers/{suppliers["large"].id}"' not in html
    assert f'href="/suppliers/{suppliers["mutual"].id}"' in html


def test_with_no_contracts_the_page_says_so(client: FlaskClient) -> None:
    html = get(client)
    assert "No contracts have been awarded yet" in html
    assert "<svg" not in html
    assert "How the figures are worked out" in html


@pytest.mark.parametrize("role", [None, Role.BUYER, Role.SUPPLIER, Role.ADMIN])
def test_everyone_finds_the_page_in_the_navigation(
    session: Session, client: FlaskClient, role: Role | None
) -> None:
    if role is not None:
        user = make_user(session, role)
        session.commit()
        login_as(client, user)
    html = client.get("/").get_data(as_text=True)
    header = html[html.index("<header") : html.index("</header>")]
    assert 'href="/transparency"' in header
    assert client.get(URL).status_code == 200


def test_the_start_page_links_to_the_page(client: FlaskClient) -> None:
    main: Any = client.get("/").get_data(as_text=True)
    assert 'href="/transparency"' in main[main.index("<main") :]


def test_the_page_has_no_inline_style_or_script(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    html = get(client)
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
