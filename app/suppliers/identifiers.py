"""Supplier identifiers: Companies House, DUNS and UK VAT numbers (rule C5, R4.1-R4.3).

Each function takes what the supplier typed and returns the number in the one
form we store, or raises IdentifierError with a message that says how to fix
it. The form that calls these sets the field name on the error.
"""

from __future__ import annotations

import re

from stdnum import exceptions as stdnum_errors
from stdnum.gb import vat as gb_vat
from stdnum.util import clean

from app.exceptions import DomainError

# Two digits (England and Wales) or a two-letter prefix (SC, NI, OC, ...), then six digits.
_COMPANIES_HOUSE = re.compile(r"([0-9]{2}|[A-Z]{2})[0-9]{6}")
# Older Northern Ireland companies were numbered "R" plus seven digits.
_OLD_NORTHERN_IRELAND = re.compile(r"R[0-9]{7}")
_DIGITS = re.compile(r"[0-9]+")
_DUNS = re.compile(r"[0-9]{9}")

COMPANIES_HOUSE_MESSAGE = "Enter a Companies House number of 8 characters, like 01234567 or SC123456"
DUNS_MESSAGE = "Enter a DUNS number of 9 digits, like 123456789"
VAT_FORMAT_MESSAGE = "Enter a UK VAT number of 9 digits, like GB123456789"
VAT_CHECK_DIGITS_MESSAGE = "This VAT number's check digits are wrong: check you copied it correctly"
OTHER_REGISTRATION_MAX_CHARS = 255


class IdentifierError(DomainError):
    """A supplier identifier is not in a valid format."""


def normalise_companies_house_number(value: str) -> str:
    """Accept a Companies House number of 8 characters (two digits or a two-letter prefix, then six digits),
    padding a short all-digit number with zeros as Companies House does; old Northern Ireland R numbers too."""
    number = "".join(value.split()).upper()
    if not number:
        raise IdentifierError(COMPANIES_HOUSE_MESSAGE)
    if _DIGITS.fullmatch(number) and len(number) < 8:
        number = number.zfill(8)
    if _COMPANIES_HOUSE.fullmatch(number) or _OLD_NORTHERN_IRELAND.fullmatch(number):
        return number
    raise IdentifierError(COMPANIES_HOUSE_MESSAGE)


def normalise_duns(value: str) -> str:
    """Accept a DUNS number of exactly 9 digits; spaces and hyphens the supplier typed are ignored."""
    number = "".join(value.split()).replace("-", "")
    if _DUNS.fullmatch(number):
        return number
    raise IdentifierError(DUNS_MESSAGE)


def normalise_vat_number(value: str) -> str:
    """Accept a UK VAT number whose check digits are right, and store it compactly with its country prefix:
    "XI" for a Northern Ireland number typed with XI, otherwise "GB" (for example GB980780684)."""
    typed = clean(value, " -.").upper().strip()
    # XI numbers are the same HMRC registrations used for Northern Ireland trade: keep the prefix the supplier used.
    prefix = "XI" if typed.startswith("XI") else "GB"
    try:
        number = gb_vat.validate(typed)
    except stdnum_errors.InvalidChecksum as error:
        raise IdentifierError(VAT_CHECK_DIGITS_MESSAGE) from error
    except stdnum_errors.ValidationError as error:
        raise IdentifierError(VAT_FORMAT_MESSAGE) from error
    return prefix + number


def other_registration_number(value: str) -> str:
    """Accept another registration number (for organisations not on Companies House) of 1 to 255 characters."""
    number = value.strip()
    if not number:
        raise IdentifierError("Enter your registration number")
    if len(number) > OTHER_REGISTRATION_MAX_CHARS:
        raise IdentifierError(f"Registration number must be {OTHER_REGISTRATION_MAX_CHARS} characters or fewer")
    return number
