"""The registration mode: switching moves the visit on or off the task list; after self-report
closes, unfinished self-report households become enumerator follow-ups; progress counts them."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from headcount import errors
from headcount.auth.roles import Role
from headcount.calendar import CST, FixedClock
from headcount.errors import HeadcountError
from headcount.fieldwork import pre_registration, progress, registration, tasks
from headcount.fieldwork.registration import SubmissionIn
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import (
    CANVASS_DAY,
    HOME_SA,
    actor,
    add_areas,
    pre_register,
    record,
)
from tests.integration.helpers import session

ENUMERATOR = actor(Role.enumerator, HOME_SA)
AFTER_SELF_REPORT = FixedClock(datetime(2020, 11, 7, 9, 0, tzinfo=CST))


def _open(census: Census) -> list[tuple[str, str]]:
    with session(census) as s:
        return sorted((t.kind, t.household_id) for t in tasks.list_open(s, ENUMERATOR).items)


def test_mode_switches_and_follow_ups(census: Census) -> None:
    with session(census) as s:
        add_areas(s)
        first, second, third = pre_register(s, census.protector, HOME_SA, 3)
    with session(census) as s:
        out = pre_registration.set_mode(
            s, census.protector, ENUMERATOR, first, "self_report", clock=CANVASS_DAY
        )
        pre_registration.set_mode(
            s, census.protector, ENUMERATOR, second, "self_report", clock=CANVASS_DAY
        )
    assert out.mode == "self_report"
    assert _open(census) == [("register", third)]
    with session(census) as s:
        pre_registration.set_mode(
            s, census.protector, ENUMERATOR, second, "enumerator", clock=CANVASS_DAY
        )
        # The household answered online before the window closed.
        registration.submit(
            s,
            census.protector,
            ENUMERATOR,
            first,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=record(31)),
            channel="self_report",
            clock=CANVASS_DAY,
        )
    assert _open(census) == [("register", second), ("register", third)]
    with session(census) as s, pytest.raises(HeadcountError) as registered:
        pre_registration.set_mode(
            s, census.protector, ENUMERATOR, first, "enumerator", clock=CANVASS_DAY
        )
    assert registered.value.problem is errors.MODE_AFTER_REGISTRATION
    county = actor(Role.county_office, HOME_SA[:6])
    with session(census) as s:
        with pytest.raises(HeadcountError) as early:
            tasks.open_follow_ups(s, county, clock=CANVASS_DAY)
        assert early.value.problem is errors.REVIEW_NOT_ALLOWED
        with pytest.raises(HeadcountError) as closed:
            pre_registration.set_mode(
                s, census.protector, ENUMERATOR, third, "self_report", clock=AFTER_SELF_REPORT
            )
        assert closed.value.problem is errors.REVIEW_NOT_ALLOWED
    with session(census) as s:
        pre_register(s, census.protector, HOME_SA, 1, mode="self_report")
    late = f"{HOME_SA}-004"
    with session(census) as s:
        assert tasks.open_follow_ups(s, county, clock=AFTER_SELF_REPORT) == 1
        assert tasks.open_follow_ups(s, county, clock=AFTER_SELF_REPORT) == 0
    assert ("follow_up", late) in _open(census)
    with session(census) as s:
        counts = progress.area_progress(s, county, HOME_SA[:6]).area
    assert (counts.expected_households, counts.registered, counts.self_reported) == (4, 1, 1)
