"""Journey 2 through the supplier's pages: draft a service section by section, publish, edit, withdraw (rules C1-C3)."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus
from app.auth.models import Role, User
from app.catalogue import services as catalogue
from app.catalogue.models import Category, Lot, Service, ServiceDocument
from app.suppliers.models import Organisation
from tests.factories import (
    MINIMAL_PDF,
    PASSWORD,
    SERVICE_CATEGORIES,
    login_as,
    make_accredited_supplier,
    make_complete_supplier,
    make_service,
    make_supplier_user,
    make_user,
)

LOTS = ["cloud-hosting", "cloud-software", "cloud-support"]


@pytest.fixture(autouse=True)
def documents_dir(app: Flask, tmp_path: Path) -> Path:
    app.config["SERVICE_DOCUMENTS_DIR"] = str(tmp_path / "service-documents")
    return tmp_path / "service-documents"


def _supplier(session: Session, app: Flask, **overrides: Any) -> tuple[Organisation, User]:
    overrides.setdefault("status", AccreditationStatus.ACCREDITED)
    organisation = make_complete_supplier(session, app.config["EVIDENCE_DIR"], **overrides)
    user = make_supplier_user(session, organisation)
    session.commit()
    return organisation, user


@pytest.fixture
def supplier(app: Flask, client: FlaskClient, session: Session) -> User:
    """A signed-in user of an accredited supplier."""
    _, user = _supplier(session, app)
    login_as(client, user)
    return user


def _text(response: Any) -> str:
    return unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def _error_summary(response: Any) -> str:
    match = re.search(r'(?s)<div class="govuk-error-summary".*?</ul>', response.get_data(as_text=True))
    assert match, "no error summary on the page"
    return unescape(re.sub(r"\s+", " ", match.group(0)))


def _create(client: FlaskClient, lot: str) -> int:
    response = client.post("/supplier/services/new", data={"lot": lot})
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/supplier/services/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def _service(session: Session, service_id: int) -> Service:
    session.expire_all()
    service = session.get(Service, service_id)
    assert service is not None
    return service


def _categories(session: Session, lot: str) -> list[str]:
    return list(session.scalars(sa.select(Category.slug).join(Lot).where(Lot.slug == lot).order_by(Category.slug)))


def section_forms(lot: str) -> dict[str, dict[str, Any]]:
    """A complete answer to every section, as the browser posts it."""
    return {
        "about": {
            "name": "Council Payroll Cloud",
            "summary": "Payroll for councils, hosted in the UK.",
            "description": "Runs monthly and weekly payrolls.\nIncludes pension returns.",
        },
        "features": {
            "features": "Automatic daily backups\nSingle sign-on",
            "benefits": "Staff work from any device\nNo servers to maintain",
        },
        "categories": {"categories": SERVICE_CATEGORIES[lot]},
        "pricing": {
            "price_min": "£1,200.50",
            "price_max": "2000",
            "price_unit": "licence",
            "price_interval": "year",
            "pricing_model": "fixed",
            "free_trial": "yes",
            "education_pricing": "no",
            "minimum_contract_period": "month",
        },
        "security": {
            "data_location": "uk",
            "certifications": ["cyber_essentials"],
            "standards": ["iso28000", "csa_star"],
            "staff_security_clearance": "sc",
        },
        "support": {
            "support_channels": ["email", "web_chat"],
            "support_response_time": "1_hour",
            "support_hours": "24_7",
            "accessibility": "wcag22_aa",
        },
        "exit": {
            "onboarding": "Two training sessions.",
            "exit_process": "All data exported within 5 days.",
            "exit_data_formats": ["csv", "odf"],
        },
    }


def _save(client: FlaskClient, service_id: int, section: str, data: dict[str, Any]) -> Any:
    return client.post(f"/supplier/services/{service_id}/edit/{section}", data=data)


def _fill_in(client: FlaskClient, service_id: int, lot: str) -> None:
    for section, data in section_forms(lot).items():
        response = _save(client, service_id, section, data)
        assert response.status_code == 302, (section, _text(response)[:3000])


# Creating a draft


def test_choose_lot_lists_each_lot_with_its_description(client: FlaskClient, supplier: User) -> None:
    page = _text(client.get("/supplier/services/new"))
    for name in ("Cloud hosting", "Cloud software", "Cloud support"):
        assert name in page
    assert "Applications that are accessed over the internet and hosted in the cloud." in page


@pytest.mark.parametrize("lot", LOTS)
def test_supplier_creates_a_draft_in_each_lot(lot: str, client: FlaskClient, session: Session, supplier: User) -> None:
    service_id = _create(client, lot)

    service = _service(session, service_id)
    assert (service.lot.slug, service.status, service.organisation_id, service.data) == (
        lot,
        "draft",
        supplier.organisation_id,
        {},
    )
    page = _text(client.get(f"/supplier/services/{service_id}"))
    assert "Untitled service" in page and "Not published yet" in page
    assert "You have completed 0 of 7 sections" in page
    assert "Enter the service name" in page


@pytest.mark.parametrize(
    ("data", "message"), [({}, "Select the lot your service belongs in"), ({"lot": "cloud-mining"}, "is not a lot")]
)
def test_choosing_no_lot_or_an_unknown_lot_is_refused(
    data: dict[str, str], message: str, client: FlaskClient, session: Session, supplier: User
) -> None:
    response = client.post("/supplier/services/new", data=data)
    assert response.status_code == 400
    assert message in _error_summary(response)
    assert session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


# Saving sections


@pytest.mark.parametrize("lot", LOTS)
def test_each_section_saves_and_the_draft_becomes_complete(
    lot: str, client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, lot)
    for section, data in section_forms(lot).items():
        assert client.get(f"/supplier/services/{service_id}/edit/{section}").status_code == 200
        response = _save(client, service_id, section, data)
        assert response.status_code == 302
        assert response.location == f"/supplier/services/{service_id}#section-{section}"

    data = _service(session, service_id).data
    assert data["name"] == "Council Payroll Cloud"
    assert data["features"] == ["Automatic daily backups", "Single sign-on"]
    assert data["categories"] == sorted(SERVICE_CATEGORIES[lot])
    assert (data["price_min"], data["price_max"], data["free_trial"], data["education_pricing"]) == (
        "1200.50",
        "2000.00",
        True,
        False,
    )
    assert data["exit_data_formats"] == ["csv", "odf"]
    page = _text(client.get(f"/supplier/services/{service_id}"))
    assert "You have completed 7 of 7 sections" in page
    assert "Incomplete" not in page
    assert "£1,200.50" in page and "Fixed periodic charge" in page and "Within 1 hour" in page


def test_a_saved_section_shows_its_answers_when_edited_again(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, "cloud-software")
    _fill_in(client, service_id, "cloud-software")

    pricing = client.get(f"/supplier/services/{service_id}/edit/pricing").get_data(as_text=True)
    assert 'value="1200.50"' in pricing
    assert re.search(r'value="yes"\s+checked', pricing)
    features = client.get(f"/supplier/services/{service_id}/edit/features").get_data(as_text=True)
    assert "Automatic daily backups\nSingle sign-on" in features
    categories = client.get(f"/supplier/services/{service_id}/edit/categories").get_data(as_text=True)
    assert re.search(r'value="payroll"\s+checked', categories)


def test_a_draft_section_can_be_saved_half_answered(client: FlaskClient, session: Session, supplier: User) -> None:
    service_id = _create(client, "cloud-hosting")
    response = _save(client, service_id, "about", {"name": "Half done", "summary": "", "description": ""})
    assert response.status_code == 302
    assert _service(session, service_id).data == {"name": "Half done"}
    page = _text(client.get(f"/supplier/services/{service_id}"))
    assert "Enter the summary" in page and "Half done" in page


def _words(n: int) -> str:
    return " ".join(["word"] * n)


def _lines(n: int, text: str = "A short phrase") -> str:
    return "\n".join(f"{text} {i}" for i in range(1, n + 1))


# (section, form data, field whose value is checked, message if refused or None if accepted)
BOUNDARIES = [
    pytest.param("about", {"name": "n" * 100}, "name", None, id="name-100-chars-ok"),
    pytest.param(
        "about",
        {"name": "n" * 101},
        "name",
        "Service name must be 100 characters or fewer",
        id="name-101-chars-refused",
    ),
    pytest.param("about", {"summary": _words(50)}, "summary", None, id="summary-50-words-ok"),
    pytest.param(
        "about",
        {"summary": _words(51)},
        "summary",
        "Summary must be 50 words or fewer (it has 51)",
        id="summary-51-words-refused",
    ),
    pytest.param("about", {"summary": ("x" * 49 + " ") * 10}, "summary", None, id="summary-500-chars-ok"),
    pytest.param(
        "about",
        {"summary": ("x" * 49 + " ") * 10 + "y"},
        "summary",
        "Summary must be 500 characters or fewer",
        id="summary-501-chars-refused",
    ),
    pytest.param("features", {"features": _lines(10)}, "features", None, id="10-features-ok"),
    pytest.param(
        "features",
        {"features": _lines(11)},
        "features",
        "Enter no more than 10 features (there are 11)",
        id="11-features-refused",
    ),
    pytest.param("features", {"benefits": _lines(10)}, "benefits", None, id="10-benefits-ok"),
    pytest.param(
        "features",
        {"benefits": _lines(11)},
        "benefits",
        "Enter no more than 10 benefits (there are 11)",
        id="11-benefits-refused",
    ),
    pytest.param("features", {"features": _words(10)}, "features", None, id="feature-of-10-words-ok"),
    pytest.param(
        "features",
        {"features": "Fine\n" + _words(11)},
        "features",
        "Feature 2 must be 10 words or fewer",
        id="feature-of-11-words-refused",
    ),
    pytest.param(
        "features",
        {"benefits": _words(11)},
        "benefits",
        "Benefit 1 must be 10 words or fewer",
        id="benefit-of-11-words-refused",
    ),
    pytest.param("pricing", {"price_min": "10", "price_max": "10"}, "price_max", None, id="price-max-equal-to-min-ok"),
    pytest.param(
        "pricing",
        {"price_min": "10", "price_max": "9.99"},
        "price_max",
        "The maximum price must be the same as or more than the starting price",
        id="price-max-below-min-refused",
    ),
    pytest.param(
        "pricing",
        {"price_min": "ten pounds"},
        "price_min",
        "Enter the starting price in pounds and pence",
        id="price-not-a-number-refused",
    ),
    pytest.param(
        "pricing",
        {"price_min": "1.234"},
        "price_min",
        "at most 2 decimal places",
        id="price-with-fractions-of-a-penny-refused",
    ),
    pytest.param(
        "pricing", {"price_unit": "bushel"}, "price_unit", "Price unit must be one of", id="unknown-price-unit-refused"
    ),
    pytest.param(
        "pricing", {"free_trial": "maybe"}, "free_trial", "select yes or no", id="yes-no-other-answer-refused"
    ),
    pytest.param(
        "exit",
        {"exit_data_formats": ["other"]},
        "exit_data_formats",
        "Choose at least one open format",
        id="no-open-exit-format-refused",
    ),
    pytest.param(
        "security",
        {"data_location": "moon"},
        "data_location",
        "must be one of: uk, eea, other",
        id="unknown-data-location-refused",
    ),
]


TYPED = {"name", "summary", "features", "benefits", "price_min", "price_max"}


@pytest.mark.parametrize(("section", "data", "field", "message"), BOUNDARIES)
def test_field_limits_are_applied_at_their_boundary(
    section: str,
    data: dict[str, Any],
    field: str,
    message: str | None,
    client: FlaskClient,
    session: Session,
    supplier: User,
) -> None:
    service_id = _create(client, "cloud-software")
    _fill_in(client, service_id, "cloud-software")
    before = dict(_service(session, service_id).data)

    response = _save(client, service_id, section, {**section_forms("cloud-software")[section], **data})

    if message is None:
        assert response.status_code == 302
        assert _service(session, service_id).data[field] is not None
    else:
        assert response.status_code == 400
        summary = _error_summary(response)
        assert message in summary
        assert f'href="#{field}"' in summary
        assert _service(session, service_id).data == before  # nothing saved, nothing lost
        page = response.get_data(as_text=True)
        assert 'class="govuk-error-message"' in page
        if field in TYPED:
            assert data[field].split("\n")[-1] in unescape(page)  # what was typed is shown again


CATEGORY_LIMITS = [("cloud-hosting", 10), ("cloud-software", 20), ("cloud-support", 6)]


@pytest.mark.parametrize(("lot", "limit"), CATEGORY_LIMITS)
def test_categories_up_to_the_lot_limit_are_accepted(
    lot: str, limit: int, client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, lot)
    chosen = _categories(session, lot)[:limit]
    assert _save(client, service_id, "categories", {"categories": chosen}).status_code == 302
    assert _service(session, service_id).data["categories"] == sorted(chosen)


@pytest.mark.parametrize(("lot", "limit"), CATEGORY_LIMITS[:2])
def test_categories_over_the_lot_limit_are_refused(
    lot: str, limit: int, client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, lot)
    response = _save(client, service_id, "categories", {"categories": _categories(session, lot)[: limit + 1]})
    assert response.status_code == 400
    assert f"Choose no more than {limit} categories" in _error_summary(response)
    assert "categories" not in _service(session, service_id).data


def test_support_lot_offers_only_its_six_categories(client: FlaskClient, session: Session, supplier: User) -> None:
    # Support's limit (6) equals its number of categories, so a seventh can only be one from another lot.
    service_id = _create(client, "cloud-support")
    response = _save(
        client, service_id, "categories", {"categories": [*_categories(session, "cloud-support"), "payroll"]}
    )
    assert response.status_code == 400
    assert "payroll is not a category of Cloud support" in _error_summary(response)


def test_an_unknown_category_is_refused(client: FlaskClient, session: Session, supplier: User) -> None:
    service_id = _create(client, "cloud-hosting")
    response = _save(client, service_id, "categories", {"categories": ["object-storage", "time-travel"]})
    assert response.status_code == 400
    assert "time-travel is not a category of Cloud hosting" in _error_summary(response)


def test_software_categories_are_grouped_and_one_ticked_in_two_groups_counts_once(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, "cloud-software")
    page = _text(client.get(f"/supplier/services/{service_id}/edit/categories"))
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s"> Accounting and finance </legend>' in page
    assert "<details" in page and " open>" not in page  # nothing chosen yet, every group folded
    assert page.count('value="blogging"') == 2  # in "Collaborative working" and in "Creative, design and publishing"

    nineteen_others = [c for c in _categories(session, "cloud-software") if c != "blogging"][:19]
    response = _save(client, service_id, "categories", {"categories": ["blogging", "blogging", *nineteen_others]})
    assert response.status_code == 302
    assert len(_service(session, service_id).data["categories"]) == 20
    page = _text(client.get(f"/supplier/services/{service_id}/edit/categories"))
    assert "Collaborative working (1 chosen)" in page


def test_categories_error_links_to_the_first_checkbox(client: FlaskClient, session: Session, supplier: User) -> None:
    service_id = _create(client, "cloud-software")
    response = _save(client, service_id, "categories", {"categories": ["nope"]})
    page = response.get_data(as_text=True)
    assert 'href="#categories"' in _error_summary(response)
    assert 'id="categories"' in page and 'id="categories-error"' in page


def test_an_unknown_section_is_not_found(client: FlaskClient, supplier: User) -> None:
    service_id = _create(client, "cloud-hosting")
    assert client.get(f"/supplier/services/{service_id}/edit/secrets").status_code == 404


# Publishing


def test_publishing_an_incomplete_draft_lists_what_is_missing(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, "cloud-software")
    _save(client, service_id, "about", section_forms("cloud-software")["about"])

    response = client.post(f"/supplier/services/{service_id}/publish")

    assert response.status_code == 400
    summary = _error_summary(response)
    for message in (
        "Add features",
        "Add categories",
        "Enter the starting price",
        "Choose the pricing model",
        "Add support channels",
    ):
        assert message in summary
    assert 'href="#section-pricing"' in summary
    assert "Enter the service name" not in summary
    assert _service(session, service_id).status == "draft"


def test_a_complete_draft_by_an_accredited_supplier_is_published_as_version_1(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, "cloud-hosting")
    _fill_in(client, service_id, "cloud-hosting")

    response = client.post(f"/supplier/services/{service_id}/publish", follow_redirects=True)

    assert response.status_code == 200
    page = _text(response)
    assert "Your service is published as version 1" in page
    assert f'href="/services/{service_id}"' in page
    service = _service(session, service_id)
    assert (service.status, service.version_number, [v.number for v in service.versions]) == ("published", 1, [1])
    assert service.versions[0].data["name"] == "Council Payroll Cloud"


def test_publishing_is_refused_to_a_supplier_that_is_not_accredited(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    organisation, user = _supplier(session, app, status=AccreditationStatus.SUBMITTED)
    service = make_service(session, organisation, status="draft")
    session.commit()
    login_as(client, user)

    summary_page = _text(client.get(f"/supplier/services/{service.id}"))
    assert "waiting for a decision" in summary_page
    assert "Publish service" not in summary_page
    response = client.post(f"/supplier/services/{service.id}/publish")

    assert response.status_code == 400
    assert "Your accreditation application is waiting for a decision" in _error_summary(response)
    assert _service(session, service.id).status == "draft"
    listing = _text(client.get("/supplier/services"))
    assert "waiting for a decision" in listing and "Create a service" in listing


def test_publishing_is_refused_to_a_suspended_supplier_with_the_reason_shown(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    organisation, user = _supplier(session, app, status=AccreditationStatus.SUSPENDED)
    assert organisation.accreditation is not None
    organisation.accreditation.status_reason = "Your insurance certificate has lapsed."
    service = make_service(session, organisation, status="draft")
    session.commit()
    login_as(client, user)

    response = client.post(f"/supplier/services/{service.id}/publish")

    assert response.status_code == 400
    page = _text(response)
    assert "Your organisation is suspended, so it cannot publish services" in _error_summary(response)
    assert "Your insurance certificate has lapsed." in page
    assert "Your insurance certificate has lapsed." in _text(client.get("/supplier/services"))
    assert _service(session, service.id).status == "draft"


def test_a_suspended_supplier_can_still_draft(app: Flask, client: FlaskClient, session: Session) -> None:
    _, user = _supplier(session, app, status=AccreditationStatus.SUSPENDED)
    login_as(client, user)
    service_id = _create(client, "cloud-support")
    assert _save(client, service_id, "about", {"name": "Migration help"}).status_code == 302


def test_publishing_a_certification_the_supplier_does_not_hold_is_refused(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service_id = _create(client, "cloud-software")
    _fill_in(client, service_id, "cloud-software")
    _save(
        client, service_id, "security", {**section_forms("cloud-software")["security"], "certifications": ["iso27001"]}
    )

    response = client.post(f"/supplier/services/{service_id}/publish")

    assert response.status_code == 400
    summary = _error_summary(response)
    assert "no current ISO/IEC 27001 certificate" in summary and 'href="#section-security"' in summary


# Editing a published service


def test_editing_a_published_service_makes_version_2_and_leaves_version_1_unchanged(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service = make_service(session, supplier.organisation, name="First name")
    session.commit()

    response = _save(
        client,
        service.id,
        "about",
        {"name": "Second name", "summary": "New summary.", "description": "New description."},
    )

    assert response.status_code == 302
    assert "Your change is live as version 2" in _text(client.get(response.location))
    service = _service(session, service.id)
    assert (service.status, service.version_number, service.name) == ("published", 2, "Second name")
    first = catalogue.version(session, service, 1)
    assert first is not None and first.data["name"] == "First name"
    old_page = _text(client.get(f"/supplier/services/{service.id}/versions/1"))
    assert "First name" in old_page and "Second name" not in old_page
    assert "Second name" in _text(client.get(f"/supplier/services/{service.id}/versions/2"))
    assert client.get(f"/supplier/services/{service.id}/versions/3").status_code == 404


def test_saving_a_published_service_without_changes_makes_no_version(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service = make_service(session, supplier.organisation, lot="cloud-support")
    session.commit()
    form = client.get(f"/supplier/services/{service.id}/edit/exit").get_data(as_text=True)
    assert "We export all data" in form

    data = {
        k: v
        for k, v in _service(session, service.id).data.items()
        if k in ("onboarding", "exit_process", "exit_data_formats")
    }
    response = _save(client, service.id, "exit", data)

    assert response.status_code == 302
    assert _service(session, service.id).version_number == 1


def test_a_published_service_cannot_lose_a_required_answer(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service = make_service(session, supplier.organisation)
    session.commit()

    response = _save(client, service.id, "features", {"features": "Still here", "benefits": ""})

    assert response.status_code == 400
    assert 'href="#benefits"' in _error_summary(response)
    assert "a published service must keep it" in _error_summary(response)
    assert _service(session, service.id).version_number == 1


# Withdrawing


def test_withdrawing_needs_a_reason(client: FlaskClient, session: Session, supplier: User) -> None:
    service = make_service(session, supplier.organisation)
    session.commit()
    assert "Are you sure you want to withdraw this service?" in _text(
        client.get(f"/supplier/services/{service.id}/withdraw")
    )

    response = client.post(f"/supplier/services/{service.id}/withdraw", data={"reason": "  "})
    assert response.status_code == 400
    assert "Enter why you are withdrawing the service" in _error_summary(response)
    assert _service(session, service.id).status == "published"

    response = client.post(
        f"/supplier/services/{service.id}/withdraw", data={"reason": "Replaced by Payroll 2"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "is withdrawn" in page and '<span class="app-preserve-lines">Replaced by Payroll 2</span>' in page
    assert (_service(session, service.id).status, _service(session, service.id).status_reason) == (
        "withdrawn",
        "Replaced by Payroll 2",
    )


def test_a_withdrawn_service_cannot_be_changed_or_withdrawn_again(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service = make_service(session, supplier.organisation, status="withdrawn")
    session.commit()

    response = _save(client, service.id, "about", {"name": "Back again"})
    assert response.status_code == 302
    assert "cannot be changed" in _text(client.get(response.location))
    assert client.post(f"/supplier/services/{service.id}/withdraw", data={"reason": "again"}).status_code == 302
    assert _service(session, service.id).name != "Back again"


def test_a_draft_cannot_be_withdrawn(client: FlaskClient, session: Session, supplier: User) -> None:
    service_id = _create(client, "cloud-hosting")
    client.post(f"/supplier/services/{service_id}/withdraw", data={"reason": "Changed my mind"})
    assert _service(session, service_id).status == "draft"


def test_a_disabled_service_shows_the_admins_reason(client: FlaskClient, session: Session, supplier: User) -> None:
    service = make_service(session, supplier.organisation, status="disabled")
    session.commit()
    page = client.get(f"/supplier/services/{service.id}").get_data(as_text=True)
    assert (
        "Disabled because" in page and '<span class="app-preserve-lines">Misleading claims under review</span>' in page
    )
    assert "Withdraw service" in page

    response = _save(
        client, service.id, "about", {"name": "Fixed claims", "summary": "Honest.", "description": "Plain."}
    )
    assert "Your change is saved as version 2 for an admin to review" in _text(client.get(response.location))
    assert (_service(session, service.id).status, _service(session, service.id).version_number) == ("disabled", 2)


# The list of services


def test_the_list_shows_each_service_with_lot_status_and_version(
    app: Flask, client: FlaskClient, session: Session, supplier: User
) -> None:
    published = make_service(session, supplier.organisation, name="Live Payroll")
    make_service(session, supplier.organisation, lot="cloud-hosting", status="draft", name="Draft Hosting")
    other = make_service(session, name="Someone Else's", evidence_dir=app.config["EVIDENCE_DIR"])
    session.commit()

    page = _text(client.get("/supplier/services"))

    assert "Live Payroll" in page and "Draft Hosting" in page and "Someone Else's" not in page
    assert "Cloud software" in page and "Cloud hosting" in page
    assert "Published" in page and "Draft" in page
    assert f'href="/supplier/services/{published.id}"' in page and f"/supplier/services/{other.id}" not in page
    assert 'href="/supplier/services/new"' in page


def test_suppliers_see_your_services_in_the_navigation(client: FlaskClient, supplier: User) -> None:
    page = _text(client.get("/supplier/"))
    assert 'href="/supplier/services"' in page and "Your services" in page


# Documents


def test_a_document_is_uploaded_listed_and_downloadable(
    client: FlaskClient, session: Session, supplier: User, documents_dir: Path
) -> None:
    service_id = _create(client, "cloud-software")
    response = client.post(
        f"/supplier/services/{service_id}/documents",
        data={"kind": "pricing", "document": (io.BytesIO(MINIMAL_PDF), "prices.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302

    page = _text(client.get(f"/supplier/services/{service_id}/documents"))
    assert "Pricing document" in page and "prices.pdf" in page
    document = session.scalars(sa.select(ServiceDocument).where(ServiceDocument.service_id == service_id)).one()
    assert (documents_dir / document.storage_key).read_bytes() == MINIMAL_PDF
    download = client.get(f"/supplier/services/{service_id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == MINIMAL_PDF
    assert "attachment" in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"kind": "pricing", "document": (b"MZ\x90\x00 not a pdf", "prices.pdf")},
            "document",
            "must be a PDF or an OpenDocument file",
        ),
        ({"kind": "pricing", "document": (b"", "prices.pdf")}, "document", "The selected file is empty"),
        (
            {"kind": "pricing", "document": (b"%PDF-1.4 big" + b"x" * 2000, "prices.pdf")},
            "document",
            "must be smaller than",
        ),
        ({"kind": "pricing", "document": (MINIMAL_PDF, "prices.odt")}, "document", "it is a PDF"),
        ({"kind": "pricing"}, "document", "Select a file to upload"),
        ({"kind": "brochure", "document": (MINIMAL_PDF, "prices.pdf")}, "kind", "Choose what kind of document this is"),
        ({"document": (MINIMAL_PDF, "prices.pdf")}, "kind", "Select what kind of document this is"),
    ],
)
def test_a_bad_document_is_refused_next_to_its_field(
    data: dict[str, Any], field: str, message: str, app: Flask, client: FlaskClient, session: Session, supplier: User
) -> None:
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    service_id = _create(client, "cloud-software")
    posted = {k: (io.BytesIO(v[0]), v[1]) if k == "document" else v for k, v in data.items()}
    response = client.post(
        f"/supplier/services/{service_id}/documents", data=posted, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    summary = _error_summary(response)
    assert message in summary and f'href="#{field}"' in summary
    assert session.scalar(sa.select(sa.func.count()).select_from(ServiceDocument)) == 0


def test_a_document_added_to_a_published_service_goes_live_as_a_new_version(
    client: FlaskClient, session: Session, supplier: User
) -> None:
    service = make_service(session, supplier.organisation)
    session.commit()
    response = client.post(
        f"/supplier/services/{service.id}/documents",
        data={"kind": "terms", "document": (io.BytesIO(MINIMAL_PDF), "terms.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "It is live as version 2" in _text(response)
    assert _service(session, service.id).versions[-1].data["documents"][0]["filename"] == "terms.pdf"


# Who may open these pages


def _urls(service_id: int, document_id: int) -> list[tuple[str, str]]:
    base = f"/supplier/services/{service_id}"
    return [
        ("GET", base),
        ("POST", f"{base}/publish"),
        ("GET", f"{base}/edit/about"),
        ("POST", f"{base}/edit/about"),
        ("GET", f"{base}/edit/categories"),
        ("POST", f"{base}/edit/categories"),
        ("GET", f"{base}/edit/documents"),
        ("GET", f"{base}/withdraw"),
        ("POST", f"{base}/withdraw"),
        ("GET", f"{base}/documents"),
        ("POST", f"{base}/documents"),
        ("GET", f"{base}/documents/{document_id}"),
        ("GET", f"{base}/versions/1"),
    ]


@pytest.fixture
def someone_elses(app: Flask, session: Session, documents_dir: Path) -> tuple[Service, ServiceDocument]:
    service = make_service(session, evidence_dir=app.config["EVIDENCE_DIR"])
    owner = next(u for u in service.organisation.users)
    document = catalogue.add_document(
        session,
        owner,
        service,
        kind="pricing",
        filename="p.pdf",
        data=MINIMAL_PDF,
        storage_dir=documents_dir,
        max_bytes=10_000,
    )
    session.commit()
    return service, document


def test_another_supplier_gets_not_found_on_every_service_page(
    client: FlaskClient, session: Session, supplier: User, someone_elses: tuple[Service, ServiceDocument]
) -> None:
    service, document = someone_elses
    for method, url in _urls(service.id, document.id):
        response = client.open(url, method=method, data={"name": "Hijacked", "reason": "Because", "kind": "pricing"})
        assert response.status_code == 404, (method, url, response.status_code)
    service = _service(session, service.id)
    assert (service.status, service.version_number) == ("published", 2)
    assert service.name != "Hijacked"


def test_a_document_of_another_service_is_not_found_under_my_service(
    client: FlaskClient, session: Session, supplier: User, someone_elses: tuple[Service, ServiceDocument]
) -> None:
    _, document = someone_elses
    mine = _create(client, "cloud-hosting")
    assert client.get(f"/supplier/services/{mine}/documents/{document.id}").status_code == 404


@pytest.mark.parametrize("role", [Role.BUYER, Role.ADMIN])
def test_buyers_and_admins_are_forbidden(
    role: Role, client: FlaskClient, session: Session, someone_elses: tuple[Service, ServiceDocument]
) -> None:
    service, document = someone_elses
    user = make_user(session, role)
    session.commit()
    login_as(client, user)
    for method, url in [
        ("GET", "/supplier/services"),
        ("GET", "/supplier/services/new"),
        ("POST", "/supplier/services/new"),
        *_urls(service.id, document.id),
    ]:
        assert client.open(url, method=method).status_code == 403, (method, url)


def test_signed_out_people_are_sent_to_sign_in(
    client: FlaskClient, someone_elses: tuple[Service, ServiceDocument]
) -> None:
    service, _ = someone_elses
    for url in ("/supplier/services", "/supplier/services/new", f"/supplier/services/{service.id}"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login")


def test_make_service_builds_a_published_service_in_each_lot(app: Flask, session: Session) -> None:
    organisation = make_accredited_supplier(session, app.config["EVIDENCE_DIR"])
    for lot in LOTS:
        service = make_service(session, organisation, lot=lot)
        assert (service.status, service.version_number, service.lot.slug) == ("published", 1, lot)


def _csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, "no csrf_token on the page"
    return match.group(1)


def test_service_forms_carry_their_security_tokens(csrf_app: Flask, session: Session) -> None:
    _, user = _supplier(session, csrf_app)
    client = csrf_app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    )

    assert client.post("/supplier/services/new", data={"lot": "cloud-hosting"}).status_code == 400
    token = _csrf_token(client.get("/supplier/services/new").get_data(as_text=True))
    response = client.post("/supplier/services/new", data={"lot": "cloud-hosting", "csrf_token": token})
    assert response.status_code == 302
    service_page = client.get(response.location).get_data(as_text=True)
    edit_page = client.get(f"{response.location}/edit/about").get_data(as_text=True)

    assert client.post(f"{response.location}/edit/about", data={"name": "No token"}).status_code == 400
    saved = client.post(f"{response.location}/edit/about", data={"name": "Token", "csrf_token": _csrf_token(edit_page)})
    assert saved.status_code == 302
    published = client.post(f"{response.location}/publish", data={"csrf_token": _csrf_token(service_page)})
    assert published.status_code == 400  # the form was accepted; the draft is incomplete
    assert "Your service cannot be published yet" in _text(published)
