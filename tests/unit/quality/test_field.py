"""What the field is asked (``quality.field.for_field``) and what its answers do to the next run
and to the counts, on the hand-made extract whose findings are worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

from headcount.quality import run
from headcount.quality.field import for_field
from headcount.tables import population
from headcount.tables.source import open_source, register
from tests.unit.quality.handmade import write_extract


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("field")
    run(write_extract(root / "extract"), root / "out")
    return root / "out"


def test_each_finding_the_field_can_check_is_asked_once_with_a_stable_key(first: Path) -> None:
    asked = {(f.finding, f.key) for f in for_field(first)}
    assert asked == {
        ("omission", "omission:::hukou:HK4:"),
        ("died", "died:HB1:1:deaths:DR5:"),
        ("duplicate", "duplicate:HB1:2:::"),
        ("discrepancy", "discrepancy:HA1:4:births:BR1:sex"),
        ("discrepancy", "discrepancy:HA1:4:hukou:HK6:sex"),
    }
    omission = next(f for f in for_field(first) if f.finding == "omission")
    assert omission.small_area_code == "130181100200001" and omission.household_id == ""
    duplicate = next(f for f in for_field(first) if f.finding == "duplicate")
    assert duplicate.other_household_id == "HA1"  # the record kept, for the enumerator to see


ANSWERS = pl.DataFrame(
    {
        "finding": ["omission", "died", "duplicate", "discrepancy", "discrepancy"],
        "household_id": ["", "HB1", "HB1", "HA1", "HA1"],
        "person_no": [None, 1, 2, 4, 4],
        "register": ["hukou", "deaths", None, "births", "hukou"],
        "record_id": ["HK4", "DR5", None, "BR1", "HK6"],
        "item": [None, None, None, "sex", "sex"],
        "answer": ["moved", "died", "duplicate_confirmed", "census_correct", "corrected"],
        "small_area_code": ["130181100200001"] * 5,
    },
    schema_overrides={"person_no": pl.Int32},
)


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("answered")
    extract = write_extract(root / "extract", verifications=ANSWERS)
    run(extract, root / "out")
    return extract, root / "out"


def test_answers_settle_or_confirm_findings_in_the_next_run(answered: tuple[Path, Path]) -> None:
    _, out = answered
    verified = pl.read_parquet(out / "verified.parquet")
    assert sorted(verified.select("finding", "answer").rows()) == [
        ("discrepancy", "census_correct"),
        ("discrepancy", "corrected"),
        ("omission", "moved"),
    ]
    assert pl.read_parquet(out / "omissions.parquet").height == 0
    assert pl.read_parquet(out / "discrepancies.parquet").height == 0
    erroneous = pl.read_parquet(out / "erroneous.parquet")
    # Confirmed, not settled: still erroneous, now with the field's word.
    assert sorted(erroneous.select("household_id", "person_no", "verification").rows()) == [
        ("HB1", 1, "died"),
        ("HB1", 2, "duplicate_confirmed"),
    ]
    # Nothing confirmed or settled is asked again.
    assert for_field(out) == []


def test_the_other_answers_remove_a_suspicion(tmp_path: Path) -> None:
    answers = ANSWERS.with_columns(
        pl.Series("answer", ["found", "found", "not_duplicate", "census_correct", "corrected"])
    )
    run(write_extract(tmp_path / "extract", verifications=answers), tmp_path / "out")
    erroneous = pl.read_parquet(tmp_path / "out" / "erroneous.parquet")
    assert erroneous.height == 0  # alive after all; not a duplicate after all
    omissions = pl.read_parquet(tmp_path / "out" / "omissions.parquet")
    # "found" is not settled until the person is registered: still open, with the answer.
    assert omissions.select("record_id", "verification").rows() == [("HK4", "found")]


def _counted(extract: Path) -> set[tuple[str, int]]:
    con = duckdb.connect()
    try:
        register(con, open_source(extract))
        population.build(con)
        rows = con.execute("SELECT household_id, count(*) FROM pop GROUP BY ALL").fetchall()
    finally:
        con.close()
    return {(str(h), int(n)) for h, n in rows}


def test_records_the_field_confirmed_erroneous_are_not_counted(
    answered: tuple[Path, Path], tmp_path: Path
) -> None:
    extract, _ = answered
    before = dict(_counted(write_extract(tmp_path / "plain")))
    after = dict(_counted(extract))
    # HB1's person 1 (died before the reference) and person 2 (a confirmed copy) leave the count.
    assert before["HB1"] - after.get("HB1", 0) == 2
    assert {h: n for h, n in before.items() if h != "HB1"} == {
        h: n for h, n in after.items() if h != "HB1"
    }
