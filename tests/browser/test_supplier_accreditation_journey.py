"""A mutual registers, applies, is asked for changes, fixes them and is accredited; then is suspended and reinstated."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from app.auth.services import find_user_by_email
from app.catalogue import services as catalogue
from app.timeutil import today
from tests.browser.conftest import LiveServer
from tests.conftest import Mailbox
from tests.factories import complete_service_data

PASSWORD = "kettle harbour violin"
EMAIL = "ceo@greenfield-mutual.example"
ORGANISATION = "Greenfield Care Mutual"
ADMIN_EMAIL = "admin@cloudstore.example"
DEMO_PASSWORD = "cloudstore-demo-password"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def _task(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()


def _save(page: Page, button: str = "Save and continue") -> None:
    page.get_by_role("button", name=button).click()


def _fill_application(page: Page) -> None:
    page.goto("/supplier/accreditation")
    expect(page.get_by_role("heading", name="Accreditation application")).to_be_visible()

    _task(page, "Organisation details and contact")
    page.get_by_label("Registered (legal) name").fill("Greenfield Care Mutual Ltd")
    page.get_by_label("Address line 1").fill("1 Mill Lane")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode").fill("LS1 1AA")
    page.get_by_label("Country").fill("United Kingdom")
    page.get_by_label("Contact name").fill("Casey Chief")
    page.get_by_label("Contact email address").fill(EMAIL)
    page.get_by_label("Contact telephone number").fill("0113 496 0000")
    _save(page)

    _task(page, "Registration numbers and VAT")
    page.get_by_label("Companies House number").fill("09876543")
    page.get_by_role("group", name="Is your organisation registered for VAT in the UK?").get_by_label("Yes").check()
    page.get_by_label("UK VAT number").fill("GB 980 7806 84")
    _save(page)

    _task(page, "Type of organisation")
    page.get_by_label("Public service mutual", exact=True).check()
    page.get_by_label("Share of the organisation owned").fill("20")
    _save(page)
    # Below the 25% a mutual needs: the error is next to the field and nothing is lost.
    expect(page.get_by_text("needs at least 25% employee ownership").first).to_be_visible()
    page.get_by_label("Share of the organisation owned").fill("75")
    _save(page)

    _task(page, "Size of organisation")
    page.get_by_label("Staff headcount").fill("40")
    page.get_by_label("Annual turnover (£)").fill("£2,500,000")
    page.get_by_label("Balance sheet total (£)").fill("900000")
    _save(page)

    _task(page, "Declarations")
    for group in page.get_by_role("group").filter(has_text="In the last").all():
        group.get_by_label("No", exact=True).check()
    _save(page, "Save declarations")

    _task(page, "Security certificates")
    page.get_by_label("Certificate", exact=True).select_option(label="Cyber Essentials")
    page.get_by_label("Certificate number").fill("CE-2026-0042")
    page.get_by_label("Issued by").fill("IASME Consortium")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2030")
    _save(page, "Add certificate")
    expect(page.get_by_role("cell", name="CE-2026-0042")).to_be_visible()
    page.get_by_role("link", name="Back to your application").first.click()

    _task(page, "Insurance")
    page.get_by_label("Yes, we employ staff").check()
    page.get_by_label("Employer's liability cover (£)").fill("5000000")
    page.get_by_label("Professional indemnity cover per claim (£)").fill("1000000")
    _save(page, "Save insurance")

    _task(page, "Evidence documents")
    page.get_by_label("What is this document?").fill("Insurance schedule")
    page.get_by_label("Upload a file").set_input_files({"name": "insurance.pdf", "mimeType": "application/pdf", "buffer": PDF})
    _save(page, "Upload document")
    expect(page.get_by_role("link", name="Insurance schedule")).to_be_visible()
    page.get_by_role("link", name="Back to your application").first.click()


def _publish_a_service(live_server: LiveServer, email: str, name: str) -> int:
    """The supplier lists a service (through the catalogue services, as its own pages do): the A-Z lists suppliers with services."""
    app = live_server.app
    with app.app_context():
        session = app.extensions["sessionmaker"]()
        try:
            user = find_user_by_email(session, email)
            assert user is not None
            service = catalogue.create_service(session, user, "cloud-software", complete_service_data("cloud-software", name=name))
            catalogue.publish_service(session, user, service, today=today())
            session.commit()
            return service.id
        finally:
            session.close()


def test_mutual_is_accredited_after_changes_then_suspended_and_reinstated(
    page: Page, new_page: Callable[[], Page], mailbox: Mailbox, live_server: LiveServer
) -> None:
    supplier = page
    supplier.goto("/register/supplier")
    supplier.get_by_label("Organisation name").fill(ORGANISATION)
    supplier.get_by_label("Full name").fill("Casey Chief")
    supplier.get_by_label("Work email address").fill(EMAIL)
    supplier.get_by_label("Create a password", exact=True).fill(PASSWORD)
    supplier.get_by_label("Confirm your password", exact=True).fill(PASSWORD)
    supplier.get_by_role("button", name="Create supplier account").click()
    supplier.goto(mailbox.last_link(EMAIL))
    _sign_in(supplier, EMAIL, PASSWORD)
    expect(supplier.get_by_role("heading", name=ORGANISATION)).to_be_visible()

    _fill_application(supplier)
    supplier.get_by_role("button", name="Submit application").click()
    expect(supplier.get_by_text("Your application has been sent")).to_be_visible()

    admin = new_page()
    _sign_in(admin, ADMIN_EMAIL, DEMO_PASSWORD)
    admin.get_by_role("link", name="Accreditation", exact=True).click()
    admin.get_by_role("link", name=ORGANISATION).click()
    admin.get_by_label("Reason to request changes").fill("Upload your Cyber Essentials certificate as evidence too.")
    admin.get_by_role("button", name="Request changes").click()
    expect(admin.get_by_text(f"{ORGANISATION}: changes requested.")).to_be_visible()

    supplier.goto("/supplier/accreditation")
    expect(supplier.get_by_text("Upload your Cyber Essentials certificate as evidence too.")).to_be_visible()
    _task(supplier, "Evidence documents")
    supplier.get_by_label("What is this document?").fill("Cyber Essentials certificate")
    supplier.get_by_label("Upload a file").set_input_files({"name": "ce.pdf", "mimeType": "application/pdf", "buffer": PDF})
    _save(supplier, "Upload document")
    supplier.get_by_role("link", name="Back to your application").first.click()
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
