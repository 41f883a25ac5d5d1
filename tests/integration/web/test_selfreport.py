"""Self-report over HTTP on both databases: cards, sign-in and lockout, drafts, findings, pledge,
the window, confirmation, hand-over at the close, and rejection becoming a task."""

from __future__ import annotations

import copy
import random
import re
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from headcount.auth.roles import Role
from headcount.calendar import CENSUS_2020, CST, FixedClock
from headcount.fieldwork import review
from headcount.fieldwork.review import DecisionIn
from headcount.questionnaire.loader import get_form
from headcount.store.models_fieldwork import FieldTask
from headcount.store.models_selfreport import SelfReport
from headcount.store.session import read_transaction, transaction
from headcount.web.jobs import self_report_close
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import actor
from tests.integration.helpers import raw_engine
from tests.integration.web.test_auth_support import (
    HOME_SA,
    Seeded,
    add_areas,
    add_staff,
    app_for,
    client_for,
    error_code,
    sign_in,
)
from tests.unit.questionnaire.factories import clean_household

BEFORE_REFERENCE = datetime(2020, 10, 25, 10, 0, tzinfo=CST)
AFTER_REFERENCE = datetime(2020, 11, 2, 10, 0, tzinfo=CST)
AFTER_CLOSE = datetime(2020, 11, 6, 0, 0, tzinfo=CST)
HEAD = "测试户主甲"
_ENUMERATOR: dict[int, Seeded] = {}


def _move(clock: FixedClock, at: datetime, staff: TestClient) -> None:
    """Move the clock; the enumerator signs in again (days later the staff session is over)."""
    clock.set(at)
    sign_in(staff, _ENUMERATOR[id(staff)], clock)


def _household(number: int = 7) -> dict[str, Any]:
    record = clean_household(random.Random(number), get_form("short"), number)
    record.pop("household_id", None)
    record.pop("household_no", None)
    record["deaths"] = []
    record["items"]["deaths"] = {"male": 0, "female": 0}
    return record


def _setup(census: Census, clock: FixedClock, client: TestClient, n: int = 1) -> list[str]:
    """An enumerator of HOME_SA, signed in, with ``n`` self-report households on the register."""
    add_areas(census)
    enumerator = add_staff(census, "enum.self", Role.enumerator, (HOME_SA,), totp=False)
    sign_in(client, enumerator, clock)
    _ENUMERATOR[id(client)] = enumerator
    entries = [{"head_name": HEAD, "mode": "self_report", "expected_persons": 3} for _ in range(n)]
    response = client.post(
        f"/api/enumerator/small-areas/{HOME_SA}/register", json={"entries": entries}
    )
    assert response.status_code == 201, response.text
    return [e["household_id"] for e in response.json()]


def _card(client: TestClient, household_id: str) -> dict[str, Any]:
    response = client.post(f"/api/enumerator/self-report/households/{household_id}/card")
    assert response.status_code == 201, response.text
    card: dict[str, Any] = response.json()
    return card


def _household_client(census: Census, clock: FixedClock, card: dict[str, Any]) -> TestClient:
    client = client_for(app_for(census, clock))
    client.__enter__()
    _login(client, card)
    return client


def _login(client: TestClient, card: dict[str, Any]) -> None:
    """Sign the household in (again: a household session lasts two hours)."""
    response = client.post(
        "/api/self-report/login",
        json={"account": card["account"].lower(), "password": card["password"]},
    )
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['token']}"


