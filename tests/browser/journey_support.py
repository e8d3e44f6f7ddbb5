"""Steps the browser journeys share, each driven by what a person sees: labels, headings, links and buttons.

Signing in and registering, the organisation profile and the accreditation application, searching with
filters, saving and ending a search, the shortlist downloads, awarding a contract and ending it at a break.
A step acts on the page it is given and leaves the page where a person would be next.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from odf import teletype
from odf.opendocument import load
from odf.table import TableCell, TableRow
from playwright.sync_api import Locator, Page, expect

from app.dates import format_date
from tests.conftest import Mailbox

ADMIN_EMAIL = "admin@cloudstore.example"
DEMO_PASSWORD = "cloudstore-demo-password"
# The framework's end_search_limit: a search ends into a shortlist only when it finds this many or fewer.
END_SEARCH_LIMIT = 30


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    password: str


def menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Menu")


# Accounts


def sign_in_here(page: Page, email: str, password: str) -> None:
    """Fill in the sign-in page the browser is on (keeping any ?next= it was sent with)."""
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    sign_in_here(page, email, password)


def fill_registration(page: Page, person: Person, *, organisation: str | None = None) -> None:
    """Fill in and send the buyer form, or the supplier form when an organisation is given."""
    if organisation is not None:
        page.get_by_label("Organisation name").fill(organisation)
    page.get_by_label("Full name").fill(person.name)
    page.get_by_label("Work email address").fill(person.email)
    page.get_by_label("Create a password", exact=True).fill(person.password)
    page.get_by_label("Confirm your password", exact=True).fill(person.password)
    kind = "buyer" if organisation is None else "supplier"
    page.get_by_role("button", name=f"Create {kind} account").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    expect(page.get_by_text(person.email)).to_be_visible()


def confirm_email(page: Page, mailbox: Mailbox, email: str) -> None:
    """Follow the link in the latest email to the address, as its owner would."""
    page.goto(mailbox.last_link(email))
    expect(page.get_by_text("Your email address is confirmed. You can now sign in.")).to_be_visible()


def register(page: Page, mailbox: Mailbox, person: Person, *, organisation: str | None = None) -> None:
    """Register (a buyer, or a supplier's first user), confirm the email address and sign in."""
    page.goto("/register/buyer" if organisation is None else "/register/supplier")
    fill_registration(page, person, organisation=organisation)
    confirm_email(page, mailbox, person.email)
    sign_in_here(page, person.email, person.password)


# A supplier's organisation profile and accreditation application


@dataclass(frozen=True)
class Profile:
    legal_name: str
    address_line_1: str
    town: str
    postcode: str
    contact: Person  # only the name and email are used
    contact_phone: str
    companies_house_number: str
    vat_number: str | None  # None: not registered for VAT
    organisation_type: str  # the legal type, as its radio button reads
    headcount: str
    turnover: str
    balance_sheet: str
    flags: tuple[str, ...] = ()  # "Social enterprise", "VCSE"...: the start of each checkbox's label
    employee_share: str | None = None


@dataclass(frozen=True)
class Certificate:
    kind: str  # as the select lists it: "Cyber Essentials", "Cyber Essentials Plus" or "ISO/IEC 27001"
    number: str
    issuer: str
    expires_on: date


PROFILE_SECTIONS = (
    "Organisation details and contact",
    "Registration numbers and VAT",
    "Type of organisation",
    "Size of organisation",
)


def open_task(page: Page, name: str) -> None:
    """Open a part of the accreditation application from its task list."""
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def open_profile_section(page: Page, name: str) -> None:
    """Open a section of the organisation profile from its ‘Change’ link."""
    page.get_by_role("link", name=f"Change {name[0].lower()}{name[1:]}", exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def fill_profile(page: Page, profile: Profile, open_section: Callable[[Page, str], None]) -> None:
    """Fill in every section of the organisation profile, each opened with ``open_section``."""
    open_section(page, PROFILE_SECTIONS[0])
    page.get_by_label("Registered (legal) name").fill(profile.legal_name)
    page.get_by_label("Address line 1").fill(profile.address_line_1)
    page.get_by_label("Town or city").fill(profile.town)
    page.get_by_label("Postcode").fill(profile.postcode)
    page.get_by_label("Country").fill("United Kingdom")
    page.get_by_label("Contact name").fill(profile.contact.name)
    page.get_by_label("Contact email address").fill(profile.contact.email)
    page.get_by_label("Contact telephone number").fill(profile.contact_phone)
    save(page)

    open_section(page, PROFILE_SECTIONS[1])
    page.get_by_label("Companies House number").fill(profile.companies_house_number)
    vat = page.get_by_role("group", name="Is your organisation registered for VAT in the UK?")
    if profile.vat_number is None:
        vat.get_by_label("No", exact=True).check()
    else:
        vat.get_by_label("Yes", exact=True).check()
        page.get_by_label("UK VAT number").fill(profile.vat_number)
    save(page)

    open_section(page, PROFILE_SECTIONS[2])
    fill_organisation_type(page, profile.organisation_type, profile.flags, profile.employee_share)
    save(page)

    open_section(page, PROFILE_SECTIONS[3])
    page.get_by_label("Staff headcount").fill(profile.headcount)
    page.get_by_label("Annual turnover (£)").fill(profile.turnover)
    page.get_by_label("Balance sheet total (£)").fill(profile.balance_sheet)
    save(page)


def fill_organisation_type(page: Page, legal_type: str, flags: tuple[str, ...] = (), share: str | None = None) -> None:
    page.get_by_role("group", name="What type of organisation is it?").get_by_label(legal_type, exact=True).check()
    for flag in flags:
        page.get_by_role("checkbox", name=re.compile(f"^{re.escape(flag)}[:(]")).check()
    if share is not None:
        page.get_by_label("Share of the organisation owned").fill(share)


def save(page: Page, button: str = "Save and continue") -> None:
    page.get_by_role("button", name=button).click()


def complete_application(page: Page, certificate: Certificate, evidence: str) -> None:
    """From the application's task list: answer the declarations, add a certificate, say what insurance the
    organisation holds and upload one evidence document (a PDF titled ``evidence``)."""
    open_task(page, "Declarations")
    for group in page.get_by_role("group").filter(has_text="In the last").all():
        group.get_by_label("No", exact=True).check()
    save(page, "Save declarations")

    open_task(page, "Security certificates")
    page.get_by_label("Certificate", exact=True).select_option(label=certificate.kind)
    page.get_by_label("Certificate number").fill(certificate.number)
    page.get_by_label("Issued by").fill(certificate.issuer)
    expiry = page.get_by_role("group", name="Expiry date")
    expiry.get_by_label("Day").fill(str(certificate.expires_on.day))
    expiry.get_by_label("Month").fill(str(certificate.expires_on.month))
    expiry.get_by_label("Year").fill(str(certificate.expires_on.year))
    save(page, "Add certificate")
    expect(page.get_by_role("cell", name=certificate.number)).to_be_visible()
    page.get_by_role("link", name="Back to your application").first.click()

    open_task(page, "Insurance")
    page.get_by_label("Yes, we employ staff").check()
    page.get_by_label("Employer's liability cover (£)").fill("5000000")
    page.get_by_label("Professional indemnity cover per claim (£)").fill("1000000")
    save(page, "Save insurance")

    open_task(page, "Evidence documents")
    upload_evidence(page, evidence)


def upload_evidence(page: Page, title: str) -> None:
    """On the evidence page: upload a PDF with this title, then go back to the application."""
    filename = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + ".pdf"
    page.get_by_label("What is this document?").fill(title)
    page.get_by_label("Upload a file").set_input_files(
        {"name": filename, "mimeType": "application/pdf", "buffer": pdf_document(title)}
    )
    save(page, "Upload document")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.get_by_role("link", name="Back to your application").first.click()


def pdf_document(text: str) -> bytes:
    """A small but complete one-page PDF showing ``text``, with a cross-reference table a reader can follow."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    content = f"BT /F1 14 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >>"
        b" /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(document)


# Searching


def result_count(page: Page) -> int:
    """The number in the results heading (‘12 services found for ...’)."""
    heading = page.get_by_role("heading", name=re.compile(r"^\d+ services? found"))
    expect(heading).to_be_visible()
    match = re.match(r"(\d+) services? found", heading.inner_text())
    assert match, heading.inner_text()
    return int(match.group(1))


def services_text(count: int) -> str:
    return f"{count} service{'s' if count != 1 else ''}"


def search(page: Page, keywords: str) -> int:
    """Search the catalogue from the search page in all lots; the number found."""
    page.get_by_label("Search for services").fill(keywords)
    page.get_by_role("button", name="Search", exact=True).click()
    heading = re.compile(f"found for ‘{re.escape(keywords)}’ in all lots")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    return result_count(page)


def apply_filters(page: Page, *options: str, expect_heading: str) -> int:
    """Choose filter options by their label (without the count after it) and apply them; the number found.

    ``expect_heading`` is part of the results heading the filters give (‘in Cloud support, filtered by: ...’):
    waiting for it waits for the filtered page."""
    for option in options:
        page.get_by_label(re.compile(rf"^\s*{re.escape(option)} \(\d+\)\s*$")).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(expect_heading)))).to_be_visible()
    return result_count(page)


# Buying


def save_search_into_new_project(page: Page, project: str) -> None:
    """Save the search on the page into a new project, and land on the project's page."""
    page.get_by_role("button", name="Save this search").click()
    expect(page.get_by_role("heading", name="Save your search", level=1)).to_be_visible()
    # A buyer with open projects is asked where to save; one without is asked only for a name.
    new_project = page.get_by_role("radio", name="A new project")
    if new_project.count():
        new_project.check()
    page.get_by_label("Name of the new project").fill(project)
    page.get_by_role("button", name="Save search").click()
    expect(page.get_by_role("heading", name=project, level=1)).to_be_visible()
    expect(page.get_by_text(f"Search saved in ‘{project}’")).to_be_visible()


def end_search(page: Page, count: int) -> tuple[Locator, list[str]]:
    """From a project whose search finds ``count`` services: end it; the shortlist table and the service names."""
    page.get_by_role("link", name="End your search").click()
    expect(page.get_by_text(f"Your search finds {services_text(count)}.")).to_be_visible()
    page.get_by_label("I understand that I cannot change my search after I end it").check()
    page.get_by_role("button", name="End search and make the shortlist").click()

    expect(page.get_by_role("heading", name="Your shortlist", level=1)).to_be_visible()
    expect(page.get_by_text(f"Search ended: your shortlist has {services_text(count)}")).to_be_visible()
    shortlist = page.get_by_role("table", name=f"{count} shortlisted services")
    expect(shortlist.get_by_role("row")).to_have_count(count + 1)
    rows = shortlist.get_by_role("row")
    # The second column links to each service.
    names = [rows.nth(row).get_by_role("cell").nth(1).get_by_role("link").inner_text() for row in range(1, count + 1)]
    return shortlist, names


def download(page: Page, link_name: str | re.Pattern[str], directory: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    path = directory / info.value.suggested_filename
    info.value.save_as(path)
    return path


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def ods_rows(path: Path) -> list[list[str]]:
    spreadsheet = load(str(path))
    return [
        [teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
        for row in spreadsheet.spreadsheet.getElementsByType(TableRow)
    ]


def download_shortlist(page: Page, directory: Path) -> dict[str, list[list[str]]]:
    """Both downloads of the shortlist on the page, read back as rows: {"csv": rows, "ods": rows}."""
    csv_path = download(page, "Download as CSV", directory)
    assert csv_path.suffix == ".csv", csv_path.name
    ods_path = download(page, "Download as a spreadsheet (ODS)", directory)
    assert ods_path.suffix == ".ods", ods_path.name
    return {"csv": csv_rows(csv_path), "ods": ods_rows(ods_path)}


def check_export(rows: list[list[str]], project: str, names: list[str]) -> list[list[str]]:
    """A download's header rows name the project; after the column headings comes one row per shortlisted
    service, in any order. The service rows."""
    assert [row[0] for row in rows[:4]] == ["Framework", "Search ended", "Search summary", "Project"], rows[:4]
    assert rows[3][1] == project, rows[3]
    headings = next(index for index, row in enumerate(rows) if row and row[0] == "Supplier name")
    services = rows[headings + 1 :]
    assert sorted(row[1] for row in services) == sorted(names), services
    return services


def open_award_form(page: Page, service: str, item: int | None = None) -> None:
    """From the shortlist: the order form to award a contract for a service, named once on the shortlist
    or told apart by its item number (its row)."""
    tail = r"\(" if item is None else rf"\(.*, item {item}\)$"
    page.get_by_role("link", name=re.compile(f"^Award {re.escape(service)} {tail}")).click()
    expect(page.get_by_role("heading", name="Award a contract", level=1)).to_be_visible()


def fill_award(page: Page, *, organisation: str, start: date, months: int, value: str, pricing_model: str) -> None:
    """The order form's terms, leaving notice at its 30 days and break dates and extensions to the caller."""
    page.get_by_label("Buying organisation").fill(organisation)
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("Initial term, in months").fill(str(months))
    expect(page.get_by_label("Notice you must give before a break date, in days")).to_have_value("30")
    page.get_by_label("Total contract value, in pounds").fill(value)
    page.get_by_role("radio", name=pricing_model).check()


def end_at_break(
    page: Page, break_date: date, notice_by: date, *, before_sending: Callable[[], None] = lambda: None
) -> None:
    """From a contract's page: give notice to end it at this break date, and see the contract say so."""
    page.get_by_role("link", name="End the contract at a break date").click()
    expect(page.get_by_role("heading", name="End the contract at a break date", level=1)).to_be_visible()
    page.get_by_role("radio", name=f"{format_date(break_date)} (give notice by {format_date(notice_by)})").check()
    page.get_by_label("I am giving notice to end this contract on that break date").check()
    before_sending()
    page.get_by_role("button", name="End the contract at this break").click()

    expect(page.get_by_text(f"Notice given: the contract ends on {format_date(break_date)}")).to_be_visible()
    expect(page.get_by_text(f"You gave notice: the contract ends on {format_date(break_date)}.")).to_be_visible()
    expect(page.get_by_text("Ending at a break", exact=True)).to_be_visible()
