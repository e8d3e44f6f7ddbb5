"""Open data through HTTP: the OCDS release package and the contracts CSV hold every awarded contract, once."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.models import Role, User
from app.buyers.models import Outcome, Project, SavedSearch
from app.contracts.models import Contract
from app.dates import add_months
from app.timeutil import today, utcnow
from app.transparency.csv_export import COLUMNS
from tests.contract_factories import make_contract
from tests.factories import make_accredited_supplier, make_service, make_user
from tests.ocds_support import assert_valid_package

OCDS_URL = "/api/v1/transparency/ocds"
CSV_URL = "/api/v1/transparency/contracts.csv"


@pytest.fixture
def buyer(session: Session) -> User:
    return make_user(session, Role.BUYER, name="Priya Personal", email="priya.personal@council.gov.uk")


@pytest.fixture
def contracts(session: Session, app: Flask, buyer: User) -> dict[str, Contract]:
    """Three contracts of one buyer: running with an extension declared, ended at a break, and from a large
    supplier without a Companies House number that is a mutual."""
    evidence = app.config["EVIDENCE_DIR"]
    small = make_accredited_supplier(session, evidence, name="Small Hosting Ltd")
    large = make_accredited_supplier(
        session,
        evidence,
        name="Large Mutual Services",
        companies_house_number=None,
        headcount=900,
        turnover_gbp=Decimal("90000000"),
        balance_sheet_gbp=Decimal("90000000"),
        is_public_service_mutual=True,
    )
    running = make_contract(
        session,
        buyer=buyer,
        service=make_service(session, small, lot="cloud-hosting"),
        start_date=today() - timedelta(days=30),
        extensions_months=(12,),
        value=Decimal("36000.50"),
        buyer_organisation="Borough of Testing",
    )
    start = add_months(today(), -18)
    ended = make_contract(
        session,
        buyer=buyer,
        service=make_service(session, small, lot="cloud-support"),
        start_date=start,
        ended_on=add_months(start, 12),
        status="ended",
    )
    mutual = make_contract(
        session,
        buyer=buyer,
        service=make_service(session, large, lot="cloud-software"),
        start_date=today(),
        initial_term_months=12,
        buyer_organisation='=HYPERLINK("http://evil.example")',
    )
    session.commit()
    return {"running": running, "ended": ended, "mutual": mutual}


def ocid_of(app: Flask, contract: Contract) -> str:
    return f"{app.config['OCDS_PREFIX']}-cs-{contract.id:06d}"


def csv_rows(client: FlaskClient) -> list[dict[str, str]]:
    response = client.get(CSV_URL)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"), newline="")))


def releases_by_ocid(client: FlaskClient) -> dict[str, dict[str, Any]]:
    package = client.get(OCDS_URL).get_json()
    assert_valid_package(package)
    by_ocid = {release["ocid"]: release for release in package["releases"]}
    assert len(by_ocid) == len(package["releases"]), "an ocid appears twice"
    return by_ocid


def test_package_validates_against_the_ocds_schema_and_codelists(
    client: FlaskClient, contracts: dict[str, Contract]
) -> None:
    response = client.get(OCDS_URL)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    package = response.get_json()
    assert_valid_package(package)
    assert package["uri"] == "http://localhost/api/v1/transparency/ocds"
    assert package["publisher"]["uri"] == "http://localhost/"
    assert package["publicationPolicy"] == "http://localhost/transparency"


def test_package_has_one_release_per_contract(
    client: FlaskClient, session: Session, app: Flask, contracts: dict[str, Contract]
) -> None:
    releases = releases_by_ocid(client)
    assert len(releases) == session.scalar(sa.select(sa.func.count()).select_from(Contract))
    running, ended, mutual = (releases[ocid_of(app, contracts[name])] for name in ("running", "ended", "mutual"))

    assert running["tag"] == ["award", "contract"]
    assert running["contracts"][0]["status"] == "active"
    assert running["contracts"][0]["value"] == {"amount": 36000.5, "currency": "GBP"}
    period = running["contracts"][0]["period"]
    start = contracts["running"].start_date
    assert period["startDate"] == f"{start.isoformat()}T00:00:00Z"
    assert period["endDate"] == f"{add_months(start, 24).isoformat()}T00:00:00Z"
    assert period["maxExtentDate"] == f"{add_months(start, 36).isoformat()}T00:00:00Z"
    assert running["buyer"]["name"] == "Borough of Testing"

    assert ended["tag"] == ["award", "contract", "contractTermination"]
    assert ended["contracts"][0]["status"] == "terminated"

    supplier = next(p for p in mutual["parties"] if "supplier" in p["roles"])
    assert supplier["id"].startswith("supplier-")
    assert "identifier" not in supplier
    assert supplier["details"] == {"scale": "large", "vcse": False, "publicServiceMutual": True}
    small = next(p for p in running["parties"] if "supplier" in p["roles"])
    assert small["identifier"]["scheme"] == "GB-COH"
    assert small["details"]["scale"] in {"micro", "small", "medium"}


def test_ocid_prefix_comes_from_the_configuration(
    client: FlaskClient, app: Flask, contracts: dict[str, Contract]
) -> None:
    app.config["OCDS_PREFIX"] = "ocds-zz9999"
    assert f"ocds-zz9999-cs-{contracts['running'].id:06d}" in releases_by_ocid(client)
    assert {row["ocid"] for row in csv_rows(client)} >= {f"ocds-zz9999-cs-{c.id:06d}" for c in contracts.values()}


def test_csv_is_a_utf8_download_with_one_row_per_contract(
    client: FlaskClient, session: Session, app: Flask, contracts: dict[str, Contract]
) -> None:
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cloudstore-contracts.csv"'
    assert response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_data()
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8").splitlines()[0] == ",".join(COLUMNS)

    rows = csv_rows(client)
    assert len(rows) == session.scalar(sa.select(sa.func.count()).select_from(Contract))
    by_ocid = {row["ocid"]: row for row in rows}
    assert len(by_ocid) == len(rows)

    running = contracts["running"]
    assert by_ocid[ocid_of(app, running)] == {
        "ocid": ocid_of(app, running),
        "buyer": "Borough of Testing",
        "supplier": "Small Hosting Ltd",
        "companies_house_number": running.organisation.companies_house_number,
        "sme": "yes",
        "vcse": "no",
        "mutual": "no",
        "cpv_code": "72400000",
        "value_gbp": "36000.50",
        "start_date": running.start_date.isoformat(),
        "end_date": add_months(running.start_date, 24).isoformat(),
        "max_extent_date": add_months(running.start_date, 36).isoformat(),
        "award_date": running.awarded_at.date().isoformat(),
        "status": "active",
    }
    ended = by_ocid[ocid_of(app, contracts["ended"])]
    assert (ended["status"], ended["cpv_code"], ended["end_date"]) == (
        "ended",
        "72000000",
        contracts["ended"].ended_on.isoformat(),  # type: ignore[union-attr]
    )
    mutual = by_ocid[ocid_of(app, contracts["mutual"])]
    assert (mutual["sme"], mutual["mutual"], mutual["companies_house_number"], mutual["cpv_code"]) == (
        "no",
        "yes",
        "",
        "48000000",
    )


def test_csv_values_and_package_agree(client: FlaskClient, contracts: dict[str, Contract]) -> None:
    releases = releases_by_ocid(client)
    for row in csv_rows(client):
        release = releases[row["ocid"]]
        contract = release["contracts"][0]
        assert Decimal(row["value_gbp"]) == Decimal(str(contract["value"]["amount"]))
        assert contract["period"]["endDate"] == f"{row['end_date']}T00:00:00Z"
        assert release["awards"][0]["suppliers"][0]["name"] == row["supplier"]


def test_csv_cells_cannot_run_as_spreadsheet_formulas(
    client: FlaskClient, app: Flask, contracts: dict[str, Contract]
) -> None:
    row = next(r for r in csv_rows(client) if r["ocid"] == ocid_of(app, contracts["mutual"]))
    assert row["buyer"] == '\'=HYPERLINK("http://evil.example")'


def test_projects_without_a_contract_add_nothing(
    client: FlaskClient, session: Session, buyer: User, contracts: dict[str, Contract]
) -> None:
    releases, rows = releases_by_ocid(client), csv_rows(client)
    searching = Project(buyer=buyer, name="Still searching")
    session.add(searching)
    session.add(SavedSearch(project=searching, query={"q": "hosting"}, summary="hosting"))
    cancelled = Project(buyer=buyer, name="Cancelled purchase", locked_at=utcnow())
    session.add(cancelled)
    session.add(
        SavedSearch(project=cancelled, query={"q": "payroll"}, summary="payroll", active=False, ended_at=utcnow())
    )
    session.add(Outcome(project=cancelled, result="cancelled", note="Budget withdrawn"))
    session.commit()

    assert releases_by_ocid(client).keys() == releases.keys()
    assert csv_rows(client) == rows


def test_nothing_about_the_buyers_people_is_published(
    client: FlaskClient, buyer: User, contracts: dict[str, Contract]
) -> None:
    for url in (OCDS_URL, CSV_URL):
        response = client.get(url)
        assert "Set-Cookie" not in response.headers  # a shared cache must never keep anyone's session
        text = response.get_data(as_text=True)
        assert "Borough of Testing" in text and "Small Hosting Ltd" in text
        for personal in (buyer.name, buyer.email, buyer.email.split("@")[0], "priya"):
            assert personal.lower() not in text.lower(), f"{personal} appears in {url}"


def test_open_data_needs_no_sign_in_and_is_empty_without_contracts(client: FlaskClient, session: Session) -> None:
    existing = session.scalar(sa.select(sa.func.count()).select_from(Contract))
    package = client.get(OCDS_URL).get_json()
    assert_valid_package(package)
    assert len(package["releases"]) == existing
    assert len(csv_rows(client)) == existing


def test_end_dates_follow_cloudstore_reading_of_an_end_date(client: FlaskClient, app: Flask, session: Session) -> None:
    """A 12-month contract starting on 1 March 2027 ends on 1 March 2028 (app/contracts/terms.py)."""
    contract = make_contract(session, start_date=date(2027, 3, 1), initial_term_months=12)
    session.commit()
    release = releases_by_ocid(client)[ocid_of(app, contract)]
    assert release["contracts"][0]["period"]["endDate"] == "2028-03-01T00:00:00Z"
    row = next(r for r in csv_rows(client) if r["ocid"] == ocid_of(app, contract))
    assert (row["start_date"], row["end_date"]) == ("2027-03-01", "2028-03-01")
