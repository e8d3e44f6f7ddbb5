"""Outgoing mail: SMTP when MAIL_SERVER is set, otherwise .eml files in the outbox folder."""

from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from datetime import UTC, datetime
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template

from app.timeutil import utcnow


def send_mail(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """Render ``email/<template>.txt`` and send it to one recipient."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="cloudstore.example")
    message.set_content(render_template(f"email/{template}.txt", **context))

    if config["MAIL_SERVER"]:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        outbox = Path(config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        # Sortable by time, unique across processes.
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (outbox / name).write_bytes(bytes(message))
    return message
