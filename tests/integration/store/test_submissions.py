"""Versioned, idempotent submissions (R1, decision 6): retries, conflicts, stale edits."""

from __future__ import annotations

import copy
import random
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from headcount import errors
from headcount.audit.log import Actor, sequence_all
from headcount.errors import HeadcountError
from headcount.store import registration
from headcount.store.models import AuditEntry, FormResponse, Household, Person, PersonIdentity
from headcount.store.queries import areas as area_queries
from headcount.store.queries import households as household_queries
from headcount.store.registration import Submission
from tests.integration.conftest import Census
from tests.integration.helpers import citizen_id_of, name_of, session
from tests.integration.synthetic import CANARY_IDS, CANARY_NAMES, citizen_id, household_record

ENUMERATOR = Actor(id="staff-7f3a", role="enumerator", area="110105001001", request_id="req-1")
AREA = "110105001001"


def _areas(census: Census) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with session(census) as s:
        area_queries.add_census_areas(
            s, [{"code": AREA, "county_code": "110105", "name": "测试", "created_at": now}]
        )
        area_queries.add_small_areas(
            s,
            [
                {
                    "code": AREA,
                    "census_area_code": AREA,
                    "name": "测试",
                    "expected_persons": None,
                    "created_at": now,
                }
            ],
        )


def _record(names: list[str], ids: list[str], number: str = "001") -> dict[str, Any]:
    return household_record(random.Random(3), len(names), names=names, ids=ids, household_no=number)


def _submit(census: Census, submission: Submission) -> registration.SubmitResult:
    with session(census) as s:
        return registration.submit(s, census.protector, ENUMERATOR, submission)


def _count(census: Census, model: Any) -> int:
    with session(census) as s:
        sequence_all(s)
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)


def test_identical_retry_returns_the_stored_result_and_writes_nothing(census: Census) -> None:
    _areas(census)
    first = Submission(
        "H-0001", AREA, _record(list(CANARY_NAMES[:2]), list(CANARY_IDS[:2])), uuid.uuid4()
    )
    created = _submit(census, first)
    before = {m.__name__: _count(census, m) for m in (FormResponse, Person, AuditEntry)}
    again = _submit(census, copy.deepcopy(first))
    assert created.created and not again.created
    assert (again.household_ref, again.version) == (created.household_ref, 1)
    assert {m.__name__: _count(census, m) for m in (FormResponse, Person, AuditEntry)} == before


def test_different_payload_under_the_same_uuid_is_a_409(census: Census) -> None:
    _areas(census)
    token = uuid.uuid4()
    _submit(census, Submission("H-0002", AREA, _record(["甲某"], [CANARY_IDS[0]]), token))
    changed = Submission("H-0002", AREA, _record(["乙某"], [CANARY_IDS[0]]), token)
    with pytest.raises(HeadcountError) as caught:
        _submit(census, changed)
    assert caught.value.problem is errors.SUBMISSION_CONFLICT and caught.value.problem.status == 409
    # Same UUID reused for another household, even with an equal payload, is also a conflict.
    other = Submission("H-9999", AREA, _record(["甲某"], [CANARY_IDS[0]]), token)
    with pytest.raises(HeadcountError, match="E1607"):
        _submit(census, other)


def test_edits_make_versions_and_a_stale_edit_is_refused(census: Census) -> None:
    _areas(census)
    v1 = _submit(
        census, Submission("H-0003", AREA, _record(["丙某"], [CANARY_IDS[2]]), uuid.uuid4())
    )
    edit = Submission(
        "H-0003",
        AREA,
        _record(["丙某", "丁某"], [CANARY_IDS[2], CANARY_IDS[3]]),
        uuid.uuid4(),
        replaces_version=1,
    )
    v2 = _submit(census, edit)
    assert (v1.version, v2.version) == (1, 2) and v2.household_ref == v1.household_ref
    stale = Submission(
        "H-0003", AREA, _record(["戊某"], [CANARY_IDS[4]]), uuid.uuid4(), replaces_version=1
    )
    with pytest.raises(HeadcountError) as caught:
        _submit(census, stale)
    assert caught.value.problem is errors.VERSION_STALE and caught.value.problem.status == 409
    assert caught.value.details == {"household": "H-0003", "current": 2, "given": 1}
    # A second registration of an existing household (no version named) is stale too.
    with pytest.raises(HeadcountError, match="E1606"):
        _submit(
            census, Submission("H-0003", AREA, _record(["己某"], [CANARY_IDS[5]]), uuid.uuid4())
        )
    with session(census) as s:
        household = household_queries.by_household_id(s, "H-0003")
        assert household is not None and household.current_version == 2
        versions = household_queries.versions(s, household.id)
        assert [v.version for v in versions] == [1, 2]
        assert all(v.actor == ENUMERATOR.id for v in versions)
        current = household_queries.persons_of(s, household.id)
        assert [name_of(census.protector, p) for p in current] == ["丙某", "丁某"]
        first = registration.read(s, census.protector, ENUMERATOR, "H-0003", version=1)
        latest = registration.read(s, census.protector, ENUMERATOR, "H-0003")
    assert [p["name"] for p in first["persons"]] == ["丙某"]
    assert [p["citizen_id"] for p in latest["persons"]] == [CANARY_IDS[2], CANARY_IDS[3]]
    assert latest["version"] == 2 and latest["items"]["dwelling_type"] == 1
    with session(census) as s:
        sequence_all(s)
        actions = [
            e.action for e in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars()
        ]
    assert actions[-4:] == [
        "household.submit",
        "household.edit",
        "household.read",
        "household.read",
    ]


