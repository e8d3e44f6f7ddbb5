"""flask suppliers expire: lapsed accreditations are recorded, audited and emailed once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.admin.accreditation import AccreditationStatus
from app.audit.models import AuditEvent
from tests.conftest import Mailbox
from tests.factories import make_accredited_supplier, make_supplier_user

EXPIRES = date(2027, 6, 1)  # the first day it is no longer valid


def test_expire_records_lapsed_accreditations_and_emails_their_people(app: Flask, session: Session, mailbox: Mailbox) -> None:
    lapsing = make_accredited_supplier(session, Path(app.config["EVIDENCE_DIR"]), name="Lapsing Ltd", expires_on=EXPIRES)
    person = make_supplier_user(session, lapsing)
    valid = make_accredited_supplier(session, Path(app.config["EVIDENCE_DIR"]), name="Renewed Ltd", expires_on=date(2028, 6, 1))
    make_supplier_user(session, valid)
    session.commit()

    before = app.test_cli_runner().invoke(args=["suppliers", "expire", "--today", "2027-05-31"])
    assert before.exit_code == 0, before.output
    assert before.output.splitlines() == ["0 accreditations expired"]
    assert mailbox.messages() == []

    result = app.test_cli_runner().invoke(args=["suppliers", "expire", "--today", "2027-06-01"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Lapsing Ltd: accreditation expired on 2027-06-01; emailed ")
    assert lines[-1] == "1 accreditation expired"
    session.expire_all()
    assert lapsing.accreditation.status == AccreditationStatus.EXPIRED
    assert valid.accreditation.status == AccreditationStatus.ACCREDITED
    [event] = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "accreditation.expire")).all()
    assert event.actor_label == "expiry check" and event.after == {"status": "expired"}
    [email] = mailbox.for_address(person.email)
    assert email["Subject"] == "Your Cloudstore accreditation has expired"
    body = email.get_content()
    assert "The accreditation of Lapsing Ltd on Cloudstore is now: Expired." in body
    assert "It was valid until 31 May 2027." in body
    assert "apply again" in body

    again = app.test_cli_runner().invoke(args=["suppliers", "expire", "--today", "2027-06-02"])
    assert again.output.splitlines() == ["0 accreditations expired"]
    assert len(mailbox.for_address(person.email)) == 1  # told once


def test_expire_records_nothing_when_the_emails_cannot_be_sent(app: Flask, session: Session, mailbox: Mailbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    lapsing = make_accredited_supplier(session, Path(app.config["EVIDENCE_DIR"]), name="Lapsing Ltd", expires_on=EXPIRES)
    make_supplier_user(session, lapsing)
    session.commit()

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr("app.suppliers.cli.send_mail", broken)
    result = app.test_cli_runner().invoke(args=["suppliers", "expire", "--today", "2027-06-01"])
    assert result.exit_code == 1
    assert "Could not send the expiry emails (the mail server is down); nothing was recorded." in result.output
    session.expire_all()
    assert lapsing.accreditation.status == AccreditationStatus.ACCREDITED  # the next run tries again
