"""No personal data in the server's log (issue: a malformed value carrying a name and an ID
number made a save answer 500, and uvicorn logged the traceback with the value, 77 times in one
demo run).

A real server (uvicorn as ``headcount serve`` runs it) gets malformed requests with canary names
and ID numbers planted in every field a client controls: path, query, headers, cookies, JSON
and form bodies, signed in as staff and as a household. Everything it logged, through logging
and on stderr, is scanned: no canary, no traceback, no 5xx but the documented 503s. An
unexpected exception whose text quotes input is logged by type, place and request id only."""

from __future__ import annotations

import itertools
import json
import logging
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.web.app import create_app
from headcount.web.security import api_routes
from tests.integration.conftest import Census
from tests.integration.synthetic import CANARY_IDS, CANARY_NAMES, CANARY_STRINGS
from tests.integration.web.live import served
from tests.integration.web.test_auth_support import (
    add_staff,
    app_for,
    client_for,
    sign_in,
)
from tests.integration.web.test_selfreport import BEFORE_REFERENCE, _card, _setup

NAME, ID = CANARY_NAMES[0], CANARY_IDS[0]


def _live_app(census: Census, clock: FixedClock) -> FastAPI:
    settings = census.settings.model_copy(update={"allowed_hosts": ("127.0.0.1",)})
    return create_app(settings, clock=clock, engine=census.engine, protector=census.protector)


def _logged(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> str:
    """Everything the server process logged: stderr and stdout, and every log record with its
    exception text, formatted as a handler would format it."""
    out, err = capfd.readouterr()
    formatter = logging.Formatter()
    records = []
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue  # the test's own client logs the URLs it asks for
        records.append(record.getMessage())
        if record.exc_info:
            records.append(formatter.formatException(record.exc_info))
    return "\n".join([out, err, *records])


def _bodies() -> list[dict[str, Any]]:
    """Malformed requests with canaries everywhere a household's or an enumerator's data goes."""
    person = {"name": NAME, "citizen_id": ID, "relationship": NAME, "birth": {"y": ID}}
    shaped = {
        "record": {"form": "short", "items": {"household_type": NAME}, "persons": [person, ID]},
        "entries": [{"head_name": NAME, "mode": ID, "expected_persons": NAME}],
        "username": NAME,
        "password": ID,
        "account": ID,
        "declarant": NAME,
        "reason": f"{NAME} {ID}",
        "name": NAME,
        "citizen_id": ID,
        "phone": ID,
    }
    truncated = json.dumps(shaped, ensure_ascii=False)[:-7]
    form = {
        "p-name": NAME,
        "p-citizen_id": ID,
        "h-household_type": NAME,
        "account": ID,
        "password": NAME,
        "csrf": ID,
        "form_token": NAME,
        "declarant": NAME,
        "shown": f"{NAME},{ID}",
    }
    return [
        {"json": shaped},
        {"content": truncated.encode(), "headers": {"content-type": "application/json"}},
        {"data": form},
        {"content": ("name=" + quote(NAME) + "&id=" + ID).encode() + b"\xff\xfe"},
    ]


def _paths(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, its path parameters filled with canaries."""
    seen = set()
    for route in api_routes(list(app.routes)):
        path = route.path
        for i, name in enumerate(route.param_convertors):
            value = quote(NAME if i % 2 == 0 else ID)
            path = path.replace("{" + name + "}", value)
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                seen.add((method, path))
    return sorted(seen)


@pytest.mark.slow
def test_malformed_requests_leave_no_personal_data_in_the_log(
    census: Census, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FixedClock(BEFORE_REFERENCE)
    with client_for(app_for(census, clock)) as staff:
        (household_id,) = _setup(census, clock, staff)
        card = _card(staff, household_id)
        office = add_staff(census, "county.log", Role.county_office, ("110101",), totp=False)
        staff_token = str(sign_in(staff, office, clock)["token"])
    app = _live_app(census, clock)
    statuses: dict[int, int] = {}
    with served(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        login = client.post(
            "/api/self-report/login",
            json={"account": card["account"], "password": card["password"]},
        )
        household_token = login.json()["token"]
        contexts = [
            {
                "Authorization": f"Bearer {staff_token}",
                "Cookie": f"headcount_household={household_token}; lang={quote(NAME)}",
            },
            {"Authorization": f"Bearer {household_token}", "Cookie": f"headcount_session={ID}"},
        ]
        capfd.readouterr()  # from here on: what the malformed requests made the server log
        for (method, path), auth, body in itertools.product(_paths(app), contexts, _bodies()):
            raw = {
                **auth,
                "Accept-Language": NAME,
                "User-Agent": f"{NAME}/{ID}",
                "X-Request-ID": ID,
                "X-Forwarded-For": ID,
                **body.get("headers", {}),
            }
            headers = {k: v.encode() for k, v in raw.items()}  # UTF-8 bytes, as a client may
            kwargs = {k: v for k, v in body.items() if k != "headers"}
            answer = client.request(
                method,
                path,
                params={"offset": ID, "q": NAME, "next": f"/{NAME}", "account": ID},
                headers=headers,
                **kwargs,
            )
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            assert answer.status_code < 500 or answer.status_code == 503, (method, path)
    logged = _logged(capfd, caplog)
    leaked = [c for c in CANARY_STRINGS if c in logged]
    lines = [line[:300] for line in logged.splitlines() if any(c in line for c in leaked)]
    assert not leaked, f"{len(leaked)} canaries in the server log: {lines[:3]}"
    assert "Traceback" not in logged
    assert sum(statuses.values()) > 300, statuses


def test_an_unexpected_error_is_logged_by_type_and_place_only(
    census: Census, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = _live_app(census, FixedClock(BEFORE_REFERENCE))

    def explode(value: str) -> None:
        raise ValueError(f"cannot store {value} for {NAME}")

    app.add_api_route("/api/explode/{value}", explode, methods=["POST"])
    with served(app) as base:
        answer = httpx.post(f"{base}/api/explode/{ID}", json={"name": NAME})
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert error["code"] == "E1000" and error["request_id"] == answer.headers["x-request-id"]
    assert NAME not in answer.text and ID not in answer.text
    logged = _logged(capfd, caplog)
    assert ID not in logged and NAME not in logged and "Traceback" not in logged
    assert "unexpected ValueError at test_server_log.py:explode:" in logged
    assert error["request_id"] in logged
