"""The enumerator's hmtf page and the register's mode switch on both databases.

The hmtf form (HK/Macau/Taiwan residents and foreigners) is provisional: refused with E2100 unless
the server allows provisional forms; with the setting on it registers through the same renderer as
the short form (only what applies, errors beside fields, soft edits confirmable). The register
page switches a household between an enumerator visit and self-report; a refusal is shown on the
register in words, never as a raw JSON problem.
"""

from __future__ import annotations

import random
import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import FixedClock
from headcount.questionnaire.loader import get_form
from headcount.store import registration as store_registration
from headcount.store.session import transaction
from headcount.web import interview
from headcount.web.app import create_app
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    AWAY_SA,
    HOME_SA,
    Seeded,
    add_areas,
    add_staff,
    client_for,
    error_code,
    new_clock,
    sign_in,
)
from tests.integration.web.test_enumerator_pages import AUDIT, _posted
from tests.integration.web.test_selfreport import AFTER_CLOSE
from tests.integration.web.test_selfreport_pages import ID_NUMBER, _token
from tests.unit.questionnaire.factories import clean_household

HEAD = "测试户主乙"
_SIGNED_IN: dict[int, Seeded] = {}


def _app(census: Census, clock: FixedClock, *, provisional: bool) -> FastAPI:
    settings = census.settings.model_copy(update={"allow_provisional_forms": provisional})
    return create_app(settings, clock=clock, engine=census.engine, protector=census.protector)


def _setup(census: Census, clock: FixedClock, staff: TestClient, away: TestClient) -> list[str]:
    """Enumerators of HOME_SA (``staff``) and AWAY_SA (``away``), signed in; three enumerator
    households on HOME_SA's register and one on AWAY_SA's."""
    add_areas(census)
    home = add_staff(census, "enum.home", Role.enumerator, (HOME_SA,), totp=False)
    other = add_staff(census, "enum.away", Role.enumerator, (AWAY_SA,), totp=False)
    sign_in(staff, home, clock)
    sign_in(away, other, clock)
    _SIGNED_IN[id(staff)] = home
    entries = [{"head_name": HEAD, "mode": "enumerator", "expected_persons": 2}] * 3
    made = staff.post(f"/api/enumerator/small-areas/{HOME_SA}/register", json={"entries": entries})
    assert made.status_code == 201, made.text
    elsewhere = away.post(
        f"/api/enumerator/small-areas/{AWAY_SA}/register", json={"entries": entries[:1]}
    )
    assert elsewhere.status_code == 201, elsewhere.text
    return [e["household_id"] for e in made.json()] + [elsewhere.json()[0]["household_id"]]


def _record() -> dict[str, Any]:
    """A synthetic foreign family: a head and a child."""
    return {
        "form": "hmtf",
        "items": {"household_type": 1, "dwelling_type": 1, "floor_area_m2": 80, "rooms": 3},
        "persons": [
            {
                "name": "测试甲",
                "relationship": 0,
                "sex": 1,
                "birth_year_month": "1980-05",
                "identity_or_nationality": 4,
                "country": "测试国",
                "purpose_of_stay": 2,
                "length_of_stay": 4,
                "education": 7,
                "work_status": 1,
                "industry": "软件",
                "occupation": "工程师",
            },
            {
                "name": "测试乙",
                "relationship": 2,
                "sex": 2,
                "birth_year_month": "2012-03",
                "identity_or_nationality": 1,
                "purpose_of_stay": 3,
                "length_of_stay": 5,
                "education": 3,
            },
        ],
        "deaths": [],
    }


def _fields(record: dict[str, Any]) -> dict[str, str]:
    form = get_form("hmtf")
    data = _posted(form.household_items, record["items"], "h")
    for n, person in enumerate(record["persons"], start=1):
        data.update(_posted(form.person_items, person, f"p{n}"))
    data["persons"] = str(len(record["persons"]))
    return data


