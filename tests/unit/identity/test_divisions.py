from __future__ import annotations

import pytest

from headcount.errors import HeadcountError
from headcount.identity import divisions


def test_history_and_2020_codes_loaded() -> None:
    table = divisions()
    assert len(table) > 7000
    assert table.get("110103") is not None  # 崇文区, abolished
    assert table.get("110101") is not None


def test_hierarchy_and_names() -> None:
    table = divisions()
    assert [d.code for d in table.path("360426")] == ["360000", "360400", "360426"]
    assert table.region_name("110101") == "北京市 东城区"
    assert table.region_name("419001") == "河南省 济源市"


def test_townships_at_nine_digits() -> None:
    table = divisions()
    town = table.get("110101001")
    assert town is not None and town.name == "东华门街道" and town.parent == "110101"
    assert [d.level for d in table.path("110101001")] == [
        "province",
        "prefecture",
        "county",
        "township",
    ]
    assert len(table.townships("110101")) >= 10


def test_districts_by_name() -> None:
    table = divisions()
    assert table.is_district("110101")
    assert not table.is_district("360426")  # 德安县


def test_require_errors_are_catalogued() -> None:
    table = divisions()
    with pytest.raises(HeadcountError) as unknown:
        table.require("999999")
    assert unknown.value.code == "E1120"
    with pytest.raises(HeadcountError) as malformed:
        table.require("12a")
    assert malformed.value.code == "E1121"
    assert table.require("110101001001").code == "110101001"


def test_current_counties_per_province() -> None:
    beijing = divisions().counties("11")
    assert {d.code for d in beijing} >= {"110101", "110102", "110105"}
    assert "110103" not in {d.code for d in beijing}


def test_province_codes_are_those_of_every_gb2260_revision() -> None:
    table = divisions()
    # 46 海南 (1988) and 50 重庆 (1997) came later, 71 台湾 is listed, 81/82/83 are permit codes.
    mainland = (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45)
    mainland += (46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65)
    assert table.province_codes() == {str(p) for p in (*mainland, 71, 81, 82, 83)}
    assert table.is_province("110103")  # an abolished county of a real province
    assert table.is_province("46")
    for impossible in ("000000", "10", "20", "72", "84", "99", "9", ""):
        assert not table.is_province(impossible)
