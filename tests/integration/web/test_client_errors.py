"""Issue 19, item 5 on both databases: client errors are answered as client errors.

``?offset=1e20`` answered 500 (an integer SQLite cannot hold); a NUL byte in a sign-in name, a
card account or a household id answered 503 "retry in 30 s" on PostgreSQL (psycopg refuses NUL
in text) and logged "database unavailable". Now the declared bounds and the input guard answer
422 before any query, and a value the database refuses anyway is 422 (E1012) without a warning.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request

from headcount.auth.roles import Role
from headcount.store import faults
from headcount.web.deps import EngineDep
from headcount.web.routes.paging import MAX_OFFSET
from headcount.web.security import SecuredRouter, access
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    HOME_SA,
    add_areas,
    add_staff,
    app_for,
    client_for,
    error_code,
    new_clock,
    sign_in,
)

HUGE = ["1e20", "100000000000000000000", str(2**63)]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("value", HUGE)
def test_huge_paging_values_are_422_not_500(census: Census, value: str) -> None:
    clock = new_clock()
    add_areas(census)
    office = add_staff(census, "office.page", Role.national_office)
    auditor = add_staff(census, "audit.page", Role.auditor)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, office, clock)
        for url in (
            f"/api/office/census-areas?offset={value}",
            f"/api/office/staff?offset={value}",
            f"/api/office/samples/00000000-0000-4000-8000-000000000001/census-areas/"
            f"110101001001?after={value}",
        ):
            response = client.get(url)
            assert response.status_code == 422, (url, response.text)
            assert error_code(response) == "E1006"
        deepest = client.get(f"/api/office/census-areas?offset={MAX_OFFSET}")
        assert deepest.status_code == 200 and deepest.json()["items"] == []
        client.cookies.clear()
        sign_in(client, auditor, clock)
        response = client.get(f"/api/audit/entries?after_seq={value}")
        assert response.status_code == 422 and error_code(response) == "E1006"


def test_nul_bytes_are_422_and_log_no_database_warning(
    census: Census, caplog: pytest.LogCaptureFixture
) -> None:
    clock = new_clock()
    add_areas(census)
    enumerator = add_staff(census, "enum.nul", Role.enumerator, (HOME_SA,), totp=False)
    with client_for(app_for(census, clock)) as client:
        attempts: list[tuple[str, str, dict[str, Any]]] = [
            ("POST", "/api/auth/login", {"json": {"username": "enum\x00nul", "password": "x"}}),
            (
                "POST",
                "/api/self-report/login",
                {"json": {"account": "ABCDE-\x00FGHI", "password": "x"}},
            ),
            (
                "POST",
                "/sign-in",
                {"data": {"username": "enum\x00nul", "password": "x"}},
            ),
        ]
        for method, url, kwargs in attempts:
            response = client.request(method, url, **kwargs)
            assert response.status_code == 422, (url, response.text)
            assert "E1010" in response.text
        sign_in(client, enumerator, clock)
        for url in (
            "/api/enumerator/households/110101001001001-001%00",
            "/api/enumerator/self-reports/%00",
            f"/api/enumerator/small-areas/{HOME_SA}/register?after=%00",
        ):
            response = client.get(url)
            assert response.status_code == 422, (url, response.text)
            assert error_code(response) == "E1010"
        assert client.get("/api/auth/me").status_code == 200  # nothing else was disturbed
    assert _warnings(caplog) == []


async def _raw(request: Request) -> str:
    return (await request.body()).decode()


def _storing(app: FastAPI) -> FastAPI:
    """A route that hands a value straight to the database: an octet-stream body, which the
    input guard leaves to its reader, as a guard would miss a case nobody foresaw."""
    router = SecuredRouter()

    @router.post("/api/test/store", openapi_extra=access("public"))
    def store(value: Annotated[str, Depends(_raw)], engine: EngineDep) -> dict[str, str]:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT CAST(:v AS VARCHAR(40))"), {"v": value}).scalar()
        return {"stored": str(stored)}

    app.include_router(router)
    return app


def test_a_value_the_database_refuses_is_422_not_database_down(
    census: Census, caplog: pytest.LogCaptureFixture
) -> None:
    octets = {"content-type": "application/octet-stream"}
    with TestClient(_storing(app_for(census, new_clock()))) as client:
        plain = client.post("/api/test/store", content=b"plain", headers=octets)
        assert plain.json() == {"stored": "plain"}
        response = client.post("/api/test/store", content=b"a\x00b", headers=octets)
    if census.kind == "postgresql":  # psycopg refuses a NUL in text: a DataError, not an outage
        assert response.status_code == 422, response.text
        assert error_code(response) == "E1012"
        assert "Retry-After" not in response.headers
    else:  # SQLite stores it
        assert response.status_code == 200, response.text
    assert _warnings(caplog) == []


def test_the_store_names_a_refused_value_a_client_error(census: Census) -> None:
    if census.kind != "postgresql":
        pytest.skip("SQLite stores a NUL and has no integer type to overflow")
    for statement, value in (
        ("SELECT CAST(:v AS TEXT)", "a\x00b"),  # psycopg: no NUL in text
        ("SELECT CAST(:v AS INTEGER)", 10**12),  # PostgreSQL: 22003 numeric_value_out_of_range
    ):
        with census.engine.connect() as conn, pytest.raises(DBAPIError) as raised:
            conn.execute(text(statement), {"v": value})
        named = faults.classify(raised.value)
        assert named.code == "E1012" and named.problem.status == 422, statement
