"""``headcount extract --from-synth``: a synthetic census de-identified, linkable, and leak-free."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from headcount.cli import app
from headcount.privacy.vault import MasterKey
from headcount.processing.layout import open_extract
from headcount.synth import generate
from tests.integration.processing.pii import clear_values, leaks


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pop"
    generate(persons=6000, seed=21, out=out, fmt="parquet", provinces="11,44,65")
    return out


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "headcount.key"
    MasterKey.create(path, "intl")
    return path


def _extract(synth: Path, vault: Path, out: Path, *extra: str) -> dict[str, object]:
    result = CliRunner().invoke(
        app,
        ["extract", "--from-synth", str(synth), "--out", str(out), "--json", *extra],
        env={"HEADCOUNT_KEY_FILE": str(vault), "HEADCOUNT_MODE": "production"},
    )
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.output.strip().splitlines()[-1])
    return parsed


def test_counts_and_no_clear_personal_data(synth: Path, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "extract"
    summary = _extract(synth, vault, out, "--registers", str(synth))
    source = json.loads((synth / "manifest.json").read_text())["tables"]
    rows = summary["rows"]
    assert isinstance(rows, dict)
    for table in ("households", "persons", "death_forms", "hmtf_persons", "registers_hukou",
                  "registers_births", "truth_persons", "truth_errors", "small_areas"):  # fmt: skip
        assert rows[table] == source[table]["rows"], table
    assert "buildings" not in rows and "staff" not in rows  # addresses and staff stay behind
    values = clear_values(synth)
    assert len(values) > 10_000
    assert leaks(synth / "persons", values)  # the search finds what is there
    assert leaks(out, values) == []
    manifest = open_extract(out).manifest
    assert manifest["source"]["kind"] == "synth" and manifest["source"]["synthetic"] is True
    persons = pl.read_parquet(out / "persons")
    assert not {"name", "citizen_id", "industry", "occupation"} & set(persons.columns)
    assert (
        persons["id_status"].value_counts().filter(pl.col("id_status") == "valid")["count"][0]
        > 0.98 * persons.height
    )


def test_both_records_of_a_person_and_the_register_share_a_pseudonym(
    synth: Path, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "extract"
    _extract(synth, vault, out, "--registers", str(synth))
    truth = pl.read_parquet(out / "truth_persons").filter(
        pl.col("separated") & pl.col("id_status").eq("valid") & ~pl.col("missed_by_census")
    )
    persons = pl.read_parquet(out / "persons").select("household_id", "person_no", "id_pseudonym")
    hukou = pl.read_parquet(out / "registers_hukou").select("id_pseudonym").unique()
    for side in ("residence", "hukou"):
        linked = truth.join(
            persons,
            left_on=[f"{side}_household_id", f"{side}_person_no"],
            right_on=["household_id", "person_no"],
            suffix="_census",
        )
        assert linked.height > 0.9 * truth.height
        same = (linked["id_pseudonym"] == linked["id_pseudonym_census"]).mean()
        assert same is not None and same > 0.97  # the rest: injected ID errors
    in_register = truth.join(hukou, on="id_pseudonym", how="semi").height
    assert in_register > 0.95 * truth.height


def test_same_wave_same_pseudonyms_other_wave_none(
    synth: Path, vault: Path, tmp_path: Path
) -> None:
    _extract(synth, vault, tmp_path / "a", "--workers", "1")
    _extract(synth, vault, tmp_path / "b", "--workers", "2")
    manifests = [json.loads((tmp_path / x / "manifest.json").read_text()) for x in "ab"]
    assert manifests[0]["tables"] == manifests[1]["tables"]  # same bytes, whatever the workers
    _extract(synth, vault, tmp_path / "c", "--wave", "2030")
    a, b, c = (pl.read_parquet(tmp_path / x / "persons")["id_pseudonym"] for x in "abc")
    assert a.to_list() == b.to_list()
    assert not set(a.drop_nulls().to_list()) & set(c.drop_nulls().to_list())
    name_a = pl.read_parquet(tmp_path / "a" / "persons")["name_bloom"].to_list()
    name_c = pl.read_parquet(tmp_path / "c" / "persons")["name_bloom"].to_list()
    assert name_a != name_c


def test_bad_source_and_busy_out_are_refused(synth: Path, vault: Path, tmp_path: Path) -> None:
    env = {"HEADCOUNT_KEY_FILE": str(vault)}
    runner = CliRunner()
    bad = runner.invoke(
        app, ["extract", "--from-synth", str(tmp_path), "--out", str(tmp_path / "x")], env=env
    )
    assert bad.exit_code == 2 and "E1807" in bad.output and not (tmp_path / "x").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("keep")
    out = runner.invoke(app, ["extract", "--from-synth", str(synth), "--out", str(busy)], env=env)
    assert out.exit_code == 2 and "E1806" in out.output
    assert [p.name for p in busy.iterdir()] == ["mine.txt"]


def test_tables_refuse_a_damaged_extract_naming_the_file(
    synth: Path, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "extract"
    _extract(synth, vault, out)
    part = out / "persons" / "part-00000.parquet"
    part.chmod(0o600)
    data = bytearray(part.read_bytes())
    data[100] ^= 0xFF
    part.write_bytes(bytes(data))
    result = CliRunner().invoke(app, ["tables", str(out), "--out", str(tmp_path / "t")])
    assert result.exit_code == 2 and "E1804" in result.output
    assert "part-00000.parquet" in result.output.replace("\n", "")
    assert not (tmp_path / "t").exists()
    (out / "households" / "part-00000.parquet").unlink()
    result = CliRunner().invoke(app, ["tables", str(out), "--out", str(tmp_path / "t")])
    assert result.exit_code == 2 and "E1802" in result.output