def _uuid(page: str) -> str:
    found = re.search(r'name="submission_uuid" value="([0-9a-f-]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_hmtf_page_is_refused_while_provisional_forms_are_off(census: Census) -> None:
    clock = new_clock()
    app = _app(census, clock, provisional=False)
    with client_for(app) as staff, client_for(app) as away:
        household_id = _setup(census, clock, staff, away)[0]
        url = f"/enumerator/households/{household_id}/hmtf"
        page = staff.get(url)
        assert page.status_code == 403 and "E2100" in page.text
        assert 'name="p1-name"' not in page.text
        english = staff.get(url + "?lang=en")
        assert "not enabled on this server" in english.text
        # Neither a link on the register nor a way round through a post or the API.
        register = staff.get(f"/staff/small-areas/{HOME_SA}")
        assert register.status_code == 200 and "/hmtf" not in register.text
        posted = staff.post(url, data={"form_token": _token(register.text), "action": "submit"})
        assert posted.status_code == 403 and "E2100" in posted.text
        body = {"submission_uuid": str(uuid.uuid4()), "record": _record()}
        api = staff.post(f"/api/enumerator/households/{household_id}/submissions", json=body)
        assert api.status_code == 403 and error_code(api) == "E1212"


def test_an_hmtf_household_registers_through_the_page(census: Census) -> None:
    clock = new_clock()
    app = _app(census, clock, provisional=True)
    with client_for(app) as staff, client_for(app) as away:
        household_id, _, third, away_id = _setup(census, clock, staff, away)
        register = staff.get(f"/staff/small-areas/{HOME_SA}")
        assert f'href="/enumerator/households/{household_id}/hmtf"' in register.text
        url = f"/enumerator/households/{household_id}/hmtf"
        page = staff.get(url)
        assert page.status_code == 200, page.text
        assert 'id="provisional-note"' in page.text and f'action="{url}"' in page.text
        # Only what applies: no nationality before "foreign national", no short-form items.
        assert 'name="p1-identity_or_nationality"' in page.text
        assert 'name="p1-country"' not in page.text and 'name="p1-citizen_id"' not in page.text
        token = _token(page.text)
        base = {"form_token": token, "submission_uuid": _uuid(page.text)}
        record = _record()
        data = {**base, **_fields(record)}
        checked = staff.post(url, data={**data, "action": "check"})
        assert checked.status_code == 200
        assert 'name="p1-country"' in checked.text  # asked now: person 1 is a foreign national
        assert 'name="p2-country"' not in checked.text  # person 2 is a Hong Kong resident
        assert 'name="p2-work_status"' not in checked.text  # under 16
        # A value that cannot be read: its message beside its field, the summary links to it.
        bad = {**data, "p1-birth_year_month-year": "80", "action": "submit"}
        refused = staff.post(url, data=bad)
        assert refused.status_code == 422 and 'id="summary"' in refused.text
        assert 'aria-describedby="p1-birth_year_month-error"' in refused.text
        assert 'id="p1-birth_year_month-error"' in refused.text
        assert "请填写 4 位年份和月份" in refused.text
        # A soft edit (the child less than 15 years younger) is shown and can be confirmed.
        young = {**data, "p1-birth_year_month-year": "2000", "action": "submit"}
        soft = staff.post(url, data=young)
        assert soft.status_code == 422 and 'value="AGE_GAP_CHILD@2"' in soft.text
        confirmed = {**young, "confirm": "AGE_GAP_CHILD@2"}
        done = staff.post(url, data=confirmed, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert done.headers["location"] == f"{url}?version=1"
        # The edit page: the hmtf form again (the interview page sends it there), no ID numbers.
        moved = staff.get(f"/enumerator/households/{household_id}/form", follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == url
        edit = staff.get(url)
        assert 'name="replaces_version" value="1"' in edit.text
        # A version the page never showed (past any integer column): refused, not a fault.
        for version in ("9" * 30, "１", "-1"):
            odd = staff.post(url, data={**confirmed, "replaces_version": version})
            assert odd.status_code == 422, version
        # Names stay on the server: shown as the API shows them, beside an empty input.
        assert "测试甲" not in edit.text and 'name="p1-country"' in edit.text
        assert (
            'id="p1-name-on-file"' in edit.text
            and 'name="p1-name" id="p1-name" value=""' in edit.text
        )
        assert not ID_NUMBER.search(edit.text) and 'maxlength="18"' not in edit.text
        read = staff.get(f"/api/enumerator/households/{household_id}").json()
        assert read["form"] == "hmtf" and len(read["persons"]) == 2
        # The API takes the hmtf form too now.
        body = {"submission_uuid": _uuid(edit.text), "record": _record()}
        api = staff.post(f"/api/enumerator/households/{third}/submissions", json=body)
        assert api.status_code == 201, api.text
        # Outside the enumerator's small areas: not found, nothing shown.
        assert staff.get(f"/enumerator/households/{away_id}/hmtf").status_code == 404
        outside = staff.post(
            f"/enumerator/households/{away_id}/hmtf", data={**data, "action": "submit"}
        )
        assert outside.status_code == 404
    with transaction(census.engine) as session:
        stored = store_registration.read(session, census.protector, AUDIT, household_id)
    assert stored["form"] == "hmtf" and stored["persons"][0]["country"] == "测试国"
    assert stored["confirmed"] == ["AGE_GAP_CHILD@2"]


def test_the_register_switches_a_households_mode(census: Census) -> None:
    clock = new_clock()
    app = _app(census, clock, provisional=False)
    with client_for(app) as staff, client_for(app) as away:
        first, second, _, away_id = _setup(census, clock, staff, away)
        register = staff.get(f"/staff/small-areas/{HOME_SA}")
        assert f'action="/enumerator/households/{first}/mode"' in register.text
        token = _token(register.text)
        switch = f"/enumerator/households/{first}/mode"
        done = staff.post(
            switch, data={"form_token": token, "mode": "self_report"}, follow_redirects=False
        )
        assert done.status_code == 303
        assert done.headers["location"] == f"/staff/small-areas/{HOME_SA}?switched=001"
        shown = staff.get(done.headers["location"])
        assert 'id="register-switched"' in shown.text and "住户自主填报" in shown.text
        listed = staff.get(f"/api/enumerator/small-areas/{HOME_SA}/households").json()["items"]
        modes = {row["entry"]["household_id"]: row for row in listed}
        assert modes[first]["entry"]["mode"] == "self_report"
        assert modes[first]["status"] == "awaiting_self_report"
        # Back again: an enumerator visit.
        back = staff.post(switch, data={"form_token": token, "mode": "enumerator"})
        assert back.status_code == 200 and "普查员入户" in back.text
        # A mode the register does not know: refused in words on the register.
        unknown = staff.post(switch, data={"form_token": token, "mode": "visit"})
        assert unknown.status_code == 422 and 'id="register-problem"' in unknown.text
        assert "登记方式只能是" in unknown.text
        # Without the page's token: refused, nothing changed.
        forged = staff.post(switch, data={"form_token": "0" * 32, "mode": "self_report"})
        assert forged.status_code == 403
        # Outside the enumerator's small areas: not found.
        outside = staff.post(
            f"/enumerator/households/{away_id}/mode",
            data={"form_token": token, "mode": "self_report"},
        )
        assert outside.status_code == 404
        # A registered household keeps its mode (the page does not offer the switch either).
        form_page = staff.get(f"/enumerator/households/{second}/form")
        assert form_page.status_code == 200
        _register_short(staff, second)
        page = staff.get(f"/staff/small-areas/{HOME_SA}")
        assert f'action="/enumerator/households/{second}/mode"' not in page.text
        late = staff.post(
            f"/enumerator/households/{second}/mode",
            data={"form_token": token, "mode": "self_report"},
        )
        assert late.status_code == 409 and 'id="register-problem"' in late.text
        assert "已经登记" in late.text
        # After the self-report window: set_mode refuses self-report; shown on the register.
        clock.set(AFTER_CLOSE)
        sign_in(staff, _SIGNED_IN[id(staff)], clock)  # days later: the session is over
        token = _token(staff.get(f"/staff/small-areas/{HOME_SA}").text)
        closed = staff.post(switch + "?lang=en", data={"form_token": token, "mode": "self_report"})
        assert closed.status_code == 409, closed.text
        assert 'role="alert"' in closed.text and "is not possible now" in closed.text
        assert closed.headers["content-type"].startswith("text/html")
        again = staff.get(f"/api/enumerator/small-areas/{HOME_SA}/households").json()["items"]
        assert {r["entry"]["household_id"]: r for r in again}[first]["entry"]["mode"] == (
            "enumerator"
        )


def _register_short(staff: TestClient, household_id: str) -> None:
    """Register a household on the short form through the API (the page is tested elsewhere)."""
    record = clean_household(random.Random(3), get_form("short"), 3)
    record.pop("household_id", None)
    record.pop("household_no", None)
    record["deaths"] = []
    record["items"]["deaths"] = {"male": 0, "female": 0}
    body = {"submission_uuid": str(uuid.uuid4()), "record": record}
    done = staff.post(f"/api/enumerator/households/{household_id}/submissions", json=body)
    assert done.status_code == 201, done.text


def test_editing_withholds_every_personal_value_of_the_form() -> None:
    """The page's copy of a stored version drops the form's personal values (names, ID numbers)
    whoever asks; the values on file are shown as households.shown shows them to the actor, and
    a kept person or death form gets them back on submit unless new ones were typed."""
    form = get_form("short")
    stored = {
        "version": 1,
        "items": {},
        "persons": [
            {"name": "测试甲", "citizen_id": "11010519491231002X", "sex": 2},
            {"name": "测试乙", "sex": 1},
        ],
        "deaths": [{"name": "测试丙", "sex": 1}],
    }
    enumerator = Actor("x", Role.enumerator, (HOME_SA,), frozenset(), True)
    assert not enumerator.has(Permission.pi_view_full)
    page = interview.editable(form, stored, "001")
    assert page["persons"] == [{"sex": 2}, {"sex": 1}] and page["deaths"] == [{"sex": 1}]
    origins = {"p": ["2", "1"], "d": ["1"]}  # the two persons swapped places on the page
    shown = interview.on_file_values(form, stored, origins, enumerator.permissions())
    assert shown == {
        "p1": {"name": "测**"},
        "p2": {"name": "测**", "citizen_id": "1****************X"},
        "d1": {"name": "测**"},
    }
    page["persons"] = [{"sex": 1}, {"sex": 2, "name": "测试丁"}]
    interview.restore(form, page, stored, origins)
    assert page["persons"][0]["name"] == "测试乙" and "citizen_id" not in page["persons"][0]
    assert page["persons"][1]["name"] == "测试丁"  # typed: replaces the name on file
    assert page["persons"][1]["citizen_id"] == "11010519491231002X"
    assert page["deaths"][0]["name"] == "测试丙"
    assert interview.page_path("x", "hmtf").endswith("/hmtf")
