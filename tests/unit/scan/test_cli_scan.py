"""``headcount scan`` and ``headcount redact`` as a census office runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from headcount.cli import app
from tests.unit.scan.conftest import CLEAR_VALUES, ID

runner = CliRunner()


def test_scan_exit_codes_and_json(notice: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean.txt"
    clean.write_text("全国人口共141178万人。\n", encoding="utf-8")
    assert runner.invoke(app, ["scan", str(clean)]).exit_code == 0
    result = runner.invoke(app, ["scan", "--json", str(notice)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {line["type"] for line in lines} >= {"citizen_id", "mobile", "name", "bank_card"}
    for line in lines:
        assert {"file", "column", "type", "confidence", "preview"} <= line.keys()
    assert not any(value in result.output for value in CLEAR_VALUES)


def test_scan_human_output_has_no_values(notice: Path) -> None:
    result = runner.invoke(app, ["scan", "--lang", "en", str(notice)])
    assert result.exit_code == 1
    assert "block publication" in result.output
    assert not any(value in result.output for value in CLEAR_VALUES)


def test_scan_errors_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    result = runner.invoke(app, ["scan", "--json", str(broken), str(tmp_path / "missing.txt")])
    assert result.exit_code == 2
    errors = [json.loads(line)["error"]["code"] for line in result.stdout.splitlines()]
    assert errors == ["E1703", "E1001"]


def test_gate_and_sarif(notice: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "verdict.sarif"
    result = runner.invoke(app, ["scan", "--gate", "--sarif", str(sarif), str(notice)])
    assert result.exit_code == 1
    verdict = json.loads(result.stdout)
    assert verdict["verdict"] == "fail" and verdict["blocking_findings"] == 9
    assert json.loads(sarif.read_text("utf-8"))["runs"][0]["properties"]["verdict"] == "fail"


def test_redact_then_gate_passes(notice: Path, tmp_path: Path) -> None:
    target = tmp_path / f"public{notice.suffix}"
    result = runner.invoke(app, ["redact", "--check", "--json", str(notice), str(target)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["remaining"] == [] and summary["masked"]["citizen_id"] == 2
    assert runner.invoke(app, ["scan", "--gate", str(target)]).exit_code == 0


def test_redact_check_fails_when_the_policy_keeps_too_much(tmp_path: Path) -> None:
    source, target = tmp_path / "in.txt", tmp_path / "out.txt"
    source.write_text(f"身份证号 {ID}\n", encoding="utf-8")
    policy = tmp_path / "weak.yaml"
    policy.write_text(f"citizen_id: {{action: replace, text: '{ID}'}}\n", encoding="utf-8")
    result = runner.invoke(
        app, ["redact", "--check", "--policy", str(policy), str(source), str(target)]
    )
    assert result.exit_code == 1
    assert "E1709" in result.output


def test_redact_errors_write_nothing(tmp_path: Path) -> None:
    source = tmp_path / "protected.xlsx"
    source.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"))
    target = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["redact", str(source), str(target)])
    assert result.exit_code == 2
    assert "E1702" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["protected.xlsx"]
    bad_policy = tmp_path / "p.yaml"
    bad_policy.write_text("nonsense: 1\n", encoding="utf-8")
    plain = tmp_path / "in.txt"
    plain.write_text("x\n", encoding="utf-8")
    result = runner.invoke(app, ["redact", "--policy", str(bad_policy), str(plain), str(target)])
    assert result.exit_code == 2 and "E1706" in result.output
    assert not target.exists()


def test_password_protected_files_exit_2_and_nothing_is_written(tmp_path: Path) -> None:
    from tests.unit.scan.test_formats import _encrypted_ooxml, _encrypted_pdf

    for name, data in (
        ("protected.xlsx", _encrypted_ooxml("xlsx")),
        ("protected.docx", _encrypted_ooxml("docx")),
        ("protected.pdf", _encrypted_pdf()),
    ):
        source = tmp_path / name
        source.write_bytes(data)
        scanned = runner.invoke(app, ["scan", "--gate", str(source)])
        assert scanned.exit_code == 2
        assert json.loads(scanned.stdout)["files"][0]["error"]["code"] == "E1702"
        target = tmp_path / "out" / name
        target.parent.mkdir(exist_ok=True)
        redacted = runner.invoke(app, ["redact", str(source), str(target)])
        assert redacted.exit_code == 2 and "E1702" in redacted.output
        assert list(target.parent.iterdir()) == []
