"""Reminders before a contract's break-notice deadlines and end date, and recording contracts that have ended.

`flask contracts remind` runs this once a day. A reminder is "due" while its
date is inside the window (the command may miss days), and the unique
(contract, kind, due_on) row makes sure it is sent once: a later break date
has a different deadline, and an extension a different end date, so each
gets its own reminder.

Mail and links are injected (`send`, `contract_url`), so this module needs no
Flask and the tests need no mocks of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit.services import record
from app.contracts.models import Contract, ContractReminder
from app.contracts.state import Standing, limits_for, standing, state_of
from app.dates import format_date

logger = logging.getLogger(__name__)

ACTOR_LABEL = "contracts remind"
BREAK_NOTICE = "break_notice"
END = "end"


class SendMail(Protocol):
    """Sends one email rendered from ``email/<template>.txt`` (``app.mail.send_mail`` in the application)."""

    def __call__(self, to: str, subject: str, template: str, **context: object) -> object: ...


@dataclass(frozen=True)
class SentReminder:
    reference: str
    kind: str
    due_on: date
    recipients: tuple[str, ...]

    def describe(self) -> str:
        """One line for the command's output."""
        to = ", ".join(self.recipients)
        when = format_date(self.due_on)
        if self.kind == BREAK_NOTICE:
            return f"Sent break-notice reminder for contract {self.reference} to {to} (deadline {when})"
        return f"Sent end reminder for contract {self.reference} to {to} (ends {when})"


@dataclass(frozen=True)
class FailedReminder:
    reference: str
    kind: str
    due_on: date
    error: str

    def describe(self) -> str:
        kind = "break-notice" if self.kind == BREAK_NOTICE else "end"
        return (
            f"Could not send {kind} reminder for contract {self.reference} ({format_date(self.due_on)}): "
            f"{self.error}; the next run tries again"
        )


@dataclass
class ReminderReport:
    """What one run did: reminders sent and failed, and contracts recorded as expired or ended at a break."""

    sent: list[SentReminder] = field(default_factory=list)
    failed: list[FailedReminder] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{_count(len(self.sent), 'reminder')} sent, {len(self.failed)} failed, "
            f"{_count(len(self.expired), 'contract')} expired, {len(self.ended)} ended at a break"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _days(number: int) -> str:
    if number == 0:
        return "today"
    return "1 day" if number == 1 else f"{number} days"


def contract_reference(contract: Contract) -> str:
    """The reference buyers and suppliers quote, for example CS-000012."""
    return f"CS-{contract.id:06d}"


def service_name(contract: Contract) -> str:
    """The service's name as it was when the contract was awarded (the pinned version)."""
    return str(contract.service_version.data.get("name") or contract.service.name)


def send_due_reminders(
    session: Session,
    *,
    today: date,
    notice_days: int,
    end_days: int,
    send: SendMail,
    contract_url: Callable[[Contract], str],
) -> ReminderReport:
    """Remind the buyer when a break's notice deadline is at most `notice_days` away, and the buyer and the
    supplier when the contract ends in at most `end_days` days (T2, T3), each once; record as expired or ended
    the contracts whose end date has passed. Every action is audited.

    Unlike a service this commits, once per reminder and per contract recorded: a failure later in the run
    must not take back a reminder already sent, and a failed send rolls back its own row so the next run
    tries again. So the session must have nothing pending when it is called."""
    report = ReminderReport()
    limits = limits_for(session)
    contracts = session.scalars(sa.select(Contract).where(Contract.status == "active").order_by(Contract.id)).all()
    for contract in contracts:
        now = standing(contract, limits, today)
        if now.status in ("ended", "expired"):
            _record_end(session, contract, now, report)
            continue
        due: list[_Reminder] = []
        # No break reminder once a break has been exercised ("ending"): the buyer is already leaving.
        deadline = now.notice_deadline if now.status == "active" else None
        if deadline is not None and 0 <= (deadline - today).days <= notice_days:
            due.append(_break_notice(contract, now, today, contract_url(contract)))
        if 0 < (now.end_date - today).days <= end_days:
            due.append(_end(contract, now, today, contract_url(contract)))
        for reminder in due:
            _send_once(session, contract, reminder, send, report)
    return report


