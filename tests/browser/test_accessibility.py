"""Every page type scanned with axe-core, as each kind of user reaches it: a serious or critical violation fails.

To add a page, add a row to PAGES: a name, who signs in (an email below, or None for a visitor), how to reach
it (``visit(path)``, or ``submit(path, button, fill=...)`` for a form sent back with its errors) and its main
heading. ``{placeholders}`` in paths and headings are filled from ``scan_ids`` (the ids of seeded records,
and of the projects and contract made below for a buyer of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.auth import services as auth_services
from app.auth.models import User
from app.auth.tokens import make_reset_token
from app.buyers import services as projects
from app.buyers.models import Project, ShortlistItem
from app.catalogue.models import Service
from app.contracts import services as contracts
from app.contracts.models import Contract, ContractTemplate
from app.contracts.state import limits_for, live_framework
from app.dates import add_months
from app.db import get_session
from app.search import find_all_now
from app.search.index import SearchQuery
from app.suppliers import services as supplier_services
from app.suppliers.models import Accreditation, Organisation
from app.suppliers.tokens import make_invitation_token
from app.timeutil import today
from tests.browser.axe_support import AXE_MISSING, AXE_SOURCE, PageToScan, failing, report, scan, submit, visit
from tests.browser.conftest import TIMEOUT_MS, LiveServer

PASSWORD = "cloudstore-demo-password"
ADMIN = "admin@cloudstore.example"
SUPPLIER = "supplier@mutual.example"  # Riverside Care Mutual, accredited, with published services
APPLICANT = "apply@startup-draft.example"  # Draftwise, a supplier whose application is still a draft
BUYER = "robin.reader@example.gov.uk"  # made by scan_ids, so that the demo buyers' projects stay as they are
BUYER_NAME = "Robin Reader"
OPEN_PROJECT = "Case management for adult social care"
ENDED_PROJECT = "Case management shortlist"
AWARDED_PROJECT = "Case management contract"
# A search that finds a few services (30 or fewer), so that it can be ended into a shortlist.
NARROW = SearchQuery(q="case management", lot="cloud-software")
TOO_LONG = "x" * 101
NEW_PASSWORD = "a long and unguessable passphrase 42"
SAVE_SECTION = "Save and return to your service"
PRICE = "Starting price (£, excluding VAT)"
EDIT = "/supplier/services/{service}/edit/"  # then a section of the service

PAGES: tuple[PageToScan, ...] = (
    # Anyone, signed out
    PageToScan("start page", None, visit("/"), "Find cloud services for the public sector"),
    PageToScan("search with results", None, visit("/services?q=cloud"), "Find cloud services", shows=("for ‘cloud’",)),
    PageToScan(
        "search with filters",
        None,
        visit("/services?q=cloud&lot=cloud-software&org_type=mutual&certification=cyber_essentials_plus"),
        "Find cloud services",
        shows=("filtered by",),
    ),
    PageToScan("search, nothing found", None, visit("/services?q=zzzxqv"), "Find cloud services", shows=("0 serv",)),
    PageToScan("service page", None, visit("/services/{service}"), "{service_name}"),
    PageToScan("withdrawn service (410)", None, visit("/services/{withdrawn}"), "{withdrawn_name}", status=410),
    PageToScan("supplier A to Z", None, visit("/suppliers?letter=R"), "Suppliers"),
    PageToScan("supplier profile", None, visit("/suppliers/{supplier}"), "{supplier_name}"),
    PageToScan("transparency", None, visit("/transparency"), "Contracts awarded and who wins them"),
    PageToScan("accessibility statement", None, visit("/accessibility"), "Accessibility statement for Cloudstore"),
    PageToScan("privacy notice", None, visit("/privacy"), "Privacy notice"),
    PageToScan("page not found (404)", None, visit("/no-such-page"), "Page not found", status=404),
    # Accounts
    PageToScan("sign in, errors", None, submit("/login", "Sign in"), "Sign in", status=400, errors=True),
    PageToScan("create an account", None, visit("/register"), "Create an account"),
    PageToScan(
        "buyer registration, errors",
        None,
        submit("/register/buyer", "Create buyer account"),
        "Create a buyer account",
        status=400,
        errors=True,
    ),
    PageToScan(
        "supplier registration, errors",
        None,
        submit("/register/supplier", "Create supplier account"),
        "Register as a supplier",
        status=400,
        errors=True,
    ),
    PageToScan(
        "password reset, errors",
        None,
        submit("/password/reset", "Send reset link"),
        "Reset your password",
        status=400,
        errors=True,
    ),
    PageToScan(
        "password reset sent",
        None,
        submit("/password/reset", "Send reset link", fill={"Email address": "nobody@example.org"}),
        "Check your email",
    ),
    PageToScan("broken email link", None, visit("/password/reset/bad-token"), "There is a problem with this link", 400),
    # The pages behind the links in emails, and the confirmation after registering
    PageToScan(
        "choose a new password, errors",
        None,
        submit("/password/reset/{reset_token}", "Reset password"),
        "Choose a new password",
        status=400,
        errors=True,
    ),
    PageToScan(
        "join an organisation, errors",
        None,
        submit("/invitations/{invitation_token}", "Join organisation"),
        "Join {supplier_name} on Cloudstore",
        status=400,
        errors=True,
    ),
    PageToScan(
        "registered: check your email",
        None,
        submit(
            "/register/buyer",
            "Create buyer account",
            fill={
                "Full name": "Sam Scan",
                "Work email address": "sam.scan@example.gov.uk",
                "Create a password": NEW_PASSWORD,
                "Confirm your password": NEW_PASSWORD,
            },
        ),
        "Check your email",
    ),
    PageToScan(
        "resend confirmation, errors",
        None,
        submit("/verify-email/resend", "Send the link again"),
        "Send the confirmation link again",
        status=400,
        errors=True,
    ),
    PageToScan("your account, errors", BUYER, submit("/account", "Change password"), "Your account", 400, errors=True),
    PageToScan(
        "API token created", SUPPLIER, submit("/account", "Create token", fill={"Token name": "Accessibility scan"}), "API token created"
    ),
    # Buyer: projects at each stage, the shortlist, the order form and the contract
    PageToScan("buyer's projects", BUYER, visit("/buyer/projects"), "Your projects"),
    PageToScan(
        "save a search, errors",
        BUYER,
        submit("/buyer/projects/save-search?q=cloud", "Save search", fill={"Name of the new project": TOO_LONG}),
        "Save your search",
        status=400,
        errors=True,
    ),
    PageToScan("project, search saved", BUYER, visit("/buyer/projects/{open_project}"), OPEN_PROJECT),
    PageToScan(
        "end a search, errors",
        BUYER,
        submit("/buyer/projects/{open_project}/end-search", "End search and make the shortlist"),
        "End your search",
        status=400,
        errors=True,
    ),
    PageToScan("project, search ended", BUYER, visit("/buyer/projects/{ended_project}"), ENDED_PROJECT),
    PageToScan("shortlist", BUYER, visit("/buyer/projects/{ended_project}/shortlist"), "Your shortlist"),
    PageToScan("compare services", BUYER, visit("/buyer/projects/{ended_project}/compare"), "Compare services"),
    PageToScan(
        "exclude a service, errors",
        BUYER,
        submit("/buyer/projects/{ended_project}/shortlist/{item}/exclude", "Exclude service"),
        "Exclude {item_name} from evaluation",
        status=400,
        errors=True,
    ),
    PageToScan(
        "award a contract, errors",
        BUYER,
        submit("/buyer/projects/{ended_project}/award/{item}", "Award contract"),
        "Award a contract",
        status=400,
        errors=True,
    ),
    PageToScan(
        "record an outcome, errors",
        BUYER,
        submit("/buyer/projects/{ended_project}/outcome", "Record outcome"),
        "Record the outcome",
        status=400,
        errors=True,
    ),
    PageToScan("project, contract awarded", BUYER, visit("/buyer/projects/{awarded_project}"), AWARDED_PROJECT),
    PageToScan("buyer's contracts", BUYER, visit("/buyer/projects/contracts"), "Your contracts"),
    PageToScan("contract", BUYER, visit("/buyer/projects/contracts/{contract}"), "{contract_name}"),
    PageToScan(
        "end at a break, errors",
        BUYER,
        submit("/buyer/projects/contracts/{contract}/break", "End the contract at this break"),
        "End the contract at a break date",
        status=400,
        errors=True,
    ),
    PageToScan(
        "extend a contract, errors",
        BUYER,
        submit("/buyer/projects/contracts/{contract}/extend", "Extend the contract"),
        "Extend the contract",
        status=400,
        errors=True,
    ),
    # Supplier whose application is a draft: the organisation profile, the accreditation task list and its forms
    PageToScan("supplier home", APPLICANT, visit("/supplier/"), "Draftwise"),
    PageToScan("organisation profile", APPLICANT, visit("/supplier/organisation"), "Organisation profile"),
    PageToScan(
        "organisation details, errors",
        APPLICANT,
        submit("/supplier/organisation/details", "Save and continue", fill={"Contact email address": "not an email"}),
        "Organisation details and contact",
        status=400,
        errors=True,
    ),
    PageToScan(
        "registration numbers, errors",
        APPLICANT,
        submit("/supplier/organisation/registration", "Save and continue", fill={"Companies House number": "nope"}),
        "Registration numbers and VAT",
        status=400,
        errors=True,
    ),
    PageToScan("type of organisation", APPLICANT, visit("/supplier/organisation/type"), "Type of organisation"),
    PageToScan(
        "size of organisation, errors",
        APPLICANT,
        submit("/supplier/organisation/size", "Save and continue", fill={"Staff headcount": "a few"}),
        "Size of organisation",
        status=400,
        errors=True,
    ),
    PageToScan("accreditation task list", APPLICANT, visit("/supplier/accreditation"), "Accreditation application"),
    PageToScan(
        "declarations, errors",
        APPLICANT,
        submit("/supplier/accreditation/declarations", "Save declarations"),
        "Declarations",
        status=400,
        errors=True,
    ),
    PageToScan(
        "certificates, errors",
        APPLICANT,
        submit("/supplier/accreditation/certificates", "Add certificate"),
        "Security certificates",
        status=400,
        errors=True,
    ),
    PageToScan(
        "insurance, errors",
        APPLICANT,
        submit("/supplier/accreditation/insurance", "Save insurance"),
        "Insurance",
        status=400,
        errors=True,
    ),
    PageToScan(
        "evidence documents, errors",
        APPLICANT,
        submit("/supplier/accreditation/documents", "Upload document"),
        "Evidence documents",
        status=400,
        errors=True,
    ),
    PageToScan(
        "colleagues, errors",
        APPLICANT,
        submit("/supplier/colleagues", "Send invitation"),
        "Colleagues",
        status=400,
        errors=True,
    ),
    # Accredited supplier: its services; the sections share one template (categories adds grouped checkboxes)
    PageToScan("supplier's services", SUPPLIER, visit("/supplier/services"), "Your services"),
    PageToScan(
        "choose a lot, errors",
        SUPPLIER,
        submit("/supplier/services/new", "Create service"),
        "Which lot is the service in?",
        status=400,
        errors=True,
    ),
    PageToScan("service summary", SUPPLIER, visit("/supplier/services/{service}"), "{service_name}"),
    PageToScan("service version", SUPPLIER, visit("/supplier/services/{service}/versions/1"), "{service_first_name}"),
    PageToScan(
        "edit: about, errors",
        SUPPLIER,
        submit(EDIT + "about", SAVE_SECTION, fill={"Service name": TOO_LONG}),
        "About the service",
        status=400,
        errors=True,
    ),
    PageToScan("edit: categories", SUPPLIER, visit(EDIT + "categories"), "Categories"),
    PageToScan(
        "edit: pricing, errors",
        SUPPLIER,
        submit(EDIT + "pricing", SAVE_SECTION, fill={PRICE: "cheap"}),
        "Pricing",
        status=400,
        errors=True,
    ),
    PageToScan(
        "service documents, errors",
        SUPPLIER,
        submit("/supplier/services/{service}/documents", "Upload document"),
        "Documents",
        status=400,
        errors=True,
    ),
    PageToScan(
        "withdraw a service, errors",
        SUPPLIER,
        submit("/supplier/services/{service}/withdraw", "Withdraw service"),
        "Are you sure you want to withdraw this service?",
        status=400,
        errors=True,
    ),
    PageToScan("supplier's contracts", SUPPLIER, visit("/supplier/contracts/"), "Contracts"),
    # Admin: the queues, the decisions with their errors, and the rest
    PageToScan("admin home", ADMIN, visit("/admin/"), "Admin"),
    PageToScan("accreditation queue", ADMIN, visit("/admin/accreditation"), "Supplier accreditation"),
    PageToScan("application to decide", ADMIN, visit("/admin/suppliers/{submitted}"), "{submitted_name}"),
    PageToScan(
        "reject without a reason, errors",
        ADMIN,
        submit("/admin/suppliers/{submitted}", "Reject application"),
        "{submitted_name}",
        status=400,
        errors=True,
    ),
    PageToScan("profile changes queue", ADMIN, visit("/admin/suppliers/profile-changes"), "Supplier profile changes to review"),
    PageToScan(
        "supplier with profile changes", ADMIN, visit("/admin/suppliers/{supplier}"), "{supplier_name}", shows=("Profile changes to review",)
    ),
    PageToScan("services", ADMIN, visit("/admin/services"), "Services"),
    PageToScan("service edits queue", ADMIN, visit("/admin/services/edits"), "Service edits to review"),
    PageToScan("service edit to review", ADMIN, visit("/admin/services/{edited}"), "{edited_name}"),
    PageToScan(
        "disable a service, errors",
        ADMIN,
        submit("/admin/services/{edited}", "Disable service"),
        "{edited_name}",
        status=400,
        errors=True,
    ),
    PageToScan("users", ADMIN, visit("/admin/users?q=example"), "Users"),
    PageToScan("user", ADMIN, visit("/admin/users/{buyer_id}"), BUYER),
    PageToScan(
        "buyer email domains, errors",
        ADMIN,
        submit("/admin/buyer-domains", "Add domain", fill={"Domain": "not a domain"}),
        "Buyer email domains",
        status=400,
        errors=True,
    ),
    PageToScan("audit log", ADMIN, visit("/admin/audit"), "Audit log"),
    PageToScan("statistics", ADMIN, visit("/admin/statistics"), "Statistics"),
    PageToScan("contract templates", ADMIN, visit("/admin/templates"), "Contract templates"),
    PageToScan("contract template", ADMIN, visit("/admin/templates/{template}"), "{template_title}"),
    PageToScan(
        "new contract template, errors",
        ADMIN,
        submit("/admin/templates/new", "Save draft", fill={"Template name": ""}),
        "Create a contract template",
        status=400,
        errors=True,
    ),
)


def _scalar(session: Any, statement: Any) -> Any:
    value = session.scalar(statement)
    assert value is not None, f"the demo data has nothing for {statement}"
    return value


def _riverside_item(project: Project) -> ShortlistItem:
    """The shortlisted service of the accredited demo supplier, whose user the table signs in as."""
    items = [i for i in projects.shortlist(project) if i.service.organisation.name == "Riverside Care Mutual"]
    assert items, f"{NARROW} no longer finds a Riverside Care Mutual service: choose a search that does"
    return items[0]


def _make_buying_history(app: Flask) -> dict[str, Any]:
    """A buyer of the scan's own with three projects: a search saved, a search ended into a shortlist, and
    a contract awarded; all through the same services as the pages."""
    with app.test_request_context():
        session = get_session()
        buyer = auth_services.find_user_by_email(session, BUYER)
        if buyer is None:
            policy = auth_services.AccountPolicy(fast_hashing=True)
            buyer = auth_services.register_buyer(
                session, name=BUYER_NAME, email=BUYER, password=PASSWORD, policy=policy
            )
            buyer.email_verified_at = buyer.created_at
        mine = {p.name: p for p in projects.buyer_projects(session, buyer)}
        limit = live_framework(session).end_search_limit
        total, found = find_all_now(NARROW, limit=limit)
        assert 2 <= total <= limit and found, f"{NARROW} finds {total}: choose a search that finds 2 to {limit}"
        summary = f"{total} services found for ‘{NARROW.q}’ in Cloud software"

        def project(name: str, *, end: bool) -> Project:
            if name in mine:
                return mine[name]
            made = projects.create_project(session, buyer, name)
            projects.save_search(session, buyer, made, NARROW, summary)
            if end:
                projects.end_search(session, buyer, made, total=total, found=found, limit=limit, confirmed=True)
            return made

        open_project = project(OPEN_PROJECT, end=False)
        ended = project(ENDED_PROJECT, end=True)
        awarded = project(AWARDED_PROJECT, end=True)
        day = today()
        if awarded.outcome is None:
            start = day + timedelta(days=14)
            limits = limits_for(session)
            contracts.award(
                session,
                buyer,
                awarded,
                _riverside_item(awarded),
                {
                    "buyer_organisation": "Example Borough Council",
                    "start_date": start.isoformat(),
                    "initial_term_months": 24,
                    "break_dates": [add_months(start, 12).isoformat()],
                    "buyer_notice_days": 30,
                    "extensions_months": [12],
                    "value": "24000.00",
                    "pricing_model": "pay_as_you_go",
                    "upfront_payment_months": 0,
                    "purchase_order_number": "",
                    "data_return": "All data exported as CSV and JSON within 10 working days of the end date.",
                },
                limits=limits,
                today=day,
                service_url=lambda service_id: f"/services/{service_id}",
            )
        session.commit()
        item = projects.shortlist(ended)[0]
        contract = _scalar(session, sa.select(Contract).where(Contract.project_id == awarded.id))
        return {
            "buyer_id": buyer.id,
            "open_project": open_project.id,
            "ended_project": ended.id,
            "awarded_project": awarded.id,
            "item": item.id,
            "item_name": item.version.data.get("name") or item.service.name,
            "contract": contract.id,
            "contract_name": contract.service_version.data.get("name"),
            "contract_supplier": contract.organisation_id,
        }


@pytest.fixture(scope="module")
def scan_ids(live_server: LiveServer) -> dict[str, Any]:
    """The ids the table's paths need: seeded records found by what makes them fit, and a buying history."""
    if not AXE_SOURCE.exists():
        pytest.skip(AXE_MISSING)
    ids = _make_buying_history(live_server.app)
    with live_server.app.app_context():
        session = live_server.app.extensions["sessionmaker"]()
        try:
            supplier = _scalar(session, sa.select(Organisation).where(Organisation.id == ids["contract_supplier"]))
            service = _scalar(
                session,
                sa.select(Service)
                .where(Service.organisation_id == supplier.id, Service.status == "published")
                .order_by(Service.id),
            )
            edited = _scalar(
                session,
                sa.select(Service)
                .where(Service.status == "published", Service.reviewed_version_number < Service.version_number)
                .order_by(Service.id),
            )
            withdrawn = _scalar(session, sa.select(Service).where(Service.status == "withdrawn"))
            submitted = _scalar(
                session,
                sa.select(Organisation)
                .join(Accreditation, Accreditation.organisation_id == Organisation.id)
                .where(Accreditation.status == "submitted")
                .order_by(Organisation.id),
            )
            template = _scalar(session, sa.select(ContractTemplate).where(ContractTemplate.status == "active"))
            # Links as the emails carry them: a reset for the scan's own buyer, an invitation to join the supplier.
            buyer = _scalar(session, sa.select(User).where(User.email == BUYER))
            invitation = supplier_services.invite_colleague(session, supplier.users[0], "new.colleague@example.org")
            supplier_services.update_profile(session, supplier.users[0], supplier, "details", {"contact_phone": "0113 496 0123"})
            session.commit()
            return {
                "reset_token": make_reset_token(buyer),
                "invitation_token": make_invitation_token(invitation),
                **ids,
                "supplier": supplier.id,
                "supplier_name": supplier.name,
                "service": service.id,
                "service_name": service.name,
                "service_first_name": service.versions[0].data.get("name"),
                "edited": edited.id,
                "edited_name": edited.name,
                "withdrawn": withdrawn.id,
                "withdrawn_name": withdrawn.name,
                "submitted": submitted.id,
                "submitted_name": submitted.name,
                "template": template.id,
                "template_title": f"{template.name}, version {template.version}",
            }
        finally:
            session.close()


