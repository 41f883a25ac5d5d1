"""Self-report pages without JavaScript (plain form posts) on both databases: the QR login link,
the household cookie, form tokens, messages beside fields, items opened by answers, the roster,
the review with the pledge, read-only after the close; the enumerator's card and confirm pages."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from headcount.calendar import CST, FixedClock
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    AWAY_SA,
    HOME_SA,
    app_for,
    client_for,
    csrf_of,
    self_report_login,
)
from tests.integration.web.test_selfreport import (
    AFTER_CLOSE,
    AFTER_REFERENCE,
    BEFORE_REFERENCE,
    HEAD,
    _card,
    _household,
    _login,
    _move,
    _setup,
)

ID_NUMBER = re.compile(r"\b\d{17}[\dX]\b")


def _token(page: str) -> str:
    found = re.search(r'name="form_token" value="([0-9a-f]+)"', page)
    assert found, "page has no form token"
    return found.group(1)


def _sign_in_page(client: TestClient, card: dict[str, Any]) -> None:
    login = client.get("/self-report/login", params={"account": card["account"]})
    assert login.status_code == 200 and f'value="{card["account"]}"' in login.text
    response = client.post(
        "/self-report/login",
        data={
            "account": card["account"],
            "password": card["password"],
            "csrf": csrf_of(client, "/self-report/login"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/self-report/household"
    cookie = response.headers["set-cookie"].lower()
    assert "path=/self-report" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_household_pages_from_login_to_submit(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
    with client_for(app_for(census, clock)) as client:
        wrong = self_report_login(client, {"account": card["account"], "password": "NOPE"})
        assert wrong.status_code == 401 and 'role="alert"' in wrong.text
        assert 'aria-describedby="login-error"' in wrong.text
        for _ in range(4):
            self_report_login(client, {"account": "ACDEF-ACDEF", "password": "NO"})
        locked = self_report_login(client, {"account": "ACDEF-ACDEF", "password": "X"})
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        _sign_in_page(client, card)
        page = client.get("/self-report/household")
        assert page.status_code == 200 and 'name="h-household_type"' in page.text
        assert 'name="h-births-male"' in page.text
        forged = client.post("/self-report/household", data={"form_token": "0" * 32})
        assert forged.status_code == 403 and "表单已过期" in forged.text
        token = _token(page.text)
        shown = re.search(r'name="shown" value="([^"]*)"', page.text)
        assert shown is not None
        bad = client.post(
            "/self-report/household",
            data={
                "form_token": token,
                "shown": shown.group(1),
                "h-household_type": "1",
                "h-persons_present": "three",
                "h-dwelling_type": "1",
            },
        )
        assert bad.status_code == 200 and 'role="alert"' in bad.text
        assert 'aria-describedby="h-persons_present-error"' in bad.text and "请填写整数" in bad.text
        # The roster: add the head, then the person page asks only what applies.
        added = client.post(
            "/self-report/persons",
            data={"form_token": token, "p-name": HEAD, "p-relationship": "0"},
            follow_redirects=False,
        )
        assert added.status_code == 303 and added.headers["location"] == "/self-report/persons/1"
        person = client.get("/self-report/persons/1")
        assert 'name="p-residence_at_reference"' in person.text
        # D7a only when D7 = 5: drawn hidden and disabled (for the live show/hide), not shown.
        assert re.search(r'id="p-residence_county-block"[^>]* hidden>', person.text)
        shown = re.search(r'name="shown" value="([^"]*)"', person.text)
        assert shown is not None and "residence_county" not in shown.group(1)
        opened = client.post(
            "/self-report/persons/1",
            data={"form_token": token, "shown": shown.group(1), "p-residence_at_reference": "5"},
        )
        assert opened.status_code == 200 and 'name="p-residence_county"' in opened.text
        assert not re.search(r'id="p-residence_county-block"[^>]* hidden>', opened.text)
        review = client.get("/self-report/review")
        assert review.status_code == 200 and 'role="alert"' in review.text
        no_pledge = client.post(
            "/self-report/review", data={"form_token": token, "declarant": HEAD}
        )
        assert no_pledge.status_code == 422 and "勾选承诺" in html.unescape(no_pledge.text)
        english = client.get("/self-report/review", params={"lang": "en"})
        assert "Check and submit" in english.text
        # The full household through the JSON twin, then submit on the page.
        _login(client, card)
        client.put("/api/self-report/household", json={"record": _household()})
        review = client.get("/self-report/review")
        assert not ID_NUMBER.search(review.text), "the review page shows ID numbers masked"
        done = client.post(
            "/self-report/review",
            data={"form_token": token, "declarant": HEAD, "pledge": "yes"},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == "/self-report/submitted"
        assert "谢谢" in client.get("/self-report/submitted", params={"lang": "zh"}).text
        clock.set(AFTER_CLOSE)
        _sign_in_page(client, card)
        closed = client.get("/self-report/household")
        assert "请联系您的普查员" in closed.text and 'name="h-household_type"' not in closed.text
        refused = client.post("/self-report/household", data={"form_token": _token(closed.text)})
        assert refused.status_code == 409


def test_enumerator_card_and_confirmation_pages(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        empty = staff.get(f"/enumerator/households/{household_id}/card")
        assert empty.status_code == 200
        token = _token(empty.text)
        issued = staff.post(
            f"/enumerator/households/{household_id}/card", data={"form_token": token}
        )
        assert issued.status_code == 200 and "<svg" in issued.text
        account = re.search(r'id="card-account">([A-Z0-9-]+)<', issued.text)
        password = re.search(r'id="card-password">([A-Z0-9]+)<', issued.text)
        assert account and password and "no-store" in issued.headers["cache-control"]
        card = {"account": account.group(1), "password": password.group(1)}
        record = _household()
        with client_for(app_for(census, clock)) as home:
            _login(home, card)
            home.put("/api/self-report/household", json={"record": record})
            submitted = home.post(
                "/api/self-report/submit", json={"declarant": HEAD, "pledge": True}
            )
            assert submitted.status_code == 200, submitted.text
        _move(clock, AFTER_REFERENCE, staff)
        listing = staff.get("/enumerator/self-reports")
        assert listing.status_code == 200 and household_id.split("-")[1] in listing.text
        assert HEAD not in listing.text  # the head's name is masked for the enumerator
        detail = staff.get(f"/enumerator/self-reports/{household_id}")
        assert detail.status_code == 200 and not ID_NUMBER.search(detail.text)
        assert not any(str(p["name"]) in detail.text for p in record["persons"] if p.get("name"))
        api = staff.get(f"/api/enumerator/self-reports/{household_id}").json()
        assert api["masked"] is True and not ID_NUMBER.search(str(api["record"]))
        confirmed = staff.post(
            f"/enumerator/self-reports/{household_id}/confirm",
            data={"form_token": _token(listing.text)},
            follow_redirects=False,
        )
        assert confirmed.status_code == 303, confirmed.text
        after = staff.get(confirmed.headers["location"])
        assert "第 1 版" in after.text


def test_card_page_refuses_a_post_without_the_form_token(census: Census) -> None:
    clock = FixedClock(datetime(2020, 10, 20, 9, 0, tzinfo=CST))
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        response = staff.post(f"/enumerator/households/{household_id}/card", data={})
        assert response.status_code == 403


def test_the_cards_to_hand_out_list_the_self_report_households(census: Census) -> None:
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        first, second = _setup(census, clock, staff, n=2)
        _card(staff, first)
        listed = staff.get(f"/api/enumerator/self-report/small-areas/{HOME_SA}/cards").json()
        by_id = {row["household_id"]: row for row in listed}
        assert set(by_id) == {first, second}
        assert by_id[first]["card_issued_at"] and by_id[second]["card_issued_at"] is None
        assert all(row["head_name"] != HEAD and row["state"] == "new" for row in listed)
        page = staff.get(f"/enumerator/small-areas/{HOME_SA}/cards")
        assert page.status_code == 200 and HEAD not in page.text
        assert f'href="/enumerator/households/{second}/card"' in page.text
        elsewhere = staff.get(f"/api/enumerator/self-report/small-areas/{AWAY_SA}/cards")
        assert elsewhere.status_code == 404


def test_the_card_password_as_a_phone_types_it(census: Census) -> None:
    """Walked on a 360 px phone: a household typed the card's password in lower case with a
    trailing space and was told it was wrong. Case, spaces and full width do not matter."""
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
    password = card["password"]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in password)
    for typed in (f" {password.lower()} ", f"{password[:5]} {password[5:]}", full_width):
        with client_for(app_for(census, clock)) as client:
            answer = self_report_login(
                client, {"account": card["account"], "password": typed}, follow_redirects=False
            )
            assert answer.status_code == 303, typed
