"""``headcount disclose check`` and ``check_tables`` over the hand-made tables (tables.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from headcount.cli import app
from headcount.commands import output
from headcount.disclosure.report import check_tables, report_json
from headcount.publish.disclosure import DisclosureOptions
from tests.unit.disclosure.tables import FULL, SMALL, education, households, key, write

runner = CliRunner()


def _check(*args: object) -> tuple[int, Any]:
    result = runner.invoke(app, ["disclose", "check", *map(str, args), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_every_risky_cell_is_named_in_every_file(tmp_path: Path) -> None:
    root = write(tmp_path / "T", formats=("csv", "parquet"))
    report = check_tables(root, DisclosureOptions())
    findings = [f.to_json() for f in report.findings]
    by_check: dict[str, set[tuple[str, str, str, str]]] = {}
    for f in findings:
        by_check.setdefault(f["check"], set()).add(key(f))
        assert f["table"] == "education_age_sex"
        assert "value" not in f and "count" not in json.dumps(f["location"])
    assert by_check == {"min_cell": SMALL, "full_cell": FULL}
    assert len(findings) == 2 * (len(SMALL) + len(FULL))  # each in the CSV and the Parquet file
    assert {f["file"] for f in findings} == {
        "township/education_age_sex.csv",
        "township/education_age_sex.parquet",
    }
    rules = {f["check"]: f["rule"] for f in findings}
    assert rules == {
        "min_cell": "0 < count < 3",
        "full_cell": "full cell: the only non-zero education of its group",
    }
    body = report_json(root, report)
    assert body["verdict"] == "fail" and body["blocking_findings"] == len(findings)


def test_the_full_cell_rule_applies_at_township_by_default(tmp_path: Path) -> None:
    root = write(tmp_path / "T", [education("county"), households("county")])
    report = check_tables(root, DisclosureOptions())
    assert {f.check for f in report.findings} == {"min_cell"}
    wider = DisclosureOptions(attribute_levels=frozenset({"county", "township"}))
    assert {f.check for f in check_tables(root, wider).findings} == {"min_cell", "full_cell"}


def test_the_cli_reports_exits_and_keeps_the_report(tmp_path: Path) -> None:
    root = write(tmp_path / "T", formats=("csv",))
    saved = tmp_path / "report.json"
    code, body = _check(root, "--out", saved)
    assert code == 1 and body["verdict"] == "fail"
    assert {(f["check"], key(f)) for f in body["findings"]} == {
        *(("min_cell", k) for k in SMALL),
        *(("full_cell", k) for k in FULL),
    }
    assert json.loads(saved.read_text("utf-8")) == body
    names = [c["name"] for c in body["checks"]]
    assert names == ["min_cell", "full_cell", "dominance", "p_percent", "recalculable"]
    dominance, p_percent = body["checks"][2], body["checks"][3]
    assert (dominance["n"], dominance["k"], p_percent["p"]) == (2, 85.0, 10.0)
    assert dominance["tables_checked"] == 0  # no magnitude table in a tables directory today

    code, body = _check(root, "--dominance", "1,75", "--p-percent", "15")
    assert (body["checks"][2]["n"], body["checks"][2]["k"], body["checks"][3]["p"]) == (1, 75, 15)

    # Fewer rules, fewer findings; none at all → exit 0.
    code, body = _check(root, "--sensitive", "none")
    assert code == 1 and {f["check"] for f in body["findings"]} == {"min_cell"}
    code, body = _check(root, "--attribute-levels", "none", "--min-cell", "1")
    assert code == 0 and body["verdict"] == "pass" and body["findings"] == []
    code, body = _check(root, "--min-cell", "5", "--sensitive", "none")
    # 0 < count < 5: 80-84 never_attended female 4, total 4; 85+ never_attended male 3, total 3
    # (110101001); 85+ never_attended 1, 1, 2 and 85+ primary male 4, female 3 (110101002).
    assert code == 1 and len(body["findings"]) == 2 + 2 + 3 + 2


def test_people_get_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The command's console is made once per process: whatever width an earlier test left it
    # (COLUMNS is read when it is made), give it a wide terminal for this one.
    monkeypatch.setattr(output.console, "_width", 200)
    root = write(tmp_path / "T", formats=("csv",))
    result = runner.invoke(app, ["disclose", "check", str(root)])
    assert result.exit_code == 1
    assert "full_cell" in result.stdout and "education_age_sex" in result.stdout
    assert "area_code=110101001" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--min-cell", "0"), "E2152"),
        (("--dominance", "3,2"), "E2153"),
        (("--dominance", "2,100"), "E2153"),
        (("--dominance", "two"), "E2153"),
        (("--p-percent", "0"), "E2154"),
        (("--p-percent", "120"), "E2154"),
        (("--levels", "village"), "E2155"),
        (("--attribute-levels", "county,nowhere"), "E2155"),
        (("--sensitive", "education_age_sex=sex"), "E2156"),
        (("--sensitive", "no_such_table=education"), "E2156"),
        (("--sensitive", "education"), "E2156"),
    ],
)
def test_bad_options_are_numbered_errors(tmp_path: Path, args: tuple[str, ...], code: str) -> None:
    root = write(tmp_path / "T", formats=("csv",))
    exit_code, body = _check(root, *args)
    assert exit_code == 2 and body["error"]["code"] == code
    assert body["error"]["message"]["zh"] and body["error"]["message"]["en"]


def test_not_a_tables_directory_or_a_changed_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert _check(tmp_path / "empty")[1]["error"]["code"] == "E2150"
    assert _check(tmp_path / "nowhere")[1]["error"]["code"] == "E2150"
    root = write(tmp_path / "T", formats=("csv",))
    target = root / "township" / "education_age_sex.csv"
    target.write_text(target.read_text("utf-8").replace(",5,0,5", ",6,0,6"), "utf-8")
    code, body = _check(root)
    assert code == 2 and body["error"]["code"] == "E2151"
    assert body["error"]["details"]["path"] == "township/education_age_sex.csv"


def test_a_report_that_cannot_be_written_is_e2158(tmp_path: Path) -> None:
    root = write(tmp_path / "T", formats=("csv",))
    code, body = _check(root, "--out", tmp_path / "no" / "such" / "report.json")
    assert code == 2 and body["error"]["code"] == "E2158"


def test_households_alone_pass(tmp_path: Path) -> None:
    root = write(tmp_path / "T", [households()], formats=("parquet",))
    code, body = _check(root)
    assert code == 0 and body["verdict"] == "pass"


@pytest.mark.parametrize("lines", [True, False])
def test_the_report_written_piece_by_piece_is_the_report(tmp_path: Path, lines: bool) -> None:
    from headcount.disclosure.report import report_chunks

    for name, tables in (("risky", None), ("clean", [households()])):
        root = write(tmp_path / name, tables, formats=("csv",))
        report = check_tables(root, DisclosureOptions())
        text = "".join(report_chunks(root, report, lines=lines))
        assert json.loads(text) == report_json(root, report)
        assert text.endswith("\n") and (text.count("\n") == 1) is (not lines or not report.findings)
