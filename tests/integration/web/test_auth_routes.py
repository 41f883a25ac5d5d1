"""Every route of the full application declares its access, anonymous callers reach only the
public ones, and the OpenAPI document lists every route without a full ID in any example
(checklist Z2, Z3)."""

from __future__ import annotations

import json
import re

from fastapi.routing import APIRoute

from headcount.auth.roles import PERSONAL_DATA, Role
from headcount.config import Settings
from headcount.web.app import create_app
from headcount.web.security import ACCESS_KEY, api_routes
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    add_staff,
    app_for,
    client_for,
    new_clock,
    sign_in,
)

FULL_ID = re.compile(r"\b\d{17}[\dXx]\b")


def _routes() -> list[APIRoute]:
    app = create_app(Settings(mode="development"))
    return [r for r in api_routes(list(app.routes)) if r.include_in_schema]


def test_every_route_of_the_full_app_declares_access() -> None:
    routes = _routes()
    assert {"/api/auth/login", "/api/office/staff", "/api/office/areas/import"} <= {
        r.path for r in routes
    }
    public = {r.path for r in routes if (r.openapi_extra or {}).get(ACCESS_KEY) == "public"}
    assert "/api/auth/login" in public and "/api/office/staff" not in public
    for route in routes:
        assert (route.openapi_extra or {}).get(ACCESS_KEY), route.path


def test_openapi_lists_every_route_and_no_full_id_in_examples() -> None:
    app = create_app(Settings(mode="development"))
    document = app.openapi()
    for route in _routes():
        for method in route.methods or ():
            operation = document["paths"][route.path][method.lower()]
            assert operation[ACCESS_KEY] == route.openapi_extra[ACCESS_KEY]  # type: ignore[index]
    assert not FULL_ID.search(json.dumps(document, ensure_ascii=False))


def test_anonymous_callers_get_only_public_endpoints(census: Census) -> None:
    with client_for(app_for(census, new_clock())) as client:
        for route in _routes():
            declared = (route.openapi_extra or {}).get(ACCESS_KEY)
            if declared == "public" or not route.path.startswith("/api/"):
                continue
            path = re.sub(r"\{[^}]+\}", "110101001001001", route.path)
            for method in route.methods or ():
                response = client.request(method, path, json={})
                assert response.status_code == 401, (method, path, response.text)
                assert response.json()["error"]["code"] == "E2001"


def test_administrator_and_auditor_are_refused_every_personal_data_route(census: Census) -> None:
    clock = new_clock()
    admin = add_staff(census, "sys.ops", Role.system_admin)
    auditor = add_staff(census, "audit.only", Role.auditor)
    personal = [
        r
        for r in _routes()
        if (r.openapi_extra or {}).get(ACCESS_KEY) in {p.value for p in PERSONAL_DATA}
    ]
    assert personal, "the app has personal-data routes to check"
    with client_for(app_for(census, clock)) as client:
        for account in (admin, auditor):
            client.cookies.clear()
            sign_in(client, account, clock)
            for route in personal:
                path = re.sub(r"\{[^}]+\}", "110101001001001", route.path)
                for method in route.methods or ():
                    response = client.request(method, path, json={})
                    assert response.status_code == 403, (account.username, method, path)


def test_the_auditor_writes_nothing_anywhere(census: Census) -> None:
    clock = new_clock()
    auditor = add_staff(census, "audit.ro", Role.auditor)
    with client_for(app_for(census, clock)) as client:
        sign_in(client, auditor, clock)
        before = _row_counts(census)
        for route in _routes():
            if not route.path.startswith("/api/") or route.path.startswith("/api/auth/"):
                continue  # signing in and out of one's own account is not data
            path = re.sub(r"\{[^}]+\}", "110101001001001", route.path)
            for method in set(route.methods or ()) - {"GET", "HEAD"}:
                response = client.request(method, path, json={})
                assert response.status_code >= 400, (method, path, response.status_code)
        assert _row_counts(census) == before


def _row_counts(census: Census) -> dict[str, int]:
    from sqlalchemy import func, select

    from headcount.store.models import Base
    from headcount.store.session import read_transaction

    with read_transaction(census.engine) as session:
        return {
            table.name: int(session.execute(select(func.count()).select_from(table)).scalar() or 0)
            for table in Base.metadata.sorted_tables
            if table.name not in ("audit_log", "audit_pending", "staff_sessions", "data_keys")
        }
