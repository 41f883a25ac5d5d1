from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from headcount.cli import app

runner = CliRunner()


def test_generate_then_report_as_json(tmp_path: Path) -> None:
    out = tmp_path / "pop"
    result = runner.invoke(
        app, ["synth", "--persons", "5000", "--seed", "3", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["rows"]["truth_persons"] == 5000
    result = runner.invoke(app, ["synth", "--report", str(out), "--json"])
    assert result.exit_code == 0, result.output
    rep = json.loads(result.stdout)
    rows = {r["indicator"]: r for r in rep["rows"]}
    assert rows["urban_pct"]["target"] == 63.89
    assert abs(rows["hukou_separated_pct"]["difference"]) < 0.5
    result = runner.invoke(app, ["synth", "--report", str(out)])
    assert result.exit_code == 0
    assert "城镇人口占比" in result.stdout


def test_config_file_overrides_rates_and_is_recorded(tmp_path: Path) -> None:
    cfg = tmp_path / "rates.yaml"
    cfg.write_text(
        "census_errors:\n  name_typo: 0.05\nregisters:\n  missed_by_census: 0.01\n", "utf-8"
    )
    out = tmp_path / "pop"
    args = ["synth", "-n", "4000", "--out", str(out), "--config", str(cfg), "--quiet"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["config"]["census_errors"]["name_typo"] == 0.05
    assert manifest["config"]["registers"]["missed_by_census"] == 0.01


def test_problems_are_catalogued_not_tracebacks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("census_errors:\n  name_typo: 2\n", "utf-8")
    cases = [
        (["synth", "--persons", "100"], "E1004"),
        (
            ["synth", "--persons", "100", "--out", str(tmp_path / "a"), "--provinces", "11,99"],
            "E1303",
        ),
        (
            ["synth", "--persons", "100", "--out", str(tmp_path / "b"), "--config", str(bad)],
            "E1301",
        ),
        (
            [
                "synth",
                "--persons",
                "100",
                "--out",
                str(tmp_path / "c"),
                "--config",
                str(tmp_path / "none.yaml"),
            ],
            "E1001",
        ),
        (["synth", "--report", str(tmp_path)], "E1304"),
        (["synth", "--persons", "100", "--out", str(tmp_path / "d"), "--format", "xlsx"], "E1004"),
    ]
    for args, code in cases:
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 2, (args, result.output)
        assert json.loads(result.stdout)["error"]["code"] == code
        assert "Traceback" not in result.output
