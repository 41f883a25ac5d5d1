"""``headcount extract`` from the store: approved households only, by an operator who holds
processing.extract, audited with its counts, and no clear name or ID number in any byte."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from sqlalchemy import select
from typer.testing import CliRunner

from headcount.audit.log import flush
from headcount.cli import app
from headcount.demo import Demo, build
from headcount.store.models import AuditEntry, Household, Person
from headcount.store.session import make_engine, read_transaction
from tests.integration.processing.demo_env import demo_env
from tests.integration.processing.pii import clear_values, leaks


def _persons_of(demo: Demo, households: list[str]) -> int:
    engine = make_engine(demo.settings)
    try:
        with read_transaction(engine) as session:
            refs = select(Household.id).where(Household.household_id.in_(households))
            return len(
                session.execute(select(Person.id).where(Person.household_ref.in_(refs))).all()
            )
    finally:
        engine.dispose()


def test_operator_extracts_approved_households_without_personal_data(
    database_url: str, tmp_path: Path
) -> None:
    demo = build(tmp_path / "demo", persons=200, database_url=database_url)
    assert demo.approved, "the demo approves households at the second level"
    out = tmp_path / "extract"
    result = CliRunner().invoke(
        app,
        [
            "extract",
            "--out",
            str(out),
            "--operator",
            "processing",
            "--json",
            "--registers",
            str(demo.directory / "synth"),
        ],
        env=demo_env(demo, "demo-processing-2020"),
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output.strip().splitlines()[-1])["rows"]
    households = pl.read_parquet(out / "households")
    assert sorted(households["household_id"].to_list()) == sorted(demo.approved)
    assert rows["persons"] == _persons_of(demo, demo.approved) > 0
    assert set(pl.read_parquet(out / "persons")["household_id"]) <= set(demo.approved)
    values = clear_values(demo.directory / "synth")
    assert leaks(out, values) == []
    # The registers, pseudonymised with the same key, meet the census records.
    assert rows["registers_hukou"] > 0 and rows["registers_births"] >= 0
    census_ids = set(pl.read_parquet(out / "persons")["id_pseudonym"].drop_nulls().to_list())
    register_ids = set(pl.read_parquet(out / "registers_hukou")["id_pseudonym"].to_list())
    assert len(census_ids & register_ids) > 0.8 * len(census_ids)
    engine = make_engine(demo.settings)
    try:
        flush(engine)
        with read_transaction(engine) as session:
            entry = session.execute(
                select(AuditEntry).where(AuditEntry.action == "processing.extract")
            ).scalar_one()
    finally:
        engine.dispose()
    assert json.loads(entry.detail)["rows"]["persons"] == rows["persons"]


def test_without_the_permission_nothing_is_written(database_url: str, tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=120, database_url=database_url)
    out = tmp_path / "extract"
    runner = CliRunner()
    refused = runner.invoke(
        app, ["extract", "--out", str(out), "--operator", "national"],
        env=demo_env(demo, "demo-national-2020"),
    )  # fmt: skip
    assert refused.exit_code == 2 and "E1808" in refused.output
    wrong = runner.invoke(
        app, ["extract", "--out", str(out), "--operator", "processing"],
        env=demo_env(demo, "not-the-password"),
    )  # fmt: skip
    assert wrong.exit_code == 2 and "E2" in wrong.output
    nobody = runner.invoke(app, ["extract", "--out", str(out)], env=demo_env(demo, "x"))
    assert nobody.exit_code == 2 and "E1808" in nobody.output
    assert not out.exists() and not list(tmp_path.glob(".extract.partial-*"))
