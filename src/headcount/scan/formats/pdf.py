"""Text PDFs: one unit per extracted line of each page.

Redaction does not edit the original page content: a PDF draws text with positioned glyph runs,
and cutting values out of them reliably (kerning, Type 3 fonts, text hidden under images, the
document's metadata and incremental-update history) is error-prone. The masked copy is a new,
plain PDF with the extracted text of each page, one line per line, masked: nothing of the original
file (images, fonts, metadata, earlier revisions) survives into it. It uses the standard Chinese
font STSong-Light, which readers supply (no font file is embedded or needed), with a ToUnicode map
so that the copy can itself be scanned again.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path
from typing import Any

import pypdf

from headcount import errors
from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, apply_edits, malformed
from headcount.scan.findings import Location


class PdfDocument:
    kind = "pdf"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        self._units: list[Unit] = []
        self._pages: list[list[str]] = []
        self._warnings: list[HeadcountError] = []
        pypdf_log = logging.getLogger("pypdf")
        level = pypdf_log.level
        pypdf_log.setLevel(logging.CRITICAL)  # damage is reported once, as our own error
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
                if reader.is_encrypted:
                    raise HeadcountError(errors.SCAN_FILE_ENCRYPTED, path=str(path))
                for number, page in enumerate(reader.pages, 1):
                    self._read_page(number, page)
        except HeadcountError:
            raise
        except Exception as exc:  # pypdf raises many kinds of errors on damaged files
            raise malformed(path, f"unreadable PDF: {type(exc).__name__}") from None
        finally:
            pypdf_log.setLevel(level)

    def _read_page(self, number: int, page: Any) -> None:
        text = page.extract_text() or ""
        lines = text.splitlines()
        self._pages.append(lines)
        for index, line in enumerate(lines, 1):
            if line.strip():
                self._units.append(Unit(line, Location(page=number, line=index)))
        if not text.strip():
            resources = page.get("/Resources") or {}
            if "/XObject" in resources:
                self._warnings.append(
                    HeadcountError(errors.SCAN_PDF_NO_TEXT, path=str(self.path), page=number)
                )

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return self._warnings

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        pages = [list(lines) for lines in self._pages]
        for i, changes in edits.items():
            unit = self._units[i]
            page, line = unit.location.page, unit.location.line
            assert page is not None and line is not None
            pages[page - 1][line - 1] = apply_edits(unit.text, changes)
        target.write_bytes(write_text_pdf(pages))


def _to_unicode_cmap(chars: set[str]) -> bytes:
    """Identity map from the UCS-2 codes written back to Unicode, for the characters used only
    (a full 64K-entry map makes every reader build a huge table)."""
    codes = sorted(b"<%04X>" % ord(c) for c in chars)
    blocks = [
        b"%d beginbfchar\n%s\nendbfchar" % (len(chunk), b"\n".join(c + b" " + c for c in chunk))
        for chunk in (codes[i : i + 100] for i in range(0, len(codes), 100))
    ]
    return (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + b"\n".join(blocks)
        + b"\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )


def write_text_pdf(pages: list[list[str]], *, font_size: int = 10) -> bytes:
    """A minimal PDF 1.7 with one page per entry, each line drawn top to bottom (A4)."""
    objects: list[bytes] = [b"", b""]  # catalog and page tree, filled in last
    pages = [["".join(c if ord(c) < 0x10000 else "?" for c in line) for line in p] for p in pages]
    cmap = _to_unicode_cmap({c for p in pages for line in p for c in line})
    objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap))
    objects.append(
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 4 0 R /DW 1000 >>"
    )
    objects.append(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light-UniGB-UCS2-H "
        b"/Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] /ToUnicode 3 0 R >>"
    )
    kids: list[int] = []
    per_page = int(760 / (font_size * 1.4))
    chunks = [p[i : i + per_page] for p in pages for i in range(0, max(len(p), 1), per_page)]
    for lines in chunks or [[]]:
        ops = [b"BT /F1 %d Tf %d TL 40 800 Td" % (font_size, int(font_size * 1.4))]
        for line in lines:
            ops.append(b"<" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 6 0 R >> >> /Contents %d 0 R >>" % (len(objects))
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % o for o in offsets)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()
