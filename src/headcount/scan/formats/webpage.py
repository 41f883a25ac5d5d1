"""HTML pages: one unit per text node, tail, comment and text-bearing attribute.

Table cells know their column heading (the first row of their table) and their row, so a names
column or a name beside an ID is found as in spreadsheets. Comments and ``title``/``alt``/
``value`` attributes are published with the page even when not displayed, so they are scanned too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.etree  # type: ignore[import-untyped]
import lxml.html  # type: ignore[import-untyped]

from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, apply_edits, decode_text, malformed
from headcount.scan.findings import Location
from headcount.scan.formats.plain import output_codec

_ATTRIBUTES = ("title", "alt", "value", "placeholder", "content", "href", "aria-label", "label")
_SKIP_TEXT = ("style",)
_PROLOG = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?(?:<!doctype[^>]*>\s*)?", re.IGNORECASE)


class WebPage:
    kind = "html"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        text, codec = decode_text(path, data)
        self.codec = output_codec(codec, data)
        self.tree: Any = None
        self._units: list[Unit] = []
        self._targets: list[tuple[Any, str]] = []
        # The XML declaration and DOCTYPE are kept verbatim: lxml's HTML parser would turn the
        # first into a comment and invent the second.
        prolog = _PROLOG.match(text)
        self.prolog = prolog.group() if prolog else ""
        self.body = body = text[len(self.prolog) :]
        if not body.strip():
            return
        try:
            root = lxml.html.document_fromstring(body)
        except (ValueError, lxml.etree.ParserError) as exc:
            raise malformed(path, f"unreadable HTML: {type(exc).__name__}") from None
        self.tree = root.getroottree()
        self._cells: dict[Any, tuple[str, int, object]] = {}
        for el in root.iter():
            self._read_element(el)

    def _cell(self, el: Any) -> tuple[str, int, object] | None:
        """(column heading, column number, row key) of the table cell holding ``el``."""
        cell = el if el.tag in ("td", "th") else next(el.iterancestors("td", "th"), None)
        if cell is None:
            return None
        if cell not in self._cells:
            row = cell.getparent()
            column = [c for c in row if c.tag in ("td", "th")].index(cell) + 1
            table = next(cell.iterancestors("table"), None)
            first = next(table.iter("tr"), None) if table is not None else None
            heading = ""
            if first is not None and first is not row:
                heads = [c for c in first if c.tag in ("td", "th")]
                heading = heads[column - 1].text_content() if column <= len(heads) else ""
            self._cells[cell] = (heading, column, self.tree.getpath(row))
        return self._cells[cell]

    def _add(self, el: Any, slot: str, text: str | None, where: Any) -> None:
        if not text or not text.strip():
            return
        path = self.tree.getpath(where)
        cell = self._cell(where) if where.tag is not lxml.etree.Comment else None
        location = Location(part=path, attribute=slot)
        if cell is None:
            unit = Unit(text, location)
        else:
            unit = Unit(text, location, cell[0], row=cell[2], column=cell[1])
        self._units.append(unit)
        self._targets.append((el, slot))

    def _read_element(self, el: Any) -> None:
        if el.tag is lxml.etree.Comment:
            self._add(el, "comment", el.text, el)
        elif isinstance(el.tag, str):
            if el.tag not in _SKIP_TEXT:
                self._add(el, "text", el.text, el)
            for name, value in el.attrib.items():
                if name in _ATTRIBUTES or name.startswith("data-"):
                    self._add(el, "@" + name, value, el)
        parent = el.getparent()
        if parent is not None:
            self._add(el, "tail", el.tail, parent)

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return []

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        for i, changes in edits.items():
            el, slot = self._targets[i]
            value = apply_edits(self._units[i].text, changes)
            if slot in ("text", "comment"):
                el.text = value
            elif slot == "tail":
                el.tail = value
            else:
                el.set(slot[1:], value)
        if self.tree is None:
            target.write_bytes((self.prolog + self.body).encode(self.codec))
            return
        html = lxml.html.tostring(self.tree.getroot(), encoding="unicode", method="html")
        target.write_bytes((self.prolog + html + "\n").encode(self.codec))
