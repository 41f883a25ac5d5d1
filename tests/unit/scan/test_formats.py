"""Every supported format: scanned with locations, redacted in its own format, and refused with a
catalogued error (nothing written) when damaged, encrypted or legacy."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import docx
import openpyxl
import pypdf
import pytest
from msoffcrypto.format.ooxml import OOXMLFile  # type: ignore[import-untyped]

from headcount.errors import HeadcountError
from headcount.scan.extract import open_document
from headcount.scan.formats.render import Content, render
from headcount.scan.recognizers import Scanner
from headcount.scan.redact import redact_file
from headcount.scan.report import scan_file, scan_paths
from tests.unit.scan.conftest import CLEAR_VALUES, ID, ID2, NOTICE

SCANNER = Scanner()
EXPECTED = Counter(
    {"name": 2, "citizen_id": 2, "mobile": 2, "address": 1, "email": 1, "bank_card": 1}
)


def all_text(path: Path) -> str:
    return "\n".join(u.text for u in open_document(path).units())


def test_every_format_is_scanned(notice: Path) -> None:
    report = scan_file(notice, SCANNER)
    assert report.error is None
    assert Counter(f.type for f in report.blocking) == EXPECTED
    for finding in report.findings:
        assert all(value not in finding.preview for value in CLEAR_VALUES)


@pytest.mark.parametrize(
    ("suffix", "where"),
    [
        ("txt", {"line": 6, "column": 17}),
        ("csv", {"line": 2, "column": 3}),
        ("xlsx", {"sheet": "名单", "cell": "C2", "column": "C"}),
        ("docx", {"part": "body", "table": 1, "row": 2, "column": 3}),
        ("pdf", {"page": 1, "line": 6}),
    ],
)
def test_locations(tmp_path: Path, suffix: str, where: dict[str, object]) -> None:
    path = tmp_path / f"n.{suffix}"
    render(NOTICE, suffix, path)
    report = scan_file(path, SCANNER)
    located = [f.to_json() for f in report.findings if f.type == "citizen_id"]
    assert any(all(j.get(k) == v for k, v in where.items()) for j in located), located


def test_html_locations_name_the_element(tmp_path: Path) -> None:
    path = tmp_path / "n.html"
    render(NOTICE, "html", path)
    cells = [f for f in scan_file(path, SCANNER).findings if f.location.row is None]
    paths = {f.location.part for f in scan_file(path, SCANNER).findings}
    assert any(p and p.endswith("/td[3]") for p in paths), paths
    assert cells


def test_redacted_copy_keeps_the_format_and_nothing_remains(notice: Path, tmp_path: Path) -> None:
    target = tmp_path / f"masked{notice.suffix}"
    result = redact_file(notice, target, check=True)
    assert result.remaining == []
    assert sum(result.replaced.values()) == sum(EXPECTED.values())
    text = all_text(target)
    assert all(value not in text for value in CLEAR_VALUES)
    assert "1****************" + ID[-1] in text
    assert "订单号：110101199003071230" in text  # the decoy is left alone
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cells_stay_cells(tmp_path: Path) -> None:
    for kind in ("xlsx", "docx", "csv", "html"):
        source, target = tmp_path / f"in.{kind}", tmp_path / f"out.{kind}"
        render(NOTICE, kind, source)
        redact_file(source, target)
        masked_id = ID2[0] + "*" * 16 + ID2[-1]
        if kind == "xlsx":
            sheet = openpyxl.load_workbook(target)["名单"]
            assert sheet["C2"].value == masked_id
            assert sheet["B2"].value == "李*"
            assert sheet["F2"].value == "300.00"
        elif kind == "docx":
            row = docx.Document(str(target)).tables[0].rows[1]
            assert [c.text for c in row.cells][1:3] == ["李*", masked_id]
        elif kind == "csv":
            assert f"1,李*,{masked_id},139********," in target.read_text("utf-8")
        else:
            assert f"<td>{masked_id}</td>" in target.read_text("utf-8")


def test_docx_runs_keep_their_formatting(tmp_path: Path) -> None:
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("申请人")
    bold = paragraph.add_run("张")
    bold.bold = True
    paragraph.add_run(f"伟，身份证号码{ID[:9]}")
    paragraph.add_run(ID[9:] + "。")
    document.core_properties.author = "王秀英"
    document.save(str(source))
    redact_file(source, target)
    result = docx.Document(str(target))
    runs = [r.text for r in result.paragraphs[0].runs]
    assert "".join(runs) == f"申请人张*，身份证号码{ID[0]}{'*' * 16}{ID[-1]}。"
    assert runs[1] == "张*" and result.paragraphs[0].runs[1].bold
    assert result.core_properties.author == "王*"


def test_xlsx_numbers_typed_as_numbers(tmp_path: Path) -> None:
    source, target = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["联系电话", "人数"])
    book.active.append([13812345678, 3])
    book.save(source)
    assert [f.type for f in scan_file(source, SCANNER).findings] == ["mobile"]
    redact_file(source, target)
    assert openpyxl.load_workbook(target).active["A2"].value == "138********"


def test_gb18030_text_is_read_and_written_back_as_such(tmp_path: Path) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(f"姓名,身份证号\r\n张伟,{ID}\r\n".encode("gb18030"))
    assert len(scan_file(source, SCANNER).findings) == 2
    redact_file(source, target)
    assert (
        target.read_bytes().decode("gb18030")
        == f"姓名,身份证号\r\n张*,{ID[0]}{'*' * 16}{ID[-1]}\r\n"
    )


def _encrypted_ooxml(kind: str) -> bytes:
    plain = io.BytesIO()
    if kind == "xlsx":
        book = openpyxl.Workbook()
        book.active["A1"] = ID
        book.save(plain)
    else:
        document = docx.Document()
        document.add_paragraph(ID)
        document.save(plain)
    plain.seek(0)
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _truncated(kind: str, tmp_path: Path) -> bytes:
    path = tmp_path / f"whole.{kind}"
    render(NOTICE, kind, path)
    data = path.read_bytes()
    path.unlink()
    return data[: len(data) // 2]


BAD_FILES = {
    "encrypted.xlsx": ("E1702", lambda tmp: _encrypted_ooxml("xlsx")),
    "encrypted.docx": ("E1702", lambda tmp: _encrypted_ooxml("docx")),
    "encrypted.pdf": ("E1702", lambda tmp: _encrypted_pdf()),
    "truncated.xlsx": ("E1703", lambda tmp: _truncated("xlsx", tmp)),
    "truncated.docx": ("E1703", lambda tmp: _truncated("docx", tmp)),
    "truncated.pdf": ("E1703", lambda tmp: _truncated("pdf", tmp)),
    "notpdf.pdf": ("E1703", lambda tmp: b"<html>not a pdf</html>"),
    "binary.txt": ("E1703", lambda tmp: b"\x00\x01\x02" * 50),
    "binary.html": ("E1703", lambda tmp: b"<p>\x00\x00</p>"),
    "quote.csv": ("E1703", lambda tmp: b'a,b\n"unterminated,1\n'),
    "encoding.csv": ("E1703", lambda tmp: b"a,b\n\xff\xfe\x80\x80\n"),
    "legacy.xls": ("E1704", lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
    "ole.xlsx": ("E1704", lambda tmp: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
    "image.png": ("E1701", lambda tmp: b"\x89PNG\r\n"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_and_nothing_is_written(name: str, tmp_path: Path) -> None:
    code, make = BAD_FILES[name]
    source = tmp_path / name
    source.write_bytes(make(tmp_path))
    report = scan_file(source, SCANNER)
    assert report.error is not None and report.error.code == code
    target = tmp_path / "out" / f"masked{source.suffix}"
    target.parent.mkdir()
    with pytest.raises(HeadcountError) as caught:
        redact_file(source, target)
    assert caught.value.code == code
    assert list(target.parent.iterdir()) == []


def test_redact_refuses_other_formats_and_existing_outputs(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text(f"身份证 {ID}\n", encoding="utf-8")
    with pytest.raises(HeadcountError) as caught:
        redact_file(source, tmp_path / "out.csv")
    assert caught.value.code == "E1707"
    with pytest.raises(HeadcountError) as caught:
        redact_file(source, source, force=True)
    assert caught.value.code == "E1708"
    existing = tmp_path / "out.txt"
    existing.write_text("keep me", encoding="utf-8")
    with pytest.raises(HeadcountError):
        redact_file(source, existing)
    assert existing.read_text("utf-8") == "keep me"
    redact_file(source, existing, force=True)
    assert ID not in existing.read_text("utf-8")


def test_pdf_page_without_text_layer_is_a_warning(tmp_path: Path) -> None:
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(200, 200)
    page[pypdf.generic.NameObject("/Resources")] = pypdf.generic.DictionaryObject(
        {pypdf.generic.NameObject("/XObject"): pypdf.generic.DictionaryObject()}
    )
    path = tmp_path / "scan.pdf"
    with path.open("wb") as out:
        writer.write(out)
    report = scan_file(path, SCANNER)
    assert [w.code for w in report.warnings] == ["E1711"]
    assert not report.clean


def test_folders_are_scanned_recursively(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.txt").write_text(f"身份证 {ID}\n", encoding="utf-8")
    (tmp_path / "a" / "notes.bin").write_bytes(b"\x00")
    (tmp_path / "empty").mkdir()
    reports = list(scan_paths([tmp_path / "a", tmp_path / "empty"]))
    assert [r.path.name for r in reports] == ["deep.txt", "empty"]
    assert len(reports[0].findings) == 1
    assert reports[1].error is not None and reports[1].error.code == "E1705"


def test_empty_files_are_clean(tmp_path: Path) -> None:
    for kind in ("txt", "csv", "html"):
        path = tmp_path / f"empty.{kind}"
        path.write_bytes(b"")
        assert scan_file(path, SCANNER).clean
    path = tmp_path / "empty.xlsx"
    render(Content([]), "xlsx", path)
    assert scan_file(path, SCANNER).clean


def test_html_attributes_comments_and_headers(tmp_path: Path) -> None:
    source, target = tmp_path / "in.html", tmp_path / "out.html"
    source.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>名单</title></head><body>"
        f"<!-- 经办人：王秀英 {ID} -->"
        "<a href='mailto:wangxy@example.com' title='联系人：赵敏'>联系我们</a>"
        f"<table><tr><th>户主</th><th>证件</th></tr><tr><td><b>钱伟</b></td><td>{ID2}</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    report = scan_file(source, SCANNER)
    where = {(f.type, f.location.attribute) for f in report.findings}
    assert ("citizen_id", "comment") in where
    assert ("email", "@href") in where
    assert ("name", "@title") in where
    assert ("name", "text") in where  # <b>钱伟</b> under the 户主 heading
    redact_file(source, target)
    out = target.read_text("utf-8")
    assert out.startswith("<!DOCTYPE html>")
    assert all(v not in out for v in (ID, ID2, "wangxy", "赵敏", "钱伟", "王秀英"))
    assert "<b>钱*</b>" in out


def test_docx_headers_and_footers(tmp_path: Path) -> None:
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    document = docx.Document()
    document.add_paragraph("正文")
    document.sections[0].header.paragraphs[0].text = "联系人：孙丽 13812345678"
    document.sections[0].footer.paragraphs[0].text = f"经办人 {ID}"
    document.save(str(source))
    parts = {(f.type, f.location.part) for f in scan_file(source, SCANNER).findings}
    assert parts == {("name", "header"), ("mobile", "header"), ("citizen_id", "footer")}
    redact_file(source, target)
    result = docx.Document(str(target))
    assert result.sections[0].header.paragraphs[0].text == "联系人：孙* 138********"


def test_xlsx_first_row_comments_and_properties(tmp_path: Path) -> None:
    from openpyxl.comments import Comment

    source, target = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = f"申请人周杰，身份证号码{ID}"  # a text first row is scanned too
    sheet["B2"] = "已核实"
    sheet["B2"].comment = Comment("联系人：吴敏 13812345678", "office")
    book.properties.creator = "郑秀英"
    book.save(source)
    found = {
        (f.type, f.location.cell, f.location.attribute) for f in scan_file(source, SCANNER).findings
    }
    assert found == {
        ("name", "A1", None),
        ("citizen_id", "A1", None),
        ("name", "B2", "comment"),
        ("mobile", "B2", "comment"),
        ("name", None, "creator"),
    }
    redact_file(source, target)
    result = openpyxl.load_workbook(target)
    assert result.active["A1"].value == f"申请人周*，身份证号码{ID[0]}{'*' * 16}{ID[-1]}"
    assert result.active["B2"].comment.text == "联系人：吴* 138********"
    assert result.properties.creator == "郑*"


def test_xhtml_prolog_is_kept(tmp_path: Path) -> None:
    source, target = tmp_path / "in.html", tmp_path / "out.html"
    prolog = '<?xml version="1.0" encoding="utf-8"?>\n'
    source.write_text(prolog + "<html><body><p>姓名：张伟</p></body></html>\n", encoding="utf-8")
    redact_file(source, target)
    out = target.read_text("utf-8")
    assert out.startswith(prolog + "<html>")
    assert "DOCTYPE" not in out and "张*" in out


def test_xlsx_formula_literals_are_masked(tmp_path: Path) -> None:
    source, target = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = f'=CONCATENATE("身份证","{ID}")'
    book.active["A2"] = "=SUM(B1:B9)"
    book.save(source)
    assert [f.type for f in scan_file(source, SCANNER).findings] == ["citizen_id"]
    redact_file(source, target)
    sheet = openpyxl.load_workbook(target).active
    assert sheet["A1"].value == f'=CONCATENATE("身份证","{ID[0]}{"*" * 16}{ID[-1]}")'
    assert sheet["A2"].value == "=SUM(B1:B9)"
