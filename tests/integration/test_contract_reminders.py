"""flask contracts remind: break-notice and end reminders sent once each while due, ended contracts recorded."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.contracts.cli import contract_page_url
from app.contracts.models import Contract, ContractReminder
from app.contracts.reminders import ReminderReport, send_due_reminders
from tests.conftest import Mailbox
from tests.contract_factories import make_contract
from tests.factories import make_user

# A 24-month contract with one break: the break on 4 January 2028 needs 30 days' notice, by 5 December 2027.
START = date(2027, 1, 4)
BREAK = date(2028, 1, 4)
DEADLINE = date(2027, 12, 5)
END = date(2029, 1, 4)


class Outbox:
    """Stands in for send_mail: keeps what would have been sent, and can refuse chosen recipients."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refuse: set[str] = set()

    def __call__(self, to: str, subject: str, template: str, **context: object) -> None:
        if to in self.refuse:
            raise ConnectionRefusedError("SMTP server refused the connection")
        self.sent.append({"to": to, "subject": subject, "template": template, **context})


@pytest.fixture
def outbox_fake() -> Outbox:
    return Outbox()


def run(session: Session, outbox: Outbox, today: date, *, notice_days: int = 30, end_days: int = 60) -> ReminderReport:
    return send_due_reminders(
        session,
        today=today,
        notice_days=notice_days,
        end_days=end_days,
        send=outbox,
        contract_url=lambda contract: f"https://cloudstore.example/contracts/{contract.id}",
    )


def reminders_of(session: Session, contract: Contract) -> list[tuple[str, date]]:
    rows = session.scalars(sa.select(ContractReminder).where(ContractReminder.contract_id == contract.id))
    return sorted((row.kind, row.due_on) for row in rows)


def events(session: Session, contract: Contract, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_type == "contracts")
            .where(AuditEvent.object_id == str(contract.id))
            .order_by(AuditEvent.id)
        )
    )


@pytest.fixture
def contract(session: Session) -> Contract:
    contract = make_contract(session, start_date=START, break_dates=(BREAK,))
    session.commit()
    return contract


@pytest.mark.parametrize(
    ("today", "sent"),
    [
        (DEADLINE - timedelta(days=31), False),
        (DEADLINE - timedelta(days=30), True),
        (DEADLINE - timedelta(days=1), True),
        (DEADLINE, True),
        (DEADLINE + timedelta(days=1), False),
    ],
    ids=["31-days-before", "30-days-before", "day-before", "deadline-day", "deadline-passed"],
)
def test_break_notice_reminder_is_due_from_30_days_before_the_deadline_until_the_deadline(
    session: Session, outbox_fake: Outbox, contract: Contract, today: date, sent: bool
) -> None:
    report = run(session, outbox_fake, today)
    assert [(s.kind, s.due_on) for s in report.sent] == ([("break_notice", DEADLINE)] if sent else [])
    assert reminders_of(session, contract) == ([("break_notice", DEADLINE)] if sent else [])


def test_break_notice_reminder_is_sent_once_however_often_the_command_runs(
    session: Session, outbox_fake: Outbox, contract: Contract
) -> None:
    first = DEADLINE - timedelta(days=30)
    assert len(run(session, outbox_fake, first).sent) == 1
    assert run(session, outbox_fake, first).sent == []
    assert run(session, outbox_fake, first + timedelta(days=1)).sent == []
    assert run(session, outbox_fake, DEADLINE).sent == []
    assert [m["to"] for m in outbox_fake.sent] == [contract.buyer.email]
    assert reminders_of(session, contract) == [("break_notice", DEADLINE)]


def test_break_notice_reminder_goes_to_the_buyer_with_the_deadline_and_what_happens_otherwise(
    session: Session, outbox_fake: Outbox, contract: Contract
) -> None:
    run(session, outbox_fake, DEADLINE - timedelta(days=12))
    [message] = outbox_fake.sent
    assert message["to"] == contract.buyer.email
    assert message["subject"] == f"Break notice deadline on 5 December 2027: {contract.service_version.data['name']}"
    assert message["template"] == "contract_break_notice"
    assert (message["break_date"], message["deadline"], message["days_left"]) == (BREAK, DEADLINE, "12 days")
    assert message["continues_to"] == END and not message["continues_to_break"]
    assert message["url"] == f"https://cloudstore.example/contracts/{contract.id}"


