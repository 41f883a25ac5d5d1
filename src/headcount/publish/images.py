"""SVG and PNG charts, opened as the scanner's text units.

* SVG: every text node, tail, comment and processing instruction, and every attribute except the
  geometric ones (path data, coordinates, sizes, transforms: numbers by grammar, never shown as
  text). matplotlib draws text as glyph paths and writes the text beside them as a comment, which
  is scanned. The parser resolves no entity and fetches nothing; an entity reference (text that
  lives in a DTD) cannot be checked and blocks the file.
* PNG: pixels cannot be read as text; what a PNG may carry as text (``tEXt``, ``zTXt``, ``iTXt``,
  the ICC profile name) is scanned, chunk CRCs are checked, and a chunk that can carry unknown
  content (``eXIf``, private or unknown chunks) blocks the file. Whether the pixels may be published
  is the bundle's rule (``scanning``): only beside the SVG they were drawn from.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import lxml.etree  # type: ignore[import-untyped]

from headcount.publish.documents import Extracted, safe_label, unit_text
from headcount.scan.extract import Unit, malformed
from headcount.scan.findings import Location

__all__ = ["PngDocument", "SvgDocument"]

# Attributes whose grammar is numbers (path data, coordinates, sizes, transforms).
_GEOMETRY_NAMES = (
    "d points transform viewBox x y x1 x2 y1 y2 cx cy r rx ry fx fy width height dx dy rotate "
    "offset stroke-width stroke-dasharray stroke-dashoffset stroke-miterlimit opacity "
    "fill-opacity stroke-opacity font-size gradientTransform patternTransform textLength "
    "preserveAspectRatio clip-rule fill-rule stroke-linecap stroke-linejoin version"
)
_GEOMETRY = frozenset(_GEOMETRY_NAMES.split())
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Chunks that hold pixels, colour, layout or animation only (PNG 3rd edition).
_PNG_PLAIN_NAMES = (
    b"IHDR PLTE IDAT IEND tRNS cHRM gAMA sBIT sRGB cICP mDCV cLLI bKGD hIST pHYs sPLT tIME "
    b"acTL fcTL fdAT"
)
_PNG_PLAIN = frozenset(_PNG_PLAIN_NAMES.split())
_TEXT_LIMIT = 1 << 20


class SvgDocument(Extracted):
    kind = "svg"

    def __init__(self, path: Path, data: bytes) -> None:
        super().__init__(path)
        parser = lxml.etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
        )
        try:
            root = lxml.etree.fromstring(data, parser)
        except lxml.etree.XMLSyntaxError as exc:
            raise malformed(path, f"unreadable SVG: {type(exc).__name__}") from None
        dtd = root.getroottree().docinfo.internalDTD
        if dtd is not None and any(True for _ in dtd.iterentities()):
            self.unchecked("DTD entities")
        for outside in [*root.itersiblings(preceding=True), *root.itersiblings()]:
            self._add(outside.text, "/", "comment")  # comments and PIs around the root
        paths: dict[Any, str] = {}
        counts: dict[Any, int] = {}
        for el in root.iter():
            parent = el.getparent()
            if isinstance(el.tag, str):
                counts[parent] = counts.get(parent, 0) + 1
                step = f"{safe_label(lxml.etree.QName(el).localname, '*')}[{counts[parent]}]"
                where = paths[el] = (paths[parent] if parent is not None else "") + "/" + step
                self._add(el.text, where, "text")
                for name, value in el.attrib.items():
                    local = lxml.etree.QName(name).localname
                    if local not in _GEOMETRY:
                        self._add(value, where, "@" + safe_label(local, "attribute"))
            elif el.tag is lxml.etree.Entity:
                self.unchecked("entity reference")
            else:
                kind = "comment" if el.tag is lxml.etree.Comment else "processing-instruction"
                self._add(el.text, paths.get(parent, "/"), kind)
            if parent is not None:
                self._add(el.tail, paths[parent], "tail")

    def _add(self, text: str | None, where: str, slot: str) -> None:
        if text and text.strip():
            self._units.append(Unit(unit_text(text), Location(part=where, attribute=slot)))


class PngDocument(Extracted):
    kind = "png"

    def __init__(self, path: Path, data: bytes) -> None:
        super().__init__(path)
        if not data.startswith(_PNG_MAGIC):
            raise malformed(path, "no PNG signature")
        position = len(_PNG_MAGIC)
        kinds: list[bytes] = []
        while position < len(data):
            if position + 12 > len(data):
                raise malformed(path, "truncated PNG chunk")
            length, kind = struct.unpack(">I4s", data[position : position + 8])
            end = position + 8 + length
            body, crc = data[position + 8 : end], data[end : end + 4]
            if len(crc) != 4 or zlib.crc32(kind + body) != int.from_bytes(crc, "big"):
                raise malformed(path, "damaged PNG chunk")
            kinds.append(kind)
            self._chunk(kind, body)
            position = end + 4
        if not kinds or kinds[0] != b"IHDR" or kinds[-1] != b"IEND":
            raise malformed(path, "PNG without IHDR or IEND")

    def _chunk(self, kind: bytes, body: bytes) -> None:
        name = kind.decode("latin-1")
        try:
            if kind == b"tEXt":
                keyword, _, text = body.partition(b"\x00")
                self._add(name, keyword, text.decode("latin-1"))
            elif kind == b"zTXt":
                keyword, _, rest = body.partition(b"\x00")
                self._add(name, keyword, _inflate(rest[1:]).decode("latin-1"))
            elif kind == b"iTXt":
                keyword, _, rest = body.partition(b"\x00")
                compressed, rest = rest[0], rest[2:]
                _language, _, rest = rest.partition(b"\x00")
                translated, _, text = rest.partition(b"\x00")
                raw = _inflate(text) if compressed else text
                self._add(name, keyword, translated.decode("utf-8"), raw.decode("utf-8"))
            elif kind == b"iCCP":
                self._add(name, body.partition(b"\x00")[0])
            elif kind not in _PNG_PLAIN:
                self.unchecked(f"PNG chunk {name}")
        except (zlib.error, UnicodeDecodeError, IndexError, ValueError):
            self.unchecked(f"PNG chunk {name}")

    def _add(self, chunk: str, keyword: bytes, *texts: str) -> None:
        label = keyword.decode("latin-1")
        for value in (label, *texts):
            if value.strip():
                where = Location(part=f"{chunk} {safe_label(label, 'keyword')}")
                self._units.append(Unit(unit_text(value), where))


def _inflate(data: bytes) -> bytes:
    """A compressed text chunk, refused past 1 MiB (a decompression bomb is not a caption)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, _TEXT_LIMIT)
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError("text chunk too large or truncated")
    return out
