"""Opening files for scanning and redaction: format sniffing, refusal of encrypted, legacy and
damaged files, text decoding.

Every format is a ``Document``: a list of text ``Unit``s that know where they sit in the file, and
a ``write`` that puts changed unit texts back into a copy in the same format. Problems are raised
as catalogued errors that name the file and the kind of fault, never its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from headcount import errors
from headcount.errors import HeadcountError
from headcount.scan.findings import Location

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# An encrypted OOXML file is an OLE compound file holding these streams (MS-OFFCRYPTO §2.3.4).
_ENCRYPTION_MARKERS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))

SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".md": "text",
    ".csv": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
LEGACY_SUFFIXES = (".xls", ".doc", ".ppt")
Edits = list[tuple[int, int, str]]


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of text with its place in the file.

    ``row`` groups the cells of one table row (names beside IDs); ``column`` is set for table cells
    and is what findings report as their column; ``header`` is the cell's column heading.
    """

    text: str
    location: Location
    header: str = ""
    row: object | None = None
    column: int | str | None = None


class Document(Protocol):
    path: Path
    kind: str

    def units(self) -> list[Unit]: ...

    def warnings(self) -> list[HeadcountError]: ...

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        """Write a copy with ``edits[i]`` (start, end, replacement) applied to unit ``i``."""
        ...


def apply_edits(text: str, edits: Edits) -> str:
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        out.append(text[position:start])
        out.append(replacement)
        position = max(position, end)
    out.append(text[position:])
    return "".join(out)


def kind_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in LEGACY_SUFFIXES:
        raise HeadcountError(errors.SCAN_LEGACY_OFFICE, path=str(path))
    kind = SUFFIXES.get(suffix)
    if kind is None:
        raise HeadcountError(errors.SCAN_FORMAT_UNSUPPORTED, path=str(path))
    return kind


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(path)) from None
    except OSError as exc:
        raise HeadcountError(errors.FILE_UNREADABLE, path=str(path), reason=exc.strerror) from None


def check_container(path: Path, kind: str, data: bytes) -> None:
    """Refuse encrypted, legacy and obviously damaged containers before any parser sees them."""
    if kind in ("xlsx", "docx"):
        if data.startswith(OLE_MAGIC):
            if any(marker in data for marker in _ENCRYPTION_MARKERS):
                raise HeadcountError(errors.SCAN_FILE_ENCRYPTED, path=str(path))
            raise HeadcountError(errors.SCAN_LEGACY_OFFICE, path=str(path))
        if not data.startswith(ZIP_MAGIC):
            raise malformed(path, "not an Office Open XML (zip) container")
    elif kind == "pdf" and b"%PDF-" not in data[:1024]:
        raise malformed(path, "no PDF header")


def malformed(path: Path, reason: str) -> HeadcountError:
    return HeadcountError(errors.SCAN_FILE_MALFORMED, path=str(path), reason=reason)


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """(text, codec): UTF-8 (with or without BOM), else GB18030 as Chinese offices often save."""
    if b"\x00" in data[:8192]:
        raise malformed(path, "binary data in a text file")
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise malformed(path, "text is neither UTF-8 nor GB18030")


def open_document(path: Path) -> Document:
    """Open ``path`` by its suffix; raises a catalogued HeadcountError for anything unusable."""
    kind = kind_of(path)
    data = read_bytes(path)
    check_container(path, kind, data)
    # Imported here so that scanning plain text never loads openpyxl, python-docx, lxml or pypdf.
    if kind == "text":
        from headcount.scan.formats.plain import PlainText

        return PlainText(path, data)
    if kind == "csv":
        from headcount.scan.formats.delimited import Delimited

        return Delimited(path, data)
    if kind == "xlsx":
        from headcount.scan.formats.spreadsheet import Spreadsheet

        return Spreadsheet(path, data)
    if kind == "docx":
        from headcount.scan.formats.wordprocessing import WordDocument

        return WordDocument(path, data)
    if kind == "html":
        from headcount.scan.formats.webpage import WebPage

        return WebPage(path, data)
    from headcount.scan.formats.pdf import PdfDocument

    return PdfDocument(path, data)
