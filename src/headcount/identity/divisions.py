"""Administrative division codes: the historical GB/T 2260 table (1980-12 … 2019-04) and the NBS
statistical divisions of the 2020 census (to township level).

A citizen ID keeps the address code it was issued under, so validation uses the *historical* table:
a code abolished later (110103 崇文区, last seen 2009-12) is still a valid address code.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from headcount.errors import DIVISION_MALFORMED, DIVISION_UNKNOWN, HeadcountError

Level = Literal["province", "prefecture", "county", "township"]

# The first revision in the history file; a code first seen then may be older.
_FIRST_REVISION = 198012
# Residence permits of HK, Macau and Taiwan residents carry these codes; 830000 is in no GB/T 2260
# revision but is issued since 2018.
_PLACEHOLDER_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_HMT = {"810000": "香港特别行政区", "820000": "澳门特别行政区", "830000": "台湾地区"}


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 6 digits for province/prefecture/county (padded with 0), 9 for a township
    name: str
    level: Level
    parent: str | None
    first_year: int | None  # None: in use since before 1980-12
    last_year: int | None  # None: still in use at the 2020 census
    other_names: tuple[str, ...] = ()

    @property
    def province_code(self) -> str:
        return self.code[:2]

    def in_use_between(self, start_year: int, end_year: int) -> bool:
        """True when the code's period of use overlaps [start_year, end_year].

        One year of slack after the last revision that listed the code: revisions are yearly and a
        code abolished mid-year is still issued until then.
        """
        starts_ok = self.first_year is None or self.first_year <= end_year
        ends_ok = self.last_year is None or self.last_year + 1 >= start_year
        return starts_ok and ends_ok


def _data(name: str) -> str:
    return resources.files("headcount.identity").joinpath("data", name).read_text("utf-8")


def _rows(name: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(_data(name)))


class DivisionTable:
    """Lookup of division codes; built once per process (see ``divisions()``)."""

    def __init__(self) -> None:
        self._by_code: dict[str, Division] = {}
        self._townships: dict[str, Division] | None = None
        self._load_history()
        self._load_2020()
        for code, name in _HMT.items():
            if code not in self._by_code:
                self._by_code[code] = Division(code, name, "province", None, 2018, None)
        # Every province of every revision since 1980 (abolished ones stay in _by_code), with the
        # HK/Macau/Taiwan permit codes: the only first two digits an address code can have.
        self._provinces = frozenset(
            d.code[:2] for d in self._by_code.values() if d.level == "province"
        )

    def _load_history(self) -> None:
        for row in _rows("gb2260-history.csv"):
            first = int(row["first_revision"])
            last = int(row["last_revision"])
            level: Level = row["level"]  # type: ignore[assignment]
            code = row["code"]
            parent = _parent_code(code, level)
            self._by_code[code] = Division(
                code=code,
                name=row["name"],
                level=level,
                parent=parent,
                first_year=None if first <= _FIRST_REVISION else first // 100,
                last_year=None if row["in_latest"] == "yes" else last // 100,
                other_names=tuple(n for n in row["other_names"].split("|") if n),
            )

    def _load_2020(self) -> None:
        # 2020 statistical division codes are in use at the census, whatever the history says.
        for name, width, level in (
            ("provinces.csv", 2, "province"),
            ("cities.csv", 4, "prefecture"),
            ("areas.csv", 6, "county"),
        ):
            for row in _rows(name):
                code = row["code"].ljust(6, "0")
                assert len(row["code"]) == width
                known = self._by_code.get(code)
                lvl: Level = level  # type: ignore[assignment]
                if known is None:
                    self._by_code[code] = Division(
                        code, row["name"], lvl, _parent_code(code, lvl), 2019, None
                    )
                elif known.last_year is not None:
                    self._by_code[code] = Division(
                        code,
                        known.name,
                        known.level,
                        known.parent,
                        known.first_year,
                        None,
                        known.other_names,
                    )

    def _load_townships(self) -> dict[str, Division]:
        if self._townships is None:
            raw = (
                resources.files("headcount.identity")
                .joinpath("data", "streets.csv.gz")
                .read_bytes()
            )
            text = gzip.decompress(raw).decode("utf-8")
            self._townships = {
                row["code"]: Division(
                    row["code"], row["name"], "township", row["areaCode"], 2019, None
                )
                for row in csv.DictReader(io.StringIO(text))
            }
        return self._townships

    def get(self, code: str) -> Division | None:
        """The division for a 2-, 4-, 6- or 9-digit code, or None when unknown or malformed."""
        if not code.isascii() or not code.isdigit():
            return None
        if len(code) == 9:
            return self._load_townships().get(code)
        if len(code) in (2, 4, 6):
            return self._by_code.get(code.ljust(6, "0"))
        return None

    def require(self, code: str) -> Division:
        if not code.isascii() or not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
            raise HeadcountError(DIVISION_MALFORMED, code=code[:16])
        found = self.get(code[:9] if len(code) == 12 else code)
        if found is None:
            raise HeadcountError(DIVISION_UNKNOWN, code=code)
        return found

    def province_codes(self) -> frozenset[str]:
        """The two-digit province codes of GB/T 2260 since 1980, historical ones included (46 海南
        from 1988, 50 重庆 from 1997, 71 台湾), plus 81/82/83 of the HK/Macau/Taiwan permits."""
        return self._provinces

    def is_province(self, code: str) -> bool:
        """True when the first two digits of ``code`` are a province code of any GB/T 2260
        revision: an address code starting otherwise (00, 10, 20, 72, 99 …) cannot exist."""
        return code[:2] in self._provinces

    def path(self, code: str) -> list[Division]:
        """Province, prefecture, county (and township) above and including ``code``."""
        chain: list[Division] = []
        current = self.get(code)
        while current is not None:
            chain.append(current)
            current = self.get(current.parent) if current.parent else None
        return list(reversed(chain))

    def region_name(self, code: str) -> str | None:
        """Names from province down, skipping the placeholder 市辖区/县 prefecture rows."""
        chain = self.path(code)
        if not chain:
            return None
        names = [
            d.name
            for d in chain
            if not (d.level == "prefecture" and d.name in _PLACEHOLDER_PREFECTURES)
        ]
        return " ".join(names)

    def counties(self, province: str | None = None, *, current_only: bool = True) -> list[Division]:
        return [
            d
            for d in self._by_code.values()
            if d.level == "county"
            and (province is None or d.province_code == province)
            and (not current_only or d.last_year is None)
        ]

    def townships(self, county: str) -> list[Division]:
        return [d for d in self._load_townships().values() if d.parent == county]

    def is_district(self, county_code: str) -> bool:
        """A 市辖区 district, judged by the name (…区) rather than the conventional 01–20 range."""
        found = self.get(county_code)
        return found is not None and found.level == "county" and found.name.endswith("区")

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def __len__(self) -> int:
        return len(self._by_code)


def _parent_code(code: str, level: Level) -> str | None:
    if level == "province":
        return None
    if level == "prefecture":
        return code[:2] + "0000"
    if level == "county":
        return code[:4] + "00"
    return code[:6]


@cache
def divisions() -> DivisionTable:
    return DivisionTable()
