"""Communiqués from a hand-made tables directory (the table builder is tested on its own)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from lxml import etree  # type: ignore[import-untyped]
from typer.testing import CliRunner

from headcount.commands.communique import communique_command
from headcount.errors import HeadcountError
from headcount.tables import charts as chart_module
from headcount.tables import communique
from headcount.tables.numbers import NOT_AVAILABLE, format_cell, format_figure

PROVINCES = ("11", "31", "44", "62", "65")  # 62, 65: cells missing in the published copies
DROPPED = ("hmtf_taiwan", "ethnic_minorities_pct")  # the source "cannot answer" these


def _csv(name: str) -> list[dict[str, str]]:
    text = resources.files("headcount.synth").joinpath("data", name).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _num(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _figures() -> dict[str, int | float]:
    """Plausible figures: the published 2020 values of the communiqués, a few left out."""
    return {
        r["indicator"]: _num(r["value"])
        for r in _csv("results-2020-national.csv")
        if r["communique"] in {"2", "3", "4", "5", "6", "7", "8"}
        and not r["indicator"].endswith(("_2010", "_2010_pct"))
        and r["indicator"] not in DROPPED
    }


def _province_figures() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in _csv("results-2020-provinces.csv"):
        if r["province_code"] in PROVINCES:
            keys = [k for k in r if k not in ("province_code", "province_zh", "province_en")]
            out[r["province_code"]] = {
                k: (r[k] if k == "region" else _num(r[k])) for k in keys if r[k].strip()
            }
    return out


def _write_table(root: Path, table_id: str, frame: pl.DataFrame) -> dict[str, Any]:
    path = root / "national" / f"{table_id}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    measures = [c for c in frame.columns if c not in ("area_code", "age", "province_code")]
    return {
        "id": table_id,
        "level": "national",
        "title_zh": table_id,
        "title_en": table_id,
        "dimensions": [c for c in frame.columns if c not in measures],
        "measures": [{"name": c, "kind": "count"} for c in measures],
        "rows": frame.height,
        "files": {"parquet": f"national/{table_id}.parquet"},
        "sha256": {"parquet": hashlib.sha256(path.read_bytes()).hexdigest()},
    }


def make_tables(root: Path, *, charts: bool = True) -> Path:
    """A tables directory as docs/processing.md describes it, made by hand."""
    root.mkdir(parents=True)
    tables = []
    if charts:
        ages = list(range(101))
        male = [int(9000 * math.exp(-(((a - 33) / 38) ** 2)) + 2000 * (a < 18)) for a in ages]
        female = [int(m * (0.94 + a / 400)) for a, m in zip(ages, male, strict=True)]
        totals = [m + f for m, f in zip(male, female, strict=True)]
        frame = pl.DataFrame(
            {
                "area_code": ["CN"] * 101,
                "age": ages,
                "male": male,
                "female": female,
                "total": totals,
            }
        )
        tables.append(_write_table(root, "age_sex_single_year", frame))
        provs = _province_figures()
        frame = pl.DataFrame(
            {
                "area_code": ["CN"] * len(provs),
                "province_code": list(provs),
                "population": [p["population"] for p in provs.values()],
            }
        )
        tables.append(_write_table(root, "population_by_province", frame))
    index = {
        "format": "headcount-tables",
        "version": 1,
        "created_at": "2021-05-01T00:00:00Z",
        "engine": "duckdb",
        "source": {"path": "/x/extract", "kind": "synth", "digest": "ab" * 32, "key_id": "k1"},
        "counting_rule_version": "2020.1",
        "levels": ["national", "province"],
        "figures": _figures(),
        "figures_by_province": _province_figures(),
        "tables": tables,
    }
    (root / "tables.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("communique")
    out = base / "out"
    return out, communique.build(make_tables(base / "tables"), out)


def test_writes_eight_communiques_in_two_languages_and_formats(built: tuple[Path, Any]) -> None:
    out, index = built
    assert [c["no"] for c in index["communiques"]] == list(range(1, 9))
    for no in range(1, 9):
        for name in (f"no{no}.zh.md", f"no{no}.zh.html", f"no{no}.en.md", f"no{no}.en.html"):
            assert (out / name).is_file(), name
    for chart in ("pyramid", "provinces"):
        assert (out / "charts" / f"{chart}.svg").is_file()
        assert (out / "charts" / f"{chart}.png").is_file()
    on_disk = json.loads((out / "communique.json").read_text("utf-8"))
    assert on_disk["files"] == index["files"]
    for entry in on_disk["files"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert not list(out.parent.glob(".out.partial-*"))


def _text(out: Path, no: int, lang: str, fmt: str = "md") -> str:
    return (out / f"no{no}.{lang}.{fmt}").read_text("utf-8")


def test_every_quoted_figure_is_in_the_text_as_numbers_formats_it(
    built: tuple[Path, dict[str, Any]],
) -> None:
    out, index = built
    tables = json.loads((out.parent / "tables" / "tables.json").read_text("utf-8"))
    quoted_anywhere: set[str] = set()
    for comm in index["communiques"]:
        assert comm["figures"] or comm["no"] == 1
        for lang in ("zh", "en"):
            md = _text(out, comm["no"], lang)
            for indicator, value in comm["figures"].items():
                assert value == tables["figures"][indicator]  # quoted, never recomputed
                assert format_figure(indicator, value, lang) in md, (comm["no"], indicator, lang)
            for indicator, value in comm["published_2010"].items():
                assert format_figure(indicator, value, lang) in md
            for code, cells in comm["figures_by_province"].items():
                for key, value in cells.items():
                    assert value == tables["figures_by_province"][code].get(key)
                    assert f" {format_cell(key, value, lang)} |" in md
        quoted_anywhere |= set(comm["figures"]) | set(comm["not_available"])
    assert set(tables["figures"]) <= quoted_anywhere  # every figure the tables have is quoted


def test_published_2010_values_are_labelled_as_such(built: tuple[Path, dict[str, Any]]) -> None:
    out, index = built
    no2 = index["communiques"][1]
    assert no2["published_2010"] == {
        "population_2010": 1_339_724_852,
        "avg_family_household_size_2010": 3.10,
    }
    assert "2010年第六次全国人口普查公布的全国人口为133972.49万人" in _text(out, 2, "zh")
    assert "published total of the sixth census (2010) was 1,339,724,852" in _text(out, 2, "en")


def test_a_missing_figure_reads_not_available(built: tuple[Path, dict[str, Any]]) -> None:
    out, index = built
    no8, no2 = index["communiques"][7], index["communiques"][1]
    assert "hmtf_taiwan" in no8["not_available"] and "hmtf_taiwan" not in no8["figures"]
    assert "ethnic_minorities_pct" in no2["not_available"]
    assert f"台湾居民{NOT_AVAILABLE['zh']}" in _text(out, 8, "zh")
    assert f"Taiwan {NOT_AVAILABLE['en']}" in _text(out, 8, "en")
    assert f"占{NOT_AVAILABLE['zh']}" in _text(out, 2, "zh")
    # Gansu's sex ratio is not in the published copies: a marked cell, never 0
    assert index["communiques"][3]["figures_by_province"]["62"]["sex_ratio"] is None
    assert "| 甘肃 | 暂无 | 暂无 |" in _text(out, 4, "zh")
    assert "| Gansu | n/a | n/a |" in _text(out, 4, "en")


def test_each_communique_says_what_it_was_computed_from(built: tuple[Path, dict[str, Any]]) -> None:
    out, index = built
    for no in range(1, 9):
        for lang in ("zh", "en"):
            for fmt in ("md", "html"):
                text = _text(out, no, lang, fmt)
                assert "ab" * 32 in text and "2020.1" in text
                assert index["tables"]["sha256"] in text
                assert ("合成数据" if lang == "zh" else "synthetic") in text
    assert index["synthetic"] is True


def test_html_is_well_formed_and_accessible(built: tuple[Path, dict[str, Any]]) -> None:
    out, _ = built
    for no in range(1, 9):
        for lang, tag in (("zh", "zh-CN"), ("en", "en")):
            root = etree.fromstring(_text(out, no, lang, "html").encode("utf-8"))
            assert root.tag == "html" and root.get("lang") == tag
            assert root.find("head/title") is not None and root.find("head/style") is not None
            assert root.find(".//link") is None and root.find(".//script") is None
            for table in root.iter("table"):
                assert table.find("caption") is not None
                assert all(th.get("scope") in ("col", "row") for th in table.iter("th"))
            for img in root.iter("img"):
                assert img.get("alt") and (out / img.get("src", "")).is_file()
            for a in root.iter("a"):
                assert (out / a.get("href", "")).is_file()
    pyramid = etree.fromstring(_text(out, 5, "en", "html").encode("utf-8"))
    assert [i.get("src") for i in pyramid.iter("img")] == ["charts/pyramid.svg"]


def test_same_tables_give_the_same_bytes(
    tmp_path: Path, built: tuple[Path, dict[str, Any]]
) -> None:
    out, index = built
    again = communique.build(out.parent / "tables", tmp_path / "again")
    assert again == index
    assert (tmp_path / "again" / "communique.json").read_bytes() == (
        out / "communique.json"
    ).read_bytes()


def test_without_the_chart_tables_the_text_says_so(tmp_path: Path) -> None:
    index = communique.build(make_tables(tmp_path / "t", charts=False), tmp_path / "o")
    assert index["charts"]["pyramid"] is None and index["charts"]["provinces"] is None
    assert [w for w in index["warnings"] if "chart" in w] == [
        "no pyramid chart: no such table",
        "no provinces chart: no such table",
    ]
    assert "Chart not available" in _text(tmp_path / "o", 5, "en")
    assert "图表暂缺" in _text(tmp_path / "o", 3, "zh", "html")


def test_a_store_source_is_not_called_synthetic(tmp_path: Path) -> None:
    root = make_tables(tmp_path / "t", charts=False)
    index = json.loads((root / "tables.json").read_text("utf-8"))
    index["source"]["kind"] = "store"
    (root / "tables.json").write_text(json.dumps(index), "utf-8")
    communique.build(root, tmp_path / "o")
    assert "合成" not in _text(tmp_path / "o", 2, "zh")
    assert "synthetic" not in _text(tmp_path / "o", 2, "en").lower()


def _code(tables: Path, out: Path) -> str:
    with pytest.raises(HeadcountError) as err:
        communique.build(tables, out)
    assert not list(out.parent.glob(f".{out.name}.partial-*"))
    return err.value.code


def test_refusals(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _code(tmp_path / "nowhere", out) == "E1860"
    root = make_tables(tmp_path / "t")
    index_path = root / "tables.json"
    good = index_path.read_text("utf-8")
    index_path.write_text("{not json", "utf-8")
    assert _code(root, out) == "E1861"
    index = json.loads(good)
    index_path.write_text(json.dumps(index | {"version": 2}), "utf-8")
    assert _code(root, out) == "E1862"
    index_path.write_text(json.dumps(index | {"figures": {"population_total": "12"}}), "utf-8")
    assert _code(root, out) == "E1861"
    index_path.write_text(good, "utf-8")
    (root / "national" / "population_by_province.parquet").write_bytes(b"tampered")
    assert _code(root, out) == "E1863"
    assert not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("x", "utf-8")
    assert _code(root, out) == "E1864"
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_cli(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("communique")(communique_command)
    root = make_tables(tmp_path / "t")
    result = CliRunner().invoke(app, [str(root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "communique.json").is_file()
    result = CliRunner().invoke(app, [str(root), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "E1864" in result.output


def test_without_a_cjk_font_the_build_warns_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart_module, "find_cjk_font", lambda: None)
    index = communique.build(make_tables(tmp_path / "t"), tmp_path / "o")
    assert index["charts"]["font"] is None
    assert any("no CJK font" in w for w in index["warnings"])
    assert (tmp_path / "o" / "charts" / "pyramid.png").is_file()