def test_a_later_break_gets_its_own_reminder_and_doing_nothing_runs_on_to_it(
    session: Session, outbox_fake: Outbox
) -> None:
    later_break = date(2028, 7, 4)
    contract = make_contract(session, start_date=START, break_dates=(BREAK, later_break))
    session.commit()

    run(session, outbox_fake, DEADLINE - timedelta(days=5))
    assert outbox_fake.sent[-1]["continues_to"] == later_break and outbox_fake.sent[-1]["continues_to_break"]
    later_deadline = date(2028, 6, 4)
    report = run(session, outbox_fake, later_deadline - timedelta(days=30))
    assert [(s.kind, s.due_on) for s in report.sent] == [("break_notice", later_deadline)]
    assert reminders_of(session, contract) == [("break_notice", DEADLINE), ("break_notice", later_deadline)]


def test_no_break_notice_reminder_once_a_break_has_been_exercised(session: Session, outbox_fake: Outbox) -> None:
    later_break = date(2028, 7, 4)
    contract = make_contract(session, start_date=START, break_dates=(BREAK, later_break), ended_on=later_break)
    session.commit()

    for today in (DEADLINE - timedelta(days=30), DEADLINE, date(2028, 6, 4) - timedelta(days=10)):
        run(session, outbox_fake, today)
    # Only the end reminder, for the break exercised, 60 days before it.
    assert [m["template"] for m in outbox_fake.sent] == ["contract_end", "contract_end"]
    assert reminders_of(session, contract) == [("end", later_break)]


def test_a_contract_ending_at_a_break_still_gets_its_end_reminder_saying_it_cannot_be_extended(
    app: Flask, session: Session, outbox_fake: Outbox
) -> None:
    contract = make_contract(session, start_date=START, break_dates=(BREAK,), extensions_months=(12,), ended_on=BREAK)
    session.commit()

    report = run(session, outbox_fake, BREAK - timedelta(days=60))
    assert [(s.kind, s.due_on) for s in report.sent] == [("end", BREAK)]
    message = outbox_fake.sent[0]
    assert message["ending_at_break"] and message["next_extension_months"] is None
    with app.app_context():
        body = app.jinja_env.get_template("email/contract_end.txt").render(**message)
    assert "cannot be extended, because a break was exercised" in body
    assert reminders_of(session, contract) == [("end", BREAK)]


@pytest.mark.parametrize(("days_before", "sent"), [(61, False), (60, True), (1, True), (0, False)])
def test_end_reminder_is_due_in_the_60_days_before_the_end_date(
    session: Session, outbox_fake: Outbox, days_before: int, sent: bool
) -> None:
    end = date(2028, 3, 1)
    contract = make_contract(session, start_date=date(2027, 3, 1), initial_term_months=12)
    session.commit()

    report = run(session, outbox_fake, end - timedelta(days=days_before))
    assert [(s.kind, s.due_on) for s in report.sent] == ([("end", end)] if sent else [])
    assert reminders_of(session, contract) == ([("end", end)] if sent else [])


def test_end_reminder_goes_to_the_buyer_and_the_supplier_contact_once(session: Session, outbox_fake: Outbox) -> None:
    end = date(2028, 3, 1)
    contract = make_contract(session, start_date=date(2027, 3, 1), initial_term_months=12, extensions_months=(6,))
    session.commit()
    supplier_contact = contract.organisation.contact_email
    assert supplier_contact

    report = run(session, outbox_fake, end - timedelta(days=40))
    run(session, outbox_fake, end - timedelta(days=20))
    assert [s.recipients for s in report.sent] == [(contract.buyer.email, supplier_contact)]
    buyer, supplier = outbox_fake.sent
    assert (buyer["to"], supplier["to"]) == (contract.buyer.email, supplier_contact)
    name = contract.service_version.data["name"]
    assert buyer["subject"] == supplier["subject"] == f"Contract ends on 1 March 2028: {name}"
    assert buyer["for_buyer"] and not supplier["for_buyer"]
    # The extension can be taken in the last 30 days before the end, which have not started yet.
    assert (buyer["extension_opens"], buyer["extension_closes"]) == (date(2028, 1, 31), date(2028, 2, 29))
    assert buyer["next_extension_months"] == 6 and not buyer["extension_open_now"]


def test_end_reminder_goes_to_the_buyer_alone_when_the_supplier_has_no_contact_email(
    session: Session, outbox_fake: Outbox
) -> None:
    contract = make_contract(session, start_date=date(2027, 3, 1), initial_term_months=12)
    contract.organisation.contact_email = None
    session.commit()

    run(session, outbox_fake, date(2028, 2, 1))
    assert [m["to"] for m in outbox_fake.sent] == [contract.buyer.email]


