"""Account journeys as a person sees them: labels, headings, links and buttons only."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.journey_support import (
    ADMIN_EMAIL,
    DEMO_PASSWORD,
    Person,
    confirm_email,
    fill_registration,
    menu,
    sign_in_here,
)
from tests.conftest import Mailbox

BUYER = Person("Jo Buyer", "jo.buyer@council.gov.uk", "coffee train window")  # gov.uk is a seeded buyer domain


def test_buyer_registers_confirms_email_signs_in_and_signs_out(page: Page, mailbox: Mailbox) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Find cloud services for the public sector")).to_be_visible()

    menu(page).get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    page.get_by_role("link", name="Create a buyer account").click()

    expect(page.get_by_role("heading", name="Create a buyer account", level=1)).to_be_visible()
    fill_registration(page, BUYER)  # and sees ‘Check your email’ with the address
    confirm_email(page, mailbox, BUYER.email)

    sign_in_here(page, BUYER.email, BUYER.password)
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    expect(page.get_by_text(f"You are signed in as {BUYER.email}.")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Your projects")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Your account")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Sign in")).to_have_count(0)

    menu(page).get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(menu(page).get_by_role("button", name="Sign out")).to_have_count(0)


def test_signed_out_visitor_to_admin_is_sent_to_sign_in_and_admin_sees_admin_navigation(page: Page) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text("Sign in to see this page.")).to_be_visible()

    sign_in_here(page, ADMIN_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    for link in ("Admin", "Accreditation", "Users", "Audit log", "Your account"):
        expect(menu(page).get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(menu(page).get_by_role("button", name="Sign out")).to_be_visible()
