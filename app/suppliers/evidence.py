"""Evidence documents for accreditation: PDF or OpenDocument only, checked by content (rule C6).

A file's type is decided by its bytes, never by its name or the browser's
Content-Type header: a renamed executable must not pass as a PDF. The name's
extension must still agree with the content, so what an admin downloads opens
in the program its name promises.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib

from app.exceptions import DomainError

ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "odg": "application/vnd.oasis.opendocument.graphics",
}

_ODF_KIND_BY_MIMETYPE = {mimetype: kind for kind, mimetype in ALLOWED.items() if kind != "pdf"}
_DESCRIPTIONS = {
    "pdf": "a PDF",
    "odt": "an OpenDocument text document (ODT)",
    "ods": "an OpenDocument spreadsheet (ODS)",
    "odp": "an OpenDocument presentation (ODP)",
    "odg": "an OpenDocument drawing (ODG)",
}
WRONG_TYPE_MESSAGE = "The selected file must be a PDF or an OpenDocument file (ODT, ODS, ODP or ODG)"
MAX_FILENAME_CHARS = 150
_MAX_EXTENSION_CHARS = 10
# The "mimetype" member holds one short string; anything longer is not an ODF package.
_MAX_MIMETYPE_BYTES = 100
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_ZIP_NAME_OFFSET = 30
_UNSAFE_CHARACTERS = re.compile(r'[<>:"|?*]')


class EvidenceError(DomainError):
    """An uploaded evidence file is empty, too big or not an allowed type."""


def check_evidence(filename: str, data: bytes, max_bytes: int) -> tuple[str, str]:
    """Accept an evidence file only if it is not empty, no bigger than the limit, really is a PDF or
    OpenDocument file, and its name ends with the matching extension; return (kind, mimetype)."""
    if not data:
        raise EvidenceError("The selected file is empty")
    if len(data) > max_bytes:
        raise EvidenceError(f"The selected file must be smaller than {_megabytes(max_bytes)} MB")
    kind = _detect_kind(data)
    if kind is None:
        raise EvidenceError(WRONG_TYPE_MESSAGE)
    extension = _extension(filename)
    if extension != kind:
        if extension in ALLOWED:
            raise EvidenceError(
                f"This file's name ends .{extension} but it is not {_DESCRIPTIONS[extension]}: "
                f"it is {_DESCRIPTIONS[kind]}. Check you selected the right file"
            )
        raise EvidenceError(f"This file is {_DESCRIPTIONS[kind]}, so its name must end .{kind}")
    return kind, ALLOWED[kind]


def safe_filename(name: str) -> str:
    """Reduce an uploaded file's name to a safe base name of at most 150 characters, keeping its extension,
    so it can never point outside the evidence store or hide its real type."""
    base = re.split(r"[\\/]", name)[-1]
    # Drop control and formatting characters, including right-to-left overrides that can disguise an extension;
    # tabs and newlines become spaces.
    base = "".join(
        " " if character.isspace() else character
        for character in unicodedata.normalize("NFC", base)
        if character.isspace() or not unicodedata.category(character).startswith("C")
    )
    base = " ".join(_UNSAFE_CHARACTERS.sub("_", base).split())
    stem, dot, extension = base.rpartition(".")
    if not dot or len(extension) > _MAX_EXTENSION_CHARS or not extension.isalnum():
        stem, extension = base, ""
    suffix = f".{extension.lower()}" if extension else ""
    stem = stem.strip(" .")[: MAX_FILENAME_CHARS - len(suffix)].rstrip(" .")
    return (stem or "evidence") + suffix


def _detect_kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_ZIP_LOCAL_HEADER):
        return _detect_odf_kind(data)
    return None


def _detect_odf_kind(data: bytes) -> str | None:
    """An ODF package is a zip whose first member is "mimetype", stored uncompressed (ODF 1.2 part 3, 3.3)."""
    # The first entry in the file itself, not just in the central directory, must be "mimetype".
    if data[_ZIP_NAME_OFFSET : _ZIP_NAME_OFFSET + len(b"mimetype")] != b"mimetype":
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if not members:
                return None
            first = members[0]
            if (
                first.filename != "mimetype"
                or first.compress_type != zipfile.ZIP_STORED
                or first.file_size > _MAX_MIMETYPE_BYTES
            ):
                return None
            mimetype = archive.read(first).decode("ascii")
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError):
        return None
    return _ODF_KIND_BY_MIMETYPE.get(mimetype)


def _extension(filename: str) -> str:
    base = re.split(r"[\\/]", filename)[-1]
    stem, dot, extension = base.rpartition(".")
    return extension.strip().lower() if dot and stem else ""


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    if megabytes == int(megabytes):
        return str(int(megabytes))
    return f"{megabytes:.1f}"
