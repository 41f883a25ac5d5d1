"""The published 2020 results the tables are keyed by: indicator names and provinces' regions."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

REGIONS = ("east", "central", "west", "northeast")


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name_zh: str
    name_en: str
    region: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("headcount.synth").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def indicators() -> tuple[str, ...]:
    """The ``indicator`` names of results-2020-national.csv, in file order."""
    return tuple(row["indicator"] for row in _rows("results-2020-national.csv"))


@cache
def province_columns() -> tuple[str, ...]:
    """The columns of results-2020-provinces.csv (the keys of ``figures_by_province``)."""
    text = resources.files("headcount.synth").joinpath("data", "results-2020-provinces.csv")
    header = text.read_text("utf-8").splitlines()[0]
    return tuple(header.split(","))


@cache
def province_info() -> dict[str, Province]:
    """Names and NBS region of the 31 provinces, by two-digit code."""
    return {
        row["province_code"]: Province(
            row["province_code"], row["province_zh"], row["province_en"], row["region"]
        )
        for row in _rows("results-2020-provinces.csv")
    }
