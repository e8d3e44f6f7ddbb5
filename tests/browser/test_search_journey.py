"""Finding services (journey 3) as a public visitor sees it: the search box, a filter, the count, a service."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def _count(page: Page) -> int:
    text = page.locator("#result-count").inner_text()
    match = re.match(r"(\d+) services? found", text)
    assert match, text
    return int(match.group(1))


def test_a_visitor_searches_from_the_start_page_filters_and_opens_a_service(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Search for services").fill("cloud")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="Find cloud services", level=1)).to_be_visible()
    expect(page.locator("#result-count")).to_contain_text("found for ‘cloud’ in all lots")
    expect(page.get_by_label("Search for services")).to_have_value("cloud")
    before = _count(page)
    assert before > 0

    page.get_by_label(re.compile(r"Public service mutual \(\d+\)")).check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("#result-count")).to_contain_text("filtered by: Mutual")
    expect(page).to_have_url(re.compile(r"/services\?q=cloud&.*org_type=mutual"))
    after = _count(page)
    assert 0 < after < before
    expect(page.get_by_label(re.compile(r"Public service mutual \(\d+\)"))).to_be_checked()
    expect(page.get_by_role("link", name="Clear all filters")).to_be_visible()

    first = page.locator("a.app-result__link").first
    name = first.inner_text()
    first.click()

    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/services/\d+$"))
