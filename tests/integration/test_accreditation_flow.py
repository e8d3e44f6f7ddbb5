"""A supplier applies for accreditation and an admin decides (rule C6)."""

from __future__ import annotations

import calendar
import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.suppliers.models import Accreditation, Certificate, EvidenceDocument, Organisation
from app.timeutil import today, utcnow
from tests.conftest import Mailbox
from tests.factories import (
    MINIMAL_PDF,
    login_as,
    make_accredited_supplier,
    make_complete_supplier,
    make_supplier_user,
    make_user,
)

WRONG_TYPE = "The selected file must be a PDF or an OpenDocument file (ODT, ODS, ODP or ODG)"
WINDOWS_EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."


@pytest.fixture
def evidence_dir(app: Flask) -> Path:
    return Path(app.config["EVIDENCE_DIR"])


@pytest.fixture
def admin(app: Flask, session: Session) -> FlaskClient:
    """A client signed in as an admin (its user is ``client.user``)."""
    user = make_user(session, Role.ADMIN, email="admin@cloudstore.example")
    session.commit()
    client = app.test_client()
    login_as(client, user)
    client.user = user  # type: ignore[attr-defined]
    return client


def _signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    login_as(client, user)
    return client


def _accreditation(session: Session, organisation: Organisation) -> Accreditation | None:
    session.expire_all()
    return session.scalar(sa.select(Accreditation).where(Accreditation.organisation_id == organisation.id))


