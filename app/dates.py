"""Calendar helpers shared by the rule modules: month arithmetic and dates as GOV.UK writes them.

Pure functions over `datetime.date`; no Flask, no locale.
"""

from __future__ import annotations

import calendar
from datetime import date

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def add_months(start: date, months: int) -> date:
    """Add calendar months, moving to the last day of the month when the day does not exist
    (31 January plus one month is 28 or 29 February)."""
    month_index = start.year * 12 + (start.month - 1) + months
    year, month_zero_based = divmod(month_index, 12)
    month = month_zero_based + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def format_date(day: date) -> str:
    """A date as GOV.UK writes it, for example "1 March 2026" (independent of the server's locale)."""
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"