def test_an_extension_moves_the_end_date_so_the_new_end_gets_its_own_reminder(
    session: Session, outbox_fake: Outbox
) -> None:
    contract = make_contract(session, start_date=date(2027, 3, 1), initial_term_months=12, extensions_months=(6,))
    session.commit()
    run(session, outbox_fake, date(2028, 2, 1))
    contract.extensions_taken = 1
    contract.end_date = date(2028, 9, 1)
    session.commit()

    report = run(session, outbox_fake, date(2028, 8, 1))
    assert [(s.kind, s.due_on) for s in report.sent] == [("end", date(2028, 9, 1))]
    assert reminders_of(session, contract) == [("end", date(2028, 3, 1)), ("end", date(2028, 9, 1))]


def test_every_reminder_sent_is_audited(session: Session, outbox_fake: Outbox, contract: Contract) -> None:
    run(session, outbox_fake, DEADLINE - timedelta(days=30))
    [event] = events(session, contract, "contract.reminder_sent")
    assert event.actor_id is None and event.actor_label == "contracts remind"
    assert event.after == {"kind": "break_notice", "due_on": "2027-12-05", "recipients": [contract.buyer.email]}


def test_contracts_past_their_end_date_are_recorded_as_expired_or_ended_and_audited(
    session: Session, outbox_fake: Outbox
) -> None:
    expired = make_contract(session, start_date=date(2025, 1, 1), initial_term_months=12)
    break_date = date(2026, 1, 1)
    ended = make_contract(session, start_date=date(2025, 1, 1), break_dates=(break_date,), ended_on=break_date)
    running = make_contract(session, start_date=date(2025, 6, 1), initial_term_months=12)
    session.commit()

    report = run(session, outbox_fake, date(2026, 1, 1))
    assert report.summary() == "0 reminders sent, 0 failed, 1 contract expired, 1 ended at a break"
    assert (expired.status, ended.status, running.status) == ("expired", "ended", "active")
    [expiry] = events(session, expired, "contract.expired")
    assert expiry.before == {"status": "active"}
    assert expiry.after == {"status": "expired", "end_date": "2026-01-01", "ended_on": None}
    assert expiry.actor_label == "contracts remind"
    [ending] = events(session, ended, "contract.ended")
    assert ending.after == {"status": "ended", "end_date": "2026-01-01", "ended_on": "2026-01-01"}

    again = run(session, outbox_fake, date(2026, 1, 2))
    assert again.expired == again.ended == []
    assert len(events(session, expired, "contract.expired")) == 1


def test_a_failed_send_is_retried_by_the_next_run_without_undoing_reminders_already_sent(
    session: Session, outbox_fake: Outbox
) -> None:
    sent_first = make_contract(session, start_date=START, break_dates=(BREAK,))
    unlucky_buyer = make_user(session, Role.BUYER)
    fails = make_contract(session, buyer=unlucky_buyer, start_date=START, break_dates=(BREAK,))
    session.commit()
    outbox_fake.refuse.add(unlucky_buyer.email)

    report = run(session, outbox_fake, DEADLINE - timedelta(days=20))
    assert [s.reference for s in report.sent] == [f"CS-{sent_first.id:06d}"]
    assert [(f.reference, f.kind) for f in report.failed] == [(f"CS-{fails.id:06d}", "break_notice")]
    assert "refused" in report.failed[0].error
    assert reminders_of(session, sent_first) == [("break_notice", DEADLINE)]
    assert reminders_of(session, fails) == []
    assert events(session, fails, "contract.reminder_sent") == []

    outbox_fake.refuse.clear()
    retry = run(session, outbox_fake, DEADLINE - timedelta(days=19))
    assert [s.reference for s in retry.sent] == [f"CS-{fails.id:06d}"] and retry.failed == []
    assert reminders_of(session, fails) == [("break_notice", DEADLINE)]


def test_contract_page_url_uses_server_name_and_scheme(app: Flask, session: Session) -> None:
    contract = make_contract(session, start_date=START)
    app.config.update(SERVER_NAME="cloudstore.example", PREFERRED_URL_SCHEME="https")
    with app.app_context():
        assert contract_page_url(contract) == f"https://cloudstore.example/buyer/projects/contracts/{contract.id}"


