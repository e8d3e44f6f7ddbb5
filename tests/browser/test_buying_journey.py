"""Buying (journey 4) as the demo buyer sees it: save a search into a project, refine it to 30 or fewer, end it,
download and compare the shortlist, exclude one service, award another, then end the contract at its break.

Only what a person sees drives the pages: labels, headings, link and button text. Screenshots of the key steps
are saved in test-results/screenshots/ for a person to review.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from odf import teletype
from odf.opendocument import load
from playwright.sync_api import Page, expect

from app.dates import add_months, format_date
from app.timeutil import today
from tests.browser.journey_support import (
    DEMO_PASSWORD,
    END_SEARCH_LIMIT,
    apply_filters,
    check_export,
    download,
    download_shortlist,
    end_at_break,
    end_search,
    fill_award,
    menu,
    open_award_form,
    save_search_into_new_project,
    search,
    services_text,
    sign_in,
)

BUYER_EMAIL = "buyer@example.gov.uk"
# Chosen from the seeded catalogue: "security" finds more than 30 services in all lots, and fewer than 30 once
# limited to Cloud software services from suppliers with Cyber Essentials Plus.
KEYWORD = "security"
LOT = "Cloud software"
CERTIFICATE = "Cyber Essentials Plus"
EXCLUSION_REASON = "It does not integrate with the case management system the team must keep."


def _screenshotter(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Full-page screenshots of key steps, named like the conftest's failure screenshots plus the step."""
    directory = request.config.rootpath / "test-results" / "screenshots"

    def screenshot(step: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}-{step}").strip("-")
        page.screenshot(path=str(directory / f"{name}.png"), full_page=True)

    return screenshot