def _record_end(session: Session, contract: Contract, now: Standing, report: ReminderReport) -> None:
    """Store what the dates already say: the contract ran its term (expired) or stopped at the break exercised."""
    reference = contract_reference(contract)
    before = {"status": contract.status}
    contract.status = now.status
    after = {"status": now.status, "end_date": now.end_date, "ended_on": contract.ended_on}
    record(session, None, f"contract.{now.status}", contract, before=before, after=after, actor_label=ACTOR_LABEL)
    session.commit()
    (report.ended if now.status == "ended" else report.expired).append(reference)


@dataclass(frozen=True)
class _Reminder:
    """One reminder to send: the emails (recipient and template context) and the row that marks it sent."""

    kind: str
    due_on: date
    subject: str
    template: str
    messages: list[tuple[str, dict[str, object]]]


def _break_notice(contract: Contract, now: Standing, today: date, url: str) -> _Reminder:
    assert now.next_break is not None and now.notice_deadline is not None
    # What happens if the buyer does nothing: the contract runs on to its next way out.
    continues_to = next(way_out for way_out in state_of(contract).ways_out if way_out > now.next_break)
    name = service_name(contract)
    context: dict[str, object] = {
        "contract": contract,
        "reference": contract_reference(contract),
        "service_name": name,
        "break_date": now.next_break,
        "deadline": now.notice_deadline,
        "days_left": _days((now.notice_deadline - today).days),
        "notice_days": contract.buyer_notice_days,
        "continues_to": continues_to,
        "continues_to_break": continues_to != now.end_date,
        "end_date": now.end_date,
        "next_extension_months": now.next_extension_months,
        "url": url,
        "for_buyer": True,
    }
    return _Reminder(
        kind=BREAK_NOTICE,
        due_on=now.notice_deadline,
        subject=f"Break notice deadline on {format_date(now.notice_deadline)}: {name}",
        template="contract_break_notice",
        messages=[(contract.buyer.email, context)],
    )


def _end(contract: Contract, now: Standing, today: date, url: str) -> _Reminder:
    name = service_name(contract)
    window = now.extension_window
    context: dict[str, object] = {
        "contract": contract,
        "reference": contract_reference(contract),
        "service_name": name,
        "end_date": now.end_date,
        "days_left": _days((now.end_date - today).days),
        "ending_at_break": now.status == "ending",
        "next_extension_months": now.next_extension_months,
        "extension_opens": window[0] if window else None,
        "extension_closes": window[1] if window else None,
        "extension_open_now": window is not None and window[0] <= today,
        "data_return": contract.data_return,
        "url": url,
    }
    messages = [(contract.buyer.email, {**context, "for_buyer": True})]
    supplier_contact = contract.organisation.contact_email
    if supplier_contact and supplier_contact != contract.buyer.email:
        # The supplier's copy leaves out the link: the contract page is the buyer's.
        messages.append((supplier_contact, {**context, "for_buyer": False}))
    return _Reminder(
        kind=END,
        due_on=now.end_date,
        subject=f"Contract ends on {format_date(now.end_date)}: {name}",
        template="contract_end",
        messages=messages,
    )


def _send_once(
    session: Session, contract: Contract, reminder: _Reminder, send: SendMail, report: ReminderReport
) -> None:
    """Claim the reminder's row, send its emails, audit and commit; or skip it if the row already exists."""
    reference = contract_reference(contract)
    kind, due_on = reminder.kind, reminder.due_on
    try:
        # The savepoint keeps the run going when the row exists. A second run at the same time blocks on the
        # unique index until the first commits, then finds the row: the reminder is never sent twice.
        with session.begin_nested():
            session.add(ContractReminder(contract_id=contract.id, kind=kind, due_on=due_on))
    except IntegrityError:
        return
    recipients = tuple(to for to, _ in reminder.messages)
    try:
        for to, context in reminder.messages:
            send(to, reminder.subject, reminder.template, **context)
    # Any failure (SMTP refused, outbox unwritable) must not stop the other reminders. If one recipient got
    # the email and another did not, the retry sends it to both: a repeat is better than a missed deadline.
    except Exception as error:
        session.rollback()  # only this reminder's row: everything before it is committed
        logger.exception("Sending the %s reminder for contract %s failed", kind, reference)
        report.failed.append(FailedReminder(reference, kind, due_on, str(error) or type(error).__name__))
        return
    record(
        session,
        None,
        "contract.reminder_sent",
        contract,
        after={"kind": kind, "due_on": due_on, "recipients": list(recipients)},
        actor_label=ACTOR_LABEL,
    )
    session.commit()
    report.sent.append(SentReminder(reference, kind, due_on, recipients))
