"""The counting rules (processing.counting): every branch by hand, and SQL ≡ Polars everywhere."""

from __future__ import annotations

import itertools
from typing import Any

import duckdb
import polars as pl
import pytest

from headcount.processing import counting

FLAGS = list(counting.DERIVED)
# (residence county, hukou county) pairs: the small area's county and the D8 = 4 county.
COUNTIES = [
    ("110105", "110108"),  # 朝阳区, 海淀区: districts of Beijing
    ("110105", "310101"),  # 朝阳区, 黄浦区 (Shanghai): another province
    ("130102", "130181"),  # 长安区, 辛集市: same prefecture, hukou county not a district
    ("130181", "130102"),  # residence in a county-level city
    ("110105", "110228"),  # 朝阳区, 密云县 (abolished, prefecture 1102): another prefecture
    ("110105", None),  # hukou county not given
]
SCHEMA = {
    "residence_at_reference": pl.Int8,
    "hukou_place": pl.Int8,
    "time_away_from_hukou": pl.Int8,
    "hukou_county": pl.String,
    "county_code": pl.String,
}

# name, D7, D8, D9, residence county, hukou county, expected derived flags
CASES: list[tuple[str, Any, Any, Any, str, Any, set[str]]] = [
    ("at home", 1, 1, 1, "110105", None, {"counted"}),
    ("moved within the township", 1, 2, 5, "110105", None, {"counted"}),
    ("other township < 6 months: counts at hukou", 1, 3, 2, "110105", None, set()),
    ("other county < 6 months: counts at hukou", 1, 4, 2, "110105", "110108", set()),
    ("hukou pending", 1, 5, None, "110105", None, {"counted"}),
    (
        "districts of one city",
        1,
        4,
        3,
        "110105",
        "110108",
        {"counted", "hukou_separated", "within_city"},
    ),
    (
        "another province",
        1,
        4,
        9,
        "110105",
        "310101",
        {"counted", "hukou_separated", "floating", "interprovincial"},
    ),
    (
        "hukou county not a district",
        1,
        4,
        3,
        "130102",
        "130181",
        {"counted", "hukou_separated", "floating", "intraprovincial"},
    ),
    (
        "another prefecture of the province",
        1,
        4,
        3,
        "110105",
        "110228",
        {"counted", "hukou_separated", "floating", "intraprovincial"},
    ),
    (
        "other township of a district",
        1,
        3,
        4,
        "110105",
        None,
        {"counted", "hukou_separated", "within_city"},
    ),
    (
        "other township of a county-level city",
        1,
        3,
        4,
        "130181",
        None,
        {"counted", "hukou_separated", "floating", "intraprovincial"},
    ),
    (
        "hukou county missing",
        1,
        4,
        5,
        "110105",
        None,
        {"counted", "hukou_separated", "floating", "intraprovincial"},
    ),
    ("D8 empty", 1, None, None, "110105", None, {"counted"}),
    ("D9 empty", 1, 4, None, "110105", "310101", {"counted"}),
    ("hukou record, same committee", 2, 1, 3, "110105", None, set()),
    ("hukou record, same township", 3, 1, 3, "110105", None, set()),
    ("hukou record, same county < 6 months", 4, 1, 2, "110105", None, {"counted"}),
    ("hukou record, same county ≥ 6 months", 4, 1, 5, "110105", None, set()),
    ("hukou record, other county < 6 months", 5, 1, 2, "110105", None, {"counted"}),
    ("hukou record, other county ≥ 6 months", 5, 1, 8, "110105", None, set()),
    ("hukou record, D9 empty", 5, 1, None, "110105", None, set()),
    ("HK/Macau/Taiwan", 6, 1, 4, "110105", None, {"counted"}),
    ("abroad", 7, 1, None, "110105", None, {"counted"}),
    ("D7 empty", None, 1, 1, "110105", None, set()),
]