def _status(session: Session, organisation: Organisation) -> str | None:
    accreditation = _accreditation(session, organisation)
    return accreditation.status if accreditation else None


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _twelve_months_after(day: date) -> date:
    year = day.year + 1
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def _decide(admin: FlaskClient, organisation: Organisation, action: str, reason: str | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    data = {} if reason is None else {f"{action}-reason": reason}
    return admin.post(f"/admin/suppliers/{organisation.id}/{action}", data=data, **kwargs)


def _submitted_supplier(app: Flask, session: Session, evidence_dir: Path, **overrides: object) -> tuple[Organisation, FlaskClient]:
    """A complete supplier that has submitted its application through the form."""
    organisation = make_complete_supplier(session, evidence_dir, **overrides)  # type: ignore[arg-type]
    user = make_supplier_user(session, organisation)
    session.commit()
    supplier = _signed_in(app, user)
    response = supplier.post("/supplier/accreditation/submit", follow_redirects=True)
    assert "Your application has been sent" in response.get_data(as_text=True)
    return organisation, supplier


# The application


def test_task_list_shows_what_is_missing(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    page = client.get("/supplier/accreditation").get_data(as_text=True)
    assert "You have completed 0 of 8 parts" in page
    assert "Not yet started" in page
    for missing in ("Enter the registered name", "Enter the type of organisation", "Enter the staff headcount",
                    "Add at least one certificate", "Enter your professional indemnity cover", "Upload at least one evidence document"):
        assert missing in page
    assert "Submit application" not in page

    client.post("/supplier/organisation/size", data={"headcount": "5", "turnover_gbp": "100000", "balance_sheet_gbp": "50000"})
    page = client.get("/supplier/accreditation").get_data(as_text=True)
    assert "You have completed 1 of 8 parts" in page
    assert "Enter the staff headcount" not in page
    assert "1 of 8 parts complete" in client.get("/supplier/").get_data(as_text=True)


def test_declarations_are_saved_as_they_go_and_discretionary_yes_needs_an_explanation(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = client.post("/supplier/accreditation/declarations", data={"fraud": "no", "insolvency": "yes", "insolvency__explanation": "Too short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your answers so far have been saved." in page
    assert "Answer yes or no: Conspiracy or organised crime" in page
    assert "Explain what happened and what you have done to stop it happening again" in page
    accreditation = _accreditation(session, user.organisation)
    assert accreditation is not None and accreditation.status == "draft"
    assert accreditation.declarations == {"fraud": False, "insolvency": True}
    assert accreditation.declarations_completed_at is None


def test_submit_is_refused_while_the_application_is_incomplete(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = client.post("/supplier/accreditation/submit", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Complete every part of the application before you submit it. Still to do: Organisation details and contact" in page
    assert "Evidence documents" in page
    assert _status(session, user.organisation) in (None, "draft")
    assert not _events(session, "accreditation.submitted")


def test_a_complete_application_is_submitted_and_waits_in_the_admin_queue_oldest_first(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    first, _ = _submitted_supplier(app, session, evidence_dir, name="Later Arrival Ltd")
    second, supplier = _submitted_supplier(app, session, evidence_dir, name="Earlier Arrival Ltd")
    assert _status(session, first) == _status(session, second) == "submitted"
    page = supplier.get("/supplier/accreditation").get_data(as_text=True)
    assert "Submitted" in page and "Your application was sent on" in page and "Submit application" not in page

    # The second organisation's application is made the older one: the queue is by submission time, not by id.
    accreditation = _accreditation(session, second)
    assert accreditation is not None
    accreditation.submitted_at = utcnow() - timedelta(days=3)
    session.commit()
    page = admin.get("/admin/accreditation").get_data(as_text=True)
    assert "Waiting for a decision (2)" in page
    assert page.index("Earlier Arrival Ltd") < page.index("Later Arrival Ltd")
    assert "3 days" in page

    event = _events(session, "accreditation.submitted")[0]
    assert event.before == {"status": "draft"} and event.after == {"status": "submitted"}


def test_a_submitted_application_cannot_be_changed_by_the_supplier(
    app: Flask, session: Session, evidence_dir: Path
) -> None:
    organisation, supplier = _submitted_supplier(app, session, evidence_dir)
    insurance = {"employers_liability_exempt": "yes", "professional_indemnity_gbp": "1"}
    response = supplier.post("/supplier/accreditation/insurance", data=insurance, follow_redirects=True)
    assert "Your application is submitted, so it cannot be changed now." in response.get_data(as_text=True)
    response = supplier.post("/supplier/accreditation/declarations", data={"fraud": "yes"}, follow_redirects=True)
    assert "cannot be changed now" in response.get_data(as_text=True)
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None
    assert accreditation.employers_liability_exempt is False and accreditation.declarations["fraud"] is False
    response = supplier.post("/supplier/accreditation/submit", follow_redirects=True)
    assert "An application that is submitted cannot be submitted" in response.get_data(as_text=True)


def test_admin_requests_changes_and_the_supplier_sees_why_edits_and_resubmits(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient, mailbox: Mailbox
) -> None:
    organisation, supplier = _submitted_supplier(app, session, evidence_dir)
    response = _decide(admin, organisation, "request_changes", "Upload your insurance schedule, please.", follow_redirects=True)
    assert "changes requested" in response.get_data(as_text=True)
    assert _status(session, organisation) == "changes_requested"
    event = _events(session, "accreditation.request_changes")[0]
    assert event.actor_id == admin.user.id  # type: ignore[attr-defined]
    assert event.before == {"status": "submitted", "expires_on": None}
    assert event.after == {"status": "changes_requested", "expires_on": None, "reason": "Upload your insurance schedule, please."}

    page = supplier.get("/supplier/accreditation").get_data(as_text=True)
    assert "An admin has asked you to change your application" in page
    assert "Upload your insurance schedule, please." in page
    email = mailbox.for_address(organisation.users[0].email)[-1]
    assert "Upload your insurance schedule, please." in email.get_content()

    insurance = {"employers_liability_exempt": "no", "employers_liability_gbp": "£10,000,000", "professional_indemnity_gbp": "2000000"}
    response = supplier.post("/supplier/accreditation/insurance", data=insurance)
    assert response.status_code == 302
    response = _upload(supplier, MINIMAL_PDF, "insurance.pdf")
    assert response.status_code == 302
    supplier.post("/supplier/accreditation/submit")
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None and accreditation.status == "submitted"
    assert str(accreditation.employers_liability_gbp) == "10000000.00"
    assert [e.after["status"] for e in _events(session, "accreditation.submitted")] == ["submitted", "submitted"]


def test_admin_approves_for_twelve_calendar_months_and_the_supplier_is_told(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient, mailbox: Mailbox
) -> None:
    organisation, supplier = _submitted_supplier(app, session, evidence_dir)
    colleague = make_supplier_user(session, organisation, email="colleague@supplier.example")
    removed = make_supplier_user(session, organisation, email="removed@supplier.example", active=False)
    session.commit()

    response = _decide(admin, organisation, "approve", follow_redirects=True)
    assert ": accredited." in response.get_data(as_text=True)
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None
    assert accreditation.status == "accredited"
    assert accreditation.accredited_on == today()
    assert accreditation.expires_on == _twelve_months_after(today())
    assert accreditation.decided_by_id == admin.user.id  # type: ignore[attr-defined]

    event = _events(session, "accreditation.approve")[-1]
    assert event.actor_id == admin.user.id and event.actor_label == "admin@cloudstore.example"  # type: ignore[attr-defined]
    assert event.object_type == "accreditations" and event.object_id == str(accreditation.id)
    assert event.before == {"status": "submitted", "expires_on": None}
    assert event.after == {"status": "accredited", "expires_on": accreditation.expires_on.isoformat(), "reason": None}

    for user in (organisation.users[0], colleague):
        message = mailbox.for_address(user.email)[-1]
        assert message["Subject"] == "Your Cloudstore accreditation: accredited"
        assert "You can now publish services" in message.get_content()
    assert not mailbox.for_address(removed.email)

    page = supplier.get("/supplier/accreditation").get_data(as_text=True)
    last_day = accreditation.expires_on - timedelta(days=1)
    assert f"Your accreditation is valid until {last_day.day} {last_day:%B %Y}" in page
    page = admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    assert "accreditation.approve" in page  # in the history
    assert "Suspend supplier" in page and "Approve and accredit" not in page


def test_rejection_needs_a_reason_which_the_supplier_sees(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient, mailbox: Mailbox
) -> None:
    organisation, supplier = _submitted_supplier(app, session, evidence_dir)
    for empty in ("", "   "):
        response = _decide(admin, organisation, "reject", empty)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "There is a problem" in page
        assert "Enter why the application is rejected: the supplier will see it" in page
        assert 'href="#reject-reason"' in page
        assert _status(session, organisation) == "submitted"
    assert not _events(session, "accreditation.reject")
    assert not [m for m in mailbox.messages() if "accreditation" in m["Subject"]]

    response = _decide(admin, organisation, "reject", "Your ISO certificate is for a different company.")
    assert response.status_code == 302
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None
    assert accreditation.status == "rejected" and accreditation.status_reason == "Your ISO certificate is for a different company."
    page = supplier.get("/supplier/accreditation").get_data(as_text=True)
    assert "Your application was not accepted" in page
    assert "Your ISO certificate is for a different company." in page
    assert "Start a new application" in page
    email = mailbox.for_address(organisation.users[0].email)[-1]
    assert email["Subject"] == "Your Cloudstore accreditation: rejected"
    assert "Your ISO certificate is for a different company." in email.get_content()
    event = _events(session, "accreditation.reject")[-1]
    assert event.actor_id == admin.user.id  # type: ignore[attr-defined]
    assert event.before["status"] == "submitted"
    assert event.after["status"] == "rejected" and event.after["reason"] == "Your ISO certificate is for a different company."

    # A rejected supplier can apply again, keeping its earlier answers.
    supplier.post("/supplier/accreditation/reapply")
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None and accreditation.status == "draft" and accreditation.status_reason is None
    assert accreditation.declarations["fraud"] is False


def test_suspending_and_reinstating_need_reasons(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient, mailbox: Mailbox
) -> None:
    organisation = make_accredited_supplier(session, evidence_dir)
    user = make_supplier_user(session, organisation)
    session.commit()
    expires_on = organisation.accreditation.expires_on  # type: ignore[union-attr]

    response = _decide(admin, organisation, "suspend", "")
    assert response.status_code == 400
    assert "Enter why the supplier is suspended: the supplier will see it" in response.get_data(as_text=True)
    assert _status(session, organisation) == "accredited"

    assert _decide(admin, organisation, "suspend", "Unpaid invoices under investigation.").status_code == 302
    assert _status(session, organisation) == "suspended"
    page = _signed_in(app, user).get("/supplier/accreditation").get_data(as_text=True)
    assert "Your organisation is suspended" in page and "Unpaid invoices under investigation." in page
    assert "Unpaid invoices under investigation." in mailbox.for_address(user.email)[-1].get_content()

    response = _decide(admin, organisation, "reinstate", "")
    assert response.status_code == 400
    assert "Enter why the supplier is reinstated" in response.get_data(as_text=True)
    assert _status(session, organisation) == "suspended"

    assert _decide(admin, organisation, "reinstate", "Investigation closed.").status_code == 302
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None
    assert accreditation.status == "accredited" and accreditation.expires_on == expires_on  # reinstating does not extend it
    actions = [e.action for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "accreditations").order_by(AuditEvent.id))]
    assert actions == ["accreditation.suspend", "accreditation.reinstate"]
    reinstated = _events(session, "accreditation.reinstate")[0]
    assert reinstated.before["status"] == "suspended" and reinstated.after == {
        "status": "accredited", "expires_on": expires_on.isoformat(), "reason": "Investigation closed."
    }


def test_a_mandatory_exclusion_means_approval_is_refused(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient, mailbox: Mailbox
) -> None:
    organisation, _ = _submitted_supplier(app, session, evidence_dir, declarations={"fraud": True})
    page = admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    assert "Answered yes to a mandatory exclusion ground: Fraud" in page

    response = _decide(admin, organisation, "approve", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "This supplier cannot be accredited: it answered yes to a mandatory exclusion ground (Fraud)" in page
    assert _status(session, organisation) == "submitted"
    assert not _events(session, "accreditation.approve")
    assert not [m for m in mailbox.messages() if "accreditation" in m["Subject"]]
    # Rejecting it is the way out.
    assert _decide(admin, organisation, "reject", "Mandatory exclusion: fraud conviction.").status_code == 302
    assert _status(session, organisation) == "rejected"


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("accredited", "approve", "An application that is accredited cannot be approved"),
        ("draft", "approve", "An application that is draft cannot be approved"),
        ("draft", "suspend", "An application that is draft cannot be suspended"),
        ("submitted", "suspend", "An application that is submitted cannot be suspended"),
        ("submitted", "reinstate", "An application that is submitted cannot be reinstated"),
        ("rejected", "request_changes", "An application that is rejected cannot be sent back for changes"),
        ("suspended", "reject", "An application that is suspended cannot be rejected"),
        ("changes_requested", "approve", "An application that is waiting for changes cannot be approved"),
    ],
)
def test_an_illegal_decision_is_refused_with_a_message_and_changes_nothing(
    session: Session, evidence_dir: Path, admin: FlaskClient, mailbox: Mailbox, status: str, action: str, message: str
) -> None:
    organisation = make_complete_supplier(session, evidence_dir, status=status)
    make_supplier_user(session, organisation)
    session.commit()
    before = _accreditation(session, organisation)
    assert before is not None
    snapshot = (before.status, before.expires_on, before.status_reason)

    response = _decide(admin, organisation, action, None if action == "approve" else "A reason.")
    assert response.status_code == 302 and response.location == f"/admin/suppliers/{organisation.id}"
    assert message in admin.get(response.location).get_data(as_text=True)
    after = _accreditation(session, organisation)
    assert after is not None and (after.status, after.expires_on, after.status_reason) == snapshot
    assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action.like("accreditation.%"))) is None
    assert not mailbox.messages()


def test_approving_an_incomplete_draft_is_refused_because_it_was_never_submitted(
    client: FlaskClient, session: Session, admin: FlaskClient
) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    client.get("/supplier/accreditation/declarations")  # starts the draft
    assert _status(session, user.organisation) == "draft"
    response = _decide(admin, user.organisation, "approve", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "An application that is draft cannot be approved" in page
    assert "Request changes instead" not in page
    assert _status(session, user.organisation) == "draft"


def test_an_application_whose_certificate_lapsed_in_the_queue_cannot_be_approved(
    session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    organisation = make_complete_supplier(session, evidence_dir, status="submitted", certificate_expires_on=today() - timedelta(days=1))
    session.commit()
    page = admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    assert "Expired" in page
    response = _decide(admin, organisation, "approve", follow_redirects=True)
    assert "The application is incomplete. Request changes instead" in response.get_data(as_text=True)
    assert _status(session, organisation) == "submitted"


@pytest.mark.parametrize("status", ["draft", "rejected", "expired"])
def test_the_admin_page_offers_no_decision_when_there_is_none_to_make(
    session: Session, evidence_dir: Path, admin: FlaskClient, status: str
) -> None:
    organisation = make_complete_supplier(session, evidence_dir, status=status)
    session.commit()
    page = admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    assert "There is no decision to make while the application is" in page
    assert "<form" not in page.split("Decision</h2>")[1].split("Application</h2>")[0]


def test_a_decision_on_a_supplier_that_never_applied_is_refused(session: Session, admin: FlaskClient) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    response = _decide(admin, user.organisation, "approve", follow_redirects=True)
    assert "This supplier has not started an application." in response.get_data(as_text=True)
    assert _status(session, user.organisation) is None


def test_an_unknown_decision_is_not_found(session: Session, evidence_dir: Path, admin: FlaskClient) -> None:
    organisation = make_complete_supplier(session, evidence_dir, status="submitted")
    session.commit()
    assert admin.post(f"/admin/suppliers/{organisation.id}/expire").status_code == 404
    assert admin.post("/admin/suppliers/999999/approve").status_code == 404


# Expiry


def test_accreditation_expiring_today_is_shown_to_the_supplier_as_expired(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    organisation = make_accredited_supplier(session, evidence_dir, expires_on=today())
    user = make_supplier_user(session, organisation)
    session.commit()
    supplier = _signed_in(app, user)
    page = supplier.get("/supplier/accreditation").get_data(as_text=True)
    assert "Accreditation expired" in page and "Start a new application" in page
    assert "Your accreditation is valid until" not in page
    assert "Expired" in supplier.get("/supplier/").get_data(as_text=True)
    page = admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    assert "Suspend supplier" not in page  # nothing to suspend: it has lapsed
    assert _decide(admin, organisation, "suspend", "Too late.").status_code == 302
    assert _status(session, organisation) == "accredited"  # the stored row is untouched; the date decides

    supplier.post("/supplier/accreditation/reapply")
    accreditation = _accreditation(session, organisation)
    assert accreditation is not None and accreditation.status == "draft" and accreditation.expires_on is None


def test_a_lapsed_accreditation_is_in_the_admins_expired_queue_not_the_accredited_one(
    session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    make_accredited_supplier(session, evidence_dir, expires_on=today(), name="Lapsed Today Ltd")
    make_accredited_supplier(session, evidence_dir, status="suspended", expires_on=today() - timedelta(days=3), name="Lapsed Suspended Ltd")
    make_accredited_supplier(session, evidence_dir, expires_on=today() + timedelta(days=1), name="Last Day Ltd")
    make_complete_supplier(session, evidence_dir, status="expired", name="Recorded Expiry Ltd")
    session.commit()
    page = admin.get("/admin/accreditation?status=accredited").get_data(as_text=True)
    assert "Last Day Ltd" in page and "Lapsed Today Ltd" not in page
    assert "Accredited (1)" in page and "Expired (3)" in page and "Suspended (0)" in page
    page = admin.get("/admin/accreditation?status=expired").get_data(as_text=True)
    for name in ("Lapsed Today Ltd", "Lapsed Suspended Ltd", "Recorded Expiry Ltd"):
        assert name in page
    assert "Last Day Ltd" not in page


def test_accreditation_is_still_valid_the_day_before_it_expires(app: Flask, session: Session, evidence_dir: Path) -> None:
    organisation = make_accredited_supplier(session, evidence_dir, expires_on=today() + timedelta(days=1))
    user = make_supplier_user(session, organisation)
    session.commit()
    page = _signed_in(app, user).get("/supplier/accreditation").get_data(as_text=True)
    assert f"Your accreditation is valid until {today().day} {today():%B %Y}" in page  # today is the last day
    assert "Accreditation expired" not in page


# Certificates


def _certificate_form(expires_on: date, kind: str = "iso27001") -> dict[str, object]:
    return {"kind": kind, "number": "ISO-123", "issuer": "BSI", "expires_on": [str(expires_on.day), str(expires_on.month), str(expires_on.year)]}


def test_adding_a_certificate_and_renewing_it(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    expiry = today() + timedelta(days=400)
    response = client.post("/supplier/accreditation/certificates", data=_certificate_form(expiry), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "ISO/IEC 27001 certificate saved." in page and "ISO-123" in page
    renewed = {**_certificate_form(expiry + timedelta(days=365)), "number": "ISO-456"}
    client.post("/supplier/accreditation/certificates", data=renewed)
    session.expire_all()
    certificates = list(session.scalars(sa.select(Certificate).where(Certificate.organisation_id == user.organisation_id)))
    assert [(c.kind, c.number, c.expires_on) for c in certificates] == [("iso27001", "ISO-456", expiry + timedelta(days=365))]
    assert [e.action for e in session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "certificates"))] == [
        "certificate.added", "certificate.renewed"
    ]


def test_adding_an_expired_certificate_is_refused(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = client.post("/supplier/accreditation/certificates", data=_certificate_form(today() - timedelta(days=1)))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This certificate has already expired: add a current one" in page
    assert 'href="#expires_on"' in page
    assert session.scalar(sa.select(Certificate)) is None


@pytest.mark.parametrize("parts", [["31", "2", "2030"], ["1", "13", "2030"], ["x", "1", "2030"], ["1", "", "2030"]])
def test_a_certificate_expiry_that_is_not_a_real_date_is_refused(client: FlaskClient, session: Session, parts: list[str]) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = client.post("/supplier/accreditation/certificates", data={**_certificate_form(today()), "expires_on": parts})
    assert response.status_code == 400
    assert "Expiry date must be a real date, like 31 3 2027" in response.get_data(as_text=True)
    assert session.scalar(sa.select(Certificate)) is None


def test_a_certificate_expiring_before_the_accreditation_is_flagged_on_the_admin_page(
    session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    organisation = make_accredited_supplier(session, evidence_dir, certificate_expires_on=today() + timedelta(days=90))
    on_time = make_accredited_supplier(session, evidence_dir)
    session.commit()
    assert "Expires before the accreditation" in admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    assert "Expires before the accreditation" not in admin.get(f"/admin/suppliers/{on_time.id}").get_data(as_text=True)


def test_a_certificate_that_would_expire_during_the_accreditation_is_flagged_before_approval(
    app: Flask, session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    organisation, _ = _submitted_supplier(app, session, evidence_dir, certificate_expires_on=today() + timedelta(days=90))
    assert "Expires before the accreditation" in admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)


# Evidence documents


def _upload(client: FlaskClient, data: bytes, filename: str, title: str = "Insurance schedule"):  # type: ignore[no-untyped-def]
    return client.post("/supplier/accreditation/documents", data={"title": title, "document": (io.BytesIO(data), filename)})


def _stored_files(evidence_dir: Path) -> list[Path]:
    return sorted(p for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.exists() else []


def test_uploaded_pdf_is_listed_and_downloadable_by_the_organisation_and_admins_only_as_an_attachment(
    app: Flask, client: FlaskClient, session: Session, evidence_dir: Path, admin: FlaskClient
) -> None:
    user = make_user(session, Role.SUPPLIER)
    colleague = make_supplier_user(session, user.organisation)
    session.commit()
    login_as(client, user)
    response = _upload(client, MINIMAL_PDF, "Insurance 2026.pdf")
    assert response.status_code == 302
    page = client.get("/supplier/accreditation/documents").get_data(as_text=True)
    assert "Insurance schedule" in page and "Insurance 2026.pdf" in page

    document = session.scalar(sa.select(EvidenceDocument))
    assert document is not None
    assert (document.kind, document.mimetype, document.size_bytes) == ("pdf", "application/pdf", len(MINIMAL_PDF))
    # Stored under EVIDENCE_DIR with a random name, never under static/.
    stored = (evidence_dir / document.storage_key).resolve()
    assert stored.read_bytes() == MINIMAL_PDF
    assert stored.is_relative_to(evidence_dir.resolve())
    assert not stored.is_relative_to(Path(app.static_folder).resolve())  # type: ignore[arg-type]
    assert "Insurance" not in document.storage_key

    for reader, url in (
        (client, f"/supplier/accreditation/documents/{document.id}"),
        (_signed_in(app, colleague), f"/supplier/accreditation/documents/{document.id}"),
        (admin, f"/admin/suppliers/{user.organisation_id}/documents/{document.id}"),
    ):
        response = reader.get(url)
        assert response.status_code == 200
        assert response.data == MINIMAL_PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "Insurance 2026.pdf" in response.headers["Content-Disposition"]
        assert "no-store" in response.headers["Cache-Control"]
    assert client.get(f"/static/{document.storage_key}").status_code == 404
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evidence.uploaded"))
    assert event is not None and event.actor_id == user.id


def test_evidence_is_read_back_from_where_it_was_written_when_evidence_dir_is_relative(
    app: Flask, client: FlaskClient, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app.config["EVIDENCE_DIR"] = "relative-evidence"
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    assert _upload(client, MINIMAL_PDF, "insurance.pdf").status_code == 302
    document = session.scalar(sa.select(EvidenceDocument))
    assert document is not None
    assert (tmp_path / "relative-evidence" / document.storage_key).read_bytes() == MINIMAL_PDF
    response = client.get(f"/supplier/accreditation/documents/{document.id}")
    assert response.status_code == 200 and response.data == MINIMAL_PDF


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (WINDOWS_EXECUTABLE, "x.pdf", WRONG_TYPE),
        (b"", "empty.pdf", "The selected file is empty"),
        (MINIMAL_PDF, "certificate.odt", "This file&#39;s name ends .odt but it is not an OpenDocument text document (ODT)"),
        (MINIMAL_PDF, "certificate.exe", "This file is a PDF, so its name must end .pdf"),
    ],
    ids=["renamed-exe", "empty", "pdf-named-odt", "pdf-named-exe"],
)
def test_files_that_are_not_what_they_claim_are_refused_next_to_the_file_field(
    client: FlaskClient, session: Session, evidence_dir: Path, data: bytes, filename: str, message: str
) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = _upload(client, data, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'href="#document"' in page
    assert 'value="Insurance schedule"' in page  # the title is kept
    assert session.scalar(sa.select(EvidenceDocument)) is None
    assert _stored_files(evidence_dir) == []


def test_a_word_document_is_refused(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    for filename in ("report.docx", "report.odt"):
        response = _upload(client, buffer.getvalue(), filename)
        assert response.status_code == 400
        assert WRONG_TYPE in response.get_data(as_text=True)
    assert session.scalar(sa.select(EvidenceDocument)) is None
    assert _stored_files(evidence_dir) == []


def test_a_file_over_the_size_limit_is_refused(app: Flask, client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    app.config["EVIDENCE_MAX_BYTES"] = 512 * 1024
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = _upload(client, MINIMAL_PDF + b" " * (512 * 1024), "big.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The selected file must be smaller than 0.5 MB" in page and 'href="#document"' in page
    assert session.scalar(sa.select(EvidenceDocument)) is None
    assert _stored_files(evidence_dir) == []
    # Exactly at the limit is fine.
    assert _upload(client, MINIMAL_PDF + b" " * (512 * 1024 - len(MINIMAL_PDF)), "limit.pdf").status_code == 302


def test_an_upload_without_a_file_or_title_is_explained(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    response = client.post("/supplier/accreditation/documents", data={"title": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select a file to upload" in page and "Enter what the document is" in page


def test_removing_a_document_deletes_its_file(client: FlaskClient, session: Session, evidence_dir: Path) -> None:
    user = make_user(session, Role.SUPPLIER)
    session.commit()
    login_as(client, user)
    _upload(client, MINIMAL_PDF, "insurance.pdf")
    document = session.scalar(sa.select(EvidenceDocument))
    assert document is not None
    path = evidence_dir / document.storage_key
    assert path.exists()
    response = client.post(f"/supplier/accreditation/documents/{document.id}/remove", follow_redirects=True)
    assert "Document removed." in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(sa.select(EvidenceDocument)) is None
    assert not path.exists()


def test_evidence_cannot_be_added_to_a_submitted_application(app: Flask, session: Session, evidence_dir: Path) -> None:
    organisation, supplier = _submitted_supplier(app, session, evidence_dir)
    files_before = _stored_files(evidence_dir)
    response = _upload(supplier, MINIMAL_PDF, "late.pdf")
    assert response.status_code == 302
    assert "cannot be changed now" in supplier.get(response.location).get_data(as_text=True)
    assert _stored_files(evidence_dir) == files_before
    assert session.scalar(sa.select(sa.func.count(EvidenceDocument.id)).where(EvidenceDocument.organisation_id == organisation.id)) == 1


# With CSRF protection on, as in production


def _token(page: str, name: str = "csrf_token") -> str:
    import re

    match = re.search(rf'name="{re.escape(name)}" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def _csrf_login(client: FlaskClient, user: User) -> None:
    from tests.factories import PASSWORD

    token = _token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_decision_and_upload_forms_carry_their_security_tokens(csrf_app: Flask, session: Session, evidence_dir: Path) -> None:
    organisation = make_complete_supplier(session, evidence_dir, status="submitted")
    admin_user = make_user(session, Role.ADMIN)
    supplier_user = make_user(session, Role.SUPPLIER)
    session.commit()

    admin = csrf_app.test_client()
    _csrf_login(admin, admin_user)
    assert admin.post(f"/admin/suppliers/{organisation.id}/reject", data={"reject-reason": "No token."}).status_code == 400
    assert _status(session, organisation) == "submitted"
    page = admin.get(f"/admin/suppliers/{organisation.id}").get_data(as_text=True)
    response = admin.post(f"/admin/suppliers/{organisation.id}/approve", data={"approve-csrf_token": _token(page, "approve-csrf_token")})
    assert response.status_code == 302
    assert _status(session, organisation) == "accredited"

    supplier = csrf_app.test_client()
    _csrf_login(supplier, supplier_user)
    page = supplier.get("/supplier/accreditation/documents").get_data(as_text=True)
    data = {"title": "Insurance", "document": (io.BytesIO(MINIMAL_PDF), "insurance.pdf"), "csrf_token": _token(page)}
    assert supplier.post("/supplier/accreditation/documents", data=data).status_code == 302
    assert session.scalar(sa.select(EvidenceDocument).where(EvidenceDocument.organisation_id == supplier_user.organisation_id)) is not None
