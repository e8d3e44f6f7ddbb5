"""A new supplier, from registering to a service the public finds, until an admin suspends the supplier.

Three people, each in their own browser: the supplier registers, confirms the email, fills in the
organisation profile and applies for accreditation with an evidence document; the admin accredits them;
the supplier drafts a service section by section and publishes it; a visitor without an account finds it
with search filters and opens it. Then the admin suspends the supplier, and the service leaves search and
its page no longer offers it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import Page, expect

from app.timeutil import today
from tests.browser.journey_support import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    Certificate,
    Person,
    Profile,
    apply_filters,
    complete_application,
    fill_profile,
    menu,
    open_profile_section,
    register,
    result_count,
    search,
    sign_in,
)
from tests.conftest import Mailbox

ORGANISATION = "Harbourlight Data"
ROBIN = Person("Robin Ashe", "robin@harbourlight.example", "lantern quay pebble")
PROFILE = Profile(
    legal_name="Harbourlight Data CIC",
    address_line_1="4 Quay Street",
    town="Bristol",
    postcode="BS1 4DJ",
    contact=Person("Robin Ashe", "hello@harbourlight.example", ""),
    contact_phone="0117 496 0000",
    companies_house_number="12345678",
    vat_number=None,
    organisation_type="Community interest company (CIC)",
    flags=("Social enterprise",),
    headcount="12",
    turnover="850000",
    balance_sheet="300,000",
)
SERVICE = "Harbourlight case records migration"
# Seeded services mention migration too: the filters narrow the search down to this supplier's service and
# any others like it.
KEYWORD = "migration"
FILTERS = ("Cloud support", "Social enterprise", "ISO/IEC 27001", "UK only")
FILTERED = "in Cloud support, filtered by:"
SUSPENSION_REASON = "Evidence of a data breach under investigation."


def _list_service(page: Page) -> None:
    """From the supplier's home page: create a draft in Cloud support and fill in each section."""
    menu(page).get_by_role("link", name="Your services").click()
    expect(page.get_by_text("You have no services yet.")).to_be_visible()
    page.get_by_role("button", name="Create a service").click()
    page.get_by_role("group", name="Which lot is the service in?").get_by_label("Cloud support").check()
    page.get_by_role("button", name="Create service").click()
    expect(page.get_by_text("Your draft cloud support service is started.")).to_be_visible()
    expect(page.get_by_text("You have completed 0 of 7 sections.")).to_be_visible()
    page.get_by_role("button", name="Publish service").click()
    cannot_publish = page.get_by_role("heading", name="Your service cannot be published yet")
    refusal = page.get_by_role("alert").filter(has=cannot_publish)
    expect(refusal.get_by_role("link", name="Enter the service name")).to_be_visible()
    expect(refusal.get_by_role("link", name="Add categories")).to_be_visible()

    _section(page, "About the service")
    page.get_by_label("Service name").fill(SERVICE)
    page.get_by_label("Summary").fill("We move a charity's or council's case records into the cloud, then train staff.")
    page.get_by_label("Description").fill(
        "A fixed-scope migration: we map the old records, move them in tested batches and check every one."
    )
    _save_section(page, "About the service")

    _section(page, "Features and benefits")
    page.get_by_label("Features").fill("Record-by-record checks\nTested batch moves")
    page.get_by_label("Benefits").fill("No records lost\nStaff trained before go-live")
    _save_section(page, "Features and benefits")

    _section(page, "Categories")
    page.get_by_label("Setup and migration").check()
    page.get_by_label("Training").check()
    _save_section(page, "Categories")

    _section(page, "Pricing")
    page.get_by_label("Starting price (£, excluding VAT)").fill("350")
    page.get_by_label("Price unit").select_option(label="person")
    page.get_by_label("Price interval (optional)").select_option(label="day")
    page.get_by_role("radio", name="Fixed periodic charge").check()
    page.get_by_role("group", name="Is there a free trial or a free version?").get_by_label("No").check()
    page.get_by_role("group", name="Do you offer education pricing?").get_by_label("Yes").check()
    page.get_by_role("radio", name="1 day").check()
    _save_section(page, "Pricing")

    _section(page, "Data and security")
    page.get_by_role("radio", name="UK only").check()
    page.get_by_role("group", name=re.compile("^Certifications")).get_by_label("ISO/IEC 27001").check()
    page.get_by_role("radio", name="Baseline Personnel Security Standard (BPSS)").check()
    _save_section(page, "Data and security")

    _section(page, "Support and accessibility")
    page.get_by_role("checkbox", name="Email").check()
    page.get_by_role("radio", name="Within 1 working day").check()
    page.get_by_role("radio", name="Working hours, Monday to Friday").check()
    page.get_by_role("radio", name="WCAG 2.2 AA or EN 301 549").check()
    _save_section(page, "Support and accessibility")

    _section(page, "Onboarding and exit")
    page.get_by_label("How do buyers start using the service?").fill("A planning workshop, then a trial batch.")
    page.get_by_label("How is the buyer's data returned at the end of the contract?").fill(
        "Every record as CSV within 5 working days; we delete our copies 30 days later."
    )
    page.get_by_role("checkbox", name="CSV").check()
    _save_section(page, "Onboarding and exit")


