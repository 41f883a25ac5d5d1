"""One handler for every error: JSON under /api, an HTML page elsewhere; never a traceback.

Details are shown only for catalogued problems (they carry no personal data by construction); an
unexpected exception becomes E1000 with the request id, and its text goes nowhere near the client.

A page (not the JSON API) that needs a sign-in the browser does not have answers 303 to the right
sign-in page instead of an error page, with ``next=`` the page asked for when it can be shown
again (a GET); the sign-in pages go there afterwards (``security.local_path`` keeps it local).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import Match

from headcount import errors
from headcount.errors import HeadcountError, Lang
from headcount.store import faults
from headcount.web.i18n import negotiate, translate
from headcount.web.security import api_routes, local_path

log = logging.getLogger("headcount.web")


def wants_json(path: str, accept: str = "") -> bool:
    return path.startswith("/api/") or path == "/api" or "application/json" in accept


def render(
    error: HeadcountError,
    *,
    path: str,
    accept: str,
    lang: Lang,
    request_id: str,
    templates: Jinja2Templates | None,
    headers: dict[str, str] | None = None,
) -> Response:
    status = error.problem.status
    if wants_json(path, accept) or templates is None:
        body: dict[str, Any] = {"error": {**error.to_dict(), "request_id": request_id}}
        return JSONResponse(body, status_code=status, headers=headers)
    html = templates.get_template("error.html").render(
        lang=lang,
        t=lambda key, **v: translate(lang, key, **v),
        message=error.message(lang),
        code=error.code,
    )
    return HTMLResponse(html, status_code=status, headers=headers)


# Pages to send a browser to instead of showing the problem (pages only; the API answers it).
SIGN_IN_PAGES: dict[errors.Problem, str] = {
    errors.UNAUTHENTICATED: "/sign-in",
    errors.SESSION_EXPIRED: "/sign-in",
    errors.PASSWORD_CHANGE_REQUIRED: "/password",
    errors.TOTP_ENROLMENT_REQUIRED: "/totp",
    errors.SELF_REPORT_SIGNED_OUT: "/self-report/login",
}


def _shown_again(request: Request) -> str | None:
    """The page to return to after signing in: this one, when a GET can show it again (a POST
    to a page that has no GET, such as a confirm button, returns to the default start)."""
    path = request.url.path
    if request.method not in ("GET", "HEAD"):
        probe = {**request.scope, "method": "GET"}
        if not any(r.matches(probe)[0] is Match.FULL for r in request.app.router.routes):
            return None
    query = request.url.query
    return local_path(f"{path}?{query}" if query else path)


def sign_in_redirect(request: Request, error: HeadcountError) -> Response | None:
    """303 to the sign-in page with ``next=`` for a page request that lacks a session."""
    target = SIGN_IN_PAGES.get(error.problem)
    if target is None or wants_json(request.url.path, request.headers.get("accept", "")):
        return None
    back = _shown_again(request)
    if back is not None and back.split("?")[0] != target:
        target = f"{target}?{urlencode({'next': back})}"
    return RedirectResponse(target, status_code=303)


def allowed_methods(request: Request) -> str:
    """Every method some route has for this path (several routes may share one path, so the
    router's own ``Allow``, which names the first route's methods only, is not enough)."""
    path = request.scope["path"]
    top = list(request.app.router.routes)
    methods: set[str] = set()
    for route in [*top, *api_routes(top)]:  # included routers keep their routes inside
        regex, found = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and found and regex.match(path):
            methods |= found
    return ", ".join(sorted(methods))


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "-"))


def install(app: FastAPI, templates: Jinja2Templates) -> None:
    def respond(request: Request, error: HeadcountError, **kw: Any) -> Response:
        return render(
            error,
            path=request.url.path,
            accept=request.headers.get("accept", ""),
            lang=negotiate(request),
            request_id=_request_id(request),
            templates=templates,
            **kw,
        )

    @app.exception_handler(HeadcountError)
    async def catalogued(request: Request, exc: HeadcountError) -> Response:
        redirect = sign_in_redirect(request, exc)
        if redirect is not None:
            return redirect
        headers = {}
        if "retry_after" in exc.details:
            headers["Retry-After"] = str(exc.details["retry_after"])
        return respond(request, exc, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        # Field locations and messages only: the offending input values may be personal data.
        fields = sorted(
            {".".join(str(p) for p in e.get("loc", ()) if p != "body") for e in exc.errors()}
        )
        return respond(request, HeadcountError(errors.REQUEST_INVALID, fields=", ".join(fields)))

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        problem = {404: errors.ROUTE_NOT_FOUND, 405: errors.METHOD_NOT_ALLOWED}.get(exc.status_code)
        if problem is None:
            problem = errors.INTERNAL if exc.status_code >= 500 else errors.REQUEST_INVALID
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # RFC 9110: a 405 names the methods the resource has
            headers["Allow"] = allowed_methods(request)
        return respond(
            request,
            HeadcountError(problem, fields="-", request_id=_request_id(request)),
            headers=headers or None,
        )

    @app.exception_handler(DataError)
    async def not_storable(request: Request, exc: Exception) -> Response:
        # A value the database cannot hold (a NUL in text, a number out of range) is the
        # client's input, not an outage: 422 E1012, no Retry-After, no "database" warning. The
        # InputGuard and the routes' declared bounds refuse such values before they get here.
        log.info("value refused by the database (request %s)", _request_id(request))
        return respond(request, faults.classify(exc))

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeoutError)  # overload: every pooled connection is busy
    async def database_down(request: Request, exc: Exception) -> Response:
        # Named by its own code (read-only, disk full, locked, unreachable), never by its text.
        error = faults.classify(exc)
        log.warning(
            "database fault %s (request %s): %s",
            error.code,
            _request_id(request),
            type(exc).__name__,
        )
        retry = error.details.get("retry_after", faults.RETRY_AFTER_SECONDS)
        return respond(request, error, headers={"Retry-After": str(retry)})

    # No handler for Exception here: Starlette calls it from ServerErrorMiddleware, which then
    # re-raises to the server, and uvicorn logs the traceback, input values and all. The
    # SecurityMiddleware answers an unexpected exception itself and logs its type and place.
