"""A supplier user keeps the organisation profile and its colleagues (rules C4, C5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.suppliers.identifiers import COMPANIES_HOUSE_MESSAGE, VAT_CHECK_DIGITS_MESSAGE
from app.suppliers.models import Invitation, Organisation
from tests.conftest import Mailbox
from tests.factories import PASSWORD, login_as, make_organisation, make_supplier_user, make_user

NEW_PASSWORD = "coffee train window"

DETAILS = {
    "name": "Fenland Cloud",
    "legal_name": "Fenland Cloud Limited",
    "description": "Hosting for district councils.",
    "address_line_1": "2 Market Place",
    "address_line_2": "",
    "town": "Ely",
    "postcode": "CB7 4NP",
    "country": "United Kingdom",
    "contact_name": "Ada Contact",
    "contact_email": "hello@fenland.example",
    "contact_phone": "01353 960 001",
    "website": "https://fenland.example",
}
REGISTRATION = {
    "companies_house_number": "01234567",
    "other_registration_number": "",
    "duns_number": "123-456-789",
    "vat_registered": "yes",
    "vat_number": "GB 980 7806 84",
}


@pytest.fixture
def supplier(client: FlaskClient, session: Session) -> User:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    return user


def _organisation(session: Session, user: User) -> Organisation:
    session.expire_all()
    organisation = session.get(Organisation, user.organisation_id)
    assert organisation is not None
    return organisation


def _size_form(headcount: str, turnover: str = "1500000", balance_sheet: str = "1000000") -> dict[str, str]:
    return {"headcount": headcount, "turnover_gbp": turnover, "balance_sheet_gbp": balance_sheet}


# The profile


def test_each_profile_section_saves_through_its_form(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post("/supplier/organisation/details", data=DETAILS)
    assert response.status_code == 302 and response.location == "/supplier/organisation"
    assert client.post("/supplier/organisation/registration", data=REGISTRATION).status_code == 302
    type_form = {"organisation_type": "charity", "flags": ["is_social_enterprise", "is_vcse"], "employee_ownership_pct": ""}
    assert client.post("/supplier/organisation/type", data=type_form).status_code == 302
    assert client.post("/supplier/organisation/size", data=_size_form("8", "900000", "400000")).status_code == 302

    org = _organisation(session, supplier)
    assert (org.name, org.legal_name, org.town, org.contact_email) == ("Fenland Cloud", "Fenland Cloud Limited", "Ely", "hello@fenland.example")
    assert org.address_line_2 is None  # left blank
    assert (org.companies_house_number, org.duns_number, org.vat_registered, org.vat_number) == ("01234567", "123456789", True, "GB980780684")
    # Type and flags are separate facts (rule C4): a charity can also be a social enterprise and a VCSE.
    assert org.organisation_type == "charity"
    assert org.is_social_enterprise and org.is_vcse and not org.is_public_service_mutual
    assert (org.headcount, org.turnover_gbp, org.balance_sheet_gbp, org.size) == (8, Decimal("900000"), Decimal("400000"), "micro")

    page = client.get("/supplier/organisation").get_data(as_text=True)
    for shown in ("Fenland Cloud Limited", "01234567", "123456789", "GB980780684", "Charity or charitable incorporated organisation",
                  "Social enterprise, VCSE", "£900,000", "Micro"):
        assert shown in page
    assert "Still to do" not in page

    actions = set(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == supplier.id)))
    assert {"organisation.details_updated", "organisation.registration_updated", "organisation.type_updated", "organisation.size_updated"} <= actions


def test_saving_from_the_task_list_returns_to_the_application(client: FlaskClient, supplier: User) -> None:
    response = client.post("/supplier/organisation/details?next=application", data=DETAILS)
    assert response.location == "/supplier/accreditation"


def test_a_section_with_a_missing_required_field_is_refused_and_keeps_what_was_typed(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    response = client.post("/supplier/organisation/details", data={**DETAILS, "town": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the town or city of your registered address" in page and 'href="#town"' in page
    assert 'value="Fenland Cloud Limited"' in page
    assert _organisation(session, supplier).legal_name is None


@pytest.mark.parametrize(
    ("headcount", "size", "reason"),
    [
        ("9", "Micro", "9 staff is fewer than 10"),
        ("10", "Small", "10 staff is fewer than 50"),
        ("49", "Small", "49 staff is fewer than 50"),
        ("50", "Medium", "50 staff is fewer than 250"),
        ("250", "Large", "250 staff is 250 or more"),
    ],
)
def test_size_is_worked_out_from_headcount_and_shown_with_its_reason(
    client: FlaskClient, session: Session, supplier: User, headcount: str, size: str, reason: str
) -> None:
    response = client.post("/supplier/organisation/size", data=_size_form(headcount), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<strong>{size}</strong>" in page
    assert reason in page
    assert _organisation(session, supplier).size == size.lower()
    assert reason in client.get("/supplier/organisation/size").get_data(as_text=True)


def test_size_uses_the_balance_sheet_when_turnover_is_over_the_limit(client: FlaskClient, session: Session, supplier: User) -> None:
    # £9m turnover is over the €10m small limit (about £8.7m); a £1m balance sheet is within it.
    client.post("/supplier/organisation/size", data=_size_form("30", "9,000,000", "1,000,000"))
    org = _organisation(session, supplier)
    assert org.size == "small"
    assert "balance sheet total of £1,000,000 is within" in (org.size_reason or "")


def test_size_cannot_be_typed_in(client: FlaskClient, session: Session, supplier: User) -> None:
    client.post("/supplier/organisation/size", data={**_size_form("300"), "size": "micro"})
    assert _organisation(session, supplier).size == "large"


def test_money_typed_with_a_pound_sign_and_commas_is_accepted(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post("/supplier/organisation/size", data=_size_form("12", "£1,500,000", " £250,000.50 "))
    assert response.status_code == 302
    org = _organisation(session, supplier)
    assert (org.turnover_gbp, org.balance_sheet_gbp) == (Decimal("1500000"), Decimal("250000.50"))


@pytest.mark.parametrize("nonsense", ["lots", "1.5m", "-100", "£1,500,000.999"])
def test_nonsense_money_is_refused_with_a_message(client: FlaskClient, session: Session, supplier: User, nonsense: str) -> None:
    response = client.post("/supplier/organisation/size", data=_size_form("12", nonsense))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter annual turnover in pounds, using numbers only, like 1500000 or 1,500,000.50" in page
    assert 'href="#turnover_gbp"' in page
    org = _organisation(session, supplier)
    assert org.headcount is None and org.size is None


@pytest.mark.parametrize("headcount", ["twelve", "-3", "1.5"])
def test_headcount_must_be_a_whole_number(client: FlaskClient, supplier: User, headcount: str) -> None:
    response = client.post("/supplier/organisation/size", data=_size_form(headcount))
    assert response.status_code == 400
    assert "Enter the staff headcount as a whole number, like 25" in response.get_data(as_text=True)


def test_vat_number_with_wrong_check_digits_is_refused_and_nothing_saved_is_lost(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    assert client.post("/supplier/organisation/registration", data=REGISTRATION).status_code == 302

    typed = {**REGISTRATION, "companies_house_number": "SC123456", "duns_number": "987654321", "vat_number": "GB980780685"}
    response = client.post("/supplier/organisation/registration", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert VAT_CHECK_DIGITS_MESSAGE.replace("'", "&#39;") in page
    assert 'href="#vat_number"' in page
    # What was typed is shown again to correct...
    assert 'value="SC123456"' in page and 'value="987654321"' in page and 'value="GB980780685"' in page
    # ...and what was saved before is unchanged.
    org = _organisation(session, supplier)
    assert (org.companies_house_number, org.duns_number, org.vat_number) == ("01234567", "123456789", "GB980780684")


def test_vat_number_is_needed_only_when_registered_for_vat(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post("/supplier/organisation/registration", data={**REGISTRATION, "vat_number": ""})
    assert response.status_code == 400
    assert "Enter your UK VAT number, like GB123456789" in response.get_data(as_text=True)
    response = client.post("/supplier/organisation/registration", data={**REGISTRATION, "vat_registered": "no", "vat_number": ""})
    assert response.status_code == 302
    org = _organisation(session, supplier)
    assert org.vat_registered is False and org.vat_number is None


@pytest.mark.parametrize("number", ["123456789", "1234567A", "S1234567", "SC12345X", "12-34-56-78", "ABCDEFGH"])
def test_companies_house_number_in_the_wrong_format_is_explained(client: FlaskClient, session: Session, supplier: User, number: str) -> None:
    response = client.post("/supplier/organisation/registration", data={**REGISTRATION, "companies_house_number": number})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert COMPANIES_HOUSE_MESSAGE in page and 'href="#companies_house_number"' in page
    assert _organisation(session, supplier).companies_house_number is None


@pytest.mark.parametrize(("typed", "stored"), [("sc123456", "SC123456"), ("123456", "00123456"), ("R1234567", "R1234567")])
def test_companies_house_number_is_stored_in_its_standard_form(
    client: FlaskClient, session: Session, supplier: User, typed: str, stored: str
) -> None:
    client.post("/supplier/organisation/registration", data={**REGISTRATION, "companies_house_number": typed})
    assert _organisation(session, supplier).companies_house_number == stored


def test_a_registration_number_of_some_kind_is_required(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post("/supplier/organisation/registration", data={**REGISTRATION, "companies_house_number": ""})
    assert response.status_code == 400
    assert "Enter your Companies House number, or another registration number" in response.get_data(as_text=True)
    charity = {**REGISTRATION, "companies_house_number": "", "other_registration_number": "Charity 1234567"}
    assert client.post("/supplier/organisation/registration", data=charity).status_code == 302
    org = _organisation(session, supplier)
    assert org.companies_house_number is None and org.other_registration_number == "Charity 1234567"


def test_duns_number_must_have_nine_digits(client: FlaskClient, supplier: User) -> None:
    response = client.post("/supplier/organisation/registration", data={**REGISTRATION, "duns_number": "12345678"})
    assert response.status_code == 400
    assert "Enter a DUNS number of 9 digits, like 123456789" in response.get_data(as_text=True)


def test_companies_house_number_already_used_by_another_organisation_is_refused(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    make_organisation(session, name="First Ltd", companies_house_number="01234567")
    session.commit()
    response = client.post("/supplier/organisation/registration", data={**REGISTRATION, "companies_house_number": "1234567"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Another organisation on Cloudstore already has this Companies House number" in page
    assert 'href="#companies_house_number"' in page
    org = _organisation(session, supplier)
    # Nothing in the section was saved, and no audit event claims it was.
    assert (org.companies_house_number, org.duns_number, org.vat_number) == (None, None, None)
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "organisation.registration_updated")) is None
    # The supplier can carry on and save a number of its own.
    assert client.post("/supplier/organisation/registration", data={**REGISTRATION, "companies_house_number": "07654321"}).status_code == 302
    assert _organisation(session, supplier).companies_house_number == "07654321"


def test_saving_the_same_companies_house_number_again_is_not_a_clash(client: FlaskClient, session: Session, supplier: User) -> None:
    assert client.post("/supplier/organisation/registration", data=REGISTRATION).status_code == 302
    assert client.post("/supplier/organisation/registration", data={**REGISTRATION, "duns_number": ""}).status_code == 302
    org = _organisation(session, supplier)
    assert org.companies_house_number == "01234567" and org.duns_number is None


def test_a_mutual_needs_an_employee_share(client: FlaskClient, session: Session, supplier: User) -> None:
    form = {"organisation_type": "ltd", "flags": ["is_public_service_mutual"], "employee_ownership_pct": ""}
    response = client.post("/supplier/organisation/type", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "a public service mutual needs one" in page and 'href="#employee_ownership_pct"' in page
    assert _organisation(session, supplier).organisation_type is None


@pytest.mark.parametrize("share", ["0", "24"])
def test_a_mutual_with_an_employee_share_below_25_percent_is_refused(
    client: FlaskClient, session: Session, supplier: User, share: str
) -> None:
    form = {"organisation_type": "ltd", "flags": ["is_public_service_mutual"], "employee_ownership_pct": share}
    response = client.post("/supplier/organisation/type", data=form)
    assert response.status_code == 400
    assert "A public service mutual needs at least 25% employee ownership, influence or control" in response.get_data(as_text=True)
    assert not _organisation(session, supplier).is_public_service_mutual


def test_a_mutual_with_a_quarter_employee_share_is_accepted(client: FlaskClient, session: Session, supplier: User) -> None:
    form = {
        "organisation_type": "community_benefit_society",
        "flags": ["is_public_service_mutual", "is_social_enterprise"],
        "employee_ownership_pct": "25",
    }
    assert client.post("/supplier/organisation/type", data=form).status_code == 302
    org = _organisation(session, supplier)
    assert org.is_public_service_mutual and org.is_social_enterprise and org.employee_ownership_pct == 25


def test_public_service_mutual_type_implies_the_mutual_flag(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post("/supplier/organisation/type", data={"organisation_type": "public_service_mutual", "employee_ownership_pct": ""})
    assert response.status_code == 400  # the type makes it a mutual, so it needs the share too
    assert "a public service mutual needs one" in response.get_data(as_text=True)
    response = client.post("/supplier/organisation/type", data={"organisation_type": "public_service_mutual", "employee_ownership_pct": "60"})
    assert response.status_code == 302
    org = _organisation(session, supplier)
    assert org.organisation_type == "public_service_mutual" and org.is_public_service_mutual and org.employee_ownership_pct == 60


@pytest.mark.parametrize("share", ["101", "half"])
def test_employee_share_must_be_a_percentage(client: FlaskClient, supplier: User, share: str) -> None:
    response = client.post("/supplier/organisation/type", data={"organisation_type": "ltd", "employee_ownership_pct": share})
    assert response.status_code == 400
    assert "the employee share" in response.get_data(as_text=True)


def test_an_unknown_organisation_type_is_refused(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post("/supplier/organisation/type", data={"organisation_type": "megacorp"})
    assert response.status_code == 400
    assert _organisation(session, supplier).organisation_type is None


def test_unticking_a_flag_clears_it(client: FlaskClient, session: Session, supplier: User) -> None:
    client.post("/supplier/organisation/type", data={"organisation_type": "cic", "flags": ["is_social_enterprise"]})
    assert _organisation(session, supplier).is_social_enterprise
    client.post("/supplier/organisation/type", data={"organisation_type": "cic"})
    assert not _organisation(session, supplier).is_social_enterprise


# Colleagues


def _invite(client: FlaskClient, email: str = "new.person@fenland.example") -> None:
    response = client.post("/supplier/colleagues", data={"email": email})
    assert response.status_code == 302, response.get_data(as_text=True)


def _accept(client: FlaskClient, link: str, name: str = "New Person") -> object:
    return client.post(link, data={"name": name, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})


def test_invited_colleague_joins_the_same_organisation_verified_and_signed_in(
    app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox
) -> None:
    _invite(client, "New.Person@Fenland.example")
    assert "new.person@fenland.example" in client.get("/supplier/colleagues").get_data(as_text=True)
    message = mailbox.for_address("new.person@fenland.example")[-1]
    assert "Join" in message["Subject"]
    link = mailbox.last_link("new.person@fenland.example")
    assert "/invitations/" in link
    client.post("/logout")

    with app.test_client() as newcomer:
        page = newcomer.get(link)
        assert page.status_code == 200
        assert "new.person@fenland.example" in page.get_data(as_text=True)
        response = _accept(newcomer, link)
        assert response.status_code == 302 and response.location == "/supplier/"
        assert newcomer.get("/supplier/").status_code == 200  # signed in

    session.expire_all()
    joined = session.scalar(sa.select(User).where(User.email == "new.person@fenland.example"))
    assert joined is not None
    assert joined.role == "supplier" and joined.organisation_id == supplier.organisation_id and joined.is_verified
    invitation = session.scalar(sa.select(Invitation))
    assert invitation is not None and invitation.accepted_at is not None
    # The link is spent.
    assert app.test_client().get(link).status_code == 400


def test_a_new_colleague_can_sign_in_with_the_password_they_chose(
    app: Flask, client: FlaskClient, supplier: User, mailbox: Mailbox
) -> None:
    _invite(client)
    link = mailbox.last_link("new.person@fenland.example")
    _accept(app.test_client(), link)
    fresh = app.test_client()
    response = fresh.post("/login", data={"email": "new.person@fenland.example", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/supplier/"


def test_accepting_an_invitation_checks_the_new_password(app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox) -> None:
    _invite(client)
    link = mailbox.last_link("new.person@fenland.example")
    response = app.test_client().post(link, data={"name": "New Person", "password": "short", "confirm_password": "short"})
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert session.scalar(sa.select(User).where(User.email == "new.person@fenland.example")) is None


def test_tampered_invitation_link_is_refused(app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox) -> None:
    _invite(client)
    link = mailbox.last_link("new.person@fenland.example")
    newcomer = app.test_client()
    response = newcomer.get(link + "x")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert _accept(newcomer, link + "x").status_code == 400
    assert session.scalar(sa.select(User).where(User.email == "new.person@fenland.example")) is None


def test_expired_invitation_link_is_refused(app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox) -> None:
    _invite(client)
    link = mailbox.last_link("new.person@fenland.example")
    app.config["INVITATION_MAX_AGE"] = -1
    newcomer = app.test_client()
    response = newcomer.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert _accept(newcomer, link).status_code == 400
    assert session.scalar(sa.select(User).where(User.email == "new.person@fenland.example")) is None


def test_invitation_link_opened_while_signed_in_is_refused(client: FlaskClient, supplier: User, mailbox: Mailbox) -> None:
    _invite(client)
    response = client.get(mailbox.last_link("new.person@fenland.example"))
    assert response.status_code == 400
    assert "Sign out first" in response.get_data(as_text=True)


def test_invitation_for_an_email_that_already_has_an_account_is_refused(
    client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox
) -> None:
    make_user(session, email="taken@example.gov.uk")
    session.commit()
    response = client.post("/supplier/colleagues", data={"email": "TAKEN@example.gov.uk"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "already has a Cloudstore account" in page and 'href="#email"' in page
    assert not mailbox.for_address("taken@example.gov.uk")
    assert session.scalar(sa.select(Invitation)) is None


def test_invitation_needs_a_real_email_address(client: FlaskClient, supplier: User) -> None:
    response = client.post("/supplier/colleagues", data={"email": "not an email"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)


def test_an_account_created_after_the_invitation_was_sent_cannot_accept_it(
    app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox
) -> None:
    _invite(client)
    link = mailbox.last_link("new.person@fenland.example")
    make_user(session, email="new.person@fenland.example")
    session.commit()
    response = _accept(app.test_client(), link)
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_sending_a_second_invitation_cancels_the_first(
    app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox
) -> None:
    _invite(client)
    first = mailbox.last_link("new.person@fenland.example")
    _invite(client)
    second = mailbox.last_link("new.person@fenland.example")
    assert first != second
    assert app.test_client().get(first).status_code == 400
    assert app.test_client().get(second).status_code == 200


def test_revoking_an_invitation_makes_its_link_unusable(
    app: Flask, client: FlaskClient, session: Session, supplier: User, mailbox: Mailbox
) -> None:
    _invite(client)
    link = mailbox.last_link("new.person@fenland.example")
    invitation = session.scalar(sa.select(Invitation))
    assert invitation is not None
    response = client.post(f"/supplier/invitations/{invitation.id}/revoke", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The invitation to new.person@fenland.example is cancelled." in page
    assert "Invitations waiting to be accepted" not in page

    newcomer = app.test_client()
    response = newcomer.get(link)
    assert response.status_code == 400
    assert "already been used or cancelled" in response.get_data(as_text=True)
    assert _accept(newcomer, link).status_code == 400
    assert session.scalar(sa.select(User).where(User.email == "new.person@fenland.example")) is None
    # Revoking twice is explained, not an error page.
    response = client.post(f"/supplier/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert "already been used or cancelled" in response.get_data(as_text=True)


def test_removing_a_colleague_deactivates_them_and_signs_them_out(
    app: Flask, client: FlaskClient, session: Session, supplier: User
) -> None:
    colleague = make_supplier_user(session, supplier.organisation, name="Bea Colleague")
    session.commit()
    theirs = app.test_client()
    login_as(theirs, colleague)

    response = client.post(f"/supplier/colleagues/{colleague.id}/remove", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Bea Colleague has been removed and can no longer sign in." in page
    session.expire_all()
    assert not session.get(User, colleague.id).active
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.removed_from_organisation"))
    assert event is not None and event.actor_id == supplier.id and event.object_id == str(colleague.id)

    response = theirs.get("/supplier/")
    assert response.status_code == 302 and response.location.startswith("/login")
    response = app.test_client().post("/login", data={"email": colleague.email, "password": PASSWORD})
    assert response.status_code == 400


def test_a_supplier_cannot_remove_themselves(client: FlaskClient, session: Session, supplier: User) -> None:
    response = client.post(f"/supplier/colleagues/{supplier.id}/remove", follow_redirects=True)
    assert "You cannot remove yourself" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, supplier.id).active
    assert client.get("/supplier/").status_code == 200
