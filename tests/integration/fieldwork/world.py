"""A small census in two counties for the fieldwork tests: areas, actors and valid households.

County "home" (110105, Beijing) is where the test actors work; county "away" (310104, Shanghai)
holds the objects every authorization test must fail to reach. Households come from the
questionnaire tests' generator (synthetic placeholder names, IDs built from public area codes).
"""

from __future__ import annotations

import copy
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CST, FixedClock
from headcount.fieldwork import pre_registration, registration
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.loader import reference_forms
from headcount.store.protector import Protector
from headcount.store.queries import areas as area_queries
from tests.unit.questionnaire.factories import clean_household

HOME_COUNTY, AWAY_COUNTY = "110105", "310104"
HOME_CA, AWAY_CA = f"{HOME_COUNTY}001001", f"{AWAY_COUNTY}001001"
HOME_SA, HOME_SA2, AWAY_SA = f"{HOME_CA}001", f"{HOME_CA}002", f"{AWAY_CA}001"
# During short-form registration; the canvass has closed.
REGISTRATION_DAY = FixedClock(datetime(2020, 11, 3, 10, 0, tzinfo=CST))
CANVASS_DAY = FixedClock(datetime(2020, 10, 20, 10, 0, tzinfo=CST))


def actor(role: Role, *areas: str, extra: frozenset[Permission] = frozenset()) -> Actor:
    return Actor(f"staff-{role.value}", role, tuple(areas), extra, pledge_accepted=True)


def actors_for(county: str) -> dict[Role, Actor]:
    """One actor per role, working in ``county``'s first census area."""
    census_area = f"{county}001001"
    return {
        Role.national_office: actor(Role.national_office),
        Role.provincial_office: actor(Role.provincial_office, county[:2]),
        Role.prefecture_office: actor(Role.prefecture_office, county[:4]),
        Role.county_office: actor(Role.county_office, county),
        Role.supervisor: actor(Role.supervisor, census_area),
        Role.enumerator: actor(Role.enumerator, f"{census_area}001"),
        Role.pes_enumerator: actor(Role.pes_enumerator, f"{census_area}001"),
        Role.auditor: actor(Role.auditor),
        Role.system_admin: actor(Role.system_admin),
    }


def add_areas(session: Session) -> None:
    now = datetime.now(UTC)
    area_queries.add_census_areas(
        session,
        [
            {"code": code, "county_code": code[:6], "name": "测试普查区", "created_at": now}
            for code in (HOME_CA, AWAY_CA)
        ],
    )
    area_queries.add_small_areas(
        session,
        [
            {
                "code": code,
                "census_area_code": code[:12],
                "name": "测试小区",
                "expected_persons": None,
                "created_at": now,
            }
            for code in (HOME_SA, HOME_SA2, AWAY_SA)
        ],
    )


def record(seed: int, *, form: str = "short") -> dict[str, Any]:
    """A household that passes every edit (soft findings confirmed, as an enumerator would)."""
    rng = random.Random(seed)
    household = clean_household(rng, reference_forms()[form], seed)
    result = validate_household(household, allow_provisional=True)
    household["confirmed"] = [f.target for f in result.unconfirmed]
    household.pop("household_id", None)
    household.pop("household_no", None)
    return household


@dataclass
class Registered:
    household_ids: list[str] = field(default_factory=list)


def pre_register(
    session: Session, protector: Protector, small_area: str, n: int, *, mode: str = "enumerator"
) -> list[str]:
    enumerator = actor(Role.enumerator, small_area)
    entries = [
        pre_registration.EntryIn(head_name=f"户主{i}", mode=mode, expected_persons=3)
        for i in range(n)
    ]
    out = pre_registration.add_entries(
        session, protector, enumerator, small_area, entries, clock=CANVASS_DAY
    )
    return [e.household_id for e in out]


def register(
    session: Session, protector: Protector, household_id: str, seed: int, **kw: Any
) -> registration.SubmissionOut:
    small_area = household_id.split("-")[0]
    enumerator = actor(Role.enumerator, small_area)
    submission = registration.SubmissionIn(
        submission_uuid=uuid.uuid4(), record=copy.deepcopy(record(seed)), **kw
    )
    return registration.submit(
        session, protector, enumerator, household_id, submission, clock=REGISTRATION_DAY
    )
