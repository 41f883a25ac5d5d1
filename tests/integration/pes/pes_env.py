"""A demo census ready for its post-enumeration survey: the sample drawn and a survey enumerator
who can sign in (known password, pledge signed), as a county office would set it up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CENSUS_2020, FixedClock
from headcount.demo import Demo, demo_password, ready_to_sign_in
from headcount.fieldwork import pes_followup, pes_sample, staff
from headcount.fieldwork.scope import audit_actor
from headcount.pes import followup
from headcount.store.protector import Protector
from headcount.store.queries import pes as pes_queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, transaction

DURING_COUNT = FixedClock(CENSUS_2020.short_form.closes - timedelta(hours=1))
IN_SURVEY = FixedClock(CENSUS_2020.pes.opens + timedelta(days=2))


@dataclass(frozen=True)
class SurveyLogin:
    username: str
    password: str
    staff_id: str
    area: str  # the sampled small area granted
    sampled: tuple[str, ...]


def _actor(session: object, demo: Demo, role: Role) -> Actor:
    login = demo.login(role)
    row = staff_queries.by_username(session, login.username)  # type: ignore[arg-type]
    assert row is not None
    return Actor(str(row.id), role, login.areas, frozenset(), True)


def survey_enumerator(
    demo: Demo,
    *,
    username: str = "pes.survey",
    name: str = "钱婉清",
    prefer: tuple[str, ...] = (),
) -> SurveyLogin:
    """Draw the PES sample (2 areas, seed 5) unless drawn, and create a survey enumerator who
    can sign in, of the first sampled area among ``prefer`` (else the first sampled area)."""
    engine = make_engine(demo.settings)
    protector = Protector.open(demo.settings, engine)
    try:
        with transaction(engine) as session, protector.bound(session):
            national = _actor(session, demo, Role.national_office)
            if pes_queries.current(session, CENSUS_2020.wave) is None:
                pes_sample.draw(
                    session, national, pes_sample.DrawIn(areas=2, seed=5), clock=DURING_COUNT
                )
            sampled = tuple(a.small_area_code for a in pes_sample.sampled_areas(session, national))
            area = next((a for a in sampled if a in prefer), sampled[0])
            county = _actor(session, demo, Role.county_office)
            made = staff.create(
                session,
                county,
                protector,
                audit_actor(county),
                IN_SURVEY.now(),
                CENSUS_2020.wave,
                staff.StaffCreate(
                    username=username,
                    role=Role.pes_enumerator,
                    areas=[area],
                    display_name=name,
                ),
            )
            ready_to_sign_in(
                session, demo.settings, uuid.UUID(made.staff_id), username, datetime.now(UTC)
            )
    finally:
        engine.dispose()
    return SurveyLogin(username, demo_password(username), made.staff_id, area, sampled)


def send_followups(demo: Demo, cases: list[tuple[str, str, int, str]]) -> dict[str, int]:
    """Send follow-up cases (kind, household id, person number, small area) as the processing
    centre would after a matching (``headcount pes followup``)."""
    engine = make_engine(demo.settings)
    try:
        with transaction(engine) as session:
            login = demo.login(Role.national_office)
            row = staff_queries.by_username(session, "processing") or staff_queries.by_username(
                session, login.username
            )
            assert row is not None
            grant = frozenset({Permission.processing_extract})
            centre = Actor(str(row.id), Role.national_office, (), grant, True)
            frame = pl.DataFrame(cases, schema=followup.SCHEMA, orient="row")
            return pes_followup.send(session, centre, frame, run="test")
    finally:
        engine.dispose()