def _frame(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "small_area_code": f"{res}001001001",
                "residence_at_reference": d7,
                "hukou_place": d8,
                "time_away_from_hukou": d9,
                "hukou_county": huk,
                "county_code": res,
                "row": i,
            }
            for i, (d7, d8, d9, res, huk) in enumerate(rows)
        ],
        schema={**SCHEMA, "small_area_code": pl.String, "row": pl.Int64},
    )


def _polars(frame: pl.DataFrame) -> pl.DataFrame:
    records = frame.drop("county_code").lazy()
    areas = frame.select("small_area_code", "county_code").unique().lazy()
    return counting.apply(records, areas).sort("row").select("row", *FLAGS).collect()


def _duckdb(frame: pl.DataFrame) -> pl.DataFrame:
    con = duckdb.connect()
    try:
        counting.register_districts(con)
        con.register("rec", frame.drop("county_code").to_arrow())
        con.register("sa", frame.select("small_area_code", "county_code").unique().to_arrow())
        sql = counting.view_sql("rec", "sa", select="r.row")
        result: pl.DataFrame = con.sql(f"SELECT * FROM ({sql}) ORDER BY row").pl()
    finally:
        con.close()
    return result.select("row", *FLAGS)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_every_branch_in_both_engines(case: tuple[Any, ...]) -> None:
    _name, d7, d8, d9, res, huk, expected = case
    frame = _frame([(d7, d8, d9, res, huk)])
    for result in (_polars(frame), _duckdb(frame)):
        got = {flag for flag in FLAGS if result[flag][0]}
        assert got == expected


def test_sql_and_polars_agree_on_every_code_combination() -> None:
    d7s = [None, 1, 2, 3, 4, 5, 6, 7]
    d8s = [None, 1, 2, 3, 4, 5]
    d9s = [None, *range(1, 10)]
    rows = [
        (d7, d8, d9, res, huk)
        for d7, d8, d9 in itertools.product(d7s, d8s, d9s)
        for res, huk in COUNTIES
    ]
    frame = _frame(rows)
    via_polars, via_sql = _polars(frame), _duckdb(frame)
    assert via_polars.height == len(rows) == 8 * 6 * 10 * len(COUNTIES)
    assert via_polars.equals(via_sql)
    for flag in FLAGS:  # two-valued: an empty item never makes a flag null
        assert via_polars[flag].null_count() == 0
    # The invariants of §10: each separated person is within city xor floating, each floating one
    # inter- xor intraprovincial, and only counted residence records are separated.
    sep = via_polars.filter("hukou_separated")
    assert (sep["within_city"] ^ sep["floating"]).all()
    flo = via_polars.filter("floating")
    assert (flo["interprovincial"] ^ flo["intraprovincial"]).all()
    assert via_polars.filter("hukou_separated")["counted"].all()
    assert not via_polars.filter(~pl.col("hukou_separated"))["floating"].any()


def test_a_double_registration_counts_once() -> None:
    # The residence record and the hukou-place record of one person, for each D9.
    for d9 in range(2, 10):
        frame = _frame([(1, 4, d9, "110105", "130181"), (5, 1, d9, "130181", None)])
        for result in (_polars(frame), _duckdb(frame)):
            assert result["counted"].sum() == 1
            assert result["counted"][0] is (d9 >= 3)


def test_district_lookup_judges_by_name() -> None:
    frame = counting.district_frame()
    lookup = dict(zip(frame["county_code"], frame["is_district"], strict=True))
    assert lookup["110105"] is True and lookup["130181"] is False
    assert lookup["110228"] is False  # 密云县: abolished, still known
    assert frame["county_code"].is_unique().all()


def test_rule_version_and_sql_fragments() -> None:
    assert counting.RULE_VERSION == "2020.2"
    sql = counting.sql_expressions()
    assert set(sql) == set(counting.DERIVED)
    assert "residence_at_reference" in sql["counted"]
    aliased = counting.sql_expressions({"residence_at_reference": "x.d7"})
    assert "x.d7" in aliased["counted"]
