"""A buyer new to Cloudstore, from registering on an allowed domain to ending a contract at its break.

The demo buyer's journey (test_buying_journey.py) covers refining, comparing and excluding; this one proves
that someone who has only just registered can go the whole way: save a search into their first project,
end it, download both files, award a contract and use its break.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from app.dates import add_months, format_date
from app.timeutil import today
from tests.browser import journey_support as journey
from tests.conftest import Mailbox

# newtown.gov.uk is not seeded: it is allowed as a subdomain of gov.uk.
SAM = journey.Person("Sam Patel", "sam.patel@newtown.gov.uk", "meadow copper lantern")
PROJECT = "Digital skills training for housing officers"
KEYWORD = "training"
FILTERS = ("Cloud support", "UK only")


def test_newly_registered_buyer_shortlists_downloads_awards_and_ends_the_contract_at_its_break(
    page: Page, mailbox: Mailbox, tmp_path: Path
) -> None:
    # 1. Register on an allowed domain, confirm the email, sign in: no projects yet.
    journey.register(page, mailbox, SAM)
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()
    expect(page.get_by_text("You have no projects yet.")).to_be_visible()

    # 2. Search with filters and save the search into a first project.
    page.get_by_role("main").get_by_role("link", name="Search for services").click()
    everything = journey.search(page, KEYWORD)
    found = journey.apply_filters(page, *FILTERS, expect_heading="in Cloud support, filtered by: UK only")
    assert 2 <= found <= journey.END_SEARCH_LIMIT < everything, (found, everything)
    journey.save_search_into_new_project(page, PROJECT)
    expect(page.get_by_text(f"Your search finds {journey.services_text(found)}.")).to_be_visible()

    # 3. End the search: the shortlist is every service it found.
    _, names = journey.end_search(page, found)

    # 4. Both downloads hold the project and one row per shortlisted service.
    rows = journey.download_shortlist(page, tmp_path)
    for kind in ("csv", "ods"):
        assert KEYWORD in rows[kind][2][1] and "UK only" in rows[kind][2][1], (kind, rows[kind][2])
        journey.check_export(rows[kind], PROJECT, names)

    # 5. Award a 12-month contract with a break after 6 months.
    awarded = names[0]  # several suppliers may offer services of the same name: award the first row's
    journey.open_award_form(page, awarded, item=1)
    start = today() + timedelta(days=7)
    break_date = add_months(start, 6)
    notice_by = break_date - timedelta(days=30)
    organisation = "Newtown Borough Council"
    journey.fill_award(
        page, organisation=organisation, start=start, months=12, value="4200", pricing_model="Fixed periodic charge"
    )
    page.get_by_label("Break date 1 (date)").fill(break_date.isoformat())
    page.get_by_role("button", name="Award contract").click()

    expect(page.get_by_role("heading", name=awarded, level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(f"Contract awarded to .+ for {re.escape(awarded)}"))).to_be_visible()
    expect(page.get_by_text(f"Your next break is on {format_date(break_date)}")).to_be_visible()

    # 6. Use the break: the contract ends on the break date instead of after 12 months.
    journey.end_at_break(page, break_date, notice_by)
    journey.menu(page).get_by_role("link", name="Your projects").click()
    project = page.get_by_role("row").filter(has=page.get_by_role("link", name=PROJECT, exact=True))
    expect(project.get_by_text("Contract awarded", exact=True)).to_be_visible()
