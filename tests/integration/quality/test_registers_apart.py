"""The registers handed over apart from the census: ``extract --registers-only`` then
``quality --registers`` links them as if they were in the extract, and under another key the
command refuses with E1895 and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from headcount.cli import app
from headcount.privacy.vault import MasterKey
from headcount.synth import generate


def _cli(key: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, list(args), env={"HEADCOUNT_KEY_FILE": str(key), "HEADCOUNT_MODE": "production"}
    )
    return result.exit_code, str(result.output)


def _key(folder: Path) -> Path:
    folder.mkdir()
    MasterKey.create(folder / "headcount.key", "intl")
    return folder / "headcount.key"


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pop"
    generate(persons=4000, seed=12, out=out, fmt="parquet", provinces="11")
    return out


def test_registers_apart_link_like_registers_together(synth: Path, tmp_path: Path) -> None:
    key = _key(tmp_path / "k1")
    both, census, regs = tmp_path / "both", tmp_path / "census", tmp_path / "regs"
    assert _cli(key, "extract", "--from-synth", str(synth), "--registers", str(synth),
                "--out", str(both))[0] == 0  # fmt: skip
    assert _cli(key, "extract", "--from-synth", str(synth), "--out", str(census))[0] == 0
    code, output = _cli(key, "extract", "--registers-only", "--registers", str(synth),
                        "--out", str(regs))  # fmt: skip
    assert code == 0, output
    assert sorted(p.name for p in regs.iterdir() if p.is_dir()) == [
        "registers_births", "registers_deaths", "registers_hukou",
    ]  # fmt: skip
    assert _cli(key, "quality", str(both), "--out", str(tmp_path / "q1"))[0] == 0
    code, output = _cli(key, "quality", str(census), "--registers", str(regs),
                        "--out", str(tmp_path / "q2"))  # fmt: skip
    assert code == 0, output
    for kind in ("duplicates", "omissions", "erroneous", "discrepancies"):
        one = pl.read_parquet(tmp_path / "q1" / f"{kind}.parquet").drop("cluster_id", strict=False)
        two = pl.read_parquet(tmp_path / "q2" / f"{kind}.parquet").drop("cluster_id", strict=False)
        assert sorted(one.rows()) == sorted(two.rows()), kind
    summary = json.loads((tmp_path / "q2" / "quality.json").read_text("utf-8"))
    assert summary["counts"]["omissions"] > 0

    other = _key(tmp_path / "k2")
    foreign = tmp_path / "foreign"
    assert _cli(other, "extract", "--registers-only", "--registers", str(synth),
                "--out", str(foreign))[0] == 0  # fmt: skip
    code, output = _cli(key, "quality", str(census), "--registers", str(foreign),
                        "--out", str(tmp_path / "q3"))  # fmt: skip
    assert code != 0 and "E1895" in output
    assert not (tmp_path / "q3").exists()
    code, output = _cli(key, "extract", "--registers-only", "--out", str(tmp_path / "none"))
    assert code != 0 and "E1899" in output
