"""flask contracts remind: the daily job that sends break-notice and end-date reminders."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli import day_of, today_option
from app.contracts.models import Contract
from app.contracts.reminders import send_due_reminders
from app.db import get_session
from app.mail import send_mail

contracts_group = AppGroup("contracts", help="Call-off contracts.")

CONTRACT_ENDPOINT = "contracts.contract"


def contract_page_url(contract: Contract) -> str:
    """The contract's page as a full link for an email sent outside any request: on SERVER_NAME (with
    PREFERRED_URL_SCHEME) when it is set, otherwise on the development server."""
    config = current_app.config
    host = config["SERVER_NAME"] or "127.0.0.1:5000"
    scheme = config["PREFERRED_URL_SCHEME"]
    if CONTRACT_ENDPOINT in current_app.view_functions:
        # What url_for(..., _external=True) does in a request, without needing one (or SERVER_NAME).
        adapter = current_app.url_map.bind(host, script_name=config["APPLICATION_ROOT"], url_scheme=scheme)
        return adapter.build(CONTRACT_ENDPOINT, {"contract_id": contract.id}, force_external=True)
    return f"{scheme}://{host}/buyer/projects/contracts/{contract.id}"


@contracts_group.command("remind")
@today_option
def remind(on: datetime | None) -> None:
    """Send break-date and end-date reminders that are due, and record contracts that have ended.

    Run it daily: each reminder is sent once, however often it runs. Exits 1 if any email failed (the next run
    tries again)."""
    config = current_app.config
    day = day_of(on)
    report = send_due_reminders(
        get_session(),
        today=day,
        notice_days=config["CONTRACT_NOTICE_REMINDER_DAYS"],
        end_days=config["CONTRACT_END_REMINDER_DAYS"],
        send=send_mail,
        contract_url=contract_page_url,
    )
    for sent in report.sent:
        click.echo(sent.describe())
    for failed in report.failed:
        click.echo(failed.describe(), err=True)
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)
