"""Buying (journey 4) as the demo buyer sees it: save a search into a project, refine it to 30 or fewer, end it,
download and compare the shortlist, exclude one service, award another, then end the contract at its break.

Only what a person sees drives the pages: labels, headings, link and button text. Screenshots of the key steps
are saved in test-results/screenshots/ for a person to review.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from odf import teletype
from odf.opendocument import load
from odf.table import TableCell, TableRow
from playwright.sync_api import Locator, Page, expect

from app.dates import add_months, format_date
from app.timeutil import today

BUYER_EMAIL = "buyer@example.gov.uk"
DEMO_PASSWORD = "cloudstore-demo-password"
# Chosen from the seeded catalogue: "security" finds more than 30 services in all lots, and fewer than 30 once
# limited to Cloud software services from suppliers with Cyber Essentials Plus.
KEYWORD = "security"
LOT = re.compile(r"Cloud software \(\d+\)")
CERTIFICATE = re.compile(r"Cyber Essentials Plus \(\d+\)")
LIMIT = 30
EXCLUSION_REASON = "It does not integrate with the case management system the team must keep."


def _menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Menu")


def _screenshot(page: Page, request: pytest.FixtureRequest, step: str) -> None:
    """A full-page screenshot of a key step, named like the conftest's failure screenshots plus the step."""
    directory = request.config.rootpath / "test-results" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{request.node.name}-{step}").strip("-")
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def _result_count(page: Page) -> int:
    heading = page.get_by_role("heading", name=re.compile(r"^\d+ services? found"))
    expect(heading).to_be_visible()
    match = re.match(r"(\d+) services? found", heading.inner_text())
    assert match, heading.inner_text()
    return int(match.group(1))


def _services(count: int) -> str:
    return f"{count} service{'s' if count != 1 else ''}"


def _shortlist_names(table: Locator) -> list[str]:
    """The service named in each row of the shortlist table (the second column links to it)."""
    rows = table.get_by_role("row")
    cells = [rows.nth(index).get_by_role("cell").nth(1) for index in range(1, rows.count())]
    return [cell.get_by_role("link").inner_text() for cell in cells]


def _rows_after_headings(rows: list[list[str]]) -> list[list[str]]:
    """The rows of an export after its column headings: one per shortlisted service."""
    headings = next(index for index, row in enumerate(rows) if row and row[0] == "Supplier name")
    return rows[headings + 1 :]


