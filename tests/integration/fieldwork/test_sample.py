"""The long-form draw: national only, seeded and reproducible, audited, immutable, with tasks."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from headcount import errors
from headcount.audit.log import sequence_all
from headcount.auth.roles import Role
from headcount.errors import HeadcountError
from headcount.fieldwork import long_form, registration, review, tasks
from headcount.fieldwork.long_form import DrawIn
from headcount.fieldwork.registration import SubmissionIn
from headcount.fieldwork.review import DecisionIn
from headcount.store.models import AuditEntry
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import (
    AWAY_SA,
    HOME_SA,
    HOME_SA2,
    REGISTRATION_DAY,
    actor,
    add_areas,
    pre_register,
    record,
    register,
)
from tests.integration.helpers import session

NATIONAL = actor(Role.national_office)


@pytest.fixture
def registered(census: Census) -> list[str]:
    ids: list[str] = []
    with session(census) as s:
        add_areas(s)
        for area in (HOME_SA, HOME_SA2, AWAY_SA):
            for n, household in enumerate(pre_register(s, census.protector, area, 12)):
                register(s, census.protector, household, 100 + n + len(ids))
                ids.append(household)
    return ids


def test_draw_is_reproducible_audited_and_creates_long_form_tasks(
    census: Census, registered: list[str]
) -> None:
    with session(census) as s:
        with pytest.raises(HeadcountError) as county:
            long_form.draw(s, actor(Role.county_office, "110105"), DrawIn(seed=7))
        assert county.value.problem is errors.FORBIDDEN
        sample = long_form.draw(s, NATIONAL, DrawIn(seed=7), clock=REGISTRATION_DAY)
    assert sample.eligible == 36 and 2 <= sample.selected <= 6  # 10 % per census area
    with session(census) as s:
        with pytest.raises(HeadcountError) as again:
            long_form.draw(s, NATIONAL, DrawIn(seed=8))
        assert again.value.problem is errors.SAMPLE_EXISTS
        redrawn = long_form.draw(s, NATIONAL, DrawIn(seed=7, redraw=True))
        assert redrawn.digest == sample.digest and redrawn.sample_id != sample.sample_id
        sequence_all(s)
        audit = s.execute(
            select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.action.like("sample.%"))
        ).all()
        assert [a for a, _ in audit] == ["sample.draw", "sample.redraw"]
        assert sample.digest in audit[0][1] and '"seed":7' in audit[0][1].replace(" ", "")
        page = long_form.households(s, NATIONAL, redrawn.sample_id, HOME_SA[:12])
        chosen = [h.household_id for h in page.items]
        assert chosen and all(h.weight > 1 for h in page.items)
        enumerator = actor(Role.enumerator, HOME_SA)
        open_long = [t for t in tasks.list_open(s, enumerator).items if t.kind == "long_form"]
        assert {t.household_id for t in open_long} <= set(chosen)
        with pytest.raises(HeadcountError) as swap:
            long_form.substitute(s, NATIONAL, redrawn.sample_id)
        assert swap.value.problem is errors.SAMPLE_IMMUTABLE
        with pytest.raises(HeadcountError) as away:
            long_form.households(
                s, actor(Role.county_office, "310104"), redrawn.sample_id, HOME_SA[:12]
            )
        assert away.value.problem.status == 404


def test_long_form_only_for_sampled_households_and_it_freezes_the_sample(
    census: Census, registered: list[str]
) -> None:
    with session(census) as s:
        sample = long_form.draw(s, NATIONAL, DrawIn(seed=3))
        chosen = long_form.households(s, NATIONAL, sample.sample_id, HOME_SA[:12]).items
    picked = chosen[0].household_id
    other = next(
        h
        for h in registered
        if h.startswith(HOME_SA[:12]) and h not in {c.household_id for c in chosen}
    )
    long_record = record(500, form="long")
    with session(census) as s, pytest.raises(HeadcountError) as not_sampled:
        registration.submit(
            s,
            census.protector,
            actor(Role.enumerator, other.split("-")[0]),
            other,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=long_record, replaces_version=1),
        )
    assert not_sampled.value.problem is errors.LONG_FORM_NOT_SAMPLED
    with session(census) as s:
        out = registration.submit(
            s,
            census.protector,
            actor(Role.enumerator, picked.split("-")[0]),
            picked,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=long_record, replaces_version=1),
        )
        assert out.version == 2
    with session(census) as s, pytest.raises(HeadcountError) as frozen:
        long_form.draw(s, NATIONAL, DrawIn(seed=4, redraw=True))
    assert frozen.value.problem is errors.SAMPLE_EXISTS


def _approve(census: Census, household_id: str, version: int) -> None:
    with session(census) as s:
        for level in (actor(Role.supervisor, HOME_SA[:12]), actor(Role.county_office, "110105")):
            review.decide(
                s,
                census.protector,
                level,
                household_id,
                DecisionIn(action="approve", version=version),
            )


def test_an_approved_household_still_takes_its_long_form_once(
    census: Census, registered: list[str]
) -> None:
    """The draw often comes after approval: the sampled long form is accepted (and goes to
    review again); once it is in and approved, the household is closed as before."""
    with session(census) as s:
        sample = long_form.draw(s, NATIONAL, DrawIn(seed=5))
        picked = long_form.households(s, NATIONAL, sample.sample_id, HOME_SA[:12]).items[0]
    household = picked.household_id
    _approve(census, household, 1)
    enumerator = actor(Role.enumerator, household.split("-")[0])

    def long_version(replaces: int) -> registration.SubmissionOut:
        with session(census) as s:
            return registration.submit(
                s,
                census.protector,
                enumerator,
                household,
                SubmissionIn(
                    submission_uuid=uuid.uuid4(),
                    record=record(600 + replaces, form="long"),
                    replaces_version=replaces,
                ),
            )

    out = long_version(1)
    assert (out.version, out.status) == (2, "submitted")
    _approve(census, household, 2)
    with pytest.raises(HeadcountError) as closed:
        long_version(2)
    assert closed.value.problem is errors.REGISTRATION_CLOSED
