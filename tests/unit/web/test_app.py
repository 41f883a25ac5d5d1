"""The web foundation: problem rendering, headers, limits and declared access on every route."""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from headcount.auth.roles import Actor, Permission, Role
from headcount.calendar import CST, FixedClock
from headcount.config import Settings
from headcount.web.app import MAX_BODY_BYTES, create_app
from headcount.web.i18n import catalogue
from headcount.web.ratelimit import RateLimiter, limit
from headcount.web.security import (
    ACCESS_KEY,
    RouteWithoutAccess,
    SecuredRouter,
    access,
    api_routes,
)


def _app() -> FastAPI:
    return create_app(
        Settings(mode="development"), clock=FixedClock(datetime(2020, 11, 2, tzinfo=CST))
    )


def _with_test_routes(app: FastAPI) -> FastAPI:
    from fastapi import Depends

    router = SecuredRouter()

    @router.get("/api/test/review", openapi_extra=access(Permission.review_first))
    def review() -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/api/test/boom", openapi_extra=access("public"))
    def boom() -> None:
        raise RuntimeError("secret 110101194912310021 must not leak")

    @router.get("/api/test/db", openapi_extra=access("public"))
    def db() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    @router.get("/api/test/pool", openapi_extra=access("public"))
    def pool() -> None:
        from sqlalchemy.exc import TimeoutError as PoolTimeoutError

        raise PoolTimeoutError("QueuePool limit reached")

    @router.get(
        "/api/test/limited",
        openapi_extra=access("public"),
        dependencies=[Depends(limit("t", per_minute=2))],
    )
    def limited() -> dict[str, str]:
        return {"ok": "yes"}

    @router.post("/api/test/echo", openapi_extra=access("public"))
    def echo(body: dict[str, int]) -> dict[str, int]:
        return body

    app.include_router(router)
    return app


def test_health_has_security_headers_and_no_store() -> None:
    response = TestClient(_app()).get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert len(response.headers["x-request-id"]) >= 8


def test_calendar_uses_the_settable_clock() -> None:
    body = TestClient(_app()).get("/api/calendar").json()
    assert body["reference_time"] == "2020-11-01T00:00:00+08:00"
    assert body["self_report_closes"] == "2020-11-06T00:00:00+08:00"
    assert body["now"].startswith("2020-11-02")


def test_unknown_route_json_under_api_html_elsewhere() -> None:
    client = TestClient(_app())
    api = client.get("/api/nothing-here")
    assert api.status_code == 404 and api.json()["error"]["code"] == "E1008"
    assert api.json()["error"]["message"]["en"]
    page = client.get("/nothing-here", headers={"accept": "text/html"})
    assert page.status_code == 404 and "E1008" in page.text and "<html" in page.text
    english = client.get("/nothing-here?lang=en", headers={"accept": "text/html"})
    assert "Something went wrong" in english.text


def test_declared_permission_is_enforced() -> None:
    app = _with_test_routes(_app())
    client = TestClient(app)
    assert client.get("/api/test/review").json()["error"]["code"] == "E2001"
    app.state.actor_resolver = lambda request: Actor("e", Role.enumerator, pledge_accepted=True)
    denied = client.get("/api/test/review")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "E2002"
    app.state.actor_resolver = lambda request: Actor("s", Role.supervisor, pledge_accepted=True)
    assert client.get("/api/test/review").json() == {"ok": "yes"}


def test_route_without_declared_access_cannot_be_registered() -> None:
    router = SecuredRouter()
    with pytest.raises(RouteWithoutAccess):

        @router.get("/api/undeclared")
        def undeclared() -> None:
            return None


def test_every_route_of_the_app_declares_access() -> None:
    routes = api_routes(_with_test_routes(_app()).routes)
    assert {"/healthz", "/api/calendar", "/api/test/review"} <= {r.path for r in routes}
    for route in routes:
        assert ACCESS_KEY in (route.openapi_extra or {}), route.path


def test_unexpected_error_is_e1000_without_its_text() -> None:
    client = TestClient(_with_test_routes(_app()), raise_server_exceptions=False)
    response = client.get("/api/test/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "E1000"
    assert "110101194912310021" not in response.text and "secret" not in response.text


def test_database_down_is_503_with_retry_after() -> None:
    response = TestClient(_with_test_routes(_app())).get("/api/test/db")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "E2004"
    assert int(response.headers["retry-after"]) > 0


def test_exhausted_connection_pool_is_503_not_500() -> None:
    response = TestClient(_with_test_routes(_app())).get("/api/test/pool")
    assert response.status_code == 503 and response.json()["error"]["code"] == "E2004"
    assert int(response.headers["retry-after"]) > 0


def test_rate_limit_answers_429_with_retry_after() -> None:
    client = TestClient(_with_test_routes(_app()))
    assert client.get("/api/test/limited").status_code == 200
    assert client.get("/api/test/limited").status_code == 200
    limited = client.get("/api/test/limited")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "E2003"
    assert int(limited.headers["retry-after"]) >= 1


def test_rate_limiter_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.hit("b", "c", per_minute=60, burst=1)
    with pytest.raises(Exception, match="E2003"):
        limiter.hit("b", "c", per_minute=60, burst=1)
    now[0] = 1.0
    limiter.hit("b", "c", per_minute=60, burst=1)


def test_body_limit_and_validation_errors() -> None:
    client = TestClient(_with_test_routes(_app()))
    big = b'{"a": 1, "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    too_big = client.post(
        "/api/test/echo", content=big, headers={"content-type": "application/json"}
    )
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "E1007"
    bad = client.post("/api/test/echo", json={"a": "secret-value-zhang"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "E1006"
    assert "secret-value-zhang" not in bad.text  # input values are never echoed


def test_catalogues_have_the_same_keys() -> None:
    assert catalogue("zh").keys() == catalogue("en").keys()


def test_every_literal_key_in_the_templates_is_in_the_catalogue() -> None:
    """A key missing from the catalogue shows as itself ("staff.tasks.title" was a task list's
    heading); keys built at run time (``'staff.reason.' ~ code``) are checked by their pages."""
    import re
    from pathlib import Path

    import headcount.web

    root = Path(headcount.web.__file__).parent / "templates"
    used = {
        (path.relative_to(root).as_posix(), key)
        for path in root.rglob("*.html")
        for key in re.findall(r"""\bt\(\s*'([a-z0-9_.]+)'\s*[,)]""", path.read_text("utf-8"))
    }
    assert len(used) > 100
    known = catalogue("zh").keys()
    missing = sorted((page, key) for page, key in used if key not in known)
    assert missing == []
