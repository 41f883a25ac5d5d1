"""Pre-registration and registration services, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import uuid

import pytest
from sqlalchemy import func, select

from headcount import errors
from headcount.audit.log import sequence_all
from headcount.auth.roles import Permission, Role
from headcount.errors import HeadcountError
from headcount.fieldwork import households, pre_registration, registration, tasks
from headcount.fieldwork.pre_registration import EntryIn
from headcount.fieldwork.registration import SubmissionIn
from headcount.store.models import AuditEntry, Household
from headcount.store.models_fieldwork import RegisterEntry
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import (
    AWAY_SA,
    CANVASS_DAY,
    HOME_SA,
    REGISTRATION_DAY,
    actor,
    add_areas,
    pre_register,
    record,
    register,
)
from tests.integration.helpers import session


@pytest.fixture
def world(census: Census) -> Census:
    with session(census) as s:
        add_areas(s)
    return census


def test_register_numbers_are_assigned_in_order_and_later_finds_take_max_plus_one(
    world: Census,
) -> None:
    enumerator = actor(Role.enumerator, HOME_SA)
    with session(world) as s:
        first = pre_registration.add_entries(
            s,
            world.protector,
            enumerator,
            HOME_SA,
            [EntryIn(head_name="张三丰"), EntryIn(head_name="李四", mode="self_report")],
            clock=CANVASS_DAY,
        )
        died = pre_registration.add_entries(
            s,
            world.protector,
            enumerator,
            HOME_SA,
            [EntryIn(head_name="王五", all_died=True)],
            clock=CANVASS_DAY,
        )
    assert [e.household_no for e in first] == ["001", "002"]
    assert [e.found_later for e in first] == [False, False]
    assert died[0].household_no == "999" and died[0].expected_persons == 0
    assert first[0].head_name == "张**"  # masked: the enumerator has no pi.view_full
    with session(world) as s:
        later = pre_registration.add_entries(
            s,
            world.protector,
            enumerator,
            HOME_SA,
            [EntryIn(head_name="赵六")],
            clock=REGISTRATION_DAY,
        )
        assert later[0].household_no == "003" and later[0].found_later
        with pytest.raises(HeadcountError) as again:
            pre_registration.add_entries(
                s, world.protector, enumerator, HOME_SA, [EntryIn(head_name="某", all_died=True)]
            )
        assert again.value.problem is errors.ALL_DIED_EXISTS
        stored = s.execute(select(RegisterEntry.head_name_enc)).scalars().all()
        assert all("张三丰".encode() not in bytes(blob) for blob in stored)
        # Only enumerator-mode lines become register tasks; self-report ones wait for 11-05.
        page = tasks.list_open(s, enumerator)
        assert sorted(t.household_id for t in page.items) == [
            f"{HOME_SA}-001",
            f"{HOME_SA}-003",
            f"{HOME_SA}-999",
        ]


def test_the_person_cap_and_the_area_scope_hold(world: Census) -> None:
    enumerator = actor(Role.enumerator, HOME_SA)
    with session(world) as s:
        with pytest.raises(HeadcountError) as cap:
            pre_registration.add_entries(
                s,
                world.protector,
                enumerator,
                HOME_SA,
                [EntryIn(head_name=f"户{i}", expected_persons=700) for i in range(3)],
            )
        assert cap.value.problem is errors.SMALL_AREA_CAP
        with pytest.raises(HeadcountError) as away:
            pre_registration.add_entries(
                s, world.protector, enumerator, AWAY_SA, [EntryIn(head_name="某")]
            )
        assert away.value.problem.status == 404
        supervisor = actor(Role.supervisor, HOME_SA[:12])
        with pytest.raises(HeadcountError) as denied:
            pre_registration.add_entries(
                s, world.protector, supervisor, HOME_SA, [EntryIn(head_name="某")]
            )
        assert denied.value.problem is errors.FORBIDDEN


def test_registration_checks_register_edits_and_scope(world: Census) -> None:
    with session(world) as s:
        (home,) = pre_register(s, world.protector, HOME_SA, 1)
        (away,) = pre_register(s, world.protector, AWAY_SA, 1)
    enumerator = actor(Role.enumerator, HOME_SA)
    with session(world) as s:
        with pytest.raises(HeadcountError) as outside:
            registration.submit(
                s,
                world.protector,
                enumerator,
                away,
                SubmissionIn(submission_uuid=uuid.uuid4(), record=record(1)),
            )
        assert outside.value.problem is errors.REGISTER_NOT_FOUND
        wrong_no = {**record(1), "household_no": "007"}
        with pytest.raises(HeadcountError) as number:
            registration.submit(
                s,
                world.protector,
                enumerator,
                home,
                SubmissionIn(submission_uuid=uuid.uuid4(), record=wrong_no),
            )
        assert number.value.problem is errors.HOUSEHOLD_NO_MISMATCH
        bad = copy.deepcopy(record(2))
        bad["persons"][0]["relationship"] = 2  # no head: a hard edit
        bad["persons"][0]["name"] = "金丝雀不应出现"
        with pytest.raises(HeadcountError) as hard:
            registration.submit(
                s,
                world.protector,
                enumerator,
                home,
                SubmissionIn(submission_uuid=uuid.uuid4(), record=bad),
            )
        assert hard.value.problem is errors.SUBMISSION_FINDINGS
        assert hard.value.details["hard"] >= 1
        assert all(
            f["severity"] == "hard" or not f["confirmed"] for f in hard.value.details["findings"]
        )
        assert "金丝雀不应出现" not in str(hard.value.to_dict())
    with session(world) as s:
        done = register(s, world.protector, home, 3)
        assert (done.version, done.created, done.status) == (1, True, "submitted")
        assert s.execute(select(func.count()).select_from(Household)).scalar() == 1
        assert tasks.list_open(s, enumerator).items == []  # the register task closed


def test_unconfirmed_soft_findings_reject_until_confirmed(world: Census) -> None:
    with session(world) as s:
        (home,) = pre_register(s, world.protector, HOME_SA, 1)
    enumerator = actor(Role.enumerator, HOME_SA)
    soft = copy.deepcopy(record(4))
    soft["items"]["births"]["male"] += 1  # a newborn who left the household: soft H3 edit
    with session(world) as s, pytest.raises(HeadcountError) as unconfirmed:
        registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=soft),
        )
    details = unconfirmed.value.details
    assert (details["hard"], details["soft"]) == (0, 1)
    assert details["findings"][0]["confirmation"] == "H3_BIRTHS_MALE"
    soft["confirmed"] = ["H3_BIRTHS_MALE"]
    with session(world) as s:
        out = registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=soft),
        )
    assert out.created and out.version == 1


def test_retry_is_idempotent_conflict_and_stale_edit_are_409(world: Census) -> None:
    with session(world) as s:
        (home,) = pre_register(s, world.protector, HOME_SA, 1)
    enumerator = actor(Role.enumerator, HOME_SA)
    key = uuid.uuid4()
    first = SubmissionIn(submission_uuid=key, record=record(5))
    with session(world) as s:
        a = registration.submit(s, world.protector, enumerator, home, first, clock=REGISTRATION_DAY)
    with session(world) as s:
        b = registration.submit(s, world.protector, enumerator, home, first, clock=REGISTRATION_DAY)
    assert (a.version, a.created, b.version, b.created) == (1, True, 1, False)
    with session(world) as s, pytest.raises(HeadcountError) as conflict:
        registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=key, record=record(6)),
        )
    assert conflict.value.problem is errors.SUBMISSION_CONFLICT
    with session(world) as s:
        edit = registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=record(6), replaces_version=1),
        )
    assert edit.version == 2
    with session(world) as s, pytest.raises(HeadcountError) as stale:
        registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=record(7), replaces_version=1),
        )
    assert stale.value.problem is errors.VERSION_STALE


def test_reading_a_household_masks_unless_full_view_and_audits_it(world: Census) -> None:
    with session(world) as s:
        (home,) = pre_register(s, world.protector, HOME_SA, 1)
        register(s, world.protector, home, 8)
    original = record(8)
    head_name = original["persons"][0]["name"]
    head_id = original["persons"][0]["citizen_id"]
    supervisor = actor(Role.supervisor, HOME_SA[:12])
    full = actor(Role.county_office, HOME_SA[:6], extra=frozenset({Permission.pi_view_full}))
    with session(world) as s:
        masked = households.read(s, world.protector, supervisor, home)
        clear = households.read(s, world.protector, full, home)
        with pytest.raises(HeadcountError) as away:
            households.read(s, world.protector, actor(Role.supervisor, "310104001001"), home)
        sequence_all(s)
        actions = s.execute(select(AuditEntry.action)).scalars().all()
    assert masked.masked and masked.persons[0].name != head_name
    if head_id:
        assert masked.persons[0].citizen_id != head_id
        assert masked.persons[0].citizen_id[:6] == head_id[:6]  # pi.view_area keeps the county
        assert clear.persons[0].citizen_id == head_id
    assert clear.persons[0].name == head_name and not clear.masked
    assert away.value.problem.status == 404
    assert actions.count("household.read") == 2 and actions.count("household.read_full") == 1


def test_death_forms_and_the_provisional_hmtf_form(world: Census) -> None:
    with session(world) as s:
        home, foreign = pre_register(s, world.protector, HOME_SA, 2)
    enumerator = actor(Role.enumerator, HOME_SA)
    with_death = next(r for r in (record(n) for n in range(300)) if r["deaths"])
    missing_form = copy.deepcopy(with_death)
    missing_form["deaths"] = []
    with session(world) as s, pytest.raises(HeadcountError) as no_form:
        registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=missing_form),
        )
    assert "H4_DEATH_FORMS" in {f["rule"] for f in no_form.value.details["findings"]}
    with session(world) as s:
        out = registration.submit(
            s,
            world.protector,
            enumerator,
            home,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=with_death),
        )
    assert out.created
    hmtf = record(5, form="hmtf")
    with session(world) as s, pytest.raises(HeadcountError) as flagged:
        registration.submit(
            s,
            world.protector,
            enumerator,
            foreign,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=hmtf),
        )
    assert flagged.value.code == "E1212"
    with session(world) as s:
        out = registration.submit(
            s,
            world.protector,
            enumerator,
            foreign,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=hmtf),
            allow_provisional=True,
        )
    assert out.created


def test_the_all_died_household_999_registers_with_its_death_forms(world: Census) -> None:
    enumerator = actor(Role.enumerator, HOME_SA)
    with session(world) as s:
        (died,) = pre_registration.add_entries(
            s,
            world.protector,
            enumerator,
            HOME_SA,
            [EntryIn(head_name="某", all_died=True)],
            clock=CANVASS_DAY,
        )
    deaths = next(r for r in (record(n) for n in range(300)) if r["deaths"])["deaths"]
    males = sum(1 for d in deaths if d["sex"] == 1)
    only_h4 = {
        "form": "short",
        "items": {"deaths": {"male": males, "female": len(deaths) - males}},
        "persons": [],
        "deaths": deaths,
    }
    with session(world) as s:
        out = registration.submit(
            s,
            world.protector,
            enumerator,
            died.household_id,
            SubmissionIn(submission_uuid=uuid.uuid4(), record=only_h4),
        )
        stored = households.read(s, world.protector, enumerator, died.household_id)
    assert out.created and stored.household_no == "999" and len(stored.deaths) == len(deaths)
    assert all(d["name"] != deaths[i]["name"] for i, d in enumerate(stored.deaths) if d["name"])
