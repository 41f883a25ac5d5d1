"""Two-level review: approve, reject with a reason back to the task list, re-submit, approve."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from headcount import errors
from headcount.auth.roles import Role
from headcount.errors import HeadcountError
from headcount.fieldwork import registration, review, tasks
from headcount.fieldwork.registration import SubmissionIn
from headcount.fieldwork.review import DecisionIn
from headcount.store.models_fieldwork import FieldTask
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import (
    HOME_SA,
    actor,
    add_areas,
    pre_register,
    record,
    register,
)
from tests.integration.helpers import session

SUPERVISOR = actor(Role.supervisor, HOME_SA[:12])
COUNTY = actor(Role.county_office, HOME_SA[:6])
ENUMERATOR = actor(Role.enumerator, HOME_SA)


@pytest.fixture
def household(census: Census) -> str:
    with session(census) as s:
        add_areas(s)
        (home,) = pre_register(s, census.protector, HOME_SA, 1)
        register(s, census.protector, home, 11)
    return home


def test_reject_goes_back_to_the_enumerator_and_resubmission_returns_to_review(
    census: Census, household: str
) -> None:
    with session(census) as s:
        assert [r.household_id for r in review.pending(s, SUPERVISOR).items] == [household]
        with pytest.raises(HeadcountError) as no_reason:
            review.decide(
                s, census.protector, SUPERVISOR, household, DecisionIn(action="reject", version=1)
            )
        assert no_reason.value.problem is errors.REJECTION_REASON_REQUIRED
        out = review.decide(
            s,
            census.protector,
            SUPERVISOR,
            household,
            DecisionIn(
                action="reject", version=1, reason_code="missing_person", comment="漏登了一位老人"
            ),
        )
        assert out.status == "rejected"
    with session(census) as s:
        (fix,) = tasks.list_open(s, ENUMERATOR).items
        assert (fix.kind, fix.reason_code) == ("fix", "missing_person")
        detail = tasks.get(s, census.protector, ENUMERATOR, fix.task_id)
        assert detail.comment == "漏登了一位老人"
        stored = s.execute(select(FieldTask.comment_enc)).scalars().all()
        assert all("老人".encode() not in bytes(b) for b in stored if b)
    with session(census) as s:
        again = registration.submit(
            s,
            census.protector,
            ENUMERATOR,
            household,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=record(12), replaces_version=1),
        )
        assert (again.version, again.status) == (2, "submitted")
        assert tasks.list_open(s, ENUMERATOR).items == []
    with session(census) as s:
        with pytest.raises(HeadcountError) as stale:
            review.decide(
                s, census.protector, SUPERVISOR, household, DecisionIn(action="approve", version=1)
            )
        assert stale.value.problem is errors.VERSION_STALE
        first = review.decide(
            s, census.protector, SUPERVISOR, household, DecisionIn(action="approve", version=2)
        )
        assert first.status == "approved_first"
        with pytest.raises(HeadcountError) as twice:
            review.decide(
                s, census.protector, SUPERVISOR, household, DecisionIn(action="approve", version=2)
            )
        assert twice.value.problem is errors.REVIEW_NOT_ALLOWED
        assert [r.household_id for r in review.pending(s, COUNTY).items] == [household]
        final = review.decide(
            s, census.protector, COUNTY, household, DecisionIn(action="approve", version=2)
        )
        assert final.status == "approved"
    with session(census) as s, pytest.raises(HeadcountError) as closed:
        registration.submit(
            s,
            census.protector,
            ENUMERATOR,
            household,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=record(13), replaces_version=2),
        )
    assert closed.value.problem is errors.REGISTRATION_CLOSED


def test_reviewers_outside_the_area_and_enumerators_cannot_decide(
    census: Census, household: str
) -> None:
    decision = DecisionIn(action="approve", version=1)
    with session(census) as s:
        with pytest.raises(HeadcountError) as away:
            review.decide(
                s, census.protector, actor(Role.supervisor, "310104001001"), household, decision
            )
        assert away.value.problem.status == 404
        with pytest.raises(HeadcountError) as enumerator:
            review.decide(s, census.protector, ENUMERATOR, household, decision)
        assert enumerator.value.problem is errors.FORBIDDEN
        with pytest.raises(HeadcountError) as county_first:
            review.decide(s, census.protector, COUNTY, household, decision)
        assert county_first.value.problem is errors.REVIEW_NOT_ALLOWED
