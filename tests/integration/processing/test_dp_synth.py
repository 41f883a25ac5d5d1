"""The TopDown release on the processing chain: ``synth`` → ``extract`` → ``disclose dp`` →
``disclose accuracy``, 20,000 persons (the extract, not the synthetic directory, is the source)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from headcount.cli import app
from headcount.privacy.vault import MasterKey

runner = CliRunner()


def _run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("dpchain")
    code, out = _run("synth", "--persons", 20000, "--seed", 7, "--out", root / "synth", "--quiet")
    assert code == 0, out
    vault = root / "headcount.key"
    MasterKey.create(vault, "intl")
    result = runner.invoke(
        app,
        ["extract", "--from-synth", str(root / "synth"), "--out", str(root / "extract")],
        env={"HEADCOUNT_KEY_FILE": str(vault), "HEADCOUNT_MODE": "production"},
    )
    assert result.exit_code == 0, result.output
    code, out = _run("disclose", "dp", root / "extract", "--out", root / "release", "--report",
                     "--json")  # fmt: skip
    assert code == 0, out
    return root / "extract", root / "release", json.loads(out)


def _by(report: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    return {lv["level"]: {q["query"]: q for q in lv["queries"]} for lv in report["levels"]}


def test_the_release_is_consistent_and_close(chain: tuple[Path, Path, dict[str, Any]]) -> None:
    extract, release, made = chain
    report = made["accuracy"]
    imposed = [c for c in report["checks"] if c.get("imposed", True)]
    assert all(c["passed"] for c in imposed), imposed
    by = _by(report)
    # σ of the county total is 1.53 before post-processing; the hierarchy only improves on it.
    assert by["county"]["total"]["mae"] < 1.53 * 0.8 + 0.3
    for level, queries in by.items():
        for query, row in queries.items():
            if row["cells"] >= 1000:  # the mean error per cell: no bias from non-negativity
                assert abs(row["me"]) < 0.05, (level, query, row["me"])
    written = json.loads((release / "release.json").read_text())
    manifest = json.loads((extract / "manifest.json").read_text())
    assert written["source"]["path"] == str(extract.resolve()) and manifest
    # The report (confidential: its largest errors give true counts) sits beside the release.
    assert (release.parent / "release.accuracy" / "accuracy.json").exists()
    assert not (release / "accuracy").exists()


def test_the_report_is_reproduced_from_the_files(chain: tuple[Path, Path, dict[str, Any]]) -> None:
    extract, release, made = chain
    code, out = _run("disclose", "accuracy", release, extract, "--json")
    assert code == 0, out
    again = json.loads(out)
    assert _by(again)["township"]["sex_age"] == _by(made["accuracy"])["township"]["sex_age"]
    # A changed release file is refused.
    table = pl.read_parquet(release / "county.parquet")
    table.with_columns(pl.col("count") + 1).write_parquet(release / "county.parquet")
    code, out = _run("disclose", "accuracy", release, extract, "--json")
    assert code == 2 and json.loads(out)["error"]["code"] == "E2195"
