"""A mutual registers, applies, is asked for changes, fixes them and is accredited; then is suspended and reinstated."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.auth.services import find_user_by_email
from app.catalogue import services as catalogue
from app.timeutil import today
from tests.browser.conftest import LiveServer
from tests.browser.journey_support import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    Certificate,
    Person,
    Profile,
    complete_application,
    fill_organisation_type,
    fill_profile,
    open_task,
    register,
    save,
    sign_in,
    upload_evidence,
)
from tests.conftest import Mailbox
from tests.factories import complete_service_data

CASEY = Person("Casey Chief", "ceo@greenfield-mutual.example", "kettle harbour violin")
EMAIL = CASEY.email
ORGANISATION = "Greenfield Care Mutual"
PROFILE = Profile(
    legal_name="Greenfield Care Mutual Ltd",
    address_line_1="1 Mill Lane",
    town="Leeds",
    postcode="LS1 1AA",
    contact=CASEY,
    contact_phone="0113 496 0000",
    companies_house_number="09876543",
    vat_number="GB 980 7806 84",
    organisation_type="Public service mutual",
    employee_share="75",
    headcount="40",
    turnover="£2,500,000",
    balance_sheet="900000",
)


def _fill_application(page: Page) -> None:
    page.goto("/supplier/accreditation")
    expect(page.get_by_role("heading", name="Accreditation application")).to_be_visible()

    # Below the 25% a mutual needs: the error is next to the field and nothing is lost.
    open_task(page, "Type of organisation")
    fill_organisation_type(page, "Public service mutual", share="20")
    save(page)
    expect(page.get_by_text("needs at least 25% employee ownership").first).to_be_visible()
    expect(page.get_by_label("Share of the organisation owned")).to_have_value("20")

    page.goto("/supplier/accreditation")
    fill_profile(page, PROFILE, open_task)
    certificate = Certificate("Cyber Essentials", "CE-2026-0042", "IASME Consortium", today() + timedelta(days=730))
    complete_application(page, certificate, evidence="Insurance schedule")


def _publish_a_service(live_server: LiveServer, email: str, name: str) -> int:
    """The supplier lists a service (through the catalogue services, as its own pages do): the A-Z lists suppliers
    with services."""
    app = live_server.app
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        try:
            user = find_user_by_email(session, email)
            assert user is not None
            data = complete_service_data("cloud-software", name=name)
            service = catalogue.create_service(session, user, "cloud-software", data)
            catalogue.publish_service(session, user, service, today=today())
            session.commit()
            return service.id
        finally:
            session.close()


def test_mutual_is_accredited_after_changes_then_suspended_and_reinstated(
    page: Page, new_page: Callable[[], Page], mailbox: Mailbox, live_server: LiveServer
) -> None:
    supplier = page
    register(supplier, mailbox, CASEY, organisation=ORGANISATION)
    expect(supplier.get_by_role("heading", name=ORGANISATION)).to_be_visible()

    _fill_application(supplier)
    supplier.get_by_role("button", name="Submit application").click()
    expect(supplier.get_by_text("Your application has been sent")).to_be_visible()

    admin = new_page()
    sign_in(admin, ADMIN_EMAIL, DEMO_PASSWORD)
    admin.get_by_role("link", name="Accreditation", exact=True).click()
    admin.get_by_role("link", name=ORGANISATION).click()
    admin.get_by_label("Reason to request changes").fill("Upload your Cyber Essentials certificate as evidence too.")
    admin.get_by_role("button", name="Request changes").click()
    expect(admin.get_by_text(f"{ORGANISATION}: changes requested.")).to_be_visible()

    supplier.goto("/supplier/accreditation")
    expect(supplier.get_by_text("Upload your Cyber Essentials certificate as evidence too.")).to_be_visible()
    open_task(supplier, "Evidence documents")
    upload_evidence(supplier, "Cyber Essentials certificate")
    supplier.get_by_role("button", name="Submit application").click()

    admin.reload()
    admin.get_by_role("button", name="Approve and accredit").click()
    expect(admin.get_by_text(f"{ORGANISATION}: accredited.")).to_be_visible()

    supplier.goto("/supplier/accreditation")
    expect(supplier.get_by_text("Your accreditation is valid until")).to_be_visible()
    service_id = _publish_a_service(live_server, EMAIL, "Greenfield care records")
    public = new_page()
    public.goto("/suppliers?letter=G")
    expect(public.get_by_role("link", name=ORGANISATION)).to_be_visible()
    public.get_by_role("link", name=ORGANISATION).click()
    expect(public.get_by_text("Public service mutual").first).to_be_visible()
    public.get_by_role("link", name="Greenfield care records").click()
    expect(public.get_by_role("heading", name="Greenfield care records")).to_be_visible()

    admin.get_by_label("Reason to suspend supplier").fill("Security incident under investigation.")
    admin.get_by_role("button", name="Suspend supplier").click()
    expect(admin.get_by_text(f"{ORGANISATION}: suspended.")).to_be_visible()
    public.goto("/suppliers?letter=G")
    expect(public.get_by_role("link", name=ORGANISATION)).to_have_count(0)
    response = public.goto(f"/services/{service_id}")
    assert response is not None and response.status == 404  # its services leave the catalogue at once
    supplier.goto("/supplier/")
    expect(supplier.get_by_text("Security incident under investigation.")).to_be_visible()

    admin.get_by_label("Reason to reinstate supplier").fill("Investigation closed.")
    admin.get_by_role("button", name="Reinstate supplier").click()
    expect(admin.get_by_text(f"{ORGANISATION}: accredited.")).to_be_visible()
    public.goto("/suppliers?letter=G")
    expect(public.get_by_role("link", name=ORGANISATION)).to_be_visible()
    response = public.goto(f"/services/{service_id}")
    assert response is not None and response.status == 200
