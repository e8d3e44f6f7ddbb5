"""Awarding from a frozen shortlist (T6) on terms the rules accept (T1-T5, shown next to the fields), the contract
document from the active template (T7), and living with the contract: breaks and extensions, for its buyer only."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from odf import teletype
from odf.opendocument import load
from odf.text import H, P
from sqlalchemy.orm import Session

from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.buyers import services as projects
from app.buyers.models import ShortlistItem
from app.contracts import services as contracts
from app.contracts.models import Contract, ContractTemplate
from app.contracts.state import limits_for
from app.contracts.terms import ContractRuleError
from app.dates import add_months
from app.timeutil import today
from tests.factories import login_as, make_supplier_user, make_user
from tests.integration.buying_support import end_search, order_form, project, save_search, start
from tests.integration.search_support import Corpus, text_of


@pytest.fixture
def shortlist(client: FlaskClient, session: Session, buyer: User, corpus: Corpus) -> dict[str, ShortlistItem]:
    """An ended project whose shortlist holds the two case services, by name."""
    project_id = save_search(client, q="case", lot="cloud-software")
    end_search(client, project_id)
    return {item.version.data["name"]: item for item in projects.shortlist(project(session, project_id))}


def award_url(item: ShortlistItem) -> str:
    return f"/buyer/projects/{item.search.project_id}/award/{item.id}"


def post_award(client: FlaskClient, item: ShortlistItem, **overrides: object):  # type: ignore[no-untyped-def]
    return client.post(award_url(item), data=order_form(**overrides))


def contracts_in(session: Session) -> list[Contract]:
    return list(session.scalars(sa.select(Contract)))


# Awarding ------------------------------------------------------------------------------------------------------


def test_the_order_form_is_prefilled_from_the_service(client: FlaskClient, shortlist: dict[str, ShortlistItem]) -> None:
    response = client.get(award_url(shortlist["Case management for social care"]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # A step of the project: the header shows the buyer is in their projects, not their contracts.
    assert re.findall(r'href="([^"]+)" aria-current="true"', page) == ["/buyer/projects"]
    assert "We export all data within 10 working days" in page  # the service's exit answer
    assert 'value="pay_as_you_go" checked' in page
    assert 'name="buyer_notice_days" type="text" value="30"' in page


def test_an_award_makes_the_contract_and_completes_the_project(
    client: FlaskClient, session: Session, buyer: User, shortlist: dict[str, ShortlistItem], corpus: Corpus
) -> None:
    item = shortlist["Case management for social care"]
    response = post_award(client, item)
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:3000]
    (contract,) = contracts_in(session)
    assert response.headers["Location"].endswith(f"/buyer/projects/contracts/{contract.id}")
    assert contract.service_version_id == item.service_version_id  # pinned (T6, C2)
    assert contract.template.status == "active"
    assert contract.end_date == add_months(start(), 24)
    assert contract.value == 24000
    # The supplier's standing at award is kept for transparency, whatever it becomes later.
    assert (contract.supplier_size, contract.supplier_is_mutual) == (corpus.mutual.size, True)
    assert project(session, item.search.project_id).outcome.result == "awarded"
    titles = [clause["title"] for clause in contract.document]
    assert len(titles) >= 4
    assert any("Borsetshire County Council" in clause["text"] for clause in contract.document)

    page = text_of(client.get(f"/buyer/projects/contracts/{contract.id}").get_data(as_text=True))
    first_break = add_months(start(), 12)
    deadline = first_break - timedelta(days=30)
    assert f"Your next break is on {first_break.day} {first_break:%B %Y}" in page
    assert f"give notice by {deadline.day} {deadline:%B %Y}" in page
    assert "Case management for social care" in text_of(client.get("/buyer/projects/contracts").get_data(as_text=True))
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "contract.awarded")).one()
    assert event.actor_id == buyer.id and event.after["initial_term_months"] == 24


def test_the_contract_document_downloads_as_odt(client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem]) -> None:
    post_award(client, shortlist["Case management for social care"])
    (contract,) = contracts_in(session)
    response = client.get(f"/buyer/projects/contracts/{contract.id}/contract.odt")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.oasis.opendocument.text"
    document = load(io.BytesIO(response.get_data()))
    text = "\n".join(teletype.extractText(node) for node in document.text.getElementsByType(H) + document.text.getElementsByType(P))
    assert "Case management for social care" in text
    assert "Borsetshire County Council" in text
    assert contract.document[0]["title"] in text


def test_an_award_after_the_template_changes_keeps_its_document(
    client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem]
) -> None:
    post_award(client, shortlist["Case management for social care"])
    (contract,) = contracts_in(session)
    before = [dict(clause) for clause in contract.document]
    template = contract.template
    template.clauses = [{"key": "term", "title": "Changed", "text": "Changed"}]  # even a direct edit of the row
    session.commit()
    session.refresh(contract)
    assert contract.document == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"initial_term_months": "25"}, "initial_term_months", "initial term"),
        ({"break_dates": []}, "break_dates", "A contract longer than 12 months needs a break date no later than 12 months after the start"),
        ({"break_dates": ["BREAK13"]}, "break_dates", "needs a break date no later than 12 months"),
        ({"buyer_notice_days": "31"}, "buyer_notice_days", "The notice period must be from 0 to 30 days"),
        ({"extensions_months": ["12", "12", "12"]}, "extensions_months", "extension"),
        ({"extensions_months": ["13"]}, "extensions_months", "extension"),
        ({"upfront_payment_months": "13"}, "upfront_payment_months", "No upfront payment may cover more than 12 months"),
        ({"data_return": "We return it."}, "data_return", "open format"),
        ({"start_date": "yesterday"}, "start_date", "Enter the start date as a date"),
        ({"value": "0"}, "value", "at least £0.01"),
        ({"value": "lots"}, "value", "Enter the total contract value"),
        ({"buyer_organisation": ""}, "buyer_organisation", "Enter the name of the organisation"),
        ({"pricing_model": "upfront"}, "pricing_model", "Choose the pricing model"),
    ],
)
def test_rule_failures_are_shown_next_to_their_fields(
    client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem], overrides: dict[str, object], field: str, message: str
) -> None:
    if overrides.get("break_dates") == ["BREAK13"]:
        overrides = {"break_dates": [add_months(start(), 13).isoformat()]}
    response = post_award(client, shortlist["Case management for social care"], **overrides)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The message sits in the field's own error message, and the error summary links to the field.
    assert f'href="#{field}"' in page
    group = page[page.index(f'id="{field}'):]
    assert message.lower() in text_of(group[:4000]).lower()
    assert contracts_in(session) == []
    assert project(session, shortlist["Case notes"].search.project_id).outcome is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"initial_term_months": "12", "break_dates": [], "extensions_months": []},  # 12 months needs no break
        {"break_dates": ["BREAK12"]},  # a break exactly 12 months after the start
        {"extensions_months": ["12", "12"], "break_dates": ["BREAK12", "BREAK36"]},  # 24 + 12 + 12 = 48 months
        {"buyer_notice_days": "0"},
        {"upfront_payment_months": "12"},
    ],
)
def test_terms_at_the_limits_are_accepted(client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem], overrides: dict[str, object]) -> None:
    months = {"BREAK12": 12, "BREAK36": 36}
    if "break_dates" in overrides:
        overrides["break_dates"] = [add_months(start(), months[b]).isoformat() if b in months else b for b in overrides["break_dates"]]  # type: ignore[union-attr]
    response = post_award(client, shortlist["Case management for social care"], **overrides)
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:3000]
    assert len(contracts_in(session)) == 1


# T6: only from the shortlist, not excluded, supplier in good standing ----------------------------------------------


def test_an_excluded_service_cannot_be_awarded(client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem]) -> None:
    item = shortlist["Case notes"]
    client.post(f"/buyer/projects/{item.search.project_id}/shortlist/{item.id}/exclude", data={"reason": "No housing module"})
    response = client.get(award_url(item))
    assert response.status_code == 409
    assert "was excluded from evaluation (No housing module)" in text_of(response.get_data(as_text=True))
    assert post_award(client, item).status_code == 409
    assert contracts_in(session) == []


def test_a_supplier_suspended_since_the_search_cannot_be_awarded(
    client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem], corpus: Corpus
) -> None:
    admin = make_user(session, Role.ADMIN)
    admin_services.suspend(session, admin, corpus.mutual.accreditation, "Under investigation", today=today())
    session.commit()
    response = post_award(client, shortlist["Case management for social care"])
    assert response.status_code == 409
    assert "Riverside Care Mutual is suspended" in text_of(response.get_data(as_text=True))
    assert contracts_in(session) == []


def test_a_service_outside_the_shortlist_cannot_be_awarded(
    client: FlaskClient, session: Session, buyer: User, shortlist: dict[str, ShortlistItem]
) -> None:
    other_id = save_search(client, "Payroll", q="payroll")
    end_search(client, other_id)
    payroll = projects.shortlist(project(session, other_id))[0]
    case_project = project(session, shortlist["Case notes"].search.project_id)
    # Through the pages: the item is not on this project's shortlist, so there is nothing to award.
    assert client.post(f"/buyer/projects/{case_project.id}/award/{payroll.id}", data=order_form()).status_code == 404
    # And the service refuses it too.
    with pytest.raises(contracts.AwardRefused) as refused:
        contracts.award(session, buyer, case_project, payroll, order_form(), limits=limits_for(session), today=today())
    assert refused.value.errors == {"service": ["You can only award a contract for a service on this project's shortlist"]}
    assert contracts_in(session) == []


def test_one_award_per_project(client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem]) -> None:
    assert post_award(client, shortlist["Case management for social care"]).status_code == 302
    response = post_award(client, shortlist["Case notes"])
    assert response.status_code == 409
    assert "already has its outcome" in text_of(response.get_data(as_text=True))
    assert len(contracts_in(session)) == 1


def test_no_award_without_an_active_template(client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem]) -> None:
    session.execute(sa.update(ContractTemplate).values(status="retired"))
    session.commit()
    response = post_award(client, shortlist["Case management for social care"])
    assert response.status_code == 400
    assert "No contract template is active" in text_of(response.get_data(as_text=True))
    assert contracts_in(session) == []


# Breaks and extensions ------------------------------------------------------------------------------------------


@pytest.fixture
def contract(client: FlaskClient, session: Session, shortlist: dict[str, ShortlistItem]) -> Contract:
    assert post_award(client, shortlist["Case management for social care"]).status_code == 302
    (awarded,) = contracts_in(session)
    return awarded


def on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr("app.contracts.views.today", lambda: day)


def test_the_buyer_exercises_a_break_and_the_contract_ends_then(
    client: FlaskClient, session: Session, contract: Contract, buyer: User
) -> None:
    first_break = add_months(start(), 12)
    url = f"/buyer/projects/contracts/{contract.id}/break"
    assert client.post(url, data={"break_date": first_break.isoformat()}).status_code == 400  # not confirmed
    response = client.post(url, data={"break_date": first_break.isoformat(), "confirm": "y"})
    assert response.status_code == 302
    session.refresh(contract)
    assert contract.end_date == first_break and contract.ended_on == first_break
    page = text_of(client.get(f"/buyer/projects/contracts/{contract.id}").get_data(as_text=True))
    assert f"the contract ends on {first_break.day} {first_break:%B %Y}" in page
    assert "Ending at a break" in page
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "contract.break_exercised")).one()
    assert event.actor_id == buyer.id


def test_a_break_needs_its_notice(client: FlaskClient, session: Session, contract: Contract, buyer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    first_break = add_months(start(), 12)
    deadline = first_break - timedelta(days=30)
    on(monkeypatch, deadline + timedelta(days=1))
    response = client.post(f"/buyer/projects/contracts/{contract.id}/break", data={"break_date": first_break.isoformat(), "confirm": "y"})
    assert response.status_code == 400
    session.refresh(contract)
    assert contract.ended_on is None
    with pytest.raises(ContractRuleError, match="notice deadline"):
        contracts.exercise_break(session, buyer, contract, first_break, today=deadline + timedelta(days=1))
    # On the deadline itself, notice is still in time.
    contracts.exercise_break(session, buyer, contract, first_break, today=deadline)
    assert contract.end_date == first_break


def test_an_extension_is_taken_only_in_its_window(
    client: FlaskClient, session: Session, contract: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    end = contract.end_date
    url = f"/buyer/projects/contracts/{contract.id}/extend"
    on(monkeypatch, end - timedelta(days=31))
    response = client.post(url, data={"confirm": "y"})
    assert response.status_code == 400
    assert "You can take the extension from" in text_of(response.get_data(as_text=True))
    on(monkeypatch, end - timedelta(days=30))
    assert client.post(url, data={"confirm": "y"}).status_code == 302
    session.refresh(contract)
    assert contract.end_date == add_months(start(), 36) and contract.extensions_taken == 1
    response = client.post(url, data={"confirm": "y"})
    assert response.status_code == 400 and "no declared extension left" in text_of(response.get_data(as_text=True))
    assert session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "contract.extended")) == 1


# Who sees a contract -------------------------------------------------------------------------------------------


def test_the_supplier_sees_its_contract_and_no_one_elses(
    client: FlaskClient, session: Session, contract: Contract, corpus: Corpus
) -> None:
    client.post("/logout")
    login_as(client, make_supplier_user(session, corpus.mutual))
    assert "Borsetshire County Council" in text_of(client.get("/supplier/contracts/").get_data(as_text=True))
    assert client.get(f"/supplier/contracts/{contract.id}").status_code == 200
    assert client.get(f"/supplier/contracts/{contract.id}/contract.odt").status_code == 200
    assert client.get(f"/buyer/projects/contracts/{contract.id}").status_code == 403  # buyers' pages are for buyers

    client.post("/logout")
    login_as(client, make_supplier_user(session, corpus.large))
    assert "Borsetshire" not in text_of(client.get("/supplier/contracts/").get_data(as_text=True))
    assert client.get(f"/supplier/contracts/{contract.id}").status_code == 404
    assert client.get(f"/supplier/contracts/{contract.id}/contract.odt").status_code == 404


def test_another_buyer_cannot_see_or_change_the_contract(client: FlaskClient, session: Session, contract: Contract) -> None:
    other = make_user(session, Role.BUYER, email="sam@othercouncil.gov.uk")
    session.commit()
    client.post("/logout")
    login_as(client, other)
    assert "Case management" not in text_of(client.get("/buyer/projects/contracts").get_data(as_text=True))
    for url in ("", "/contract.odt", "/break", "/extend"):
        assert client.get(f"/buyer/projects/contracts/{contract.id}{url}").status_code == 404, url
    first_break = add_months(start(), 12)
    assert client.post(f"/buyer/projects/contracts/{contract.id}/break", data={"break_date": first_break.isoformat(), "confirm": "y"}).status_code == 404
    assert client.post(f"/buyer/projects/contracts/{contract.id}/extend", data={"confirm": "y"}).status_code == 404
    session.refresh(contract)
    assert contract.ended_on is None and contract.extensions_taken == 0
