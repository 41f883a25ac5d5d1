"""Issue 19, item 5: input no route accepts is a client error (422), 405 names the methods, and
the OpenAPI document lists every status each operation can answer (without a database)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from headcount import errors
from headcount.calendar import CST, FixedClock
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.web import input_guard, openapi
from headcount.web.app import create_app
from headcount.web.security import ACCESS_KEY, api_routes


def _app() -> FastAPI:
    return create_app(
        Settings(mode="development"), clock=FixedClock(datetime(2020, 11, 2, tzinfo=CST))
    )


def _code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- the guard's checks, one by one ---------------------------------------------------------


def test_json_depth_is_counted_without_parsing_and_ignores_brackets_in_strings() -> None:
    assert not input_guard.too_deep(_nested(32).encode())
    assert input_guard.too_deep(_nested(33).encode())
    assert input_guard.too_deep(_nested(100_000).encode())  # no recursion anywhere
    in_text = json.dumps({"note": "[" * 500, "list": [[1, 2], {"a": "}}}"}]}).encode()
    assert not input_guard.too_deep(in_text)


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ('{"name": "a\\u0000b"}', True),
        ('{"a\\u0000": 1}', True),  # a key counts as much as a value
        ('{"name": ["x", {"y": "\\u001f"}]}', True),
        ('{"name": "\\ud800"}', True),  # a lone surrogate cannot be stored anywhere
        ('{"name": "\\b"}', True),
        ('{"note": "two\\nlines\\tand\\r\\nmore"}', False),  # free text may break lines
        ('{"name": "\\ud83d\\ude00 \\u6d4b\\u8bd5"}', False),  # a surrogate pair is one character
        ('{"name": "a\\\\u0000b"}', False),  # an escaped backslash, then the letters u0000
        ('{"name": "a\\u0000', False),  # malformed: left to the route's own E1006
    ],
)
def test_json_strings_with_control_characters_are_refused(body: str, refused: bool) -> None:
    if refused:
        with pytest.raises(HeadcountError) as caught:
            input_guard.check_json(body.encode())
        assert caught.value.problem is errors.CONTROL_CHARACTER
    else:
        input_guard.check_json(body.encode())


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        (b"username=a%00b&password=x", True),
        (b"username=a\x00b", True),
        (b"note=%1B%5B2J", True),
        (b"note=first+line%0D%0Asecond%09tab", False),
        (b"name=%E6%B5%8B%E8%AF%95", False),
        (b"name=%FF%FE", False),  # not UTF-8: the form's own parser decides
    ],
)
def test_form_fields_with_control_characters_are_refused(body: bytes, refused: bool) -> None:
    if refused:
        with pytest.raises(HeadcountError):
            input_guard.check_form(body)
    else:
        input_guard.check_form(body)


# --- through the app: refused before any route or database -----------------------------------


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("POST", "/api/auth/login", {"json": {"username": "a\x00b", "password": "x"}}),
        ("POST", "/api/self-report/login", {"json": {"account": "AB\x00CD", "password": "x"}}),
        ("GET", "/api/enumerator/households/110101001001001-001%00", {}),
        ("GET", "/api/audit/entries?action=login%00", {}),
        ("GET", "/api/office/staff?limit=5&x%01=1", {}),
    ],
)
def test_a_nul_byte_anywhere_is_422_before_the_route(
    method: str, url: str, kwargs: dict[str, Any]
) -> None:
    # No lifespan: a request reaching a database route would answer 503 (E2004).
    response = TestClient(_app()).request(method, url, **kwargs)
    assert response.status_code == 422, response.text
    assert _code(response) == "E1010"


def test_a_nul_byte_in_a_multipart_form_field_is_refused_too() -> None:
    response = TestClient(_app()).post(
        "/api/auth/login", files={"username": (None, b"a\x00b")}, data={"password": "x"}
    )
    assert response.status_code == 422 and _code(response) == "E1010"


def test_a_nul_byte_in_a_page_form_is_an_error_page() -> None:
    response = TestClient(_app()).post(
        "/sign-in",
        content=b"username=a%00b&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "text/html" in response.headers["content-type"] and "E1010" in response.text


@pytest.mark.parametrize("depth", [33, 50_000])
def test_over_deep_json_is_422(depth: int) -> None:
    body = '{"username": ' + _nested(depth) + ', "password": "x"}'
    response = TestClient(_app(), raise_server_exceptions=False).post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert _code(response) == "E1011"
    assert response.json()["error"]["details"] == {"limit": input_guard.MAX_JSON_DEPTH}


def test_json_within_the_depth_limit_passes_the_guard() -> None:
    body = '{"username": ' + _nested(30) + ', "password": "x"}'
    response = TestClient(_app()).post(
        "/api/auth/login", content=body, headers={"content-type": "application/json"}
    )
    # The route's own dependencies answer (here: no database without a lifespan).
    assert _code(response) not in ("E1010", "E1011"), response.text


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/auth/pledge", "GET, POST"),  # two routes share the path
        ("PUT", "/api/auth/login", "POST"),
        ("PATCH", "/api/self-report/household", "GET, PUT"),
        ("DELETE", "/sign-in", "GET, POST"),  # a page
    ],
)
def test_405_names_every_method_of_the_path(method: str, path: str, allowed: str) -> None:
    response = TestClient(_app()).request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert "E1009" in response.text


# --- the document --------------------------------------------------------------------------


def test_every_declared_route_problem_names_an_operation() -> None:
    app = _app()
    operations = {
        f"{method} {route.path_format}"
        for route in api_routes(list(app.routes))
        if route.include_in_schema
        for method in route.methods or ()
    }
    assert set(openapi.ROUTE_PROBLEMS) <= operations, set(openapi.ROUTE_PROBLEMS) - operations


def test_every_error_status_is_documented_with_the_problem_body_and_its_codes() -> None:
    document = _app().openapi()
    assert "HTTPValidationError" not in json.dumps(document)
    assert document["components"]["schemas"]["Problem"] == openapi.PROBLEM_SCHEMA
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            edge = {"400", "408", "413", "422", "500"}
            assert edge <= set(responses), (method, path)
            for status, response in responses.items():
                if status[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}
                    codes = response[openapi.PROBLEMS_KEY]
                    assert codes and all(code in response["description"] for code in codes)
                    assert all(errors.CATALOGUE[c].status == int(status) for c in codes)
            signed_in = operation[ACCESS_KEY] != "public"
            if signed_in:
                assert {"401", "403", "503"} <= set(responses), (method, path)
                assert operation["security"] == [{openapi.STAFF_SCHEME: []}]
            if path.startswith("/api/self-report/") and not path.endswith("/login"):
                assert operation["security"] == [{openapi.HOUSEHOLD_SCHEME: []}], path
                assert "401" in responses
            if method != "get":
                assert "403" in responses  # the cross-site check
            if not signed_in and "security" not in operation:
                assert "401" not in responses or path.endswith("/login"), (method, path)


def test_paging_parameters_declare_their_bounds() -> None:
    document = _app().openapi()
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                if schema.get("type") == "integer":
                    assert "maximum" in schema and "minimum" in schema, (path, parameter)
