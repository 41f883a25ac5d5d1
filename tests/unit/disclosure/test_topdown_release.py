"""``headcount disclose dp`` on a small synthetic census: what a release holds, what it checks
before any noise, and that a budget is never drawn twice by accident."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from headcount.cli import app
from headcount.disclosure.topdown import queries
from headcount.disclosure.topdown.release import ledger_path

runner = CliRunner()


def _run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dp") / "synth"
    code, out = _run("synth", "--persons", 5000, "--seed", 11, "--out", root, "--quiet")
    assert code == 0, out
    return root


@pytest.fixture(scope="module")
def release(synth: Path) -> Path:
    out = synth.parent / "release"
    code, text = _run("disclose", "dp", synth, "--out", out, "--json")
    assert code == 0, text
    return out


def test_a_release_holds_long_tables_measurements_and_its_certificate(
    synth: Path, release: Path
) -> None:
    made = json.loads((release / "release.json").read_text())
    assert made["format"] == "headcount-dp-release" and made["seed_source"] == "os-csprng"
    data = queries.confidential(synth)
    for level in queries.LEVELS:
        table = pl.read_parquet(release / f"{level}.parquet")
        assert table.columns == ["geocode", "query", "cell", "count"]
        assert table["count"].dtype == pl.Int64 and table["count"].min() >= 0  # type: ignore[operator]
        noisy = pl.read_parquet(release / "measurements" / f"{level}.parquet")
        assert noisy.columns == ["geocode", "query", "cell", "noisy", "sigma"]
        assert noisy.height == table.height
    national = pl.read_parquet(release / "national.parquet")
    total = national.filter(pl.col("query") == "total")["count"].item()
    # National and province totals are the default budget's invariants.
    assert total == int(data.persons[0].sum()) == made["counts"]["persons"]
    province = pl.read_parquet(release / "province.parquet").filter(pl.col("query") == "total")
    assert sorted(province["count"].to_list()) == sorted(data.persons[1].sum(axis=1).tolist())
    cert = json.loads((release / "certificate.json").read_text())
    assert cert["epsilon"] == pytest.approx(17.14, abs=0.01)
    assert len(cert["queries"]) == 24 and cert["invariants"]["total"] == ["national", "province"]
    homes = next(r for r in cert["queries"] if r["query"] == "household_type_size")
    assert homes["sigma"] == pytest.approx(np.sqrt(2) / np.sqrt(2 * homes["rho"]))


def test_the_accuracy_report_checks_the_release(synth: Path, release: Path, tmp_path: Path) -> None:
    code, text = _run("disclose", "accuracy", release, synth, "--out", tmp_path / "acc", "--json")
    assert code == 0, text
    report = json.loads(text)
    checks = {c["check"]: c for c in report["checks"]}
    for name in ("non_negative", "integer", "levels_add_up", "queries_add_up",
                 "no_households_of_children_alone"):  # fmt: skip
        assert checks[name]["passed"], name
    levels = {lv["level"]: {q["query"]: q for q in lv["queries"]} for lv in report["levels"]}
    assert levels["province"]["total"]["mae"] == 0
    assert abs(levels["small_area"]["sex_age"]["me"]) < 0.05
    assert (tmp_path / "acc" / "accuracy.svg").exists()
    assert (tmp_path / "acc" / "accuracy.png").exists()


def test_the_same_budget_is_not_drawn_twice_by_accident(synth: Path, release: Path) -> None:
    log = ledger_path(synth)
    before = log.read_text().splitlines()
    assert [json.loads(line)["event"] for line in before[:2]] == ["drawn", "written"]
    code, text = _run("disclose", "dp", synth, "--out", synth.parent / "twice", "--json")
    assert code == 2 and json.loads(text)["error"]["code"] == "E2191"
    assert not (synth.parent / "twice").exists() and log.read_text().splitlines() == before
    # Another ρ is another budget; --again draws the same one knowingly, and is recorded so.
    code, text = _run("disclose", "dp", synth, "--out", synth.parent / "again", "--again", "--json")
    assert code == 0, text
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert entries[-2]["event"] == "drawn" and entries[-2]["again"] is True


@pytest.mark.parametrize(
    ("budget", "args", "code"),
    [
        (None, ["--rho", "-1"], "E2170"),
        ({"geolevels_total": 0.9}, [], "E2173"),
        ({"zero_query": True}, [], "E2192"),
        ({"invariants": ["county", "canton"]}, [], "E2172"),
        ({"queries": {"race": 1.0}}, [], "E2172"),
    ],
)
def test_bad_input_is_refused_before_any_noise(
    synth: Path, tmp_path: Path, budget: dict[str, object] | None, args: list[str], code: str
) -> None:
    shipped = resources.files("headcount.disclosure").joinpath("data/budget-2020.yaml")
    raw = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    if budget:
        if "geolevels_total" in budget:
            raw["geolevels"]["national"] = 0.0  # shares now sum to 0.974628
        elif "zero_query" in budget:
            raw["queries"] = {"total": 0.6, "sex_age": 0.4, "household_type_size": 0.0,
                              "urban_rural": 0.0}  # fmt: skip
        else:
            raw.update(budget)
    file = tmp_path / "budget.yaml"
    file.write_text(yaml.safe_dump(raw))
    log = ledger_path(synth)
    before = log.read_text() if log.exists() else ""
    result, text = _run("disclose", "dp", synth, "--out", tmp_path / "out", "--config", file,
                        *args, "--json")  # fmt: skip
    assert result == 2 and json.loads(text)["error"]["code"] == code
    assert not (tmp_path / "out").exists()
    assert (log.read_text() if log.exists() else "") == before  # nothing drawn


def test_an_existing_output_is_never_overwritten(synth: Path, release: Path) -> None:
    code, text = _run("disclose", "dp", synth, "--out", release, "--again", "--json")
    assert code == 2 and json.loads(text)["error"]["code"] == "E2190"
