"""The pyramid and the provincial bars: files, determinism, orientation, font fallback."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib import font_manager
from PIL import Image

from headcount.errors import HeadcountError
from headcount.tables import charts
from headcount.tables.communique import PROBLEMS
from headcount.tables.index import read_index

MALE_RGB, FEMALE_RGB = (0x3B, 0x6E, 0xA8), (0xC8, 0x55, 0x3D)


def _ages() -> list[tuple[int, int, int]]:
    rows = []
    for age in range(101):
        male = int(9000 * math.exp(-(((age - 33) / 38) ** 2)) + 2000 * (age < 18))
        rows.append((age, male, int(male * (0.94 + age / 400))))
    return rows


def _bars() -> list[charts.Bar]:
    return [
        charts.Bar("北京", "Beijing", 21_893_095),
        charts.Bar("广东", "Guangdong", 126_012_510),
        charts.Bar("西藏", "Tibet", 3_648_100),
    ]


def _mask(img: np.ndarray, rgb: tuple[int, int, int]) -> np.ndarray:
    return np.asarray(np.all(np.abs(img[:, :, :3].astype(int) - np.array(rgb)) <= 3, axis=2))


def test_pyramid_writes_svg_and_a_png_that_decodes(tmp_path: Path) -> None:
    font = charts.find_cjk_font()
    made = charts.population_pyramid(_ages(), tmp_path / "pyramid", font=font, note="synthetic")
    assert made == {"svg": tmp_path / "pyramid.svg", "png": tmp_path / "pyramid.png"}
    svg = made["svg"].read_text("utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg  # no timestamp in the file
    with Image.open(made["png"]) as png:
        png.load()
        assert png.format == "PNG"
        assert png.size == (1050, 1200)


def test_same_rows_give_the_same_bytes(tmp_path: Path) -> None:
    font = charts.find_cjk_font()
    digests = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        made = charts.population_pyramid(_ages(), tmp_path / name / "p", font=font)
        made |= {
            f"bars_{k}": v
            for k, v in charts.province_bars(_bars(), tmp_path / name / "b", font=font).items()
        }
        digests.append({k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in made.items()})
    assert digests[0] == digests[1]


def test_males_are_on_the_left_and_females_on_the_right(tmp_path: Path) -> None:
    made = charts.population_pyramid(_ages(), tmp_path / "p", font=charts.find_cjk_font())
    with Image.open(made["png"]) as png:
        img = np.asarray(png.convert("RGB"))
    male, female = _mask(img, MALE_RGB), _mask(img, FEMALE_RGB)
    both = [r for r in range(img.shape[0]) if male[r].any() and female[r].any()]
    assert len(both) > img.shape[0] // 2  # bars over most of the height
    for r in both:
        assert np.nonzero(male[r])[0].max() < np.nonzero(female[r])[0].min(), r
    # the young (bottom) bars are wider than the old (top) ones
    rows = np.nonzero(male.any(axis=1))[0]
    top, bottom = male[rows[len(rows) // 10]].sum(), male[rows[-len(rows) // 10]].sum()
    assert bottom > top


def test_without_a_cjk_font_the_charts_are_drawn_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(charts, "CJK_FAMILIES", ("No Such Font Family",))
    monkeypatch.setattr(charts, "_CJK_FILE_HINTS", ("no-such-file-hint",))
    with caplog.at_level(logging.WARNING, logger="headcount.tables.charts"):
        assert charts.find_cjk_font() is None
    assert "no CJK font" in caplog.text
    made = charts.province_bars(_bars(), tmp_path / "b", font=None)
    svg = made["svg"].read_text("utf-8")  # text is drawn as paths, each with a comment
    assert "<!-- Guangdong -->" in svg and "广东" not in svg
    with Image.open(made["png"]) as png:
        png.load()


def test_a_cjk_font_installed_after_matplotlib_cached_its_list_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manager = font_manager.fontManager
    if charts.find_cjk_font() is None:
        pytest.skip("no CJK font on this machine (Debian: fonts-noto-cjk)")
    stale = [f for f in manager.ttflist if f.name not in charts.CJK_FAMILIES]
    monkeypatch.setattr(manager, "ttflist", stale)
    assert charts.find_cjk_font() in charts.CJK_FAMILIES


def _table(root: Path, frame: pl.DataFrame) -> list[dict[str, object]]:
    path = root / "national" / "age_sex_single_year.parquet"
    path.parent.mkdir(parents=True)
    frame.write_parquet(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return [
        {
            "id": "age_sex_single_year",
            "level": "national",
            "files": {"parquet": "national/age_sex_single_year.parquet"},
            "sha256": {"parquet": digest},
        }
    ]


def test_national_table_checks_the_digest_and_skips_an_absent_table(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {"area_code": ["CN"], "age": [0], "male": [1], "female": [2], "total": [3]}
    )
    entry = _table(tmp_path, frame)[0]
    entry |= {"dimensions": ["area_code", "age"], "measures": [{"name": "male", "kind": "count"}]}
    doc = {"format": "headcount-tables", "version": 1, "tables": [entry]}
    (tmp_path / "tables.json").write_text(json.dumps(doc))

    def read(table_id: str) -> pl.DataFrame | None:
        return charts.national_table(read_index(tmp_path, PROBLEMS), PROBLEMS, table_id)

    assert read("age_sex_single_year") is not None
    assert read("population_by_province") is None
    (tmp_path / "national" / "age_sex_single_year.parquet").write_bytes(b"changed")
    with pytest.raises(HeadcountError) as err:
        read("age_sex_single_year")
    assert err.value.code == "E1863"
    entry["files"] = {"parquet": "../outside.parquet"}
    (tmp_path / "tables.json").write_text(json.dumps(doc))
    with pytest.raises(HeadcountError):
        read("age_sex_single_year")
