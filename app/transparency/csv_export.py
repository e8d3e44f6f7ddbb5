"""Awarded contracts as CSV: one row per contract, the columns of R5.9.

Machine-readable first: UTF-8 without a byte-order mark, a header row of
lower-case names, ISO dates, plain decimal values in pounds excluding VAT, and
"yes"/"no" flags ("" where the supplier's size at award is not known). Dates
follow Cloudstore's rule: an end date is the day the contract ends, the first
day it no longer runs. ``status`` is Cloudstore's: active, ending (the buyer
has exercised a break), ended (at a break) or expired (ran its term).

Buyers and suppliers write the organisation names, so every cell is cleaned and
guarded against formula injection exactly as the shortlist download is.
Pure: no Flask, no database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from app.buyers.exports import clean_cell, neutralise_formula
from app.transparency.ocds import cpv_for, ocid
from app.transparency.records import AwardRecord

COLUMNS: tuple[str, ...] = (
    "ocid",
    "buyer",
    "supplier",
    "companies_house_number",
    "sme",
    "vcse",
    "mutual",
    "cpv_code",
    "value_gbp",
    "start_date",
    "end_date",
    "max_extent_date",
    "award_date",
    "status",
)

FILENAME = "cloudstore-contracts.csv"


def to_csv(records: Sequence[AwardRecord], *, ocid_prefix: str) -> bytes:
    """The header row, then one row per awarded contract in the given order; CRLF line ends (RFC 4180)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([neutralise_formula(clean_cell(cell)) for cell in row(record, ocid_prefix=ocid_prefix)])
    return buffer.getvalue().encode("utf-8")


def row(record: AwardRecord, *, ocid_prefix: str) -> list[str]:
    """One contract's cells, in the order of COLUMNS, before cleaning."""
    return [
        ocid(record, ocid_prefix),
        record.buyer_organisation,
        record.supplier_name,
        record.companies_house_number or "",
        "" if record.supplier_size is None else _flag(record.is_sme),
        _flag(record.is_vcse_or_social_enterprise),
        _flag(record.is_mutual),
        cpv_for(record.lot_slug).code,
        f"{record.value:.2f}",
        record.start_date.isoformat(),
        record.end_date.isoformat(),
        record.max_extent_date.isoformat(),
        record.awarded_at.date().isoformat(),
        record.status,
    ]


def _flag(value: bool) -> str:
    return "yes" if value else "no"