@pytest.fixture(scope="module")
def page_of(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[str | None], Page]]:
    """One browser page per person in the table, each signed in once (the visitor never is)."""
    opened: dict[str | None, Page] = {}
    contexts: list[BrowserContext] = []

    def page_for(email: str | None) -> Page:
        if email not in opened:
            context = browser.new_context(base_url=live_server.url)
            context.set_default_timeout(TIMEOUT_MS)
            contexts.append(context)
            page = context.new_page()
            if email is not None:
                page.goto("/login")
                page.get_by_label("Email address", exact=True).fill(email)
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("button", name="Sign out")).to_be_visible()
            opened[email] = page
        return opened[email]

    yield page_for
    for context in contexts:
        context.close()


@pytest.mark.parametrize("target", PAGES, ids=[p.name for p in PAGES])
def test_page_has_no_serious_or_critical_accessibility_problems(
    target: PageToScan, scan_ids: Mapping[str, Any], page_of: Callable[[str | None], Page]
) -> None:
    page = page_of(target.who)
    response = target.reach(page, scan_ids)
    assert response is not None
    assert response.status == target.status, f"{target.name}: {page.url} answered {response.status}"
    expect(page.get_by_role("heading", level=1)).to_have_text(target.heading.format_map(scan_ids))
    if target.errors:
        expect(page.get_by_role("alert").get_by_role("heading", name="There is a problem")).to_be_visible()
    for text in target.shows:
        expect(page.locator("main")).to_contain_text(text)
    found = scan(page)
    # Moderate and minor findings do not fail the scan; -rP shows them (the accessibility statement lists them).
    for violation in found:
        print(violation.describe())
    problems = failing(found)
    assert not problems, report(target.name, page.url, problems)


def test_scan_reports_serious_problems_with_the_rule_its_help_and_the_element(page: Page) -> None:
    """The scan itself: a page with an image without a text alternative and a button without a name fails."""
    if not AXE_SOURCE.exists():
        pytest.skip(AXE_MISSING)
    page.set_content('<html lang="en"><title>Bad</title><main><h1>Bad</h1><img src="a.png"><button></button></main>')
    problems = failing(scan(page))
    assert {p.rule for p in problems} >= {"image-alt", "button-name"}
    text = report("a bad page", page.url, problems)
    assert "[critical] image-alt: Images must have alternative text" in text
    assert "- img" in text and "- button" in text