def _download(page: Page, link_name: str | re.Pattern[str], directory: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    path = directory / download.suggested_filename
    download.save_as(path)
    return path


def test_buyer_shortlists_awards_and_ends_a_contract_at_its_break(
    page: Page, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    project = f"Security tools for the digital team {uuid.uuid4().hex[:8]}"

    # 1. Sign in, search, save the search into a new project.
    page.goto("/login")
    page.get_by_label("Email address", exact=True).fill(BUYER_EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your projects", level=1)).to_be_visible()

    _menu(page).get_by_role("link", name="Find services").click()
    expect(page.get_by_role("heading", name="Find cloud services", level=1)).to_be_visible()
    page.get_by_label("Search for services").fill(KEYWORD)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(f"found for ‘{KEYWORD}’ in all lots"))).to_be_visible()
    broad = _result_count(page)
    assert broad > LIMIT

    page.get_by_role("button", name="Save this search").click()
    expect(page.get_by_role("heading", name="Save your search", level=1)).to_be_visible()
    # Other tests may have left the demo buyer with open projects: then the page asks where to save.
    new_project = page.get_by_role("radio", name="A new project")
    if new_project.count():
        new_project.check()
    page.get_by_label("Name of the new project").fill(project)
    page.get_by_role("button", name="Save search").click()

    expect(page.get_by_role("heading", name=project, level=1)).to_be_visible()
    expect(page.get_by_text(f"Search saved in ‘{project}’")).to_be_visible()
    expect(page.get_by_text(f"Your search finds {broad} services: refine it to {LIMIT} or fewer.")).to_be_visible()
    _screenshot(page, request, "01-project-saved-search")

    # 2. The search finds too many to end: refine it, save it again into the same project, end it.
    # Over the limit, the task list offers no way to end the search, only to refine it.
    expect(page.get_by_role("link", name="End your search")).to_have_count(0)
    _screenshot(page, request, "02-end-search-too-many")

    page.get_by_role("link", name=f"Refine your search to {LIMIT} results or fewer").click()
    expect(page.get_by_label("Search for services")).to_have_value(KEYWORD)
    page.get_by_label(LOT).check()
    page.get_by_label(CERTIFICATE).check()
    page.get_by_role("button", name="Apply filters").click()
    refined = re.compile("in Cloud software, filtered by: Cyber Essentials Plus")
    expect(page.get_by_role("heading", name=refined)).to_be_visible()
    narrow = _result_count(page)
    assert 3 <= narrow <= LIMIT, narrow
    _screenshot(page, request, "03-refined-search")

    page.get_by_role("button", name="Save this search").click()
    page.get_by_role("radio", name=project, exact=True).check()
    _screenshot(page, request, "04-save-into-project")
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_role("heading", name=project, level=1)).to_be_visible()
    expect(page.get_by_text(f"Your search finds {_services(narrow)}.")).to_be_visible()

    page.get_by_role("link", name="End your search").click()
    expect(page.get_by_text(f"Your search finds {_services(narrow)}.")).to_be_visible()
    page.get_by_label("I understand that I cannot change my search after I end it").check()
    page.get_by_role("button", name="End search and make the shortlist").click()

    expect(page.get_by_role("heading", name="Your shortlist", level=1)).to_be_visible()
    expect(page.get_by_text(f"Search ended: your shortlist has {_services(narrow)}")).to_be_visible()
    shortlist = page.get_by_role("table", name=f"{narrow} shortlisted services")
    expect(shortlist.get_by_role("row")).to_have_count(narrow + 1)
    names = _shortlist_names(shortlist)
    assert len(names) == narrow
    _screenshot(page, request, "05-shortlist")

    # 3. Both downloads: the header rows, then one row per shortlisted service.
    csv_path = _download(page, "Download as CSV", tmp_path)
    assert re.fullmatch(r"cloudstore-shortlist-security-tools-for-[-a-z0-9]+-\d{4}-\d\d-\d\d\.csv", csv_path.name)
    csv_rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"), newline="")))
    assert [row[0] for row in csv_rows[:4]] == ["Framework", "Search ended", "Search summary", "Project"]
    assert "security" in csv_rows[2][1] and "Cyber Essentials Plus" in csv_rows[2][1], csv_rows[2]
    assert csv_rows[3][1] == project
    services = _rows_after_headings(csv_rows)
    assert len(services) == narrow
    assert sorted(row[1] for row in services) == sorted(names)

    ods_path = _download(page, "Download as a spreadsheet (ODS)", tmp_path)
    assert ods_path.suffix == ".ods"
    spreadsheet = load(str(ods_path))
    ods_rows = [
        [teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
        for row in spreadsheet.spreadsheet.getElementsByType(TableRow)
    ]
    assert [row[0] for row in ods_rows[:4]] == ["Framework", "Search ended", "Search summary", "Project"]
    ods_services = _rows_after_headings(ods_rows)
    assert len(ods_services) == narrow
    assert sorted(row[1] for row in ods_services) == sorted(names)

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
    _screenshot(page, request, "06-compare")

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
    _screenshot(page, request, "07-shortlist-with-exclusion")

    # 6. Award the second service: first without the break date a 24-month contract needs, then with it.
    page.get_by_role("link", name=re.compile(f"^Award {re.escape(awarded)} \\(")).click()
    expect(page.get_by_role("heading", name="Award a contract", level=1)).to_be_visible()
    start = today() + timedelta(days=14)
    break_date = add_months(start, 12)
    notice_by = break_date - timedelta(days=30)
    page.get_by_label("Buying organisation").fill("Example County Council")
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Initial term, in months").fill("24")
    expect(page.get_by_label("Notice you must give before a break date, in days")).to_have_value("30")
    page.get_by_label("Extension 1").fill("12")
    page.get_by_label("Total contract value, in pounds").fill("24000")
    page.get_by_role("radio", name="Pay as you go").check()
    page.get_by_role("button", name="Award contract").click()

    message = "A contract longer than 12 months needs a break date no later than 12 months after the start"
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary.get_by_role("link", name=re.compile(f"^{message}"))).to_be_visible()
    expect(page.get_by_role("group", name="Break dates").get_by_text(re.compile(f"^Error: {message}"))).to_be_visible()
    expect(page.get_by_label("Start date")).to_have_value(start.isoformat())
    _screenshot(page, request, "08-award-error")

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
    _screenshot(page, request, "09-contract")

    odt_path = _download(page, re.compile(r"^Download the contract \(ODT"), tmp_path)
    assert odt_path.suffix == ".odt"
    document = load(str(odt_path))
    assert awarded in teletype.extractText(document.text)

    # 8. End the contract at its break date.
    page.get_by_role("link", name="End the contract at a break date").click()
    expect(page.get_by_role("heading", name="End the contract at a break date", level=1)).to_be_visible()
    page.get_by_role("radio", name=f"{format_date(break_date)} (give notice by {format_date(notice_by)})").check()
    page.get_by_label("I am giving notice to end this contract on that break date").check()
    _screenshot(page, request, "10-end-at-break")
    page.get_by_role("button", name="End the contract at this break").click()

    expect(page.get_by_role("heading", name=awarded, level=1)).to_be_visible()
    expect(page.get_by_text(f"Notice given: the contract ends on {format_date(break_date)}")).to_be_visible()
    expect(page.get_by_text(f"You gave notice: the contract ends on {format_date(break_date)}.")).to_be_visible()
    expect(page.get_by_text("Ending at a break", exact=True)).to_be_visible()
    _screenshot(page, request, "11-contract-ending")

    _menu(page).get_by_role("link", name="Your contracts").click()
    expect(page.get_by_role("heading", name="Your contracts", level=1)).to_be_visible()
    contract_row = page.get_by_role("row").filter(has=page.get_by_text(reference, exact=True))
    expect(contract_row).to_have_count(1)
    expect(contract_row.get_by_role("link", name=awarded, exact=True)).to_be_visible()
    expect(contract_row.get_by_text("Ending at a break", exact=True)).to_be_visible()
    expect(contract_row.get_by_text(format_date(break_date), exact=True)).to_be_visible()
    _screenshot(page, request, "12-your-contracts")
