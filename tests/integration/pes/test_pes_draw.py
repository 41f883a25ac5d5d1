"""``headcount pes draw`` on the demo census: drawn once, audited, kept from census staff until
the count closes (issue 13, part 1)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from headcount import errors
from headcount.audit.log import flush
from headcount.auth.roles import Actor, Role
from headcount.calendar import CENSUS_2020, FixedClock
from headcount.cli import app
from headcount.demo import build
from headcount.errors import HeadcountError
from headcount.fieldwork import pes_sample
from headcount.store.models import AuditEntry
from headcount.store.models_pes import PesSampleArea
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, read_transaction
from tests.integration.processing.demo_env import demo_env


def _draw(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["pes", "draw", *args], env=env)
    return result.exit_code, str(result.output)


def test_the_national_office_draws_once_and_census_staff_cannot_see_it(
    database_url: str, tmp_path: Path
) -> None:
    demo = build(tmp_path / "demo", persons=90, database_url=database_url)
    env = demo_env(demo, "demo-national-2020")
    code, output = _draw(env, "--areas", "1", "--seed", "5", "--operator", "national", "--json")
    assert code != 0 and "E2160" in output  # one stratum of three areas: two at least
    code, output = _draw(env, "--areas", "2", "--seed", "5", "--operator", "national", "--json")
    assert code == 0, output
    made = json.loads(output.strip().splitlines()[-1])
    assert made["areas"] == 2 and sum(s["allocated"] for s in made["strata"]) == 2
    assert made["sized_by"] == {"expected": 0, "register": 3, "households": 0, "none": 0}
    again = _draw(env, "--areas", "2", "--seed", "6", "--operator", "national", "--json")
    assert again[0] != 0 and "E2164" in again[1]  # never redrawn
    enumerator_env = demo_env(demo, "demo-enumerator-2020")
    refused = _draw(
        enumerator_env, "--areas", "2", "--seed", "5", "--operator", "enumerator", "--json"
    )
    assert refused[0] != 0 and "E2002" in refused[1]

    engine = make_engine(demo.settings)
    try:
        flush(engine)
        with read_transaction(engine) as session:
            areas = session.execute(select(PesSampleArea)).scalars().all()
            assert len(areas) == 2 and {a.small_area_code for a in areas} <= set(
                demo.small_area_codes
            )
            assert all(0 < a.inclusion_probability <= 1 for a in areas)
            entry = session.execute(
                select(AuditEntry).where(AuditEntry.action == "pes.draw")
            ).scalar_one()
            assert json.loads(entry.detail)["digest"] == made["digest"]
            login = demo.login(Role.enumerator)
            staff = staff_queries.by_username(session, login.username)
            assert staff is not None
            enumerator = Actor(str(staff.id), Role.enumerator, login.areas, frozenset(), True)
            during = FixedClock(CENSUS_2020.short_form.closes - timedelta(hours=1))
            with pytest.raises(HeadcountError) as secret:
                pes_sample.sampled_areas(session, enumerator, clock=during)
            assert secret.value.problem == errors.PES_SAMPLE_SECRET
            after = FixedClock(CENSUS_2020.short_form.closes + timedelta(hours=1))
            seen = pes_sample.sampled_areas(session, enumerator, clock=after)
            assert {a.small_area_code for a in seen} == {a.small_area_code for a in areas}
    finally:
        engine.dispose()
