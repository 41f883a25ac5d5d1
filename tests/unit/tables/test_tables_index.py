"""tables.json, the three file formats, refusals and atomic output, and the command."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from headcount import errors
from headcount.commands.tables import tables_command
from headcount.errors import HeadcountError
from headcount.processing.counting import RULE_VERSION
from headcount.tables import build
from headcount.tables.specs import STANDARD
from tests.unit.tables import handmade


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return handmade.write_synth(tmp_path_factory.mktemp("index") / "source")


@pytest.fixture(scope="module")
def built(source: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("index-out") / "tables"
    return out, build(source, out)


def test_index_shape(built: tuple[Path, dict[str, Any]], source: Path) -> None:
    out, index = built
    on_disk = json.loads((out / "tables.json").read_text("utf-8"))
    assert on_disk == index
    assert index["format"] == "headcount-tables" and index["version"] == 1
    assert index["engine"] == "duckdb"
    assert index["created_at"].endswith("Z")
    assert index["counting_rule_version"] == RULE_VERSION == "2020.2"
    assert index["levels"] == ["national", "province"]
    manifest = (source / "manifest.json").read_bytes()
    assert index["source"] == {
        "path": str(source),
        "kind": "synth",
        "digest": hashlib.sha256(manifest).hexdigest(),
        "key_id": None,
    }
    ids = [(t["id"], t["level"]) for t in index["tables"]]
    expected = [(s.id, lv) for s in STANDARD for lv in ("national", "province")]
    assert ids == [*expected, ("population_by_province", "national")]
    keys = {
        "id",
        "level",
        "title_zh",
        "title_en",
        "universe_zh",
        "universe_en",
        "dimensions",
        "measures",
        "rows",
        "files",
        "sha256",
    }
    for entry in index["tables"]:
        assert set(entry) == keys
        assert entry["dimensions"][0] == "area_code"
        assert all(
            m["kind"] in {"count", "percent", "ratio", "per_100k", "mean"}
            for m in entry["measures"]
        )
        assert set(entry["files"]) == {"csv", "xlsx", "parquet"}
        assert RULE_VERSION in entry["universe_en"] or entry["id"] in {
            "household_size",
            "household_type",
            "deaths_age_sex",
            "hmtf_origin_sex",
        }
        for fmt, rel in entry["files"].items():
            assert rel == f"{entry['level']}/{entry['id']}.{fmt}"
            data = (out / rel).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"][fmt]
        frame = pl.read_parquet(out / entry["files"]["parquet"])
        assert frame.height == entry["rows"]
        assert frame.columns == entry["dimensions"] + [m["name"] for m in entry["measures"]]
        counts = [m["name"] for m in entry["measures"] if m["kind"] == "count"]
        assert all(frame.schema[c] == pl.Int64 for c in counts)


def test_pyramid_table_as_the_docs_say(built: tuple[Path, dict[str, Any]]) -> None:
    _out, index = built
    entry = next(
        t for t in index["tables"] if t["id"] == "age_sex_single_year" and t["level"] == "national"
    )
    assert entry["rows"] == 101
    assert entry["dimensions"] == ["area_code", "age"]
    assert entry["measures"] == [
        {"name": "male", "kind": "count"},
        {"name": "female", "kind": "count"},
        {"name": "total", "kind": "count"},
    ]
    assert entry["files"]["parquet"] == "national/age_sex_single_year.parquet"


def test_csv_is_plain_with_one_header_row(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    with (out / "province" / "mobility.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["area_code", "category", "male", "female", "total", "pct_of_population"]
    assert lines[1] == ["11", "hukou_separated", "1", "2", "3", "42.86"]
    assert len(lines) == 1 + 2 * 5


def test_xlsx_has_titles_headers_frozen_panes_and_formats(
    built: tuple[Path, dict[str, Any]],
) -> None:
    out, index = built
    book = load_workbook(out / "national" / "mobility.xlsx")
    sheet = book["data"]
    assert sheet["A1"].value == "人户分离和流动人口" and sheet["A1"].font.b
    assert sheet["A2"].value == "Residence–hukou separation and floating population"
    titles = "\n".join(str(sheet.cell(row=r, column=1).value) for r in range(1, 7))
    assert index["source"]["digest"] in titles and f"Counting rules: {RULE_VERSION}" in titles
    assert "Universe: usual residents" in titles
    assert [c.value for c in sheet[8]] == [
        "地区代码",
        "类别",
        "男",
        "女",
        "合计",
        "占常住人口比重（%）",
    ]
    assert [c.value for c in sheet[9]][:3] == ["area code", "category", "male"]
    assert all(c.font.b and c.alignment.wrap_text for c in sheet[8] + sheet[9])
    assert sheet.freeze_panes == "B10"
    first = [c.value for c in sheet[10]]
    assert first == ["CN", "hukou_separated", 1, 3, 4, 33.33]
    assert sheet["E10"].number_format == "#,##0" and sheet["F10"].number_format == "0.00"
    assert sheet.max_row == 9 + 5
    pbp = load_workbook(out / "national" / "population_by_province.xlsx")["data"]
    assert [c.value for c in pbp[9]][:2] == ["area code", "province code"]
    assert pbp["J10"].number_format == "0.00"


def test_only_the_formats_and_levels_asked(source: Path, tmp_path: Path) -> None:
    index = build(source, tmp_path / "t", levels=["township", "national"], formats=["parquet"])
    assert index["levels"] == ["national", "township"]
    files = sorted(p.relative_to(tmp_path / "t").as_posix() for p in (tmp_path / "t").rglob("*.*"))
    assert all(f.endswith(".parquet") or f == "tables.json" for f in files)
    assert {f.split("/")[0] for f in files} == {"national", "township", "tables.json"}


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"levels": "national,village"}, errors.TABLES_LEVEL_UNKNOWN),
        ({"levels": ""}, errors.TABLES_LEVEL_UNKNOWN),
        ({"formats": "csv,pdf"}, errors.TABLES_FORMAT_UNKNOWN),
        ({"engine": "spark"}, errors.TABLES_ENGINE_UNAVAILABLE),
        ({"engine": "sqlite"}, errors.TABLES_ENGINE_UNKNOWN),
    ],
)
def test_refusals_before_anything_is_written(
    source: Path, tmp_path: Path, kwargs: dict[str, Any], problem: errors.Problem
) -> None:
    with pytest.raises(HeadcountError) as info:
        build(source, tmp_path / "t", **kwargs)
    assert info.value.problem is problem
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_non_empty_out_and_accepts_an_empty_one(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "t"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(HeadcountError) as info:
        build(source, out, formats="csv")
    assert info.value.code == "E1832"
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    build(source, empty, formats="csv")
    assert (empty / "tables.json").is_file()


def test_unreadable_sources(tmp_path: Path) -> None:
    cases: list[Path] = []
    missing = tmp_path / "nothing"
    cases.append(missing)
    garbage = tmp_path / "garbage"
    garbage.mkdir()
    (garbage / "manifest.json").write_text("{not json", encoding="utf-8")
    cases.append(garbage)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "manifest.json").write_text('{"format": "something"}', encoding="utf-8")
    cases.append(stranger)
    as_csv = tmp_path / "csv"
    as_csv.mkdir()
    (as_csv / "manifest.json").write_text(
        '{"generator": "headcount.synth", "format": "csv"}', encoding="utf-8"
    )
    cases.append(as_csv)
    no_persons = handmade.write_synth(tmp_path / "no-persons")
    for part in (no_persons / "persons").iterdir():
        part.unlink()
    cases.append(no_persons)
    for case in cases:
        with pytest.raises(HeadcountError) as info:
            build(case, tmp_path / f"out-{case.name}")
        assert info.value.problem is errors.TABLES_SOURCE_UNREADABLE, case.name
        assert not (tmp_path / f"out-{case.name}").exists()


def test_a_missing_column_is_named_and_nothing_is_left(tmp_path: Path) -> None:
    src = handmade.write_synth(tmp_path / "src")
    part = src / "persons" / "part-00000.parquet"
    pl.read_parquet(part).drop("time_away_from_hukou").write_parquet(part)
    with pytest.raises(HeadcountError) as info:
        build(src, tmp_path / "out")
    assert info.value.code == "E1834"
    assert info.value.details == {"table": "persons", "column": "time_away_from_hukou"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]  # no out, no .partial


def test_a_damaged_extract_is_refused_by_its_reader(tmp_path: Path) -> None:
    src = handmade.write_extract(tmp_path / "extract")
    part = next((src / "persons").glob("*.parquet"))
    data = bytearray(part.read_bytes())
    data[8] ^= 0xFF  # in the first data page: the footer still parses
    part.write_bytes(bytes(data))
    with pytest.raises(HeadcountError) as info:
        build(src, tmp_path / "out")
    assert info.value.problem is errors.EXTRACT_DIGEST  # the extract reader's own problem
    assert not (tmp_path / "out").exists()


def test_a_truncated_extract_part_is_a_numbered_problem(tmp_path: Path) -> None:
    src = handmade.write_extract(tmp_path / "extract")
    part = next((src / "persons").glob("*.parquet"))
    part.write_bytes(part.read_bytes()[:-1])
    with pytest.raises(HeadcountError) as info:
        build(src, tmp_path / "out")
    assert info.value.code.startswith("E18")
    assert not (tmp_path / "out").exists()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("tables")(tables_command)
    app.command("other")(lambda: None)  # two commands: Typer keeps the subcommand name
    return app


def test_command(source: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "t"
    result = runner.invoke(
        _app(), ["tables", str(source), "--out", str(out), "--level", "national", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert "12 usual residents" in " ".join(result.stdout.split())
    assert json.loads((out / "tables.json").read_text("utf-8"))["levels"] == ["national"]
    result = runner.invoke(_app(), ["tables", str(source), "--out", str(out)])
    assert result.exit_code == 2
    assert "E1832" in result.output
    result = runner.invoke(
        _app(), ["tables", str(source), "--out", str(tmp_path / "s"), "--engine", "spark"]
    )
    assert result.exit_code == 2 and "E1836" in result.output


def test_an_extract_without_deaths_or_hmtf(tmp_path: Path) -> None:
    """Empty tables (a real store often has no death form and no foreigner): zeros, not errors."""
    empty = {
        "death_forms": handmade.DEATH_FORMS.clear(),
        "hmtf_households": handmade.HMTF_HOUSEHOLDS.clear(),
        "hmtf_persons": handmade.HMTF_PERSONS.clear(),
    }
    src = handmade.write_extract(tmp_path / "extract", replace=empty)
    index = build(src, tmp_path / "out", levels="national,county", formats="csv,parquet")
    assert index["figures"]["hmtf_total"] == 0 and index["figures"]["hmtf_male"] == 0
    assert index["figures"]["population_total"] == 12
    deaths = pl.read_parquet(tmp_path / "out" / "county" / "deaths_age_sex.parquet")
    assert deaths.height == 3 * 22 and deaths["total"].sum() == 0


def test_an_unexpected_failure_leaves_nothing(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from headcount.tables import figures

    def broken(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "compute", broken)
    with pytest.raises(KeyboardInterrupt):
        build(source, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []
