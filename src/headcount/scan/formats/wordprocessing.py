"""Word documents (.docx): one unit per paragraph of the body, tables, headers and footers,
plus the author fields of the document properties.

A paragraph's text is the concatenation of its ``w:t`` elements, which Word splits into runs
arbitrarily (spell-check, formatting). A masked value is written into the run where the original
value started and the rest of the value is removed from the following runs, so formatting stays.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import Any

import docx
from docx.opc.part import XmlPart
from docx.oxml.ns import qn

from headcount.errors import HeadcountError
from headcount.scan.extract import Edits, Unit, malformed
from headcount.scan.findings import Location

W_P, W_T, W_TC, W_TR, W_TBL = qn("w:p"), qn("w:t"), qn("w:tc"), qn("w:tr"), qn("w:tbl")
_PARTS = {
    "document.main+xml": "body",
    "header+xml": "header",
    "footer+xml": "footer",
    "footnotes+xml": "footnotes",
    "endnotes+xml": "endnotes",
    "comments+xml": "comments",
}
# Document properties that hold people's names (author, last editor) or free text.
_PROPERTIES = {
    "author": "姓名",
    "last_modified_by": "姓名",
    "title": "",
    "subject": "",
    "keywords": "",
    "comments": "",
}


def distribute(pieces: list[str], edits: list[tuple[int, int, str]]) -> list[str]:
    """Apply ``edits`` (start, end, replacement) on the concatenation of ``pieces``, keeping the
    piece boundaries: each replacement lands in the piece where its span starts."""
    out: list[str] = []
    offset = 0
    ordered = sorted(edits)
    for piece in pieces:
        chars: list[str] = []
        for i, ch in enumerate(piece, offset):
            edit = next((e for e in ordered if e[0] <= i < e[1]), None)
            if edit is None:
                chars.append(ch)
            elif i == edit[0]:
                chars.append(edit[2])
        out.append("".join(chars))
        offset += len(piece)
    return out


class WordDocument:
    kind = "docx"

    def __init__(self, path: Path, data: bytes) -> None:
        self.path = path
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.doc: Any = docx.Document(io.BytesIO(data))
        except Exception as exc:  # zipfile, XML or package errors: a damaged file
            raise malformed(path, f"unreadable document: {type(exc).__name__}") from None
        self._units: list[Unit] = []
        self._targets: list[Any] = []  # list of w:t elements, or a property name
        for part in self.doc.part.package.iter_parts():
            name = next((v for k, v in _PARTS.items() if part.content_type.endswith(k)), None)
            if name is not None and isinstance(part, XmlPart):
                self._read_part(name, part.element)
        props = self.doc.core_properties
        for prop, header in _PROPERTIES.items():
            value = getattr(props, prop)
            if value:
                location = Location(part="properties", attribute=prop)
                self._units.append(Unit(value, location, header))
                self._targets.append(prop)

    def _read_part(self, name: str, root: Any) -> None:
        cells: dict[Any, tuple[int, int, int]] = {}
        headers: dict[tuple[int, int], str] = {}
        for t_index, table in enumerate(root.iter(W_TBL), 1):
            for r_index, row in enumerate(table.iterchildren(W_TR), 1):
                for c_index, cell in enumerate(row.iterchildren(W_TC), 1):
                    cells[cell] = (t_index, r_index, c_index)
                    if r_index == 1:
                        headers[(t_index, c_index)] = "".join(cell.itertext())
        for p_index, para in enumerate(root.iter(W_P), 1):
            runs = [t for t in para.iter(W_T) if next(t.iterancestors(W_P)) is para]
            text = "".join(t.text or "" for t in runs)
            if not text.strip():
                continue
            cell = next(para.iterancestors(W_TC), None)
            if cell is not None and cell in cells:
                t, r, c = cells[cell]
                location = Location(part=name, table=t, row=r, field=str(c))
                header = headers.get((t, c), "") if r > 1 else ""
                unit = Unit(text, location, header, row=(name, t, r), column=c)
            else:
                unit = Unit(text, Location(part=name, paragraph=p_index))
            self._units.append(unit)
            self._targets.append(runs)

    def units(self) -> list[Unit]:
        return self._units

    def warnings(self) -> list[HeadcountError]:
        return []

    def write_unit(self, index: int, original: str, edits: Edits) -> None:
        target = self._targets[index]
        if isinstance(target, str):
            new = distribute([original], edits)[0]
            setattr(self.doc.core_properties, target, new)
            return
        for t, text in zip(target, distribute([t.text or "" for t in target], edits), strict=True):
            t.text = text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")

    def write(self, edits: dict[int, Edits], target: Path) -> None:
        for i, changes in edits.items():
            self.write_unit(i, self._units[i].text, changes)
        self.doc.save(target)