def test_buyer_shortlists_awards_and_ends_a_contract_at_its_break(
    page: Page, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    project = f"Security tools for the digital team {uuid.uuid4().hex[:8]}"
    screenshot = _screenshotter(page, request)

    # 1. Sign in, search, save the search into a new project.
    sign_in(page, BUYER_EMAIL, DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()

    menu(page).get_by_role("link", name="Find services").click()
    expect(page.get_by_role("heading", name="Find cloud services", level=1)).to_be_visible()
    broad = search(page, KEYWORD)
    assert broad > END_SEARCH_LIMIT

    save_search_into_new_project(page, project)
    limit = END_SEARCH_LIMIT
    expect(page.get_by_text(f"Your search finds {broad} services: refine it to {limit} or fewer.")).to_be_visible()
    screenshot("01-project-saved-search")

    # 2. The search finds too many to end: refine it, save it again into the same project, end it.
    # Over the limit, the task list offers no way to end the search, only to refine it.
    expect(page.get_by_role("link", name="End your search")).to_have_count(0)
    screenshot("02-end-search-too-many")

    page.get_by_role("link", name=f"Refine your search to {limit} results or fewer").click()
    expect(page.get_by_label("Search for services")).to_have_value(KEYWORD)
    narrow = apply_filters(page, LOT, CERTIFICATE, expect_heading=f"in {LOT}, filtered by: {CERTIFICATE}")
    assert 3 <= narrow <= limit, narrow
    screenshot("03-refined-search")

    page.get_by_role("button", name="Save this search").click()
    page.get_by_role("radio", name=project, exact=True).check()
    screenshot("04-save-into-project")
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_role("heading", name=project, level=1)).to_be_visible()
    expect(page.get_by_text(f"Your search finds {services_text(narrow)}.")).to_be_visible()

    shortlist, names = end_search(page, narrow)
    screenshot("05-shortlist")

    # 3. Both downloads: the header rows, then one row per shortlisted service.
    rows = download_shortlist(page, tmp_path)
    csv_name = next(tmp_path.glob("*.csv")).name
    assert re.fullmatch(r"cloudstore-shortlist-security-tools-for-[-a-z0-9]+-\d{4}-\d\d-\d\d\.csv", csv_name)
    for kind in ("csv", "ods"):
        summary = rows[kind][2][1]
        assert "security" in summary and "Cyber Essentials Plus" in summary, (kind, rows[kind][2])
        check_export(rows[kind], project, names)

    # 4. Compare every shortlisted service side by side.
    page.get_by_role("link", name=f"Compare all {narrow} side by side").click()
    expect(page.get_by_role("heading", name="Compare services", level=1)).to_be_visible()
    expect(page.get_by_text(f"{narrow} of {narrow} shortlisted services")).to_be_visible()
    compared = page.get_by_role("region", name="Services side by side").get_by_role("table")
    expect(compared.get_by_role("columnheader")).to_have_count(narrow)
    for name in set(names):
        header = compared.get_by_role("columnheader").filter(has=page.get_by_role("link", name=name, exact=True))
        expect(header).to_have_count(names.count(name))
    for row in ("Price", "Data location", "How the buyer leaves"):
        expect(compared.get_by_role("rowheader", name=row, exact=True)).to_be_visible()
    screenshot("06-compare")

    # 5. Exclude the first service, with a reason the shortlist then shows.
    page.get_by_role("link", name="Back to the shortlist").click()
    # Some seeded services share a name (from different suppliers): act on two whose links are unambiguous.
    excluded, awarded = [name for name in names if names.count(name) == 1][:2]
    page.get_by_role("link", name=re.compile(f"^Exclude {re.escape(excluded)} \\(")).click()
    expect(page.get_by_role("heading", name=f"Exclude {excluded} from evaluation", level=1)).to_be_visible()
    page.get_by_label("Why are you excluding this service from evaluation?").fill(EXCLUSION_REASON)
    page.get_by_role("button", name="Exclude service").click()

    expect(page.get_by_text(f"{excluded} is excluded from evaluation")).to_be_visible()
    excluded_row = shortlist.get_by_role("row").filter(has=page.get_by_role("link", name=excluded, exact=True))
    expect(excluded_row.get_by_text("Excluded", exact=True)).to_be_visible()
    expect(excluded_row.get_by_text(EXCLUSION_REASON)).to_be_visible()
    expect(excluded_row.get_by_role("link", name=f"Award {excluded}")).to_have_count(0)
    screenshot("07-shortlist-with-exclusion")

    # 6. Award the second service: first without the break date a 24-month contract needs, then with it.
    open_award_form(page, awarded)
    start = today() + timedelta(days=14)
    break_date = add_months(start, 12)
    notice_by = break_date - timedelta(days=30)
    organisation = "Example County Council"
    fill_award(page, organisation=organisation, start=start, months=24, value="24000", pricing_model="Pay as you go")
    page.get_by_label("Extension 1").fill("12")
    page.get_by_role("button", name="Award contract").click()

    message = "A contract longer than 12 months needs a break date no later than 12 months after the start"
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary.get_by_role("link", name=re.compile(f"^{message}"))).to_be_visible()
    expect(page.get_by_role("group", name="Break dates").get_by_text(re.compile(f"^Error: {message}"))).to_be_visible()
    expect(page.get_by_label("Start date")).to_have_value(start.isoformat())
    screenshot("08-award-error")

    page.get_by_label("Break date 1 (date)").fill(break_date.isoformat())
    page.get_by_role("button", name="Award contract").click()

    # 7. The contract: its next way out, its clauses, and the document.
    expect(page.get_by_role("heading", name=awarded, level=1)).to_be_visible()
    reference = page.get_by_text(re.compile(r"^Contract CS-\d{6}$")).inner_text().removeprefix("Contract ")
    expect(page.get_by_text(re.compile(f"Contract awarded to .+ for {re.escape(awarded)}"))).to_be_visible()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Your next break is on {format_date(break_date)}")).to_be_visible()
    expect(page.get_by_text(f"give notice by {format_date(notice_by)}")).to_be_visible()
    expect(page.get_by_role("heading", name="The contract", level=2)).to_be_visible()
    for clause in ("Term", "Ending without cause (break dates)", "Notice", "Returning the buyer's data"):
        expect(page.get_by_role("heading", name=re.compile(rf"^\d+\. {re.escape(clause)}$"), level=3)).to_be_visible()
    screenshot("09-contract")

    odt_path = download(page, re.compile(r"^Download the contract \(ODT"), tmp_path)
    assert odt_path.suffix == ".odt"
    document = load(str(odt_path))
    assert awarded in teletype.extractText(document.text)

    # 8. End the contract at its break date.
    end_at_break(page, break_date, notice_by, before_sending=lambda: screenshot("10-end-at-break"))
    expect(page.get_by_role("heading", name=awarded, level=1)).to_be_visible()
    screenshot("11-contract-ending")

    menu(page).get_by_role("link", name="Your contracts").click()
    expect(page.get_by_role("heading", name="Your contracts", level=1)).to_be_visible()
    contract_row = page.get_by_role("row").filter(has=page.get_by_text(reference, exact=True))
    expect(contract_row).to_have_count(1)
    expect(contract_row.get_by_role("link", name=awarded, exact=True)).to_be_visible()
    expect(contract_row.get_by_text("Ending at a break", exact=True)).to_be_visible()
    expect(contract_row.get_by_text(format_date(break_date), exact=True)).to_be_visible()
    screenshot("12-your-contracts")
