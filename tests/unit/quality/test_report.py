"""The per-area quality report: rates, roll-ups, the histogram and the sample, worked out by hand.

Two cases: the real job on the hand-made extract (handmade.py: 8 census records in three small
areas), and ``report.build`` on hand-made findings over a tiny ``nodes`` table, where the
histogram's bins and the sample's bounds are easy to count.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from headcount.quality import report, run
from headcount.quality.report_html import histogram_svg
from tests.unit.quality.handmade import SA_A, SA_B, SA_C, write_extract


@pytest.fixture(scope="module")
def handmade(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("report")
    run(write_extract(root / "extract"), root / "out")
    doc = json.loads((root / "out" / report.PATH).read_text())
    return root / "out", doc


def test_rates_per_small_area_and_rolled_up(handmade: tuple[Path, dict[str, Any]]) -> None:
    _, doc = handmade
    areas = doc["areas"]
    # SA_A: HA1/1–4. HA1/1 a duplicate (1/4 = 25 %), HA1/3 double registered, HA1/4 a boy in
    # the census and a girl in the hukou and birth registers (2 per 4 records = 500 ‰).
    a = areas[SA_A]
    assert (a["level"], a["census_records"]) == ("small_area", 4)
    assert a["counts"]["duplicates"] == 1 and a["rates"]["duplicates"] == 25.0
    assert a["counts"]["discrepancies_by_item"] == {"sex": 2}
    assert a["rates"]["discrepancies"] == 500.0 and a["counts"]["omissions"] == 0
    # SA_B: HB1/1–3. HB1/2 the duplicate copy (erroneous), HB1/1 died before the reference.
    b = areas[SA_B]
    assert b["census_records"] == 3 and b["counts"]["duplicates"] == 1
    assert b["counts"]["erroneous_by_reason"] == {
        "died_before_reference": 1,
        "duplicate_residence_record": 1,
    }
    assert b["rates"]["erroneous"] == round(200 / 3, 4)  # 2 of 3 records
    # SA_C: HC1/1 only, and the omission HK4 sent to it: 1 per 1 record = 1,000 ‰.
    c = areas[SA_C]
    assert c["census_records"] == 1 and c["rates"]["omissions"] == 1000.0
    assert c["counts"]["omissions_by_register"] == {"hukou": 1}
    # Beijing (11) holds SA_A and SA_B: 7 records, 2 duplicates.
    bj = areas["11"]
    assert (bj["level"], bj["census_records"], bj["counts"]["duplicates"]) == ("province", 7, 2)
    assert bj["rates"]["duplicates"] == round(200 / 7, 4)
    cn = areas["CN"]
    assert cn["level"] == "national" and cn["census_records"] == 8
    assert cn["rates"] == {
        "duplicates": 25.0,
        "erroneous": 25.0,
        "double_registration": 25.0,
        "omissions": 125.0,
        "discrepancies": 250.0,
    }
    for width in (2, 4, 6, 9, 12, 15):  # every level sums to the country
        level = [v for k, v in areas.items() if k != "CN" and len(k) == width]
        for kind in report.KINDS:
            assert sum(v["counts"][kind] for v in level) == cn["counts"][kind], (width, kind)
    assert set(areas) == {"CN"} | {
        code[:w] for code in (SA_A, SA_B, SA_C) for w in (2, 4, 6, 9, 12, 15)
    }


def test_histogram_counts_the_model_pairs(handmade: tuple[Path, dict[str, Any]]) -> None:
    out, doc = handmade
    # P2 (no ID) is linked to its hukou row by the model: one pair, in SA_A, a link.
    assert doc["areas"]["CN"]["scores"]["pairs"] == 1
    assert doc["areas"][SA_A]["scores"] == {
        "pairs": 1,
        "links": 1,
        "review": 0,
        "bins": [0] * 19 + [1],
    }
    assert doc["areas"][SA_B]["scores"]["pairs"] == 0
    assert doc["histogram"]["edges"][0] == 0.5 and doc["histogram"]["edges"][-1] == 1.0
    assert len(doc["histogram"]["edges"]) == report.BINS + 1
    assert doc["thresholds"] == {"upper": 0.99, "lower": 0.5}
    summary = json.loads((out / "quality.json").read_text())
    data = (out / report.PATH).read_bytes()
    assert summary["extra"][report.PATH] == hashlib.sha256(data).hexdigest()
    assert (out / report.PATH).stat().st_mode & 0o777 == 0o600
    assert (out / "report").stat().st_mode & 0o777 == 0o700
    index = (out / report.INDEX).read_text()
    assert "<svg" in index and "110105" in index and "HK4" in index  # national sample


def test_cases_carry_references_only(handmade: tuple[Path, dict[str, Any]]) -> None:
    _, doc = handmade
    names = ("王小明", "李华", "张伟", "赵六", "钱七", "王小宝", "李文")
    text = json.dumps(doc, ensure_ascii=False)
    assert not any(n in text for n in names)
    found = {(c["kind"], c["household_id"], c["person_no"], c["record_id"]) for c in doc["cases"]}
    assert ("omissions", None, None, "HK4") in found
    assert ("erroneous", "HB1", 1, "DR5") in found
    assert [c["small_area_code"] for c in report.sample(doc, "13")] == [SA_C, SA_C]


# --- report.build on hand-made findings -----------------------------------------------------


def _nodes(con: duckdb.DuckDBPyConnection) -> None:
    """Twelve census records: H1/1–6 in small area X, H2/1–6 in Y (same census area)."""
    rows = [
        (i, "census", h, n, sa)
        for i, (h, n, sa) in enumerate(
            [("H1", n, "110105001001001") for n in range(1, 7)]
            + [("H2", n, "110105001001002") for n in range(1, 7)]
        )
    ]
    con.execute(
        "CREATE TEMP TABLE nodes (uid BIGINT, source VARCHAR, household_id VARCHAR, "
        "person_no INTEGER, small_area_code VARCHAR)"
    )
    con.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)", rows)


def _frames() -> dict[str, pl.DataFrame]:
    long = {"household_id": pl.String, "person_no": pl.Int32, "score": pl.Float64}
    duplicates = pl.DataFrame(
        {
            "household_id": ["H1"] * 6 + ["H2"],
            "person_no": [1, 2, 3, 4, 5, 6, 1],
            "score": [1.0] * 7,
            "rule": ["id_pseudonym"] * 7,
        },
        schema_overrides={"person_no": pl.Int32},
    )
    return {
        "duplicates": duplicates,
        "double_registration": pl.DataFrame(
            schema={**long, "rule": pl.String, "counted": pl.Boolean}
        ),
        "unlinked_hukou_place": pl.DataFrame(schema={**long, "rule": pl.String}),
        "omissions": pl.DataFrame(
            {
                "register": ["hukou", "births", "hukou"],
                "record_id": ["R1", "R2", "R3"],
                "small_area_code": ["110105001001002", "110105001001002", None],
                "score": [1.0, 0.7, 1.0],
            }
        ),
        "erroneous": pl.DataFrame(
            {
                "household_id": ["H1"],
                "person_no": [2],
                "reason": ["duplicate_residence_record"],
                "register": [None],
                "record_id": [None],
            },
            schema_overrides={"register": pl.String, "record_id": pl.String},
        ),
        "discrepancies": pl.DataFrame(
            {
                "household_id": ["H2", "H2"],
                "person_no": [3, 3],
                "register": ["hukou", "hukou"],
                "record_id": ["R9", "R9"],
                "item": ["sex", "ethnic_group"],
            }
        ),
        "review": pl.DataFrame(
            {
                "household_id_l": ["H1"],
                "person_no_l": [4],
                "source_r": ["hukou"],
                "record_id_r": ["R7"],
                "household_id_r": [None],
                "person_no_r": [None],
                "score": [0.74],
            },
            schema_overrides={"household_id_r": pl.String, "person_no_r": pl.Int32},
        ),
    }


def _pairs() -> pl.DataFrame:
    # uid 0 is H1/1 (small area X), uid 7 is H2/2 (Y)
    return pl.DataFrame(
        {
            "uid_l": [0, 0, 0, 0, 7, 7],
            "uid_r": [100, 101, 102, 103, 104, 105],
            "match_probability": [0.5, 0.52, 0.74, 0.98, 0.99, 1.0],
        }
    )


def _build() -> dict[str, Any]:
    con = duckdb.connect()
    try:
        _nodes(con)
        return report.build(con, _frames(), _pairs())
    finally:
        con.close()


def test_bins_from_the_lower_threshold_with_the_links_apart() -> None:
    doc = _build()
    x, y = doc["areas"]["110105001001001"], doc["areas"]["110105001001002"]
    # (p − 0.5) / 0.5 × 20: 0.5 → 0, 0.52 → 0.8 → 0, 0.74 → 9.6 → 9, 0.98 → 19.2 → 19;
    # 0.99 and 1.0 → 19 (1.0 is in the last bin); links: p ≥ 0.99.
    assert x["scores"]["bins"] == [2] + [0] * 8 + [1] + [0] * 9 + [1]
    assert (x["scores"]["links"], x["scores"]["review"]) == (0, 4)
    assert y["scores"]["bins"] == [0] * 19 + [2] and y["scores"]["links"] == 2
    cn = doc["areas"]["CN"]["scores"]
    assert (cn["pairs"], cn["links"], cn["review"]) == (6, 2, 4)


def test_an_omission_without_an_area_counts_for_the_country_only() -> None:
    doc = _build()
    assert doc["areas"]["CN"]["counts"]["omissions"] == 3
    assert doc["areas"]["110105001001"]["counts"]["omissions"] == 2
    assert doc["areas"]["CN"]["counts"]["omissions_by_register"] == {"births": 1, "hukou": 2}
    # 3 omissions per 12 census records = 250 ‰; 7 duplicates of 12 = 58.3333 %
    assert doc["areas"]["CN"]["rates"]["omissions"] == 250.0
    assert doc["areas"]["CN"]["rates"]["duplicates"] == round(700 / 12, 4)
    assert doc["areas"]["110105001001001"]["counts"]["review"] == 1


def test_the_sample_is_bounded_and_reproducible() -> None:
    first, second = _build(), _build()
    assert first["cases"] == second["cases"]
    x = report.sample(first, "110105001001001", "duplicates")
    assert len(x) == report.SAMPLE == 5  # six duplicates in X, five kept
    everything = report.sample(first, "110105001001", "duplicates")
    assert len(everything) == 5
    # the census area's sample is the five lowest-ranked of all seven duplicates in it
    ranks = sorted(
        hashlib.md5(f"duplicates|{h}|{n}|id_pseudonym".encode()).hexdigest()
        for h, n in [("H1", n) for n in range(1, 7)] + [("H2", 1)]
    )
    assert [c["rank"] for c in everything] == ranks[:5]
    kinds = {c["kind"] for c in report.sample(first, "CN")}
    assert kinds == {"duplicates", "omissions", "erroneous", "discrepancies", "review"}
    [review] = report.sample(first, "CN", "review")
    assert (review["household_id"], review["register"], review["record_id"]) == (
        "H1",
        "hukou",
        "R7",
    )


def test_histogram_svg_draws_both_thresholds_without_style() -> None:
    doc = _build()
    area = doc["areas"]["110105001001001"]
    svg = histogram_svg(area["scores"], doc["histogram"]["edges"], doc["thresholds"], "X <&>")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'aria-label="X &lt;&amp;&gt;"' in svg
    assert svg.count("stroke-dasharray") == 2 and ">0.99<" in svg and ">0.5<" in svg
    assert "style=" not in svg and "<script" not in svg
    assert svg.count("<rect") == 3  # three non-empty bins, no link among them


def test_histogram_svg_draws_the_links_of_a_mixed_bin_dark() -> None:
    doc = _build()
    edges, thresholds = doc["histogram"]["edges"], doc["thresholds"]
    # Y: both pairs are links in the last bin: one dark bar, nothing light.
    y = histogram_svg(doc["areas"]["110105001001002"]["scores"], edges, thresholds, "Y")
    assert y.count("<rect") == 1 and y.count('fill="#1f4e79"') == 1
    # CN: the last bin holds 0.98 (review), 0.99 and 1.0 (links): a light bar of 3 and a dark
    # one of 2 over it, besides the light bars of bins 0 and 9.
    cn = histogram_svg(doc["areas"]["CN"]["scores"], edges, thresholds, "CN")
    assert cn.count('fill="#8fb4d9"') == 3 and cn.count('fill="#1f4e79"') == 1
    assert "0.975–1.000: 3<" in cn and "0.975–1.000: 2<" in cn