def _section(page: Page, title: str) -> None:
    page.get_by_role("link", name=f"Complete {title[0].lower()}{title[1:]}", exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def _save_section(page: Page, title: str) -> None:
    page.get_by_role("button", name="Save and return to your service").click()
    expect(page.get_by_text(f"‘{title}’ saved.")).to_be_visible()


def test_new_supplier_is_accredited_and_lists_a_service_the_public_finds_until_it_is_suspended(
    page: Page, new_page: Callable[[], Page], mailbox: Mailbox
) -> None:
    # 1. The supplier registers, confirms the email and completes the organisation profile.
    supplier = page
    register(supplier, mailbox, ROBIN, organisation=ORGANISATION)
    expect(supplier.get_by_role("heading", name=ORGANISATION, level=1)).to_be_visible()
    expect(supplier.get_by_text(f"1 person can sign in for {ORGANISATION}.")).to_be_visible()

    supplier.get_by_role("main").get_by_role("link", name="Organisation profile").click()
    expect(supplier.get_by_role("heading", name="Organisation profile", level=1)).to_be_visible()
    fill_profile(supplier, PROFILE, open_profile_section)
    expect(supplier.get_by_text("Still to do")).to_have_count(0)
    expect(supplier.get_by_text("Small: 12 staff is fewer than 50")).to_be_visible()
    expect(supplier.get_by_text("Social enterprise", exact=True)).to_be_visible()

    # 2. The application: the profile counts for the first four parts; an evidence PDF completes it.
    menu(supplier).get_by_role("link", name="Your organisation").click()
    supplier.get_by_role("main").get_by_role("link", name="Accreditation").click()
    expect(supplier.get_by_text("You have completed 4 of 8 parts.")).to_be_visible()
    certificate = Certificate("ISO/IEC 27001", "ISO-27001-7781", "BSI", today() + timedelta(days=730))
    complete_application(supplier, certificate, evidence="ISO 27001 certificate")
    supplier.get_by_role("button", name="Submit application").click()
    expect(supplier.get_by_text("Your application has been sent")).to_be_visible()

    # 3. The admin accredits the supplier from the queue.
    admin = new_page()
    sign_in(admin, ADMIN_EMAIL, DEMO_PASSWORD)
    menu(admin).get_by_role("link", name="Accreditation", exact=True).click()
    admin.get_by_role("link", name=ORGANISATION, exact=True).click()
    expect(admin.get_by_role("link", name="ISO 27001 certificate")).to_be_visible()
    admin.get_by_role("button", name="Approve and accredit").click()
    expect(admin.get_by_text(f"{ORGANISATION}: accredited.")).to_be_visible()

    # 4. The supplier lists a service: an incomplete one is refused with what is missing, a complete one publishes.
    supplier.goto("/supplier/")
    expect(supplier.get_by_text("Your accreditation is valid until")).to_be_visible()
    _list_service(supplier)
    expect(supplier.get_by_role("heading", name=SERVICE, level=1)).to_be_visible()
    expect(supplier.get_by_text("You have completed 7 of 7 sections.")).to_be_visible()
    supplier.get_by_role("button", name="Publish service").click()
    expect(supplier.get_by_text("Your service is published as version 1. Buyers can find it now.")).to_be_visible()

    # 5. A visitor without an account finds it with filters and opens it.
    public = new_page()
    public.goto("/services")
    everything = search(public, KEYWORD)
    filtered = apply_filters(public, *FILTERS, expect_heading=FILTERED)
    assert 1 <= filtered < everything, (filtered, everything)
    expect(public.get_by_role("link", name=SERVICE, exact=True)).to_be_visible()
    results_url = public.url
    public.get_by_role("link", name=SERVICE, exact=True).click()
    expect(public.get_by_role("heading", name=SERVICE, level=1)).to_be_visible()
    expect(public.get_by_role("link", name=ORGANISATION, exact=True).first).to_be_visible()
    expect(public.get_by_text("£350.00 a person a day", exact=True)).to_be_visible()
    expect(public.get_by_role("link", name=PROFILE.contact.email)).to_be_visible()
    service_url = public.url

    # 6. The admin suspends the supplier: its service leaves search at once and its page is gone.
    admin.get_by_label("Reason to suspend supplier").fill(SUSPENSION_REASON)
    admin.get_by_role("button", name="Suspend supplier").click()
    expect(admin.get_by_text(f"{ORGANISATION}: suspended.")).to_be_visible()

    public.goto(results_url)
    expect(public.get_by_role("heading", name=re.compile(FILTERED))).to_be_visible()
    assert result_count(public) == filtered - 1
    expect(public.get_by_role("link", name=SERVICE, exact=True)).to_have_count(0)
    public.get_by_role("link", name="Clear all filters").click()
    expect(public.get_by_role("heading", name=re.compile(f"found for ‘{KEYWORD}’ in all lots$"))).to_be_visible()
    assert result_count(public) == everything - 1
    response = public.goto(service_url)
    assert response is not None and response.status == 404
    expect(public.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(public.get_by_text(SERVICE)).to_have_count(0)
