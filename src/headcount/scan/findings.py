"""What the scanner reports: PII types, hits inside one text, and findings located in a file.

A ``Hit`` is an offset range inside one extracted text unit and never stores the value; a
``Finding`` adds where the unit sits in its file and a masked preview. Nothing here carries personal
data in clear, so findings can be printed, logged and written to SARIF.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

PiiType = Literal[
    "citizen_id",
    "mobile",
    "landline",
    "bank_card",
    "email",
    "passport",
    "hk_macau_permit",
    "taiwan_permit",
    "name",
    "address",
]
PII_TYPES: tuple[PiiType, ...] = get_args(PiiType)

# Bilingual labels for people and for SARIF rule descriptions.
TYPE_LABELS: dict[PiiType, tuple[str, str]] = {
    "citizen_id": ("公民身份号码", "Citizen ID number"),
    "mobile": ("手机号码", "Mobile phone number"),
    "landline": ("固定电话号码", "Landline phone number"),
    "bank_card": ("银行卡号", "Bank card number"),
    "email": ("电子邮箱", "E-mail address"),
    "passport": ("护照号码", "Passport number"),
    "hk_macau_permit": ("港澳通行证号码", "Hong Kong/Macau travel permit number"),
    "taiwan_permit": ("台湾通行证号码", "Taiwan travel permit number"),
    "name": ("姓名", "Person name"),
    "address": ("详细地址", "Street address"),
}


class Hit(NamedTuple):
    """One detection inside a text: ``text[start:end]`` is the value.

    ``masked`` marks a value that was already partly masked in the source (e.g. an ID written as
    ``110101********123X``); ``leaks`` says whether what is still visible is too much (the birth
    date of an ID), which makes even a masked value block publication. A named tuple: a document
    yields thousands of hits.
    """

    type: PiiType
    start: int
    end: int
    confidence: float
    masked: bool = False
    leaks: bool = True

    @property
    def blocking(self) -> bool:
        return self.leaks


@dataclass(frozen=True, slots=True)
class Location:
    """Where a text unit sits in its file; only the fields that apply to the format are set."""

    line: int | None = None  # text, CSV (record start), PDF (line within the page)
    page: int | None = None  # PDF
    sheet: str | None = None  # xlsx
    cell: str | None = None  # xlsx "B3"
    part: str | None = None  # docx: body | header | footer; HTML: element path
    paragraph: int | None = None  # docx
    table: int | None = None  # docx table number (1-based)
    row: int | None = None  # docx/HTML table row (1-based)
    field: str | None = None  # column of a table cell: CSV field number, xlsx letter, docx cell
    attribute: str | None = None  # HTML attribute holding the text

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__ if getattr(self, k) is not None}

    def describe(self) -> str:
        """Short human form: ``line 3``, ``Sheet1!B3``, ``page 2 line 4``, ``table 1 r2 c3``."""
        if self.sheet is not None:
            return f"{self.sheet}!{self.cell}"
        bits: list[str] = []
        if self.page is not None:
            bits.append(f"page {self.page}")
        if self.part is not None and self.paragraph is None and self.table is None:
            bits.append(self.part + (f"@{self.attribute}" if self.attribute else ""))
        if self.table is not None:
            bits.append(f"table {self.table} r{self.row} c{self.field}")
        elif self.paragraph is not None:
            bits.append(f"{self.part or 'body'} paragraph {self.paragraph}")
        if self.line is not None:
            bits.append(f"line {self.line}")
        if self.field is not None and self.table is None:
            bits.append(f"field {self.field}")
        return " ".join(bits)


@dataclass(frozen=True, slots=True)
class Finding:
    file: str
    location: Location
    column: int | str  # character column (1-based) in free text; the cell's column in tables
    type: PiiType
    confidence: float
    preview: str  # masked; never the value in clear
    masked: bool = False
    blocking: bool = True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file}
        out.update(self.location.to_json())
        out.pop("field", None)  # a table cell's column is ``column``
        out.update(
            column=self.column,
            type=self.type,
            confidence=round(self.confidence, 2),
            preview=self.preview,
            masked=self.masked,
            blocking=self.blocking,
        )
        return out