def test_double_registration_keeps_both_records_and_one_identity(census: Census) -> None:
    """Raw records may repeat an ID (人户分离 is recorded twice); identities are UNIQUE."""
    _areas(census)
    shared = citizen_id("110105", 1975, 3, 42)
    spaced = f"{shared[:6]} {shared[6:14]} {shared[14:]}"  # as typed on a second form
    _submit(census, Submission("H-0010", AREA, _record(["庚某"], [shared]), uuid.uuid4()))
    _submit(census, Submission("H-0011", AREA, _record(["庚某"], [spaced], "002"), uuid.uuid4()))
    assert _count(census, Person) == 2 and _count(census, PersonIdentity) == 1
    with session(census) as s:
        index = census.protector.citizen_index(shared)
        assert index is not None
        found = household_queries.persons_by_citizen_index(s, index)  # no decryption involved
        assert len(found) == 2 and len({p.identity_id for p in found}) == 1
        assert {citizen_id_of(census.protector, p) for p in found} == {shared, spaced}
        identity = household_queries.identity_by_index(s, index)
        assert identity is not None and identity.id == found[0].identity_id


def test_coded_answers_stay_queryable_in_clear(census: Census) -> None:
    _areas(census)
    _submit(
        census,
        Submission("H-0020", AREA, _record(["辛某", "壬某"], list(CANARY_IDS[6:8])), uuid.uuid4()),
    )
    with session(census) as s:
        sexes = s.execute(select(Person.sex).order_by(Person.person_no)).scalars().all()
        household = s.execute(select(Household)).scalar_one()
    assert sexes == [1, 2] and household.persons_present == 2 and household.household_type == 1


def test_bad_input_is_a_catalogued_problem_and_saves_nothing(census: Census) -> None:
    _areas(census)
    before = _count(census, AuditEntry)
    cases = [
        (
            Submission("H-0030", "999999999999", _record(["癸某"], [CANARY_IDS[0]]), uuid.uuid4()),
            errors.SMALL_AREA_UNKNOWN,
        ),
        (Submission("H-0031", AREA, {"persons": "many"}, uuid.uuid4()), errors.SUBMISSION_INVALID),
        (
            Submission(
                "H-0032",
                AREA,
                {"items": {}, "persons": [{"name": "癸某", "sex": "男"}]},
                uuid.uuid4(),
            ),
            errors.SUBMISSION_INVALID,
        ),
    ]
    for submission, problem in cases:
        with pytest.raises(HeadcountError) as caught:
            _submit(census, submission)
        assert caught.value.problem is problem
        assert "癸某" not in str(caught.value.to_dict())
    assert _count(census, Household) == 0 and _count(census, AuditEntry) == before


def test_a_household_number_is_used_once_per_small_area(census: Census) -> None:
    _areas(census)
    _submit(census, Submission("H-0040", AREA, _record(["甲某"], [CANARY_IDS[0]]), uuid.uuid4()))
    with pytest.raises(HeadcountError) as caught:
        _submit(
            census, Submission("H-0041", AREA, _record(["乙某"], [CANARY_IDS[1]]), uuid.uuid4())
        )
    assert caught.value.problem is errors.HOUSEHOLD_NUMBER_TAKEN


def test_concurrent_identical_submissions_create_exactly_one_household(census: Census) -> None:
    """R1: retries racing each other (threads, own connections) end in one household."""
    from concurrent.futures import ThreadPoolExecutor

    _areas(census)
    submission = Submission(
        "H-0050", AREA, _record(["甲某", "乙某"], list(CANARY_IDS[:2])), uuid.uuid4()
    )

    def attempt(_: int) -> registration.SubmitResult:
        return _submit(census, copy.deepcopy(submission))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(16)))
    assert sum(r.created for r in results) == 1
    assert {(r.household_ref, r.version) for r in results} == {(results[0].household_ref, 1)}
    assert _count(census, Household) == 1 and _count(census, FormResponse) == 1
    assert _count(census, Person) == 2


def test_concurrent_identical_edits_replay_instead_of_reporting_a_stale_version(
    census: Census,
) -> None:
    """An edit retried while its original holds the household's lock: the store looks the UUID
    up again after the wait and answers as a replay (never E1606 to the edit's own retry)."""
    from concurrent.futures import ThreadPoolExecutor

    _areas(census)
    first = _submit(
        census, Submission("H-0070", AREA, _record(["甲某"], [CANARY_IDS[0]]), uuid.uuid4())
    )
    edit = Submission(
        "H-0070",
        AREA,
        _record(["甲某", "乙某"], list(CANARY_IDS[:2])),
        uuid.uuid4(),
        replaces_version=first.version,
    )

    def attempt(_: int) -> registration.SubmitResult:
        return _submit(census, copy.deepcopy(edit))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(16)))
    assert sum(r.created for r in results) == 1
    assert {r.version for r in results} == {2}
    assert _count(census, FormResponse) == 2 and _count(census, Person) == 2


def test_a_rolled_back_first_key_is_never_used_afterwards(census: Census) -> None:
    """The scope's first data key is created inside a transaction that then fails: rows written
    later must still be readable by another process (the key they name must exist)."""
    from headcount.store.protector import Protector
    from headcount.store.session import transaction

    _areas(census)
    with pytest.raises(RuntimeError), transaction(census.engine) as s:
        registration.submit(
            s,
            census.protector,
            ENUMERATOR,
            Submission("H-0060", AREA, _record(["甲某"], [CANARY_IDS[0]]), uuid.uuid4()),
        )
        raise RuntimeError("the request fails after the household was prepared")
    _submit(
        census, Submission("H-0061", AREA, _record(["乙某"], [CANARY_IDS[1]], "002"), uuid.uuid4())
    )
    other_process = Protector.open(census.settings, census.engine)
    with session(census) as s:
        (person,) = s.execute(select(Person)).scalars().all()
        assert name_of(other_process, person) == "乙某"
