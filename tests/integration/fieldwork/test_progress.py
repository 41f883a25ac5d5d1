"""Progress per area: expected vs registered vs self-reported vs reviewed, with drill-down."""

from __future__ import annotations

import pytest

from headcount.auth.roles import Role
from headcount.errors import HeadcountError
from headcount.fieldwork import progress, review
from headcount.fieldwork.review import DecisionIn
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import (
    AWAY_SA,
    HOME_SA,
    HOME_SA2,
    actor,
    add_areas,
    pre_register,
    register,
)
from tests.integration.helpers import session


def test_counts_roll_up_and_drill_down(census: Census) -> None:
    with session(census) as s:
        add_areas(s)
        home = pre_register(s, census.protector, HOME_SA, 4)
        pre_register(s, census.protector, HOME_SA2, 2, mode="self_report")
        away = pre_register(s, census.protector, AWAY_SA, 3)
        for n, household in enumerate(home[:3]):
            register(s, census.protector, household, 200 + n)
        register(s, census.protector, away[0], 210)
        supervisor = actor(Role.supervisor, HOME_SA[:12])
        review.decide(
            s, census.protector, supervisor, home[0], DecisionIn(action="approve", version=1)
        )
        review.decide(
            s,
            census.protector,
            supervisor,
            home[1],
            DecisionIn(action="reject", version=1, reason_code="incomplete"),
        )
    county = actor(Role.county_office, "110105")
    with session(census) as s:
        out = progress.area_progress(s, county, "110105")
        nation = progress.area_progress(s, actor(Role.national_office), "")
        small = progress.area_progress(s, county, HOME_SA)
        with pytest.raises(HeadcountError) as away_area:
            progress.area_progress(s, county, "310104")
        (mine,) = progress.my_progress(s, county)
    a = out.area
    assert (a.expected_households, a.expected_persons, a.registered) == (6, 18, 3)
    assert (a.awaiting_review, a.approved_first, a.rejected, a.self_reported) == (1, 1, 1, 0)
    assert [c.area_code for c in out.children] == ["110105001"]
    assert [c.level for c in out.children] == ["township"]
    assert nation.area.registered == 4 and [c.area_code for c in nation.children] == ["11", "31"]
    assert small.children == [] and small.area.expected_households == 4
    assert away_area.value.problem.status == 404
    assert mine == out
