"""The search and award journeys with the keyboard alone: Tab, Shift+Tab, Enter, Space, the arrow keys and typing,
never a click. Every element that takes focus on the way must show it (tab_to checks each stop).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from app.dates import add_months
from app.timeutil import today
from tests.browser.axe_support import arrow_to, assert_focus_visible, is_focused, tab_to

BUYER_EMAIL = "buyer@example.gov.uk"
DEMO_PASSWORD = "cloudstore-demo-password"
# Finds a few of the seeded services (30 or fewer), so the search can be ended as it is; the search journey
# above refines with filters.
KEYWORD = "migration"


def _press(page: Page, key: str) -> None:
    """Press a key that leaves the page (a link, a button, a form sent with Enter) and wait for the next one."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def _skip_to_results(page: Page) -> None:
    """The search page's own skip link, past the filters: the next Tab is in the results."""
    tab_to(page, page.get_by_role("link", name="Skip to the results"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#result-count$"))


def _heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def test_skip_link_is_the_first_stop_shows_itself_and_moves_focus_to_the_main_content(page: Page) -> None:
    page.goto("/")
    skip = page.get_by_role("link", name="Skip to main content")
    page.keyboard.press("Tab")
    assert is_focused(skip)
    assert_focus_visible(page)
    box = skip.bounding_box()
    assert box is not None and box["width"] > 1 and box["height"] > 1, "the skip link stays hidden when focused"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    assert page.evaluate("document.activeElement.id") == "main-content"
    # The next stop is in the main content, not back in the header's navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert_focus_visible(page)


@pytest.fixture(params=[True, False], ids=["with JavaScript", "without JavaScript"])
def visitor_page(request: pytest.FixtureRequest, new_page: Callable[..., Page]) -> Page:
    """A visitor's page, with JavaScript on and then off: every step of the search works either way."""
    return new_page(java_script_enabled=request.param)


def test_a_visitor_searches_filters_and_opens_a_service_with_the_keyboard_alone(visitor_page: Page) -> None:
    page = visitor_page
    page.goto("/")
    _type_into(page, page.get_by_label("Search for services"), "cloud")
    _press(page, "Enter")
    expect(page.locator("#result-count")).to_contain_text("found for ‘cloud’ in all lots")

    mutual = page.get_by_role("checkbox", name=re.compile(r"^Public service mutual \(\d+\)"))
    tab_to(page, mutual)
    page.keyboard.press("Space")
    expect(mutual).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Apply filters"))
    _press(page, "Enter")
    expect(page.locator("#result-count")).to_contain_text("filtered by: Mutual")

    first = page.locator("a.app-result__link").first
    service = first.inner_text()
    _skip_to_results(page)
    tab_to(page, first)
    _press(page, "Enter")
    expect(_heading(page)).to_have_text(service)
    expect(page).to_have_url(re.compile(r"/services/\d+$"))


def test_buyer_saves_ends_and_awards_with_the_keyboard_alone(page: Page) -> None:
    project = f"Moving to the cloud {uuid.uuid4().hex[:8]}"
    start = today() + timedelta(days=14)

    # Sign in from the start page's menu.
    page.goto("/")
    tab_to(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in"))
    _press(page, "Enter")
    _type_into(page, page.get_by_label("Email address", exact=True), BUYER_EMAIL)
    _type_into(page, page.get_by_label("Password", exact=True), DEMO_PASSWORD)
    _press(page, "Enter")
    expect(_heading(page)).to_have_text("Your projects")

    # Search and save the search into a new project. The "signed in" banner has focus: back up to the menu.
    tab_to(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find services"), backwards=True)
    _press(page, "Enter")
    _type_into(page, page.get_by_label("Search for services"), KEYWORD)
    _press(page, "Enter")
    _skip_to_results(page)
    tab_to(page, page.get_by_role("button", name="Save this search"))
    _press(page, "Enter")
    expect(_heading(page)).to_have_text("Save your search")
    # Other tests may have left the demo buyer with open projects: then the page asks where to save.
    new_project = page.get_by_role("radio", name="A new project")
    if new_project.count():
        tab_to(page, page.get_by_role("radio"))
        arrow_to(page, new_project)
        expect(new_project).to_be_checked()
    _type_into(page, page.get_by_label("Name of the new project"), project)
    tab_to(page, page.get_by_role("button", name="Save search"))
    _press(page, "Enter")
    expect(_heading(page)).to_have_text(project)

    # End the search: the button first, then back with Shift+Tab to the box that must be ticked.
    tab_to(page, page.get_by_role("link", name="End your search"))
    _press(page, "Enter")
    end = page.get_by_role("button", name="End search and make the shortlist")
    tab_to(page, end)
    confirm = page.get_by_label("I understand that I cannot change my search after I end it")
    tab_to(page, confirm, backwards=True)
    page.keyboard.press("Space")
    expect(confirm).to_be_checked()
    tab_to(page, end)
    _press(page, "Enter")
    expect(_heading(page)).to_have_text("Your shortlist")

    # Award the first service on the shortlist, first without the break date a 24-month contract needs.
    tab_to(page, page.get_by_role("link", name=re.compile(r"^Award ")))
    _press(page, "Enter")
    expect(_heading(page)).to_have_text("Award a contract")
    awarded = re.sub(r"^Award a contract: (.+) – Cloudstore$", r"\1", page.title())
    _type_into(page, page.get_by_label("Buying organisation"), "Example Borough Council")
    _type_into(page, page.get_by_label("Start date"), start.isoformat())
    _type_into(page, page.get_by_label("Initial term, in months"), "24")
    _type_into(page, page.get_by_label("Extension 1"), "12")
    _type_into(page, page.get_by_label("Total contract value, in pounds"), "24000")
    pay_as_you_go = page.get_by_role("radio", name="Pay as you go")
    tab_to(page, page.locator("input[name=pricing_model]"))
    arrow_to(page, pay_as_you_go)
    if not pay_as_you_go.is_checked():
        page.keyboard.press("Space")
    expect(pay_as_you_go).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Award contract"))
    _press(page, "Enter")

    # The error summary takes focus; its link takes the buyer to the field.
    summary = page.locator(".govuk-error-summary").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_focused()
    assert_focus_visible(page)
    tab_to(page, summary.get_by_role("link", name=re.compile("break date")))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Break date 1 (date)")).to_be_focused()
    page.keyboard.type(add_months(start, 12).isoformat())
    tab_to(page, page.get_by_role("button", name="Award contract"))
    _press(page, "Enter")

    expect(_heading(page)).to_have_text(awarded)
    expect(page.get_by_text(re.compile(f"Contract awarded to .+ for {re.escape(awarded)}"))).to_be_visible()


def test_focus_check_fails_on_a_control_that_hides_its_focus(page: Page) -> None:
    """The check itself: a button whose focus outline is taken away is reported, with its name."""
    page.set_content("<style>button:focus { outline: none }</style><main><button>Hidden focus</button></main>")
    with pytest.raises(AssertionError, match='button "Hidden focus" looks the same focused and not'):
        tab_to(page, page.get_by_role("button", name="Hidden focus"))
