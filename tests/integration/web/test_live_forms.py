"""Live show/hide of questions (web/live.py, static/forms.js): the ``…/live`` twins of the
household's questionnaire pages and of the enumerator's interview page answer which items apply
now, from the server's own rules; they save nothing, need the page's session and form token, and
are bounded. A save drops answers the rules no longer ask. Both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from headcount.calendar import FixedClock
from headcount.web.ratelimit import RateLimiter
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    app_for,
    client_for,
    error_code,
    self_report_login,
)
from tests.integration.web.test_selfreport import BEFORE_REFERENCE, HEAD, _card, _setup

JSON = {"Accept": "application/json"}


def _token(page: str) -> str:
    found = re.search(r'name="form_token" value="([0-9a-f]+)"', page)
    assert found, "page has no form token"
    return found.group(1)


def _shown(page: str, name: str = "shown") -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found is not None
    return found.group(1)


@contextmanager
def _household_with_a_person(
    census: Census, clock: FixedClock
) -> Iterator[tuple[TestClient, str, str]]:
    """A household signed in on the pages with its head on the roster: (client, token, shown)."""
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
    with client_for(app_for(census, clock)) as client:
        yield _signed_in_with_a_person(client, card)


def _signed_in_with_a_person(
    client: TestClient, card: dict[str, Any]
) -> tuple[TestClient, str, str]:
    self_report_login(
        client,
        {"account": card["account"], "password": card["password"]},
        follow_redirects=False,
    )
    page = client.get("/self-report/household")
    token = _token(page.text)
    added = client.post(
        "/self-report/persons",
        data={"form_token": token, "p-name": HEAD, "p-relationship": "0"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    person = client.get("/self-report/persons/1")
    return client, token, _shown(person.text)


def _keys(answer: Any, prefix: str) -> list[str]:
    keys: list[str] = answer.json()["sections"][prefix]["keys"]
    return keys


def test_the_person_page_answers_the_items_that_apply_to_a_changed_age(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with _household_with_a_person(census, clock) as (client, token, shown):
        assert "education" not in shown.split(",")  # no birth month yet: E5 not asked
        base = {"form_token": token, "shown": shown, "p-sex": "1"}
        child = client.post(
            "/self-report/persons/1/live",
            data={**base, "p-birth_year_month-year": "2019", "p-birth_year_month-month": "3"},
            headers=JSON,
        )
        assert child.status_code == 200, child.text
        assert child.headers["cache-control"] == "no-store"
        assert "education" not in _keys(child, "p") and "literate" not in _keys(child, "p")
        adult = client.post(
            "/self-report/persons/1/live",
            data={**base, "p-birth_year_month-year": "1990", "p-birth_year_month-month": "3"},
            headers=JSON,
        )
        keys = _keys(adult, "p")
        assert "education" in keys and "literate" in keys
        assert keys.index("education") < keys.index("literate")  # form order
        assert "{items}" in adult.json()["say"]["shown"]
        # A skip too: D7a only when D7 = 5.
        moved = client.post(
            "/self-report/persons/1/live",
            data={**base, "p-residence_at_reference": "5"},
            headers=JSON,
        )
        assert "residence_county" in _keys(moved, "p")
        # Nothing was saved: the page still asks what it asked before.
        again = client.get("/self-report/persons/1")
        assert _shown(again.text) == shown
        assert re.search(r'id="p-residence_county-block"[^>]* hidden>', again.text)
        english = client.post(
            "/self-report/persons/1/live?lang=en", data={**base}, headers=JSON
        ).json()
        assert english["say"]["shown"] == "Now asked: {items}"


def test_the_live_twin_needs_the_session_and_the_form_token_and_is_bounded(
    census: Census,
) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with _household_with_a_person(census, clock) as (client, token, shown):
        forged = client.post(
            "/self-report/persons/1/live", data={"form_token": "0" * 32}, headers=JSON
        )
        assert forged.status_code == 403 and error_code(forged) == "E2096"
        missing = client.post("/self-report/household/live", data={}, headers=JSON)
        assert missing.status_code == 403 and error_code(missing) == "E2096"
        nobody = client.post(
            "/self-report/persons/9/live", data={"form_token": token}, headers=JSON
        )
        assert nobody.status_code == 404
        huge = client.post(
            "/self-report/persons/1/live",
            data={"form_token": token, "shown": shown, "p-name": "x" * 300_000},
            headers=JSON,
        )
        assert huge.status_code == 413 and error_code(huge) == "E1007"
        client.cookies.clear()
        signed_out = client.post(
            "/self-report/persons/1/live", data={"form_token": token}, headers=JSON
        )
        assert signed_out.status_code == 401 and error_code(signed_out) == "E2081"


def test_a_save_drops_an_answer_the_rules_no_longer_ask(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with _household_with_a_person(census, clock) as (client, token, shown):
        keys = shown.split(",")
        client.post(
            "/self-report/persons/1",
            data={
                "form_token": token,
                "shown": ",".join([*keys, "residence_county"]),
                "p-residence_at_reference": "5",
                "p-residence_county": "110105",
            },
        )
        page = client.get("/self-report/persons/1")
        assert 'value="110105"' in page.text and "residence_county" in _shown(page.text)
        # D7 changes (the script has hidden D7a: it is neither shown nor posted).
        client.post(
            "/self-report/persons/1",
            data={"form_token": token, "shown": shown, "p-residence_at_reference": "1"},
        )
        page = client.get("/self-report/persons/1")
        assert 'value="110105"' not in page.text, "the moot D7a answer is dropped on save"
        assert "E2" not in page.text and 'class="q q-invalid"' not in page.text


def test_the_interview_page_answers_every_section(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        path = f"/enumerator/households/{household_id}/form"
        page = staff.get(path)
        assert page.status_code == 200, page.text[:300]
        assert '<script src="/static/forms.js"' in page.text
        token = _token(page.text)
        data = {
            "form_token": token,
            "persons": "2",
            "shown-h": _shown(page.text, "shown-h"),
            "shown-p1": _shown(page.text, "shown-p1"),
            "shown-p2": "",
            "p1-birth_year_month-year": "1980",
            "p1-birth_year_month-month": "5",
            "p2-birth_year_month-year": "2019",
            "p2-birth_year_month-month": "5",
        }
        answer = staff.post(f"{path}/live", data=data, headers=JSON)
        assert answer.status_code == 200, answer.text
        sections = answer.json()["sections"]
        assert {"h", "p1", "p2"} <= set(sections)
        assert "education" in sections["p1"]["keys"]
        assert "education" not in sections["p2"]["keys"]
        # The page drew only what applied: the newly applicable fields come as HTML to insert.
        new = sections["p1"]["new"]
        assert (
            'name="p1-education"' in new["education"]
            and 'data-item="education"' in new["education"]
        )
        forged = staff.post(f"{path}/live", data={**data, "form_token": "0" * 32}, headers=JSON)
        assert forged.status_code == 403
        hmtf = f"/enumerator/households/{household_id}/hmtf/live"
        off = staff.post(hmtf, data=data, headers=JSON)  # provisional forms are off here
        assert off.status_code == 403 and error_code(off) == "E2100"
        elsewhere = staff.post(
            "/enumerator/households/110101001001999-001/form/live", data=data, headers=JSON
        )
        assert elsewhere.status_code == 404
        staff.cookies.clear()
        staff.headers.pop("Authorization", None)
        anonymous = staff.post(f"{path}/live", data=data, headers=JSON)
        assert anonymous.status_code == 401 and error_code(anonymous) == "E2001"


def test_live_answers_are_rate_limited(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with _household_with_a_person(census, clock) as (client, token, shown):
        # A frozen limiter clock: the burst only, however slow the machine is.
        client.app.state.rate_limiter = RateLimiter(clock=lambda: 0.0)  # type: ignore[attr-defined]
        codes = [
            client.post(
                "/self-report/persons/1/live",
                data={"form_token": token, "shown": shown},
                headers=JSON,
            ).status_code
            for _ in range(62)
        ]
        assert codes[:60] == [200] * 60 and codes[60:] == [429, 429]


def test_too_many_fields_are_refused(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with _household_with_a_person(census, clock) as (client, token, _):
        fields = "&".join(f"x{i}=1" for i in range(4_100))
        crowded = client.post(
            "/self-report/persons/1/live",
            content=f"form_token={token}&{fields}",
            headers={**JSON, "Content-Type": "application/x-www-form-urlencoded"},
        )
        assert crowded.status_code == 422 and error_code(crowded) == "E1006"