# The command -----------------------------------------------------------------------------------------------


def test_command_sends_due_reminders_as_emails_and_prints_what_it_did(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    contract = make_contract(session, start_date=START, break_dates=(BREAK,))
    session.commit()
    reference = f"CS-{contract.id:06d}"

    result = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2027-11-20"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Sent break-notice reminder for contract {reference} to {contract.buyer.email} (deadline 5 December 2027)",
        "1 reminder sent, 0 failed, 0 contracts expired, 0 ended at a break",
    ]
    [email] = mailbox.for_address(contract.buyer.email)
    assert email["Subject"].startswith("Break notice deadline on 5 December 2027: ")
    body = email.get_content()
    assert "break date on 4 January 2028" in body
    assert "give the supplier notice by 5 December 2027 (15 days from today)" in body
    assert "continues until it ends on 4 January 2029" in body
    assert mailbox.last_link(contract.buyer.email) == f"http://127.0.0.1:5000/buyer/projects/contracts/{contract.id}"

    again = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2027-11-21"])
    assert again.output.splitlines() == ["0 reminders sent, 0 failed, 0 contracts expired, 0 ended at a break"]
    assert len(mailbox.messages()) == 1
    session.expire_all()
    assert reminders_of(session, contract) == [("break_notice", DEADLINE)]


def test_command_end_emails_name_the_extension_window_and_the_data_return(
    app: Flask, session: Session, mailbox: Mailbox
) -> None:
    contract = make_contract(session, start_date=date(2027, 3, 1), initial_term_months=12, extensions_months=(6,))
    session.commit()
    supplier_contact = contract.organisation.contact_email
    assert supplier_contact

    result = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2028-02-10"])
    assert result.exit_code == 0, result.output
    reference = f"CS-{contract.id:06d}"
    assert f"Sent end reminder for contract {reference} to {contract.buyer.email}, {supplier_contact}" in result.output
    [to_buyer] = mailbox.for_address(contract.buyer.email)
    [to_supplier] = mailbox.for_address(supplier_contact)
    body = to_buyer.get_content()
    assert "ends on 1 March 2028, in 20 days. Its last day is 29 February 2028." in body
    assert "You can still extend it by 6 months, from now until 29 February 2028." in body
    assert contract.data_return in body
    assert f"/buyer/projects/contracts/{contract.id}" in body
    supplier_body = to_supplier.get_content()
    assert "The buyer can still extend it by 6 months" in supplier_body
    assert "/buyer/projects/contracts/" not in supplier_body
    assert "Sign in to Cloudstore to see the contract under Contracts." in supplier_body


def test_command_records_expired_contracts(app: Flask, session: Session) -> None:
    contract = make_contract(session, start_date=date(2025, 1, 1), initial_term_months=12)
    session.commit()

    result = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2026-03-01"])
    assert result.exit_code == 0, result.output
    assert "0 reminders sent, 0 failed, 1 contract expired, 0 ended at a break" in result.output
    session.expire_all()
    assert session.get(Contract, contract.id).status == "expired"  # type: ignore[union-attr]


def test_command_exits_1_when_an_email_cannot_be_sent_and_the_next_run_sends_it(
    app: Flask, session: Session, mailbox: Mailbox, tmp_path: Path
) -> None:
    contract = make_contract(session, start_date=START, break_dates=(BREAK,))
    session.commit()
    outbox_dir = app.config["MAIL_OUTBOX_DIR"]
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    app.config["MAIL_OUTBOX_DIR"] = str(blocked)

    result = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2027-11-20"])
    assert result.exit_code == 1
    assert f"Could not send break-notice reminder for contract CS-{contract.id:06d}" in result.stderr
    assert "0 reminders sent, 1 failed" in result.stdout
    session.expire_all()
    assert reminders_of(session, contract) == []

    app.config["MAIL_OUTBOX_DIR"] = outbox_dir
    retry = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", "2027-11-21"])
    assert retry.exit_code == 0, retry.output
    assert len(mailbox.for_address(contract.buyer.email)) == 1


@pytest.mark.parametrize("value", ["2027-13-01", "20271120", "tomorrow"])
def test_command_refuses_a_today_that_is_not_a_date(app: Flask, value: str) -> None:
    result = app.test_cli_runner().invoke(args=["contracts", "remind", "--today", value])
    assert result.exit_code == 2
    assert "Invalid value for '--today'" in result.output
    assert "Traceback" not in result.output
