"""The post-enumeration survey in the field (issue 13, part 2): independent staff, its own form and
records, its own progress — on the demo census, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from headcount import errors
from headcount.auth.roles import Actor, Role
from headcount.calendar import CENSUS_2020, FixedClock
from headcount.cli import app
from headcount.demo import DISPLAY_NAMES, Demo, build
from headcount.errors import HeadcountError
from headcount.fieldwork import households, pes_fieldwork, pes_followup, pes_sample, staff
from headcount.fieldwork.registration import SubmissionIn
from headcount.fieldwork.scope import audit_actor
from headcount.store import registration as store_registration
from headcount.store.models import AuditPending, FormResponse, Household, Person
from headcount.store.models_fieldwork import HouseholdReview
from headcount.store.models_pes import PesResponse
from headcount.store.protector import Protector
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, transaction
from tests.integration.pes.pes_env import survey_enumerator
from tests.integration.processing.demo_env import demo_env
from tests.integration.quality.field_env import import_hukou

DURING_COUNT = FixedClock(CENSUS_2020.short_form.closes - timedelta(hours=1))
IN_SURVEY = FixedClock(CENSUS_2020.pes.opens + timedelta(days=2))
AFTER_SURVEY = FixedClock(CENSUS_2020.pes.closes + timedelta(hours=1))
SURVEY_NAME = "钱婉清"


def pes_record(persons_present: int = 2) -> dict[str, Any]:
    people = [
        {
            "name": "测试甲",
            "relationship": 0,
            "citizen_id": None,
            "sex": 1,
            "birth_year_month": "1978-04",
            "ethnic_group": "01",
            "residence_at_reference": 1,
        },
        {
            "name": "测试乙",
            "relationship": 1,
            "citizen_id": None,
            "sex": 2,
            "birth_year_month": "1980-09",
            "ethnic_group": "01",
            "residence_at_reference": 1,
        },
    ]
    return {
        "form": "pes",
        "items": {"household_type": 1, "persons_present": persons_present},
        "persons": people,
        "deaths": [],
        "confirmed": ["citizen_id.missing@1", "citizen_id.missing@2"],
    }


@dataclass
class World:
    demo: Demo
    session: Session
    protector: Protector
    sampled: list[str]
    county: Actor
    supervisor: Actor
    enumerator: Actor

    def actor(self, role: Role) -> Actor:
        login = self.demo.login(role)
        row = staff_queries.by_username(self.session, login.username)
        assert row is not None
        return Actor(str(row.id), role, login.areas, frozenset(), True)


@pytest.fixture
def w(database_url: str, tmp_path: Path) -> Iterator[World]:
    demo = build(tmp_path / "demo", persons=90, database_url=database_url)
    engine = make_engine(demo.settings)
    protector = Protector.open(demo.settings, engine)
    try:
        with transaction(engine) as session, protector.bound(session):
            logins = {r: demo.login(r) for r in (Role.national_office, Role.county_office)}
            national_row = staff_queries.by_username(session, logins[Role.national_office].username)
            assert national_row is not None
            national = Actor(str(national_row.id), Role.national_office, (), frozenset(), True)
            made = pes_sample.draw(
                session, national, pes_sample.DrawIn(areas=2, seed=5), clock=DURING_COUNT
            )
            sampled = [a.small_area_code for a in pes_sample.sampled_areas(session, national)]
            assert made.areas == len(sampled) == 2
            probe = World(demo, session, protector, sampled, national, national, national)
            probe.county = probe.actor(Role.county_office)
            probe.supervisor = probe.actor(Role.supervisor)
            probe.enumerator = probe.actor(Role.enumerator)
            yield probe
    finally:
        engine.dispose()


def _create(w: World, name: str | None, areas: list[str], clock: FixedClock) -> Any:
    return staff.create(
        w.session,
        w.county,
        w.protector,
        audit_actor(w.county),
        clock.now(),
        "2020",
        staff.StaffCreate(
            username=f"pes.{uuid.uuid4().hex[:8]}",
            role=Role.pes_enumerator,
            areas=areas,
            display_name=name,
        ),
    )


def _refused(problem: errors.Problem, call: Any, *args: Any, **kwargs: Any) -> HeadcountError:
    with pytest.raises(HeadcountError) as caught:
        call(*args, **kwargs)
    assert caught.value.problem == problem, caught.value
    return caught.value


def test_a_survey_enumerator_must_be_independent_of_the_areas_census_staff(w: World) -> None:
    area = w.sampled[0]
    unsampled = next(c for c in w.demo.small_area_codes if c not in w.sampled)
    _refused(errors.PES_SAMPLE_SECRET, _create, w, SURVEY_NAME, [area], DURING_COUNT)
    _refused(errors.PES_AREA_NOT_SAMPLED, _create, w, SURVEY_NAME, [unsampled], IN_SURVEY)
    _refused(errors.PES_STAFF_NAME_REQUIRED, _create, w, None, [area], IN_SURVEY)
    # The area's census supervisor (the census area's) under another account: refused, whatever
    # spacing or width the name is typed with.
    clash = _refused(
        errors.PES_NOT_INDEPENDENT,
        _create,
        w,
        " ".join(DISPLAY_NAMES["supervisor"]),
        [area],
        IN_SURVEY,
    )
    assert clash.details["census_role"] == "supervisor"
    assert DISPLAY_NAMES["supervisor"] not in clash.message("en")  # never names the person
    made = _create(w, SURVEY_NAME, [area], IN_SURVEY)
    assert made.role == Role.pes_enumerator and made.badge_no and made.badge_no[2] == "P"
    # ... and the other way round: a census enumerator of that name cannot join the area.
    census = staff.StaffCreate(
        username="enum.same.name", role=Role.enumerator, areas=[area], display_name=SURVEY_NAME
    )
    _refused(
        errors.PES_NOT_INDEPENDENT,
        staff.create,
        w.session,
        w.county,
        w.protector,
        audit_actor(w.county),
        IN_SURVEY.now(),
        "2020",
        census,
    )
    # A census supervisor cannot direct survey staff; survey staff take no census area.
    _refused(
        errors.PES_ROLE_MIXED,
        staff.assign,
        w.session,
        w.supervisor,
        audit_actor(w.supervisor),
        IN_SURVEY.now(),
        area_code=w.sampled[1],
        width=15,
        staff_id=made.staff_id,
        protector=w.protector,
    )
    codes = staff.assign(
        w.session,
        w.county,
        audit_actor(w.county),
        IN_SURVEY.now(),
        area_code=w.sampled[1],
        width=15,
        staff_id=made.staff_id,
        protector=w.protector,
    )
    assert codes == sorted(w.sampled)
    _refused(
        errors.PES_AREA_NOT_SAMPLED,
        staff.regrant,
        w.session,
        w.county,
        audit_actor(w.county),
        IN_SURVEY.now(),
        made.staff_id,
        [unsampled],
        protector=w.protector,
    )


def _census_rows(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.execute(select(func.count()).select_from(t)).scalar_one()
        for t in (Household, FormResponse, Person)
    )


def test_the_survey_registers_apart_from_the_census_and_cannot_see_it(w: World) -> None:
    area, other = w.sampled
    made = _create(w, SURVEY_NAME, [area], IN_SURVEY)
    surveyor = Actor(made.staff_id, Role.pes_enumerator, (area,), frozenset(), True)
    before = _census_rows(w.session)
    _refused(
        errors.PES_WINDOW_CLOSED,
        pes_fieldwork.list_household,
        w.session,
        surveyor,
        area,
        clock=DURING_COUNT,
    )
    _refused(
        errors.AREA_NOT_FOUND,
        pes_fieldwork.list_household,
        w.session,
        surveyor,
        other,
        clock=IN_SURVEY,
    )
    listed = pes_fieldwork.list_household(w.session, surveyor, area, clock=IN_SURVEY)
    assert listed.household_no == "P001" and listed.version == 0
    second = pes_fieldwork.list_household(w.session, surveyor, area, clock=IN_SURVEY)
    assert second.household_no == "P002"

    def submit(record: dict[str, Any], token: uuid.UUID, replaces: int | None = None) -> Any:
        return pes_fieldwork.submit(
            w.session,
            w.protector,
            surveyor,
            listed.household_id,
            SubmissionIn(submission_uuid=token, replaces_version=replaces, record=record),
            clock=IN_SURVEY,
        )

    short = {**pes_record(), "form": "short"}
    _refused(errors.PES_FORM_ONLY, submit, short, uuid.uuid4())
    wrong = _refused(
        errors.SUBMISSION_FINDINGS, submit, pes_record(persons_present=3), uuid.uuid4()
    )
    assert any(f["rule"] == "PES_PRESENT" for f in wrong.details["findings"])
    token = uuid.uuid4()
    first = submit(pes_record(), token)
    assert (first.version, first.created) == (1, True)
    assert submit(pes_record(), token).created is False  # a retry writes nothing
    changed = pes_record()
    changed["persons"][1]["birth_year_month"] = "1981-09"
    _refused(errors.SUBMISSION_CONFLICT, submit, changed, token)
    _refused(errors.VERSION_STALE, submit, pes_record(), uuid.uuid4())  # must name version 1
    assert submit(pes_record(), uuid.uuid4(), replaces=1).version == 2
    late = SubmissionIn(submission_uuid=uuid.uuid4(), replaces_version=2, record=pes_record())
    _refused(
        errors.PES_WINDOW_CLOSED,
        pes_fieldwork.submit,
        w.session,
        w.protector,
        surveyor,
        listed.household_id,
        late,
        clock=AFTER_SURVEY,
    )

    record = pes_fieldwork.read(w.session, w.protector, surveyor, listed.household_id)
    assert record["persons"][0]["name"] == "测试甲" and record["version"] == 2
    stored = w.session.execute(select(PesResponse)).scalars().all()
    assert len(stored) == 2 and all("测试甲" not in str(r.answers) for r in stored)  # sealed
    assert _census_rows(w.session) == before  # no census row written or changed

    # The survey enumerator holds no census permission; census staff none of the survey's.
    census_household = w.session.execute(select(Household.household_id)).scalars().first()
    assert census_household is not None
    _refused(errors.FORBIDDEN, households.read, w.session, w.protector, surveyor, census_household)
    _refused(
        errors.FORBIDDEN,
        pes_fieldwork.read,
        w.session,
        w.protector,
        w.enumerator,
        listed.household_id,
    )
    _refused(errors.FORBIDDEN, pes_fieldwork.households, w.session, w.enumerator)

    mine = pes_fieldwork.households(w.session, surveyor)
    assert [(h.household_no, h.version, h.persons) for h in mine] == [
        ("P001", 2, 2),
        ("P002", 0, 0),
    ]
    _refused(
        errors.PES_SAMPLE_SECRET, pes_fieldwork.progress, w.session, w.county, clock=DURING_COUNT
    )
    progress = {
        p.small_area_code: p for p in pes_fieldwork.progress(w.session, w.county, clock=IN_SURVEY)
    }
    assert set(progress) == set(w.sampled)
    assert (progress[area].households_listed, progress[area].households_registered) == (2, 1)
    assert (progress[area].persons, progress[area].enumerators) == (2, 1)
    assert progress[other].households_listed == 0 and progress[other].enumerators == 0
    _refused(errors.FORBIDDEN, pes_fieldwork.progress, w.session, w.enumerator, clock=IN_SURVEY)
    actions = (
        w.session.execute(select(AuditPending.action).where(AuditPending.action.like("pes.%")))
        .scalars()
        .all()
    )
    assert {"pes.list", "pes.submit", "pes.edit", "pes.read"} <= set(actions)


def test_the_store_extract_carries_the_survey_and_the_matching_reads_it(
    database_url: str, tmp_path: Path
) -> None:
    """Registered in the field, extracted de-identified, matched: the head of an approved census
    household re-enumerated by the survey is found; a person the census missed is not; a person
    who lived elsewhere is not in this area's P-sample."""
    demo = build(tmp_path / "demo", persons=90, database_url=database_url)
    engine = make_engine(demo.settings)
    protector = Protector.open(demo.settings, engine)
    try:
        with transaction(engine) as session:
            approved = set(
                session.execute(
                    select(HouseholdReview.small_area_code).where(
                        HouseholdReview.status == "approved"
                    )
                ).scalars()
            )
        surveyor = survey_enumerator(demo, prefer=tuple(sorted(approved)))
        assert surveyor.area in approved, "the demo's sample must reach an approved area"
        with transaction(engine) as session, protector.bound(session):
            national = Actor("national-test", Role.national_office, (), frozenset(), True)
            household_id = (
                session.execute(
                    select(HouseholdReview.household_id).where(
                        HouseholdReview.small_area_code == surveyor.area,
                        HouseholdReview.status == "approved",
                    )
                )
                .scalars()
                .first()
            )
            assert household_id is not None
            who = audit_actor(national)
            census = store_registration.read(session, protector, who, household_id)
            head = census["persons"][0]
            assert head.get("citizen_id") and head.get("name")
            surveyor_actor = Actor(
                surveyor.staff_id, Role.pes_enumerator, (surveyor.area,), frozenset(), True
            )
            listed = pes_fieldwork.list_household(
                session, surveyor_actor, surveyor.area, clock=IN_SURVEY
            )
            same = ("name", "citizen_id", "sex", "birth_year_month", "ethnic_group")
            people = [
                {k: head.get(k) for k in same} | {"relationship": 0, "residence_at_reference": 1},
                {
                    "name": "测试新",
                    "relationship": 2,
                    "citizen_id": None,
                    "sex": 1,
                    "birth_year_month": "2010-06",
                    "ethnic_group": "01",
                    "residence_at_reference": 1,
                },
                {
                    "name": "测试外",
                    "relationship": 2,
                    "citizen_id": None,
                    "sex": 2,
                    "birth_year_month": "2001-01",
                    "ethnic_group": "01",
                    "residence_at_reference": 2,
                },
            ]
            record = {
                "form": "pes",
                "items": {"household_type": 1, "persons_present": 2},
                "persons": people,
                "deaths": [],
                "confirmed": ["citizen_id.missing@2", "citizen_id.missing@3"],
            }
            pes_fieldwork.submit(
                session,
                protector,
                surveyor_actor,
                listed.household_id,
                SubmissionIn(submission_uuid=uuid.uuid4(), record=record),
                clock=IN_SURVEY,
            )
    finally:
        engine.dispose()
    import_hukou(demo, tmp_path)  # the quality run resolves the E-sample against registers
    matched = _chain(demo, tmp_path / "first")
    persons = pl.read_parquet(next((tmp_path / "first" / "x" / "pes_persons").glob("*.parquet")))
    assert persons.height == 2  # the person who lived elsewhere is not this area's
    assert not {"name", "citizen_id"} & set(persons.columns)  # encodings and pseudonyms only
    summary = json.loads((matched / "match.json").read_text("utf-8"))
    assert summary["pes_persons"] == 2
    assert summary["matched"] == {"id": 1} and summary["nonmatched"] == 1
    e_sample = pl.read_parquet(matched / "e_sample.parquet")
    census_only = e_sample.filter(pl.col("status") == "correct").height - 1  # the head matched
    assert summary["followup"] == {"p_nonmatch": 1, "e_unmatched": census_only, "unresolved": 0}

    # Follow-up: the cases go to the survey enumerator of the area, once.
    sent = _cli(demo, "pes", "followup", str(matched), "--operator", "processing", "--json")
    assert json.loads(sent) == {"p_nonmatch": 1, "e_unmatched": census_only}
    again = _cli(demo, "pes", "followup", str(matched), "--operator", "processing", "--json")
    assert json.loads(again) == {"p_nonmatch": 0, "e_unmatched": 0}
    engine = make_engine(demo.settings)
    protector = Protector.open(demo.settings, engine)
    try:
        with transaction(engine) as session, protector.bound(session):
            cases = pes_followup.open_for(session, protector, surveyor_actor)
            assert len(cases) == 1 + census_only
            mine = next(c for c in cases if c.kind == "p_nonmatch")
            assert mine.name_masked.startswith("测") and "测试新" not in mine.name_masked
            census_case = next(c for c in cases if c.kind == "e_unmatched")
            assert census_case.name_masked and "*" in census_case.name_masked
            _refused(
                errors.PES_FOLLOWUP_ANSWER_INVALID,
                pes_followup.answer,
                session,
                surveyor_actor,
                mine.followup_id,
                "maybe",
            )
            _refused(
                errors.FORBIDDEN,
                pes_followup.answer,
                session,
                w_enumerator(demo, session),
                mine.followup_id,
                "resident",
            )
            pes_followup.answer(session, surveyor_actor, mine.followup_id, "resident")
            pes_followup.answer(session, surveyor_actor, census_case.followup_id, "not_resident")
    finally:
        engine.dispose()
    # Open cases leave the matching unresolved: the estimate waits (E2166).
    second = _chain(demo, tmp_path / "second")
    summary = json.loads((second / "match.json").read_text("utf-8"))
    assert summary["followup"]["unresolved"] == census_only - 1
    e_second = pl.read_parquet(second / "e_sample.parquet")
    assert e_second.filter(pl.col("status") == "erroneous").height == (
        e_sample.filter(pl.col("status") == "erroneous").height + 1
    )
    assert pl.read_parquet(second / "p_sample.parquet")["status"].to_list().count("nonmatch") == 1
    refused = CliRunner().invoke(app, ["pes", "estimate", str(second), "--json"])
    assert refused.exit_code == 2 and "E2166" in refused.output


def _cli(demo: Demo, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=demo_env(demo))
    assert result.exit_code == 0, result.output
    return str(result.output).strip().splitlines()[-1]


def _chain(demo: Demo, work: Path) -> Path:
    """extract → quality → pes match of the demo store; the match folder."""
    extract, quality, matched = work / "x", work / "q", work / "m"
    _cli(demo, "extract", "--out", str(extract), "--operator", "processing", "--json")
    _cli(demo, "quality", str(extract), "--out", str(quality))
    _cli(demo, "pes", "match", str(extract), "--quality", str(quality), "--out", str(matched))
    return matched


def w_enumerator(demo: Demo, session: Session) -> Actor:
    """The demo's census enumerator (holds none of the survey's permissions)."""
    login = demo.login(Role.enumerator)
    row = staff_queries.by_username(session, login.username)
    assert row is not None
    return Actor(str(row.id), Role.enumerator, login.areas, frozenset(), True)
