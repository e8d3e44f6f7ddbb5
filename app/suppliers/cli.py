"""flask suppliers expire: the daily job that records lapsed accreditations and tells the suppliers."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from app.admin.accreditation import AccreditationStatus
from app.admin.services import record_lapsed
from app.cli import day_of, today_option
from app.db import get_session
from app.mail import send_mail

suppliers_group = AppGroup("suppliers", help="Supplier organisations and their accreditation.")


@suppliers_group.command("expire")
@today_option
def expire(on: datetime | None) -> None:
    """Record every accreditation whose end date has passed as expired (with an audit event), and email each
    supplier's people that they must apply again to publish.

    Run it daily. It changes nothing buyers see: a lapsed supplier's services leave search and their pages on
    the day, whether or not this has run. If an email cannot be sent, nothing is recorded and it exits 1; the
    next run tries again."""
    session = get_session()
    day = day_of(on)
    lapsed = record_lapsed(session, today=day)
    try:
        for accreditation in lapsed:
            organisation = accreditation.organisation
            people = [user for user in organisation.users if user.active]
            for user in people:
                send_mail(
                    user.email,
                    "Your Cloudstore accreditation has expired",
                    "accreditation_decision",
                    user=user,
                    organisation=organisation,
                    status=AccreditationStatus.EXPIRED,
                    accreditation=accreditation,
                )
            click.echo(f"{organisation.name}: accreditation expired on {accreditation.expires_on:%Y-%m-%d}; emailed {len(people)} people")
    except Exception as error:  # SMTP down, say: record nothing, so the next run sends them all
        session.rollback()
        click.echo(f"Could not send the expiry emails ({error}); nothing was recorded.", err=True)
        raise SystemExit(1) from error
    session.commit()
    click.echo(f"{len(lapsed)} accreditation{'s' if len(lapsed) != 1 else ''} expired")
