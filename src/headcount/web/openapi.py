"""The API's contract: what no route accepts (``input_guard``), and every status each route can
answer, documented in the OpenAPI document with the one problem body.

The statuses come from two places, merged per operation:

- derived here from what the route is, in one place, so no decorator has to repeat them: every
  request can meet the edge (E2130 host, E2132 body timeout, E1007 size, E1010 control
  characters, E1000); a state-changing one the cross-site check (E2131); a JSON body validation
  and the depth limit (E1006, E1011); a staff route the session and permission checks (E2001,
  E2020, E2014, E2015, E2002); a route that reads the database its faults (E2004, E1621–E1623,
  E1012); a rate-limited route E2003; a route that decrypts, a crypto-shredded scope (E1407);
- declared for what each operation's service can refuse, in ``ROUTE_PROBLEMS`` below (one table
  rather than sixty decorators; a test checks that every entry names an operation). An operation
  that answers ``SELF_REPORT_SIGNED_OUT`` is signed in with a household's card.

Each error status is documented with the ``Problem`` schema and the codes that can carry it
(``x-problems``; 429 and 503 with ``Retry-After``), and each signed-in operation with its security
scheme (a bearer token; browsers send the same token in a cookie).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from headcount import errors
from headcount.errors import Problem
from headcount.web import deps
from headcount.web.security import ACCESS_KEY, api_routes

STAFF_SCHEME, HOUSEHOLD_SCHEME = "staff", "household"
PROBLEMS_KEY = "x-problems"  # on each error response: the codes that can carry its status

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "status", "message", "details", "request_id"],
            "properties": {
                "code": {"type": "string", "pattern": "^E[0-9]{4}$", "examples": ["E2035"]},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "message": {
                    "type": "object",
                    "required": ["zh", "en"],
                    "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
                },
                "details": {"type": "object"},
                "request_id": {"type": "string"},
            },
        }
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_RETRY_AFTER = {"description": "seconds to wait", "schema": {"type": "integer", "minimum": 1}}
_SECURITY_SCHEMES = {
    STAFF_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff session: the token of `POST /api/auth/login` with "
        '`"client": "device"` (browsers get the same token as an HttpOnly cookie)',
    },
    HOUSEHOLD_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A household's self-report session: the token of "
        "`POST /api/self-report/login` with the card's account and password",
    },
}

EDGE = (
    errors.HOST_NOT_ALLOWED,
    errors.REQUEST_TIMEOUT,
    errors.BODY_TOO_LARGE,
    errors.CONTROL_CHARACTER,
    errors.INTERNAL,
)
STATE_CHANGING = (errors.CROSS_SITE_REFUSED,)
VALIDATED = (errors.REQUEST_INVALID,)
JSON_BODY = (errors.JSON_TOO_DEEP,)
STAFF = (
    errors.UNAUTHENTICATED,
    errors.SESSION_EXPIRED,
    errors.PASSWORD_CHANGE_REQUIRED,
    errors.TOTP_ENROLMENT_REQUIRED,
    errors.FORBIDDEN,
)
DATABASE = (
    errors.VALUE_NOT_STORABLE,
    errors.UNAVAILABLE,
    errors.DATABASE_READ_ONLY,
    errors.DISK_FULL,
    errors.DATABASE_LOCKED,
)
RATE_LIMITED = (errors.RATE_LIMITED,)
PROTECTED = (errors.SCOPE_SHREDDED,)  # personal data of a crypto-shredded scope is gone for good
_SUBMISSION = (  # a household record checked against its form (registration, confirmation)
    errors.FORM_UNKNOWN,
    errors.FORM_PROVISIONAL,
    errors.HOUSEHOLD_MALFORMED,
    errors.FIELD_NOT_OBJECT,
    errors.FIELD_UNKNOWN,
    errors.VALUE_TYPE,
    errors.FIELD_MISSING,
    errors.SUBMISSION_INVALID,
    errors.HOUSEHOLD_NO_MISMATCH,
    errors.SUBMISSION_FINDINGS,
    errors.REGISTER_NOT_FOUND,
    errors.SMALL_AREA_UNKNOWN,
    errors.VERSION_STALE,
    errors.SUBMISSION_CONFLICT,
    errors.HOUSEHOLD_NUMBER_TAKEN,
    errors.WRITE_CONFLICT,
    errors.LONG_FORM_NOT_SAMPLED,
    errors.REGISTRATION_CLOSED,
)
_HOUSEHOLD = (errors.SELF_REPORT_SIGNED_OUT,)  # signed in with a self-report card
_REVIEW = (
    errors.HOUSEHOLD_NOT_FOUND,
    errors.VERSION_STALE,
    errors.REVIEW_NOT_ALLOWED,
    errors.REJECTION_REASON_REQUIRED,
)
_QUALITY = (
    errors.QUALITY_REPORT_NOT_CONFIGURED,
    errors.QUALITY_REPORT_UNREADABLE,
    errors.QUALITY_REPORT_NOT_QUALITY,
    errors.QUALITY_REPORT_ABSENT,
)
_STAFF_MEMBER = (errors.STAFF_NOT_FOUND,)
_ASSIGNMENT = (errors.STAFF_NOT_FOUND, errors.ASSIGNMENT_INVALID, errors.AREA_NOT_FOUND)

# What each operation's service can refuse, besides the derived: "METHOD /path" → problems.
ROUTE_PROBLEMS: dict[str, tuple[Problem, ...]] = {
    # enumerator
    "POST /api/enumerator/small-areas/{small_area_code}/register": (
        errors.SMALL_AREA_NOT_FOUND,
        errors.SMALL_AREA_CAP,
        errors.ALL_DIED_EXISTS,
        errors.WRITE_CONFLICT,
    ),
    "GET /api/enumerator/small-areas/{small_area_code}/register": (errors.SMALL_AREA_NOT_FOUND,),
    "PUT /api/enumerator/households/{household_id}/mode": (
        errors.REGISTER_NOT_FOUND,
        errors.REVIEW_NOT_ALLOWED,
        errors.MODE_AFTER_REGISTRATION,
    ),
    "POST /api/enumerator/households/{household_id}/submissions": _SUBMISSION,
    "GET /api/enumerator/households/{household_id}": (errors.HOUSEHOLD_NOT_FOUND,),
    "GET /api/enumerator/tasks/{task_id}": (errors.TASK_NOT_FOUND,),
    "GET /api/enumerator/tasks/{task_id}/verification": (
        errors.TASK_NOT_FOUND,
        errors.VERIFY_NOT_VERIFICATION,
        errors.HOUSEHOLD_NOT_FOUND,
        errors.REGISTER_RECORD_NOT_FOUND,
    ),
    "POST /api/enumerator/tasks/{task_id}/answer": (
        errors.TASK_NOT_FOUND,
        errors.VERIFY_NOT_VERIFICATION,
        errors.VERIFY_ANSWER_INVALID,
        errors.VERIFY_TASK_CLOSED,
    ),
    "GET /api/enumerator/small-areas/{small_area_code}/households": (errors.SMALL_AREA_NOT_FOUND,),
    "POST /api/enumerator/self-report/households/{household_id}/card": (
        errors.REGISTER_NOT_FOUND,
        errors.SELF_REPORT_CLOSED,
        errors.SELF_REPORT_NOT_OFFERED,
    ),
    "GET /api/enumerator/self-report/small-areas/{small_area_code}/cards": (
        errors.SMALL_AREA_NOT_FOUND,
    ),
    "POST /api/enumerator/self-reports/{household_id}/confirm": (
        *_SUBMISSION,
        errors.SELF_REPORT_NOT_FOUND,
        errors.SELF_REPORT_CONFIRM_EARLY,
        errors.SELF_REPORT_NOT_SUBMITTED,
    ),
    "GET /api/enumerator/self-reports/{household_id}": (errors.SELF_REPORT_NOT_FOUND,),
    # sign-in and the account
    "POST /api/auth/login": (
        errors.LOGIN_FAILED,
        errors.LOGIN_LOCKED,
        errors.TOTP_REQUIRED,
        errors.TOTP_INVALID,
    ),
    "POST /api/auth/password": (errors.PASSWORD_REJECTED, errors.CURRENT_PASSWORD_WRONG),
    "POST /api/auth/totp/enrol": (errors.TOTP_STATE,),
    "POST /api/auth/totp/confirm": (errors.TOTP_INVALID, errors.TOTP_STATE),
    "POST /api/auth/pledge": (errors.PLEDGE_VERSION,),
    # office set-up
    "POST /api/office/areas/import": (errors.AREA_FILE_INVALID, errors.AREA_ROWS_INVALID),
    "GET /api/office/census-areas": (errors.PAGE_SIZE_INVALID,),
    "GET /api/office/census-areas/{census_area_code}/small-areas": (errors.AREA_NOT_FOUND,),
    "POST /api/office/staff": (
        errors.USERNAME_TAKEN,
        errors.USERNAME_INVALID,
        errors.GRANT_INVALID,
        errors.GRANT_OUTSIDE_SCOPE,
        errors.ROLE_NOT_CREATABLE,
        errors.AREA_NOT_FOUND,
        errors.WRITE_CONFLICT,
    ),
    "GET /api/office/staff": (errors.PAGE_SIZE_INVALID,),
    "GET /api/office/staff/{staff_id}": _STAFF_MEMBER,
    "POST /api/office/staff/{staff_id}/disable": (*_STAFF_MEMBER, errors.STAFF_DISABLED_SELF),
    "PUT /api/office/staff/{staff_id}/grants": (
        *_STAFF_MEMBER,
        errors.GRANT_INVALID,
        errors.GRANT_OUTSIDE_SCOPE,
        errors.AREA_NOT_FOUND,
    ),
    "PUT /api/office/staff/{staff_id}/permissions": (*_STAFF_MEMBER, errors.GRANT_INVALID),
    "POST /api/office/staff/{staff_id}/password-reset": _STAFF_MEMBER,
    "POST /api/office/staff/{staff_id}/totp-reset": _STAFF_MEMBER,
    "POST /api/office/small-areas/{small_area_code}/enumerators": _ASSIGNMENT,
    "POST /api/office/census-areas/{census_area_code}/supervisors": _ASSIGNMENT,
    "GET /api/office/small-areas/{small_area_code}/buildings": (errors.AREA_NOT_FOUND,),
    # review, progress, the long-form sample
    "POST /api/supervisor/households/{household_id}/review": _REVIEW,
    "POST /api/office/households/{household_id}/review": _REVIEW,
    "GET /api/progress": (errors.AREA_NOT_FOUND,),
    "GET /api/progress/{area_code}": (errors.AREA_NOT_FOUND,),
    "POST /api/office/samples": (errors.SAMPLE_EXISTS, errors.SAMPLE_FRAME_EMPTY),
    "GET /api/office/samples/{sample_id}": (errors.SAMPLE_NOT_FOUND,),
    "GET /api/office/samples/{sample_id}/census-areas/{census_area_code}": (
        errors.SAMPLE_NOT_FOUND,
        errors.AREA_NOT_FOUND,
    ),
    "POST /api/office/samples/{sample_id}/substitutions": (
        errors.SAMPLE_NOT_FOUND,
        errors.SAMPLE_IMMUTABLE,
    ),
    "POST /api/office/follow-ups": (errors.REVIEW_NOT_ALLOWED,),
    # the offices' results (web.results)
    "GET /api/results": (errors.RESULTS_NOT_CONFIGURED, errors.RESULTS_UNREADABLE),
    "GET /api/results/{table_id}": (
        errors.RESULTS_NOT_CONFIGURED,
        errors.RESULTS_UNREADABLE,
        errors.RESULTS_TABLE_NOT_FOUND,
        errors.RESULTS_LEVEL_UNAVAILABLE,
    ),
    # the offices' quality report (web.quality)
    "GET /api/quality": _QUALITY,
    "GET /api/quality/{area_code}": (*_QUALITY, errors.QUALITY_REPORT_AREA_NOT_FOUND),
    # the audit trail
    "GET /api/audit/entries": (errors.PAGE_SIZE_INVALID,),
    "GET /api/audit/verify": (
        errors.FILE_NOT_FOUND,
        errors.FILE_UNREADABLE,
        errors.TREE_HEAD_FILE_MALFORMED,
        errors.TREE_HEAD_SIGNATURE_INVALID,
    ),
    # the household's self-report
    "POST /api/self-report/login": (errors.SELF_REPORT_LOGIN_FAILED, errors.LOGIN_LOCKED),
    "GET /api/self-report/household": (*_HOUSEHOLD, errors.FORM_UNKNOWN),
    "PUT /api/self-report/household": (
        *_HOUSEHOLD,
        errors.SELF_REPORT_CLOSED,
        errors.DRAFT_MALFORMED,
        errors.DRAFT_TOO_LARGE,
        errors.WRITE_CONFLICT,
    ),
    "POST /api/self-report/submit": (
        *_HOUSEHOLD,
        errors.SELF_REPORT_CLOSED,
        errors.SELF_REPORT_PLEDGE_REQUIRED,
        errors.SELF_REPORT_FINDINGS,
        errors.WRITE_CONFLICT,
    ),
    "POST /api/self-report/logout": _HOUSEHOLD,
}
_DATABASE_DEPENDENCIES: frozenset[Callable[..., Any]] = frozenset(
    {
        deps.get_engine,
        deps.get_protector,
        deps.db_session,
        deps.db_read_session,
        deps.request_protector,
        deps.account_context,
    }
)
_PROTECTOR_DEPENDENCIES: frozenset[Callable[..., Any]] = frozenset(
    {deps.get_protector, deps.request_protector}
)
_RATE_LIMIT_MODULES = frozenset({"headcount.web.ratelimit", "headcount.web.routes.limits"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def install(app: FastAPI) -> None:
    """Complete the OpenAPI document (the input refused before any route is ``input_guard``'s,
    called by ``SecurityMiddleware``)."""
    build = app.openapi  # FastAPI's: cached, built again when routes are added
    completed: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = build()
        if not completed or completed[0] is not document:
            completed[:] = [complete(document, app)]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def problems_of(route: APIRoute, method: str) -> list[Problem]:
    """Every problem ``method`` on ``route`` can answer, derived and declared."""
    calls = list(_calls(route.dependant))
    signed_in = (route.openapi_extra or {}).get(ACCESS_KEY, "public") != "public"
    found: list[Problem] = list(EDGE)
    if method not in _SAFE_METHODS:
        found += STATE_CHANGING
    if route.dependant.query_params or route.dependant.path_params or route.body_field:
        found += VALIDATED
    if route.body_field is not None:
        found += JSON_BODY
    if signed_in:
        found += STAFF
    if signed_in or any(call in _DATABASE_DEPENDENCIES for call in calls):
        found += DATABASE
    if any(getattr(call, "__module__", "") in _RATE_LIMIT_MODULES for call in calls):
        found += RATE_LIMITED
    if any(call in _PROTECTOR_DEPENDENCIES for call in calls):
        found += PROTECTED
    found += ROUTE_PROBLEMS.get(f"{method} {route.path_format}", ())
    return list(dict.fromkeys(found))


def _describe(problems: list[Problem]) -> str:
    return "\n".join(f"- {p.code}: {p.en}" for p in problems)


def complete(document: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """Every operation's error statuses with the problem body; security schemes; the problem
    schema in place of FastAPI's validation error (which this service never answers)."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components["securitySchemes"] = _SECURITY_SCHEMES
    for route in api_routes(list(app.routes)):
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = document["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            problems = problems_of(route, method)
            responses = operation.setdefault("responses", {})
            for key in [k for k in responses if k[:1] in "45"]:
                del responses[key]  # FastAPI's 422 and the declared: rewritten just below
            by_status: dict[int, list[Problem]] = {}
            for problem in problems:
                by_status.setdefault(problem.status, []).append(problem)
            for status, listed in sorted(by_status.items()):
                responses[str(status)] = {
                    "description": _describe(listed),
                    "content": {"application/json": {"schema": _PROBLEM_REF}},
                    PROBLEMS_KEY: [p.code for p in listed],
                }
                if status in (429, 503):
                    responses[str(status)]["headers"] = {"Retry-After": _RETRY_AFTER}
            if errors.SELF_REPORT_SIGNED_OUT in problems:
                operation["security"] = [{HOUSEHOLD_SCHEME: []}]
            elif (route.openapi_extra or {}).get(ACCESS_KEY, "public") != "public":
                operation["security"] = [{STAFF_SCHEME: []}]
    return document
