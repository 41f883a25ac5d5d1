"""``headcount disclose check`` on the tables of a small synthetic census (20,000 persons).

``headcount synth`` → ``headcount tables`` (national to township, CSV and Parquet) →
``headcount disclose check``: at 20,000 persons every township is a few dozen people, so the
township tables must hold small cells and full cells, while the national tables of big cells
(household type, ethnicity, mobility, population by province) must hold none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from headcount.cli import app

runner = CliRunner()
BIG_NATIONAL = ("household_type", "ethnicity_sex", "mobility", "population_by_province")


def _run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("disclose")
    code, out = _run("synth", "--persons", 20000, "--seed", 7, "--out", root / "synth")
    assert code == 0, out
    levels = "national,province,county,township"
    code, out = _run(
        "tables", root / "synth", "--out", root / "tables", "--level", levels,
        "--format", "csv,parquet",
    )  # fmt: skip
    assert code == 0, out
    return root / "tables"


@pytest.fixture(scope="module")
def report(tables: Path) -> dict[str, Any]:
    code, out = _run("disclose", "check", tables, "--json")
    assert code == 1
    body: dict[str, Any] = json.loads(out)
    return body


def _cells(report: dict[str, Any], level: str, table: str) -> set[tuple[str, str, str]]:
    return {
        (f["check"], json.dumps(f["location"]["row"], sort_keys=True), f["location"]["measure"])
        for f in report["findings"]
        if f["table"] == table and f["file"].startswith(f"{level}/")
    }


def test_small_area_tables_have_findings(report: dict[str, Any]) -> None:
    assert report["verdict"] == "fail"
    township = {(f["check"], f["table"]) for f in report["findings"] if "township/" in f["file"]}
    assert ("min_cell", "age_sex_single_year") in township
    assert ("min_cell", "education_age_sex") in township
    assert ("full_cell", "education_age_sex") in township
    # The full-cell rule applies at township only by default.
    assert {f["file"].split("/")[0] for f in report["findings"] if f["check"] == "full_cell"} == {
        "township"
    }


@pytest.mark.parametrize("table", BIG_NATIONAL)
def test_national_tables_of_big_cells_have_none(report: dict[str, Any], table: str) -> None:
    assert _cells(report, "national", table) == set()


def test_findings_name_cells_never_persons(tables: Path, report: dict[str, Any]) -> None:
    index = json.loads((tables / "tables.json").read_text("utf-8"))
    dimensions = {(t["level"], t["id"]): t["dimensions"] for t in index["tables"]}
    for finding in report["findings"][:2000]:
        level = finding["file"].split("/")[0]
        row = finding["location"]["row"]
        assert list(row) == dimensions[(level, finding["table"])]
        assert set(finding) == {"gate", "check", "table", "file", "type", "location", "rule"}
    # The CSV and the Parquet file of a table give the same cells.
    for table in ("education_age_sex", "age_sex_single_year"):
        by_format: dict[str, set[str]] = {"csv": set(), "parquet": set()}
        for f in report["findings"]:
            if f["table"] == table and f["file"].startswith("township/"):
                by_format[f["file"].rsplit(".", 1)[1]].add(json.dumps(f["location"]))
        assert by_format["csv"] == by_format["parquet"] != set()


def test_levels_narrow_the_check_to_national(tables: Path) -> None:
    code, out = _run(
        "disclose", "check", tables, "--levels", "national", "--attribute-levels", "none", "--json"
    )
    body = json.loads(out)
    national = {f["table"] for f in body["findings"]}
    assert code == 1 and national.isdisjoint(BIG_NATIONAL)
    assert all(f["file"].startswith("national/") for f in body["findings"])
