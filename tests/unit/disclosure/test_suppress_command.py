"""``headcount disclose suppress`` on a hand-made tables directory, and the bundle's check."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from headcount.cli import app
from headcount.publish import PublicationRefused, build_bundle
from headcount.publish.disclosure import registered
from headcount.publish.tables_index import load_index
from tests.unit.publish.builders import TableData, write_tables

AGES = ("20-24", "25-29", "30-34")
EDUCATION = ("primary", "junior_secondary", "undergraduate")
# Two townships of county 110101; (male, female) per age group × education. Small cells: the
# 1s and 2s; the county is their sum.
TOWNSHIPS = {
    "110101001": [
        [(9, 8), (14, 12), (1, 6)],
        [(7, 9), (11, 13), (8, 2)],
        [(6, 5), (12, 10), (9, 11)],
    ],
    "110101002": [[(5, 7), (10, 9), (4, 3)], [(8, 6), (2, 12), (7, 9)], [(10, 4), (9, 13), (6, 8)]],
}


def _rows(area: str, grid: list[list[tuple[int, int]]]) -> list[list[object]]:
    return [
        [area, age, edu, m, f, m + f]
        for age, line in zip(AGES, grid, strict=True)
        for edu, (m, f) in zip(EDUCATION, line, strict=True)
    ]


def tables_dir(root: Path) -> Path:
    township = [r for area, grid in TOWNSHIPS.items() for r in _rows(area, grid)]
    county_grid = [
        [tuple(a + b for a, b in zip(x, y, strict=True)) for x, y in zip(l1, l2, strict=True)]
        for l1, l2 in zip(*TOWNSHIPS.values(), strict=True)
    ]
    measures = [("male", "count"), ("female", "count"), ("total", "count")]
    dims = ["area_code", "age_group", "education"]
    return write_tables(
        root,
        [
            TableData("education_age_sex", "township", dims, measures, township),
            TableData("education_age_sex", "county", dims, measures, _rows("110101", county_grid)),
        ],
        formats=("csv", "parquet"),
    )


def run(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["disclose", *args, "--json"])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def suppressed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("suppress")
    code, body = run(
        "suppress", str(tables_dir(base / "T")), "--out", str(base / "S"), "--format", "csv"
    )
    assert code == 0, body
    return base / "S"


def test_the_output_is_a_tables_directory_in_long_form(suppressed: Path) -> None:
    index = load_index(suppressed)
    assert {(t.id, t.level) for t in index.tables} == {
        ("education_age_sex", lv) for lv in ("township", "county")
    }
    table = index.find("education_age_sex", "township")
    assert table is not None
    assert table.dimensions == ("geocode", "age_group", "education", "sex")
    frame = pl.read_csv(suppressed / table.files["csv"], schema_overrides={"geocode": pl.String})
    assert frame.columns == ["geocode", "age_group", "education", "sex", "count", "status"]
    # (3 + total) ages × (3 + total) education × (male, female, total), two townships
    assert frame.height == 2 * 4 * 4 * 3
    hidden = frame.filter(pl.col("status") != "published")
    assert hidden["count"].null_count() == hidden.height > 0
    assert frame.filter(pl.col("status") == "published")["count"].null_count() == 0
    assert set(frame["status"]) <= {"published", "primary", "secondary"}
    # the small cells are the primary ones: township 001's 20-24 undergraduate men (1) …
    primary = {
        tuple(r)
        for r in frame.filter(pl.col("status") == "primary")
        .select("geocode", "age_group", "education", "sex")
        .iter_rows()
    }
    assert ("110101001", "20-24", "undergraduate", "male") in primary
    assert ("110101002", "25-29", "junior_secondary", "male") in primary
    # each township's grand total is published: the sum of its hand-made cells
    totals = frame.filter(
        (pl.col("age_group") == "total")
        & (pl.col("education") == "total")
        & (pl.col("sex") == "total")
    )
    expected = sorted(sum(m + f for line in grid for m, f in line) for grid in TOWNSHIPS.values())
    assert sorted(totals["count"].to_list()) == expected


def test_the_summary_reports_cells_and_persons(tmp_path: Path) -> None:
    source = tables_dir(tmp_path / "T")
    code, body = run(
        "suppress",
        str(source),
        "--out",
        str(tmp_path / "S"),
        "--method",
        "optimal",
        "--time-limit",
        "2",
    )
    assert code == 0
    totals = body["totals"]
    # three small cells (township 001: 1 man, 2 women; township 002: 2 men), none in the county
    assert totals["primary"] == 3 and totals["secondary"] > 0
    assert totals["persons_primary"] + totals["persons_secondary"] > 0
    assert body["method"] == "optimal" and body["threshold"] == 3
    assert {t["level"] for t in body["tables"]} == {"township", "county"}


def test_disclose_check_and_the_bundle_accept_the_suppressed_tables(
    suppressed: Path, tmp_path: Path
) -> None:
    code, body = run("check", str(suppressed))
    assert code == 0, body["verdict"]
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["recalculable"]["hidden_cells"] > 0 and checks["recalculable"]["findings"] == 0
    assert "recalculable" in registered()
    (tmp_path / "pub").mkdir()
    published = build_bundle([suppressed], tmp_path / "pub" / "bundle")
    recorded = {c["name"]: c for c in published.manifest["gates"]["disclosure"]["checks"]}
    assert recorded["recalculable"]["findings"] == 0


def _publish_one_hidden_cell(root: Path, status: str) -> None:
    """Show the true count of one hidden cell (status published), as a careless edit would."""
    index = json.loads((root / "tables.json").read_text("utf-8"))
    entry = next(t for t in index["tables"] if t["level"] == "township")
    path = root / entry["files"]["csv"]
    frame = pl.read_csv(path, schema_overrides={"geocode": pl.String})
    truth = {"110101001|20-24|undergraduate|female": 6, "110101001|20-24|undergraduate|total": 7}
    keys = frame.select(
        pl.concat_str(["geocode", "age_group", "education", "sex"], separator="|")
    ).to_series()
    chosen = next(
        i
        for i, (k, s) in enumerate(zip(keys, frame["status"], strict=True))
        if s == status and k in truth
    )
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == chosen)
        .then(pl.lit(truth[keys[chosen]]))
        .otherwise(pl.col("count"))
        .alias("count"),
        pl.when(pl.int_range(pl.len()) == chosen)
        .then(pl.lit("published"))
        .otherwise(pl.col("status"))
        .alias("status"),
    )
    frame.write_csv(path, null_value="")
    entry["sha256"]["csv"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (root / "tables.json").write_text(json.dumps(index), "utf-8")


def test_a_recomputable_cell_refuses_the_bundle(tmp_path: Path) -> None:
    root = tmp_path / "S"
    code, _body = run(
        "suppress", str(tables_dir(tmp_path / "T")), "--out", str(root), "--format", "csv"
    )
    assert code == 0
    _publish_one_hidden_cell(root, "secondary")
    code, body = run("check", str(root))
    assert code == 1
    findings = [f for f in body["findings"] if f["check"] == "recalculable"]
    assert findings and all(
        f["file"] == "township/education_age_sex.csv" or f["file"].startswith("county/")
        for f in findings
    )
    (tmp_path / "pub").mkdir()
    with pytest.raises(PublicationRefused) as caught:
        build_bundle([root], tmp_path / "pub" / "bundle")
    assert caught.value.details["check"] == "recalculable"


def test_a_count_shown_for_a_hidden_cell_is_a_finding(tmp_path: Path) -> None:
    root = tmp_path / "S"
    run("suppress", str(tables_dir(tmp_path / "T")), "--out", str(root), "--format", "csv")
    index = json.loads((root / "tables.json").read_text("utf-8"))
    entry = next(t for t in index["tables"] if t["level"] == "township")
    path = root / entry["files"]["csv"]
    frame = pl.read_csv(path, schema_overrides={"geocode": pl.String})
    frame = frame.with_columns(
        pl.when(pl.col("status") == "primary")
        .then(pl.lit("hidden"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    frame.write_csv(path, null_value="")
    entry["sha256"]["csv"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (root / "tables.json").write_text(json.dumps(index), "utf-8")
    code, body = run("check", str(root))
    assert code == 1
    rules = {f["rule"] for f in body["findings"] if f["check"] == "recalculable"}
    assert any("status is published, primary or secondary" in r for r in rules)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (["--method", "exact"], "E2181"),
        (["--format", "xlsx"], "E2181"),
        (["--time-limit", "0"], "E2181"),
        (["--tables", "nowhere"], "E2181"),
        (["--min-cell", "0"], "E2152"),
        (["--levels", "street"], "E2155"),
        (["--sensitive", "education_age_sex=area_code"], "E2156"),
    ],
)
def test_bad_options_write_nothing(tmp_path: Path, extra: list[str], code: str) -> None:
    out = tmp_path / "S"
    status, body = run("suppress", str(tables_dir(tmp_path / "T")), "--out", str(out), *extra)
    assert status == 2 and body["error"]["code"] == code
    assert not out.exists()


def test_a_used_output_or_a_non_tables_directory_is_refused(tmp_path: Path) -> None:
    source = tables_dir(tmp_path / "T")
    out = tmp_path / "S"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    status, body = run("suppress", str(source), "--out", str(out))
    assert status == 2 and body["error"]["code"] == "E2180"
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    status, body = run("suppress", str(tmp_path), "--out", str(tmp_path / "S2"))
    assert status == 2 and body["error"]["code"] == "E2150"
    assert not (tmp_path / "S2").exists()
