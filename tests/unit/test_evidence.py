import io
import zipfile

import pytest

from app.suppliers.evidence import ALLOWED, EvidenceError, check_evidence, safe_filename

FIVE_MB = 5 * 1024 * 1024
WRONG_TYPE = "The selected file must be a PDF or an OpenDocument file (ODT, ODS, ODP or ODG)"

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n"
)
# The start of a Windows PE executable: the "MZ" DOS header and its stub message.
WINDOWS_EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)


def odf_package(mimetype: str, *, compress_mimetype: bool = False, mimetype_first: bool = True) -> bytes:
    """Build an OpenDocument package the way LibreOffice does: "mimetype" first and stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        def add_mimetype() -> None:
            archive.writestr(
                "mimetype", mimetype, compress_type=zipfile.ZIP_DEFLATED if compress_mimetype else zipfile.ZIP_STORED
            )

        if mimetype_first:
            add_mimetype()
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2">'
            f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            "<office:body><office:text><text:p>ISO 27001 certificate</text:p></office:text></office:body>"
            "</office:document-content>",
        )
        if not mimetype_first:
            add_mimetype()
    return buffer.getvalue()


def docx_like_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return buffer.getvalue()


def test_real_pdf_is_accepted() -> None:
    assert check_evidence("certificate.pdf", MINIMAL_PDF, FIVE_MB) == ("pdf", "application/pdf")


def test_extension_is_case_insensitive() -> None:
    assert check_evidence("CERTIFICATE.PDF", MINIMAL_PDF, FIVE_MB)[0] == "pdf"


@pytest.mark.parametrize("kind", ["odt", "ods", "odp", "odg"])
def test_real_opendocument_files_are_accepted(kind: str) -> None:
    assert check_evidence(f"policy.{kind}", odf_package(ALLOWED[kind]), FIVE_MB) == (kind, ALLOWED[kind])


def test_renamed_windows_executable_is_refused() -> None:
    with pytest.raises(EvidenceError) as caught:
        check_evidence("report.pdf", WINDOWS_EXECUTABLE, FIVE_MB)
    assert caught.value.message == WRONG_TYPE


@pytest.mark.parametrize("name", ["report.docx", "report.odt"])
def test_zip_that_is_not_opendocument_is_refused(name: str) -> None:
    with pytest.raises(EvidenceError, match="must be a PDF or an OpenDocument file"):
        check_evidence(name, docx_like_zip(), FIVE_MB)


@pytest.mark.parametrize(
    "package",
    [
        odf_package(ALLOWED["odt"], compress_mimetype=True),
        odf_package(ALLOWED["odt"], mimetype_first=False),
        odf_package("application/vnd.oasis.opendocument.formula"),
        odf_package("application/pdf"),
        odf_package(ALLOWED["odt"])[:200],  # truncated
        b"PK\x03\x04" + b"\x00" * 26 + b"mimetype" + b"garbage",
    ],
    ids=[
        "compressed-mimetype",
        "mimetype-not-first",
        "unsupported-odf-type",
        "not-an-odf-type",
        "truncated",
        "not-a-zip",
    ],
)
def test_packages_that_break_the_opendocument_rules_are_refused(package: bytes) -> None:
    with pytest.raises(EvidenceError) as caught:
        check_evidence("policy.odt", package, FIVE_MB)
    assert caught.value.message == WRONG_TYPE


@pytest.mark.parametrize("data", [b"plain text", b"\x89PNG\r\n\x1a\n", b" %PDF-1.4 leading space"])
def test_other_content_is_refused(data: bytes) -> None:
    with pytest.raises(EvidenceError, match=WRONG_TYPE.replace("(", r"\(").replace(")", r"\)")):
        check_evidence("evidence.pdf", data, FIVE_MB)


def test_empty_file_is_refused() -> None:
    with pytest.raises(EvidenceError, match="^The selected file is empty$"):
        check_evidence("certificate.pdf", b"", FIVE_MB)


def test_file_over_the_limit_is_refused_and_the_limit_is_stated_in_megabytes() -> None:
    at_limit = MINIMAL_PDF + b"\n" * (FIVE_MB - len(MINIMAL_PDF))
    assert check_evidence("big.pdf", at_limit, FIVE_MB)[0] == "pdf"
    with pytest.raises(EvidenceError, match="^The selected file must be smaller than 5 MB$"):
        check_evidence("big.pdf", at_limit + b"\n", FIVE_MB)
    with pytest.raises(EvidenceError, match="^The selected file must be smaller than 0.5 MB$"):
        check_evidence("big.pdf", MINIMAL_PDF * 4000, 512 * 1024)


def test_pdf_named_as_opendocument_is_refused() -> None:
    with pytest.raises(EvidenceError) as caught:
        check_evidence("certificate.odt", MINIMAL_PDF, FIVE_MB)
    assert caught.value.message.startswith("This file's name ends .odt but it is not an OpenDocument text document")
    assert "it is a PDF" in caught.value.message


def test_opendocument_named_as_pdf_is_refused() -> None:
    with pytest.raises(EvidenceError, match="^This file's name ends .pdf but it is not a PDF"):
        check_evidence("certificate.pdf", odf_package(ALLOWED["ods"]), FIVE_MB)


@pytest.mark.parametrize("name", ["certificate", "certificate.txt", ".pdf", "certificate.pdf.exe"])
def test_real_pdf_with_a_name_not_ending_pdf_is_refused(name: str) -> None:
    with pytest.raises(EvidenceError, match="^This file is a PDF, so its name must end .pdf$"):
        check_evidence(name, MINIMAL_PDF, FIVE_MB)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("certificate.pdf", "certificate.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\evil.pdf", "evil.pdf"),
        ("/var/www/uploads/../report.PDF", "report.pdf"),
        ("C:\\Users\\sam\\Cyber Essentials 2026.pdf", "Cyber Essentials 2026.pdf"),
        ("..", "evidence"),
        ("", "evidence"),
        (".pdf", "evidence.pdf"),
        ("...hidden.odt", "hidden.odt"),
        ("report\x00.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override stripped
        ('what?<is>this:"file"|*.odt', "what__is_this__file___.odt"),
        ("  lots   of\tspace  .pdf", "lots of space.pdf"),
        ("line\nbreak \x07 bell.pdf", "line break bell.pdf"),
    ],
)
def test_safe_filename_keeps_only_a_harmless_base_name(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_safe_filename_is_at_most_150_characters_and_keeps_the_extension() -> None:
    safe = safe_filename("a" * 400 + ".pdf")
    assert len(safe) == 150
    assert safe.endswith("aaa.pdf")
    assert "/" not in safe_filename("x/" * 100 + "y.pdf")
