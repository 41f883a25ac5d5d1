"""What a person without ``pi.view_full`` sees of an identifier (checklist D6, Z2).

Every output path (pages, JSON, CSV, search results, errors, logs) calls ``mask`` server-side:

    citizen_id  1****************X         with pi.view_area: 110101***********X
    name        张*  欧阳**  阿*****·****   (surname kept; compound surnames recognised)
    phone       138****5678
    address     北京市东城区****           (cut after the county)
    free_text   ****                       (never shown)

``pi.view_full`` returns the value unchanged; the caller must audit that read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Literal

from headcount.identity import citizen_id
from headcount.identity.divisions import divisions
from headcount.identity.surnames import surname_of

DataClass = Literal["citizen_id", "name", "phone", "address", "free_text"]
DATA_CLASSES: tuple[DataClass, ...] = ("citizen_id", "name", "phone", "address", "free_text")
HIDDEN = "****"


# The two permission values masking depends on; auth.roles.Permission takes its values from here.
VIEW_FULL = "pi.view_full"  # see values in clear (audited by the caller)
VIEW_AREA = "pi.view_area"  # supervisors: the county digits of an ID number


_NAME_SEPARATORS = frozenset("·•・.  -")
_LEADING_CODE = re.compile(r"^\s*(\d{12}|\d{9}|\d{6})(?!\d)\s*")
_COUNTY_SUFFIXES = ("区", "县", "旗")
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def mask(value: str | None, data_class: DataClass, *, permissions: Iterable[str] = ()) -> str:
    """The value as the holder of ``permissions`` may see it."""
    if not value:
        return ""
    granted = set(permissions)
    if VIEW_FULL in granted:
        return value
    if data_class == "citizen_id":
        style: Literal["default", "area"] = "area" if VIEW_AREA in granted else "default"
        return citizen_id.mask(citizen_id.normalize(value), style)
    if data_class == "name":
        return mask_name(value)
    if data_class == "phone":
        return mask_phone(value)
    if data_class == "address":
        return mask_address(value)
    return HIDDEN


def mask_fields(
    record: Mapping[str, str | None],
    classes: Mapping[str, DataClass],
    *,
    permissions: Iterable[str] = (),
) -> dict[str, str | None]:
    """Mask the fields of a record that have a data class; others pass through unchanged."""
    granted = frozenset(permissions)
    return {
        name: mask(value, classes[name], permissions=granted)
        if name in classes and value is not None
        else value
        for name, value in record.items()
    }


def mask_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip()
    if not text:
        return ""
    if any(c in _NAME_SEPARATORS for c in text) or text.isascii():
        # Names in parts (阿依古丽·买买提, John Smith): first character only, separators kept.
        masked = text[0] + "".join(c if c in _NAME_SEPARATORS else "*" for c in text[1:])
        # A name with nothing after its first character would come back whole: hide it all.
        return (
            masked if "*" in masked else "".join(c if c in _NAME_SEPARATORS else "*" for c in text)
        )
    if len(text) == 1:
        return "*"
    keep = len(surname_of(text))  # a compound surname (欧阳) is kept whole
    return text[:keep] + "*" * (len(text) - keep)


def mask_phone(phone: str) -> str:
    digits = "".join(c for c in unicodedata.normalize("NFKC", phone) if c.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 7:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits) if digits else HIDDEN


def mask_address(address: str) -> str:
    """Keep the address down to its county; everything finer (township, street, number) hidden."""
    text = unicodedata.normalize("NFKC", address).strip()
    code = _LEADING_CODE.match(text)
    if code:
        region = divisions().region_name(code.group(1)[:6])
        if region:
            return region.replace(" ", "") + HIDDEN
    end = _county_end(text)
    if end is None:
        return HIDDEN
    return text[:end] + (HIDDEN if end < len(text) else "")


def _county_end(text: str) -> int | None:
    """Index just after the county in an address, or None when no county can be found."""
    head = text[:40]
    end = _name_at(head, 0, anywhere=True)
    # A prefecture may share its name with a county elsewhere (辽宁省朝阳市双塔区): when a county
    # name follows at once, that one is the county.
    while end is not None and (following := _name_at(head, end, anywhere=False)) is not None:
        end = following
    if end is not None:
        return end
    positions = [i for i, c in enumerate(head) if c in _COUNTY_SUFFIXES]
    if not positions:
        positions = [i for i, c in enumerate(head) if c == "市"]
    return positions[0] + 1 if positions else None


def _name_at(head: str, start: int, *, anywhere: bool) -> int | None:
    """End of the first (longest) county name starting at ``start`` (or later, if ``anywhere``)."""
    names, longest = _county_names()
    for begin in range(start, len(head) if anywhere else min(start + 1, len(head))):
        for length in range(min(longest, len(head) - begin), 1, -1):
            if head[begin : begin + length] in names:
                return begin + length
    return None


@cache
def _county_names() -> tuple[frozenset[str], int]:
    table = divisions()
    names = frozenset(
        d.name
        for d in table.counties(current_only=False)
        if d.name not in _PLACEHOLDERS and len(d.name) >= 2
    )
    return names, max(len(n) for n in names)
