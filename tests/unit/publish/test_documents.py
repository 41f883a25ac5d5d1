"""Parquet, JSON, SVG and PNG read as the scanner's units; locations never expose content."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from headcount.publish.scanning import scan_bundle
from tests.unit.publish.builders import ID, MASKED_ID, SVG, png

MOBILE = 13812345678


def _scan(root: Path, *names: str) -> dict[str, dict[str, object]]:
    verdict = scan_bundle(root, list(names)).verdict
    return {str(f.path): {"clean": f.clean, "report": f} for f in verdict.files}


def _findings(root: Path, name: str) -> list[dict[str, object]]:
    (report,) = scan_bundle(root, [name]).verdict.files
    return [f.to_json() for f in report.findings]


def test_parquet_strings_integers_nested_and_schema(tmp_path: Path) -> None:
    table = pa.table(
        {
            "area_code": ["11", "12"],
            "contact": pa.array([None, MOBILE], type=pa.int64()),
            "tags": [["a", ID], []],
            "population": [21893095, 13866009],
            ID: [1, 2],  # a column named like an ID number
        }
    )
    pq.write_table(
        table.replace_schema_metadata({"note": f"id {MASKED_ID}"}), tmp_path / "t.parquet"
    )
    found = _findings(tmp_path, "t.parquet")
    kinds = {(f["type"], f.get("row"), f["column"], f["masked"]) for f in found}
    assert ("citizen_id", 1, "tags", False) in kinds
    assert ("mobile", 2, "contact", False) in kinds
    # the column name, labelled by its number
    assert any(f["type"] == "citizen_id" and f.get("part") == "schema column #5" for f in found)
    assert any(f.get("part") == "metadata value #1" and f["masked"] for f in found)
    assert ID not in json.dumps(found) and str(MOBILE) not in json.dumps(found)
    assert not any(f["column"] == "population" for f in found)  # counts are not phone numbers


def test_parquet_binary_that_is_not_text_blocks(tmp_path: Path) -> None:
    pq.write_table(pa.table({"blob": [b"\xff\xfe\x00"]}), tmp_path / "b.parquet")
    (report,) = scan_bundle(tmp_path, ["b.parquet"]).verdict.files
    assert not report.clean and report.warnings[0].code == "E1877"
    assert report.warnings[0].details["part"] == "binary column blob"


def test_json_keys_values_and_safe_pointers(tmp_path: Path) -> None:
    doc = {"figures": {"population_total": 1411778724}, "people": [{"名字": "x", ID: "v"}]}
    (tmp_path / "d.json").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    found = _findings(tmp_path, "d.json")
    assert [f["type"] for f in found] == ["citizen_id"]
    assert found[0]["part"] == "/people/0/#2" and found[0]["attribute"] == "key"
    (tmp_path / "bad.json").write_text("{", "utf-8")
    (report,) = scan_bundle(tmp_path, ["bad.json"]).verdict.files
    assert report.error is not None and report.error.code == "E1703"


def test_svg_text_comments_and_attributes_but_not_geometry(tmp_path: Path) -> None:
    svg = (
        SVG.format(comment=f"身份证 {ID}", label="男")
        .replace('id="figure_1"', f'id="figure_1" aria-label="电话 {MOBILE}"')
        .replace('d="M 0 100', f'd="M {MOBILE} 100')
    )
    (tmp_path / "c.svg").write_text(svg, "utf-8")
    found = _findings(tmp_path, "c.svg")
    assert sorted((f["type"], f["attribute"]) for f in found) == [
        ("citizen_id", "comment"),
        ("mobile", "@aria-label"),
    ]
    assert str(found[0]["part"]).startswith("/svg[1]/g[")


def test_svg_entities_are_not_resolved_and_block(tmp_path: Path) -> None:
    svg = '<!DOCTYPE svg [<!ENTITY who "' + ID + '">]><svg><text>&who;</text></svg>'
    (tmp_path / "e.svg").write_text(svg, "utf-8")
    (report,) = scan_bundle(tmp_path, ["e.svg"]).verdict.files
    assert not report.clean
    assert {w.code for w in report.warnings} == {"E1877"}
    assert ID not in json.dumps([w.to_dict() for w in report.warnings])


def test_png_chunks(tmp_path: Path) -> None:
    (tmp_path / "a.svg").write_text(SVG.format(comment="c", label="l"), "utf-8")
    exif = png(extra=((b"eXIf", b"MM\x00*"),))
    ztxt = png(extra=((b"zTXt", b"Comment\x00\x00" + zlib.compress(f"ID {ID}".encode())),))
    itxt = png(extra=((b"iTXt", b"Title\x00\x00\x00zh\x00\x00" + f"身份证{ID}".encode()),))
    for name, data in {"a.png": exif, "b.png": ztxt, "c.png": itxt}.items():
        (tmp_path / name).write_bytes(data)
    reports = {str(f.path): f for f in scan_bundle(tmp_path, ["a.svg", "a.png"]).verdict.files}
    assert [w.details.get("part") for w in reports["a.png"].warnings] == ["PNG chunk eXIf"]
    for name in ("b.png", "c.png"):
        (tmp_path / name.replace("png", "svg")).write_bytes((tmp_path / "a.svg").read_bytes())
        found = _findings(tmp_path, name)
        assert [f["type"] for f in found] == ["citizen_id"]


def test_damaged_png_is_malformed(tmp_path: Path) -> None:
    good = png()
    (tmp_path / "x.svg").write_text(SVG.format(comment="c", label="l"), "utf-8")
    for data in (good[:-3], good[:23] + bytes([good[23] ^ 1]) + good[24:], b"GIF89a"):
        (tmp_path / "x.png").write_bytes(data)
        report = scan_bundle(tmp_path, ["x.svg", "x.png"]).verdict.files[1]
        assert report.error is not None and report.error.code == "E1703"


def test_png_needs_a_clean_svg_twin_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "p.png").write_bytes(png())
    (tmp_path / "p.svg").write_text(SVG.format(comment="c", label="l"), "utf-8")
    result = scan_bundle(tmp_path, ["p.svg", "d/p.png"])
    assert result.derived == {}
    assert result.verdict.files[1].warnings[0].details == {"path": "d/p.png", "twin": "d/p.svg"}


def test_real_matplotlib_chart_is_clean_and_its_text_is_scanned(tmp_path: Path) -> None:
    def draw(stem: Path, title: str) -> None:
        with rc_context({"svg.fonttype": "path", "svg.hashsalt": "t"}):
            fig = Figure(figsize=(3, 2))
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
            ax.barh([0, 1, 2], [21893095, 13866009, 24870895])
            ax.set_title(title)
            fig.savefig(stem.with_suffix(".svg"), format="svg", metadata={"Date": None})
            fig.savefig(stem.with_suffix(".png"), format="png", metadata={"Software": "hc"})

    draw(tmp_path / "ok", "Population by province")
    draw(tmp_path / "leak", f"ID {ID}")
    result = scan_bundle(tmp_path, ["ok.svg", "ok.png", "leak.svg", "leak.png"])
    clean = [f.clean for f in result.verdict.files]
    assert clean == [True, True, False, False]
    assert result.derived == {"ok.png": "ok.svg"}


@pytest.mark.parametrize("suffix", [".jpg", ".docx.bak", ""])
def test_other_kinds_fail_closed(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"f{suffix}").write_bytes(b"data")
    (report,) = scan_bundle(tmp_path, [f"f{suffix}"]).verdict.files
    assert report.error is not None and report.error.code == "E1875"


def test_png_helper_is_valid() -> None:
    data = png()
    assert data.startswith(b"\x89PNG") and struct.unpack(">I", data[8:12])[0] == 13


def test_parquet_is_scanned_batch_by_batch_with_row_numbers(tmp_path: Path) -> None:
    codes = ["110101"] * 70_000
    codes[68_999] = ID
    pq.write_table(pa.table({"area_code": codes, "n": list(range(70_000))}), tmp_path / "p.parquet")
    found = _findings(tmp_path, "p.parquet")
    assert [(f["type"], f["row"], f["column"]) for f in found] == [
        ("citizen_id", 69_000, "area_code")
    ]
