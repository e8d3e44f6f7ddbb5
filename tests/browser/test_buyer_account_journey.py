"""Account journeys as a person sees them: labels, headings, links and buttons only."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import Mailbox

BUYER_NAME = "Jo Buyer"
BUYER_EMAIL = "jo.buyer@council.gov.uk"  # gov.uk is a seeded buyer domain
BUYER_PASSWORD = "coffee train window"
ADMIN_EMAIL = "admin@cloudstore.example"
DEMO_PASSWORD = "cloudstore-demo-password"


def _menu(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name="Menu")


def _sign_in(page: Page, email: str, password: str) -> None:
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_buyer_registers_confirms_email_signs_in_and_signs_out(page: Page, mailbox: Mailbox) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Find cloud services for the public sector")).to_be_visible()

    _menu(page).get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    page.get_by_role("link", name="Create a buyer account").click()

    expect(page.get_by_role("heading", name="Create a buyer account", level=1)).to_be_visible()
    page.get_by_label("Full name").fill(BUYER_NAME)
    page.get_by_label("Work email address").fill(BUYER_EMAIL)
    page.get_by_label("Create a password", exact=True).fill(BUYER_PASSWORD)
    page.get_by_label("Confirm your password", exact=True).fill(BUYER_PASSWORD)
    page.get_by_role("button", name="Create buyer account").click()

    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    expect(page.get_by_text(BUYER_EMAIL)).to_be_visible()

    page.goto(mailbox.last_link(BUYER_EMAIL))
    expect(page.get_by_text("Your email address is confirmed. You can now sign in.")).to_be_visible()

    _sign_in(page, BUYER_EMAIL, BUYER_PASSWORD)
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    expect(page.get_by_text(f"You are signed in as {BUYER_EMAIL}.")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Your projects")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Your account")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Sign in")).to_have_count(0)

    _menu(page).get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(_menu(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(_menu(page).get_by_role("button", name="Sign out")).to_have_count(0)


def test_signed_out_visitor_to_admin_is_sent_to_sign_in_and_admin_sees_admin_navigation(page: Page) -> None:
    page.goto("/admin/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text("Sign in to see this page.")).to_be_visible()

    _sign_in(page, ADMIN_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    for link in ("Admin", "Accreditation", "Users", "Audit log", "Your account"):
        expect(_menu(page).get_by_role("link", name=link, exact=True)).to_be_visible()
    expect(_menu(page).get_by_role("button", name="Sign out")).to_be_visible()
