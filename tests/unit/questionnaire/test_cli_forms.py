"""``headcount forms list | show | validate``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from headcount.commands import output
from headcount.commands.forms import app
from tests.unit.questionnaire.test_engine import household

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shared Rich console sizes itself once, at import; tables here are read, not wrapped.
    monkeypatch.setattr(output.console, "width", 250)


def test_list_shows_the_four_forms_and_the_surveys() -> None:
    result = runner.invoke(app, ["list", "--json"])
    assert result.exit_code == 0
    rows = {json.loads(line)["form"]: json.loads(line) for line in result.stdout.splitlines()}
    assert set(rows) == {"short", "long", "hmtf", "death", "pes"}  # pes: issue 13's own form
    assert rows["short"]["status"] == "verified" and rows["hmtf"]["provisional"] is True
    human = runner.invoke(app, ["list"])
    assert human.exit_code == 0 and "R601" in human.stdout


def test_show_short_renders_items_codes_universes_and_skips() -> None:
    result = runner.invoke(app, ["show", "short"])
    assert result.exit_code == 0
    for text in (
        "H5",
        "floor_area_m2",
        "住房类型",
        "skip H6, H7",
        "age >= 3",
        "D12",
        "2017年10月及以前出生",
        "1 男 male",
        "户编号 999",
    ):
        assert text in result.stdout, text


def test_show_json_dumps_the_form_model() -> None:
    result = runner.invoke(app, ["show", "long", "--json"])
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["form_id"] == "long" and len(body["person_items"]) == 36


def test_show_unknown_form_is_a_coded_error() -> None:
    result = runner.invoke(app, ["show", "medium", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "E1201"


def test_validate_one_json_object_per_household_and_exit_status(tmp_path: Path) -> None:
    good = household()
    bad = household()
    bad["persons"][1]["relationship"] = 0
    path = tmp_path / "households.json"
    path.write_text(json.dumps([good, bad], ensure_ascii=False), "utf-8")
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["accepted"] for r in rows] == [True, False]
    assert rows[1]["findings"][0]["rule"] == "HEAD_ONE"
    single = tmp_path / "one.json"
    single.write_text(json.dumps(good, ensure_ascii=False), "utf-8")
    assert runner.invoke(app, ["validate", str(single), "--json"]).exit_code == 0
    human = runner.invoke(app, ["validate", str(path), "--lang", "en"])
    assert human.exit_code == 1 and "a family household has exactly one head" in human.stdout


def test_validate_malformed_input_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"form": "short", ', "utf-8")
    result = runner.invoke(app, ["validate", str(broken), "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "E1003"

    missing = runner.invoke(app, ["validate", str(tmp_path / "nope.json"), "--json"])
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["code"] == "E1001"

    mixed = tmp_path / "mixed.json"
    wrong = household()
    wrong["persons"][0]["sex"] = "male"
    mixed.write_text(json.dumps([household(), wrong, 5], ensure_ascii=False), "utf-8")
    result = runner.invoke(app, ["validate", str(mixed), "--json"])
    assert result.exit_code == 2
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["accepted"] is True
    assert rows[1]["error"]["code"] == "E1204" and rows[2]["error"]["code"] == "E1205"


def test_validate_provisional_form_needs_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "hmtf.json"
    path.write_text(json.dumps({"form": "hmtf", "items": {}}), "utf-8")
    refused = runner.invoke(app, ["validate", str(path), "--json"])
    assert refused.exit_code == 2
    assert json.loads(refused.stdout)["error"]["code"] == "E1212"
    allowed = runner.invoke(app, ["validate", str(path), "--json", "--provisional"])
    assert allowed.exit_code == 1  # checked: an empty household has hard findings


def test_forms_group_is_registered_in_the_main_cli() -> None:
    from headcount.cli import app as main_app

    result = runner.invoke(main_app, ["forms", "list", "--json"])
    assert result.exit_code == 0 and '"short"' in result.stdout


def test_census_folder_option(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["list", "--json", "--census", str(tmp_path / "none")])
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["code"] == "E1202"
    (tmp_path / "bad.yaml").write_text("form_id: [", "utf-8")
    broken = runner.invoke(app, ["show", "short", "--census", str(tmp_path)])
    assert broken.exit_code == 2 and "E1202" in broken.stderr


def _census_dir(root: Path, error_rate: float) -> Path:
    from headcount.questionnaire.loader import reference_forms
    from tests.unit.questionnaire import factories

    form = reference_forms()["short"]
    frames = factories.frames(form, factories.households(form, 60, seed=4, error_rate=error_rate))
    for name, frame in frames.items():
        if name == "households":
            frame = frame.with_columns(pl.lit("short").alias("form"))
        (root / name).mkdir(parents=True)
        frame.write_parquet(root / name / "part-00000.parquet")
    return root


def test_batch_summarises_findings_per_rule(tmp_path: Path) -> None:
    census = _census_dir(tmp_path / "census", error_rate=0.8)
    out = tmp_path / "findings.parquet"
    result = runner.invoke(app, ["batch", str(census), "--json", "--out", str(out)])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and {"form", "rule", "severity", "findings", "households"} <= set(rows[0])
    written = pl.read_parquet(out)
    assert written.height == sum(r["findings"] for r in rows)
    human = runner.invoke(app, ["batch", str(census)])
    assert human.exit_code == 1 and rows[0]["rule"] in human.stdout

    clean = _census_dir(tmp_path / "clean", error_rate=0.0)
    assert runner.invoke(app, ["batch", str(clean), "--json"]).exit_code == 0


def test_batch_reports_unreadable_census_directories(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["batch", str(tmp_path / "none"), "--json"])
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["code"] == "E1001"
    census = _census_dir(tmp_path / "census", error_rate=0.0)
    pl.read_parquet(census / "persons" / "part-00000.parquet").drop("sex").write_parquet(
        census / "persons" / "part-00000.parquet"
    )
    broken = runner.invoke(app, ["batch", str(census), "--json"])
    assert broken.exit_code == 2
    assert json.loads(broken.stdout)["error"]["code"] == "E1210"
