"""Time helpers: the database stores naive UTC timestamps."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC: the date rules are given by the views, never read inside them."""
    return datetime.now(UTC).date()
