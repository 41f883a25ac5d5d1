"""``headcount load``: the synth data contract in, registered households out (resumable)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select

from headcount import errors
from headcount.audit.log import flush
from headcount.errors import HeadcountError
from headcount.store import loader, registration
from headcount.store.bootstrap import CLI
from headcount.store.models import AuditEntry, Household, Person, SmallArea
from headcount.store.session import read_transaction
from tests.integration.conftest import Census
from tests.integration.synthetic import write_population


def _count(census: Census, model: object) -> int:
    with read_transaction(census.engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)  # type: ignore[arg-type]


def test_load_registers_households_with_persons_and_resumes(census: Census, tmp_path: Path) -> None:
    pop = write_population(tmp_path / "pop", households=10)
    ticks: list[tuple[int, int]] = []
    report = loader.load(
        census.engine,
        census.protector,
        pop.directory,
        batch_size=4,
        progress=lambda done, total: ticks.append((done, total)),
    )
    assert (report.households_added, report.households_skipped) == (10, 0)
    assert ticks == [(4, 10), (8, 10), (10, 10)]
    assert _count(census, Person) == len(pop.persons) and _count(census, SmallArea) == 3
    again = loader.load(census.engine, census.protector, pop.directory)
    assert (again.households_added, again.households_skipped) == (0, 10)
    flush(census.engine)
    with read_transaction(census.engine) as s:
        loads = s.execute(select(AuditEntry).where(AuditEntry.action == "household.load")).all()
        first = pop.households[0]
        record = registration.read(s, census.protector, CLI, str(first["household_id"]))
    assert len(loads) == 3  # one entry per batch, none for the skipped re-run
    assert record["items"]["births"] == {"male": 0, "female": 0}
    assert record["persons"][0]["birth_year_month"].count("-") == 1


def test_csv_parts_load_like_parquet(census: Census, tmp_path: Path) -> None:
    pop = write_population(tmp_path / "pop", households=4)
    for table in ("census_areas", "small_areas", "households", "persons"):
        folder = pop.directory / table
        pl.read_parquet(folder / "part-00000.parquet").write_csv(folder / "part-00000.csv")
        (folder / "part-00000.parquet").unlink()
    report = loader.load(census.engine, census.protector, pop.directory)
    assert report.households_added == 4 and _count(census, Household) == 4


def test_a_broken_directory_is_a_catalogued_problem(census: Census, tmp_path: Path) -> None:
    pop = write_population(tmp_path / "pop", households=2)
    (pop.directory / "manifest.json").write_text("{not json")
    cases = [tmp_path / "missing", pop.directory]
    for path in cases:
        with pytest.raises(HeadcountError) as caught:
            loader.load(census.engine, census.protector, path)
        assert caught.value.problem is errors.LOAD_DIRECTORY_INVALID
    (pop.directory / "manifest.json").write_text(json.dumps({"tables": {}}))
    for part in (pop.directory / "households").iterdir():
        part.unlink()
    with pytest.raises(HeadcountError, match="E1613"):
        loader.load(census.engine, census.protector, pop.directory)
    assert _count(census, Household) == 0


def test_the_synth_generators_output_loads(census: Census, tmp_path: Path) -> None:
    generator = pytest.importorskip("headcount.synth.generator")
    out = tmp_path / "synth"
    generator.generate(persons=400, seed=11, out=out)
    report = loader.load(census.engine, census.protector, out, batch_size=200)
    manifest = json.loads((out / "manifest.json").read_text())
    assert report.households_added == manifest["tables"]["households"]["rows"]
    assert _count(census, Person) == manifest["tables"]["persons"]["rows"]
    names = pl.read_parquet(out / "persons" / "*.parquet")["name"].to_list()[:50]
    database = Path(census.settings.database_url.removeprefix("sqlite:///"))
    if census.kind == "sqlite":
        raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert not [n for n in names if n and n.encode() in raw]


@pytest.mark.parametrize("aligned", [True, False])
def test_parts_load_part_by_part_only_when_aligned(
    census: Census, tmp_path: Path, aligned: bool
) -> None:
    """Synth writes one part per chunk; a person never gets separated from its household."""
    pop = write_population(tmp_path / "pop", households=9)
    households = pl.read_parquet(pop.directory / "households" / "part-00000.parquet")
    persons = pl.read_parquet(pop.directory / "persons" / "part-00000.parquet")
    first = households["household_id"].head(5)
    in_first = persons["household_id"].is_in(first.implode())
    if not aligned:  # move one person of the first part's households into the second part
        in_first = in_first & (pl.int_range(persons.height, eager=True) != 0)
    for folder in ("households", "persons"):
        (pop.directory / folder / "part-00000.parquet").unlink()
    households.filter(pl.col("household_id").is_in(first.implode())).write_parquet(
        pop.directory / "households" / "part-00000.parquet"
    )
    households.filter(~pl.col("household_id").is_in(first.implode())).write_parquet(
        pop.directory / "households" / "part-00001.parquet"
    )
    persons.filter(in_first).write_parquet(pop.directory / "persons" / "part-00000.parquet")
    persons.filter(~in_first).write_parquet(pop.directory / "persons" / "part-00001.parquet")
    assert (len(loader._groups(pop.directory)) == 2) is aligned
    report = loader.load(census.engine, census.protector, pop.directory, batch_size=2)
    assert report.households_added == 9
    with read_transaction(census.engine) as s:
        stored = s.execute(
            select(Household.household_id, func.count(Person.id))
            .join(Person, Person.household_ref == Household.id)
            .group_by(Household.household_id)
        ).all()
    expected = persons.group_by("household_id").len()
    assert dict(stored) == dict(zip(expected["household_id"], expected["len"], strict=True))
