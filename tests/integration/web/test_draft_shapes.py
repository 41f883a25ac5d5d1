"""Household drafts on both databases: a malformed draft is refused (422, catalogued code) and
nothing is stored; a malformed draft already in the store (written by older code) never makes a
household page, the JSON twin or the enumerator's pages answer a server error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from headcount.calendar import CENSUS_2020, FixedClock
from headcount.store.models_selfreport import SelfReport
from headcount.store.protector import household_scope
from headcount.store.session import read_transaction, transaction
from headcount.web.household_session import COOKIE
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import HOME_SA, app_for, client_for, error_code
from tests.integration.web.test_selfreport import (
    AFTER_CLOSE,
    BEFORE_REFERENCE,
    _card,
    _household,
    _move,
    _setup,
)

NAME = "测试草稿甲"


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _draft(**parts: Any) -> dict[str, Any]:
    return {"form": "short", "items": {"household_type": 1}, "persons": [], **parts}


# (what is wrong, the draft, the expected code)
MALFORMED: list[tuple[str, Any, str]] = [
    ("record not an object", ["form", "short"], "E1006"),
    ("persons not a list", _draft(persons={"1": {"name": NAME}}), "E2103"),
    ("a person not an object", _draft(persons=[NAME]), "E2103"),
    ("items not an object", _draft(items=[1, 2]), "E2103"),
    ("an object where a code belongs", _draft(items={"household_type": {"code": 1}}), "E2103"),
    ("a list where a name belongs", _draft(persons=[{"name": [NAME], "relationship": 0}]), "E2103"),
    ("nesting too deep", _draft(items={"household_type": _nested(12)}), "E2104"),
    ("an unknown item", _draft(items={"household_type": 1, "favourite_colour": "red"}), "E2103"),
    ("an unknown top-level key", _draft(note="x"), "E2103"),
    ("a name far too long", _draft(persons=[{"name": "长" * 20_000, "relationship": 0}]), "E2103"),
    ("too many members", _draft(persons=[{"relationship": 1}] * 500), "E2104"),
]


def _home(census: Census, clock: FixedClock, card: dict[str, Any]) -> TestClient:
    """The household signed in once: the bearer token for the API, the same token as the page
    cookie (the pages read only the cookie)."""
    client = client_for(app_for(census, clock))
    client.__enter__()
    response = client.post(
        "/api/self-report/login", json={"account": card["account"], "password": card["password"]}
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    client.cookies.set(COOKIE, token, path="/self-report")
    return client


def _rows(census: Census) -> int:
    with read_transaction(census.engine) as session:
        return int(session.execute(select(func.count()).select_from(SelfReport)).scalar_one())


def test_malformed_drafts_are_refused_and_nothing_is_stored(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        home = _home(census, clock, _card(staff, household_id))
        try:
            refused = {}
            for what, record, _ in MALFORMED:
                answer = home.put("/api/self-report/household", json={"record": record})
                refused[what] = (answer.status_code, error_code(answer))
                assert NAME not in answer.text, what  # no value is echoed back
            assert refused == {what: (422, code) for what, _, code in MALFORMED}
            assert _rows(census) == 0
            shown = home.get("/api/self-report/household").json()
            assert shown["state"] == "new" and shown["revision"] == 0
            # The refusal names the places, for the app to fix them.
            answer = home.put("/api/self-report/household", json={"record": MALFORMED[2][1]})
            paths = [p["details"]["path"] for p in answer.json()["error"]["details"]["problems"]]
            assert paths == ["persons[0]"]
            # A well-formed partial draft is still a draft (findings are not shape problems).
            partial = _draft(persons=[{"name": NAME, "relationship": 0}])
            saved = home.put("/api/self-report/household", json={"record": partial})
            assert saved.status_code == 200, saved.text
            assert saved.json()["state"] == "draft" and saved.json()["findings"]
            assert home.put("/api/self-report/household", json={"record": _household()}).is_success
        finally:
            home.__exit__(None, None, None)


# Drafts older code could store (the JSON blob exactly as it wrote it), and worse.
PLANTED: list[tuple[str, Any]] = [
    ("persons not a list", {"record": _draft(persons={"1": {"name": NAME}}), "declarant": ""}),
    ("a person not an object", {"record": _draft(persons=[NAME, 3]), "declarant": ""}),
    ("items not an object", {"record": _draft(items=[1, 2]), "declarant": ""}),
    (
        "wrong value types",
        {
            "record": _draft(
                items={"household_type": {"x": 1}, "deaths": "two", "rooms": 3},
                persons=[{"name": {"n": NAME}, "relationship": 0, "sex": 1}],
                deaths=[7],
                confirmed="all",
            ),
            "declarant": ["x"],
        },
    ),
    ("deep nesting", {"record": _draft(items={"household_type": _nested(400)}), "declarant": ""}),
    ("huge strings", {"record": _draft(persons=[{"name": "长" * 300_000}]), "declarant": ""}),
    ("record not an object", {"record": [NAME], "declarant": ""}),
    ("not even an object", [NAME]),
]


def _plant(census: Census, household_id: str, blob: Any) -> None:
    """Store a draft as older code did: encrypted as it came, no shape check."""
    with transaction(census.engine) as session:
        encrypted = census.protector.encrypt(
            json.dumps(blob, ensure_ascii=False),
            scope=household_scope(CENSUS_2020.wave, HOME_SA),
            table="self_reports",
            column="answers_enc",
            row_id=household_id,
        )
        row = session.get(SelfReport, household_id)
        if row is None:
            row = SelfReport(
                household_id=household_id,
                small_area_code=HOME_SA,
                state="draft",
                revision=0,
                key_id="",
                answers_enc=b"",
                updated_at=datetime.now(UTC),
            )
            session.add(row)
        row.key_id = census.protector.key_hex(encrypted)
        row.answers_enc = encrypted
        row.revision += 1


HOUSEHOLD_PAGES = (
    "/self-report/household",
    "/self-report/persons",
    "/self-report/review",
    "/self-report/submitted",
)


@pytest.mark.parametrize("what", [what for what, _ in PLANTED])
def test_a_stored_malformed_draft_never_breaks_a_page(census: Census, what: str) -> None:
    blob = dict(PLANTED)[what]
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
        _plant(census, household_id, blob)
        home = _home(census, clock, card)
        try:
            api = home.get("/api/self-report/household")
            assert api.status_code == 200, api.text
            assert api.json()["unreadable"], "the household is told answers were dropped"
            for url in HOUSEHOLD_PAGES:
                page = home.get(url, follow_redirects=False)
                assert page.status_code == 200, (url, page.status_code)
                assert NAME not in page.text, url
            household = home.get("/self-report/household", follow_redirects=False)
            assert 'id="draft-unreadable"' in household.text
            # The household can carry on: a save replaces the damaged draft with a clean one.
            assert home.put("/api/self-report/household", json={"record": _household()}).is_success
            assert not home.get("/api/self-report/household").json()["unreadable"]
            # After the close: planted again, read-only for the household, and the enumerator's
            # interview page opens with what could be read.
            _plant(census, household_id, blob)
            _move(clock, AFTER_CLOSE, staff)
            home.cookies.clear()
            relogin = home.post(
                "/api/self-report/login",
                json={"account": card["account"], "password": card["password"]},
            )
            token = relogin.json()["token"]
            home.headers["Authorization"] = f"Bearer {token}"
            home.cookies.set(COOKIE, token, path="/self-report")
            closed = home.get("/self-report/household", follow_redirects=False)
            assert closed.status_code == 200 and 'id="draft-unreadable"' in closed.text
            assert home.get("/api/self-report/household").status_code == 200
            assert staff.get("/api/enumerator/self-reports").status_code == 200  # hands over
            interview = staff.get(
                f"/enumerator/households/{household_id}/form", follow_redirects=False
            )
            assert interview.status_code == 200, interview.text
            assert 'id="draft-unreadable"' in interview.text
            detail = staff.get(f"/api/enumerator/self-reports/{household_id}")
            assert detail.status_code == 200, detail.text
            assert staff.get(f"/enumerator/self-reports/{household_id}").status_code == 200
        finally:
            home.__exit__(None, None, None)