def test_card_draft_submit_and_confirmation(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
        assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", card["account"])
        assert card["account"] in card["login_url"] and card["password"] not in card["login_url"]
        assert card["qr_svg"].lstrip().startswith("<?xml") or "<svg" in card["qr_svg"]
        home = _household_client(census, clock, card)
        try:
            partial = {"form": "short", "items": {"household_type": 1}, "persons": []}
            saved = home.put("/api/self-report/household", json={"record": partial})
            assert saved.status_code == 200, saved.text
            assert saved.json()["state"] == "draft" and saved.json()["findings"]
            no_pledge = home.post("/api/self-report/submit", json={"declarant": "", "pledge": True})
            assert no_pledge.status_code == 422 and error_code(no_pledge) == "E2084"
            blocked = home.post("/api/self-report/submit", json={"declarant": HEAD, "pledge": True})
            assert blocked.status_code == 422 and error_code(blocked) == "E2085"
            assert blocked.json()["error"]["details"]["hard"] > 0
            record = _household()
            home.put("/api/self-report/household", json={"record": record})
            done = home.post("/api/self-report/submit", json={"declarant": HEAD, "pledge": True})
            assert done.status_code == 200, done.text
            assert done.json()["state"] == "submitted" and done.json()["editable"]
            early = staff.post(f"/api/enumerator/self-reports/{household_id}/confirm")
            assert early.status_code == 409 and error_code(early) == "E2087"
            _move(clock, AFTER_REFERENCE, staff)
            listed = staff.get("/api/enumerator/self-reports").json()
            assert [r["household_id"] for r in listed] == [household_id]
            assert listed[0]["head_name"] != HEAD and listed[0]["head_name"].startswith("测")
            confirmed = staff.post(f"/api/enumerator/self-reports/{household_id}/confirm")
            assert confirmed.status_code == 200, confirmed.text
            assert confirmed.json()["version"] == 1
            again = staff.post(f"/api/enumerator/self-reports/{household_id}/confirm")
            assert again.status_code == 409 and error_code(again) == "E2088"
            read = staff.get(f"/api/enumerator/households/{household_id}")
            assert read.status_code == 200, read.text
            assert len(read.json()["persons"]) == len(record["persons"])
            # A correction before the close needs a new submission and a new confirmation.
            changed = copy.deepcopy(record)
            changed["items"]["rooms"] = 5 if record["items"].get("rooms") != 5 else 4
            _login(home, card)
            home.put("/api/self-report/household", json={"record": changed})
            home.post("/api/self-report/submit", json={"declarant": HEAD, "pledge": True})
            second = staff.post(f"/api/enumerator/self-reports/{household_id}/confirm")
            assert second.status_code == 200 and second.json()["version"] == 2, second.text
        finally:
            home.__exit__(None, None, None)
    with raw_engine(census) as raw, raw.connect() as conn:
        blob = conn.execute(select(SelfReport.answers_enc)).scalar_one()
    names = [p["name"] for p in record["persons"] if p.get("name")]
    assert names and not any(n.encode() in bytes(blob) for n in names)


def test_wrong_and_unknown_accounts_get_the_same_answer_then_lockout(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
    with client_for(app_for(census, clock)) as client:
        answers = []
        for account in (card["account"], "ACDEF-GHJKM"):
            body = {"account": account, "password": "WRONGWRONG"}
            response = client.post("/api/self-report/login", json=body)
            answers.append((response.status_code, response.json()["error"]["code"]))
        assert answers[0] == answers[1] == (401, "E2080")
        for _ in range(4):
            client.post(
                "/api/self-report/login", json={"account": card["account"], "password": "X"}
            )
        locked = client.post(
            "/api/self-report/login",
            json={"account": card["account"], "password": card["password"]},
        )
        assert locked.status_code == 429 and error_code(locked) == "E2011"
        assert "retry-after" in {k.lower() for k in locked.headers}


def test_reissue_revokes_the_old_card(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        old = _card(staff, household_id)
        home = _household_client(census, clock, old)
        try:
            new = _card(staff, household_id)
            assert new["account"] != old["account"]
            ended = home.get("/api/self-report/household")
            assert ended.status_code == 401 and error_code(ended) == "E2081"
            again = home.post(
                "/api/self-report/login",
                json={"account": old["account"], "password": old["password"]},
            )
            assert again.status_code == 401 and error_code(again) == "E2080"
        finally:
            home.__exit__(None, None, None)


def test_soft_findings_need_a_confirmation(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        home = _household_client(census, clock, _card(staff, household_id))
        try:
            record = _household()
            record["items"]["dwelling_type"] = 1
            record["items"]["floor_area_m2"] = 1500  # above the soft maximum of 1,000 m²
            record["items"]["rooms"] = 4
            saved = home.put("/api/self-report/household", json={"record": record}).json()
            soft = [f for f in saved["findings"] if f["severity"] == "soft"]
            assert soft and all(f["message"]["zh"] and f["message"]["en"] for f in soft)
            body = {"declarant": HEAD, "pledge": True}
            blocked = home.post("/api/self-report/submit", json=body)
            assert blocked.status_code == 422 and blocked.json()["error"]["details"]["soft"] >= 1
            body["confirmed"] = [f["confirmation"] for f in soft]
            done = home.post("/api/self-report/submit", json=body)
            assert done.status_code == 200, done.text
        finally:
            home.__exit__(None, None, None)


def test_after_the_close_read_only_and_unfinished_become_tasks(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        drafted, untouched = _setup(census, clock, staff, n=2)
        card = _card(staff, drafted)
        home = _household_client(census, clock, card)
        try:
            record = _household()
            home.put("/api/self-report/household", json={"record": record})
            _move(clock, AFTER_CLOSE, staff)
            _login(home, card)
            shown = home.get("/api/self-report/household").json()
            assert shown["editable"] is False and shown["record"]["persons"]
            late = home.put("/api/self-report/household", json={"record": record})
            assert late.status_code == 409 and error_code(late) == "E2082"
            late_submit = home.post(
                "/api/self-report/submit", json={"declarant": HEAD, "pledge": True}
            )
            assert late_submit.status_code == 409 and error_code(late_submit) == "E2082"
            assert staff.get("/api/enumerator/self-reports").json() == []
            staff.get("/api/enumerator/self-reports")  # a second look creates nothing new
        finally:
            home.__exit__(None, None, None)
    with read_transaction(census.engine) as session:
        tasks = session.execute(select(FieldTask).where(FieldTask.kind == "register")).scalars()
        opened = sorted((t.household_id, t.reason_code) for t in tasks if t.state == "open")
        state = session.get(SelfReport, drafted)
        assert state is not None and state.state == "handed_over"
    assert opened == [
        (drafted, "self_report_unfinished"),
        (untouched, "self_report_unfinished"),
    ]


def test_the_server_hands_over_unfinished_self_reports_at_the_close(census: Census) -> None:
    """No enumerator needs to open a list: the server's close job makes the tasks once the
    window has closed, and only then; a second round (another server) adds nothing."""
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        households = _setup(census, clock, staff, n=3)
        card = _card(staff, households[0])
        home = _household_client(census, clock, card)
        try:
            home.put("/api/self-report/household", json={"record": _household()})  # a draft
        finally:
            home.__exit__(None, None, None)
    # Two households per transaction: three households take two batches.
    job = self_report_close(
        census.engine, census.protector, clock, CENSUS_2020, interval=60, batch=2
    )
    assert job.round() == 0  # still open
    clock.set(AFTER_CLOSE)
    assert job.round() == 3
    with read_transaction(census.engine) as session:
        draft = session.get(SelfReport, households[0])
        assert draft is not None and draft.state == "handed_over"
    again = self_report_close(census.engine, census.protector, clock, CENSUS_2020, interval=60)
    assert again.round() == 0
    with read_transaction(census.engine) as session:
        tasks = session.execute(select(FieldTask).where(FieldTask.kind == "register")).scalars()
        opened = sorted(t.household_id for t in tasks if t.state == "open")
    assert opened == sorted(households)


def test_a_rejected_self_report_becomes_a_fix_task(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        home = _household_client(census, clock, _card(staff, household_id))
        try:
            home.put("/api/self-report/household", json={"record": _household()})
            home.post("/api/self-report/submit", json={"declarant": HEAD, "pledge": True})
        finally:
            home.__exit__(None, None, None)
        _move(clock, AFTER_REFERENCE, staff)
        assert staff.post(f"/api/enumerator/self-reports/{household_id}/confirm").status_code == 200
    supervisor = actor(Role.supervisor, HOME_SA[:12])
    with transaction(census.engine) as session:
        review.decide(
            session,
            census.protector,
            supervisor,
            household_id,
            DecisionIn(action="reject", version=1, reason_code="wrong_answer"),
            clock=clock,
        )
    with read_transaction(census.engine) as session:
        kinds = [
            (t.kind, t.state)
            for t in session.execute(
                select(FieldTask).where(FieldTask.household_id == household_id)
            ).scalars()
        ]
    assert ("fix", "open") in kinds


def test_cards_and_confirmations_stay_inside_the_enumerators_areas(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        other = add_staff(census, "enum.other", Role.enumerator, (HOME_SA[:12] + "002",))
        auditor = add_staff(census, "audit.one", Role.auditor, ())
    with client_for(app_for(census, clock)) as client:
        sign_in(client, other, clock)
        outside = client.post(f"/api/enumerator/self-report/households/{household_id}/card")
        assert outside.status_code == 404
    with client_for(app_for(census, clock)) as client:
        sign_in(client, auditor, clock)
        forbidden = client.post(f"/api/enumerator/self-report/households/{household_id}/card")
        assert forbidden.status_code == 403


def test_sign_in_is_throttled_per_address(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as client:
        codes = [
            client.post(
                "/api/self-report/login", json={"account": f"ACDEF-GHJK{c}", "password": "X"}
            ).status_code
            for c in "ACDEFGHJKMNP"
        ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_a_household_switched_back_to_an_interview_can_only_read(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        home = _household_client(census, clock, _card(staff, household_id))
        try:
            record = _household()
            assert (
                home.put("/api/self-report/household", json={"record": record}).status_code == 200
            )
            switched = staff.put(
                f"/api/enumerator/households/{household_id}/mode", json={"mode": "enumerator"}
            )
            assert switched.status_code == 200, switched.text
            assert home.get("/api/self-report/household").json()["editable"] is False
            late = home.put("/api/self-report/household", json={"record": record})
            assert late.status_code == 409 and error_code(late) == "E2082"
        finally:
            home.__exit__(None, None, None)
