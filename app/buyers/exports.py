"""A frozen shortlist written out as CSV or ODS for the buyer to assess offline (R1.13).

Both files hold the same cells, as the Digital Marketplace direct-award export did: four header
rows (framework, when the search ended, the search summary, the project), a blank row, the
column headings, then one row per shortlisted service in shortlist order. The last column,
"Excluded from evaluation", carries the buyer's written reason, so an exclusion is visible
wherever the shortlist travels (it is empty for a service still being evaluated).

Suppliers write most of these cells, so every value is cleaned the same way in both formats:
control characters other than newline and tab are removed (a carriage return ending a line
becomes a plain newline) and nothing is truncated. Formula injection is then handled per format:

* CSV has no cell types, so Excel and LibreOffice evaluate a value that starts with ``=``,
  ``+``, ``-`` or ``@`` (or a tab or line break, which they may skip before one). Such a value
  is written with a leading apostrophe, as the OWASP "CSV Injection" advice says. The cost is
  that a telephone number written as ``+44 ...`` shows that apostrophe in the CSV.
* ODS declares every cell as ``office:value-type="string"`` and never writes ``table:formula``,
  so no spreadsheet can evaluate a cell. The text is therefore kept exactly as entered: an
  apostrophe there would be stored as data and shown to the buyer.

Pure: no Flask, no database. The caller passes the values the buyer saw when the search ended.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from odf.element import Element
from odf.opendocument import OpenDocumentSpreadsheet
from odf.style import Style, TableColumnProperties, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import P, S, Tab

from app.dates import format_date


@dataclass(frozen=True)
class ExportRow:
    """One shortlisted service, as the pinned service version described it."""

    supplier_name: str
    service_name: str
    service_description: str
    price: str  # already formatted, e.g. "£100 to £500 per user per month"
    service_url: str  # absolute URL of the public service page
    contact_name: str
    telephone: str
    email: str
    excluded_reason: str = ""


@dataclass(frozen=True)
class ShortlistExport:
    """Everything one shortlist export shows."""

    framework: str
    search_ended: datetime  # naive UTC, as stored
    search_summary: str
    project_name: str
    rows: tuple[ExportRow, ...]


COLUMNS: tuple[str, ...] = (
    "Supplier name",
    "Service name",
    "Service description",
    "Price",
    "Service page URL",
    "Contact name",
    "Telephone",
    "Email",
    "Excluded from evaluation",
)

EXTENSIONS: tuple[str, ...] = ("csv", "ods")

TABLE_NAME = "Shortlist"
SLUG_MAX_LENGTH = 60

# Leading characters that make Excel or LibreOffice read a CSV value as a formula (OWASP). A
# newline is there too because cleaning turns a carriage return into one, and that must not
# weaken the guard.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_KEPT_CONTROLS = frozenset("\n\t")
# Not control characters, but not allowed in XML either, so they could not be written to ODS.
_XML_NONCHARACTERS = frozenset("\ufffe\uffff")
# Column widths in the ODS file, by heading; the rest use the default.
_ODS_COLUMN_WIDTHS = {"Service description": "10cm", "Service page URL": "6cm", "Excluded from evaluation": "6cm"}
_ODS_DEFAULT_COLUMN_WIDTH = "4cm"


def to_csv(export: ShortlistExport) -> bytes:
    """The shortlist as CSV: UTF-8 with a byte-order mark, so Excel reads "£" correctly, and CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in _table(export):
        writer.writerow([neutralise_formula(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


def to_ods(export: ShortlistExport) -> bytes:
    """The shortlist as an OpenDocument spreadsheet: one table, "Shortlist", with every cell a string."""
    document = OpenDocumentSpreadsheet()
    label_style = Style(name="HeaderLabel", family="table-cell")
    label_style.addElement(TextProperties(fontweight="bold", fontweightasian="bold", fontweightcomplex="bold"))
    document.automaticstyles.addElement(label_style)

    table = Table(name=TABLE_NAME)
    for index, heading in enumerate(COLUMNS):
        column_style = Style(name=f"Column{index + 1}", family="table-column")
        width = _ODS_COLUMN_WIDTHS.get(heading, _ODS_DEFAULT_COLUMN_WIDTH)
        column_style.addElement(TableColumnProperties(columnwidth=width))
        document.automaticstyles.addElement(column_style)
        table.addElement(TableColumn(stylename=column_style))

    heading_row = len(_header_rows(export)) + 1  # after the blank row
    for row_index, cells in enumerate(_table(export)):
        row = TableRow()
        if not cells:
            # A table row must hold at least one cell, even a blank one.
            row.addElement(TableCell())
        for column_index, value in enumerate(cells):
            is_label = row_index == heading_row or (row_index < heading_row and column_index == 0)
            cell = TableCell(valuetype="string", stylename=label_style) if is_label else TableCell(valuetype="string")
            _add_text(cell, value)
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)

    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def filename(export: ShortlistExport, extension: str) -> str:
    """A download name such as "cloudstore-shortlist-case-management-pilot-2026-11-23.csv"."""
    if extension not in EXTENSIONS:
        raise ValueError(f"A shortlist exports as one of {', '.join(EXTENSIONS)}, not {extension!r}.")
    day = _as_utc(export.search_ended).date()
    return f"cloudstore-shortlist-{slugify(export.project_name)}-{day.isoformat()}.{extension}"


def slugify(text: str, *, max_length: int = SLUG_MAX_LENGTH) -> str:
    """Lowercase ASCII words joined by hyphens ("Gwasanaeth ŵyr" becomes "gwasanaeth-wyr"), or "project"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        # End on a whole word when the cut falls inside one.
        if slug[max_length] != "-" and "-" in cut:
            cut = cut.rsplit("-", 1)[0]
        slug = cut.strip("-")
    return slug or "project"


def format_search_ended(moment: datetime) -> str:
    """When the search ended, as the export shows it: "23 November 2026 at 2:05pm (UTC)"."""
    moment = _as_utc(moment)
    hour = moment.hour % 12 or 12
    return f"{format_date(moment.date())} at {hour}:{moment.minute:02d}{'am' if moment.hour < 12 else 'pm'} (UTC)"


def clean_cell(value: str) -> str:
    """A cell's text with line ends made "\\n" and every other control character removed; never shortened."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        char
        for char in value
        if char in _KEPT_CONTROLS
        or (unicodedata.category(char) not in ("Cc", "Cs") and char not in _XML_NONCHARACTERS)
    )


def _table(export: ShortlistExport) -> Iterator[list[str]]:
    """Every row of the export, cleaned, in order; the blank row is an empty list."""
    yield from _header_rows(export)
    yield []
    yield list(COLUMNS)
    for row in export.rows:
        yield [
            clean_cell(value)
            for value in (
                row.supplier_name,
                row.service_name,
                row.service_description,
                row.price,
                row.service_url,
                row.contact_name,
                row.telephone,
                row.email,
                row.excluded_reason,
            )
        ]


def _header_rows(export: ShortlistExport) -> list[list[str]]:
    return [
        ["Framework", clean_cell(export.framework)],
        ["Search ended", format_search_ended(export.search_ended)],
        ["Search summary", clean_cell(export.search_summary)],
        ["Project", clean_cell(export.project_name)],
    ]


def neutralise_formula(value: str) -> str:
    """A CSV value a spreadsheet would evaluate as a formula, with a leading apostrophe (OWASP "CSV Injection");
    any other value unchanged. Shared by every CSV Cloudstore writes."""
    return f"'{value}" if value.startswith(_FORMULA_TRIGGERS) else value


def _add_text(cell: Element, value: str) -> None:
    """Write a value into an ODS cell: one paragraph per line, as LibreOffice does.

    ODF collapses runs of spaces and drops a line's leading ones (as HTML does), so those spaces
    are written as <text:s>, and tabs as <text:tab>, keeping the text exactly as entered.
    """
    for line in value.split("\n"):
        paragraph = P()
        position = 0
        for match in re.finditer(r" +|\t", line):
            if match.start() > position:
                paragraph.addText(line[position : match.start()])
            if match.group() == "\t":
                paragraph.addElement(Tab())
            elif match.start() == 0 or line[match.start() - 1] == "\t" or match.end() == len(line):
                paragraph.addElement(S(c=len(match.group())))
            else:
                # One space between words is ordinary text; only the extra ones need <text:s>.
                paragraph.addText(" ")
                if len(match.group()) > 1:
                    paragraph.addElement(S(c=len(match.group()) - 1))
            position = match.end()
        if position < len(line):
            paragraph.addText(line[position:])
        cell.addElement(paragraph)


def _as_utc(moment: datetime) -> datetime:
    """Stored times are naive UTC; an aware time is converted so both read the same."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)

