"""Pure ASGI middleware: the request's edge, before any route, dependency or database.

In order, for every HTTP request:
1. a request id made by the server (a client's ``X-Request-ID`` is kept beside it, marked as the
   client's, never in its place: the audit trail must not carry ids a client chose);
2. the Host header must name this service (``Edge.hosts``), so nothing can be tricked into
   building a link to another site;
3. the whole body is read, within ``max_body`` bytes and ``body_timeout`` seconds, BEFORE the
   application runs: a client trickling its body holds a coroutine, never a transaction or a
   pooled connection (the slow-body attack that stopped every write);
4. a state-changing request from a browser must come from this service's own pages (Origin, or
   Referer when there is no Origin; SameSite cookies are the first line, this the second), and
   input no route accepts (control characters, over-deep JSON) is refused (``input_guard``);
5. security headers and no-store on every answer;
6. an exception nothing else handled is answered E1000 and logged by type, request id and the
   code location only: its message and traceback may quote input and never reach a log.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sysconfig
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import urlsplit

from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headcount import errors
from headcount.errors import HeadcountError
from headcount.web import input_guard
from headcount.web.i18n import negotiate
from headcount.web.problems import render

log = logging.getLogger("headcount.web")
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True, slots=True)
class Edge:
    """What the edge accepts: built once from Settings by ``create_app``."""

    max_body: int
    body_timeout: float
    hosts: frozenset[str] | None  # None: any Host (development without a public URL)
    public_origin: str | None  # scheme://host[:port] of the configured public URL


class _Refused(Exception):
    def __init__(self, error: HeadcountError, *, close: bool = False) -> None:
        self.error = error
        self.close = close


class _ClientGone(Exception):
    pass


def host_of(header: str) -> str:
    """The host name of a Host header value, without the port, lower-case ('' if malformed)."""
    try:
        parts = urlsplit(f"//{header}")
        return (parts.hostname or "").lower()
    except ValueError:
        return ""


def origin_of(url: str) -> str | None:
    """scheme://host[:port] of a URL, lower-case, or None when it has none (or is "null")."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


_LIBRARIES = tuple(
    {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)


def where(exc: BaseException) -> str:
    """``file.py:function:line`` of the innermost frame outside the standard library and the
    installed packages (Headcount's own code), else the innermost frame: the place of a fault,
    with no value from it."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if not f.filename.startswith(_LIBRARIES)]
    if not (ours or frames):
        return "-"
    frame = (ours or frames)[-1]
    return f"{PurePath(frame.filename).name}:{frame.name}:{frame.lineno}"


class SecurityMiddleware:
    def __init__(
        self, app: ASGIApp, *, edge: Edge, templates: Callable[[], Jinja2Templates]
    ) -> None:
        self.app = app
        self.edge = edge
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = uuid.uuid4().hex
        claimed = headers.get("x-request-id", "")
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["client_request_id"] = claimed if _CLIENT_REQUEST_ID.fullmatch(claimed) else ""
        cacheable = scope["path"].startswith("/static/")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    out.setdefault(name, value)
                out["x-request-id"] = request_id
                if not cacheable:
                    # Pages and API answers may carry personal data: never stored by a cache.
                    out["cache-control"] = "no-store"
                    out["pragma"] = "no-cache"
            await send(message)

        try:
            self._check_host(headers)
            body = await self._read_body(headers, receive)
            self._check_origin(scope, headers)
            input_guard.check(scope, headers, body)
        except _ClientGone:
            return
        except _Refused as refused:
            await self._answer(scope, send_with_headers, refused.error, close=refused.close)
            return
        except HeadcountError as refusal:  # input no route accepts (web.input_guard)
            await self._answer(scope, send_with_headers, refusal)
            return

        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only a disconnect can come

        try:
            await self.app(scope, replay, send_with_headers)
        except Exception as exc:  # nothing else handled it: no text, no traceback in any log
            log.error(
                "unexpected %s at %s (request %s)", type(exc).__name__, where(exc), request_id
            )
            if not started:
                error = HeadcountError(errors.INTERNAL, request_id=request_id)
                await self._answer(scope, send_with_headers, error)

    def _check_host(self, headers: Headers) -> None:
        if self.edge.hosts is None:
            return
        if host_of(headers.get("host", "")) not in self.edge.hosts:
            raise _Refused(HeadcountError(errors.HOST_NOT_ALLOWED), close=True)

    async def _read_body(self, headers: Headers, receive: Receive) -> bytes:
        declared = headers.get("content-length")
        limit = self.edge.max_body
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            raise _Refused(HeadcountError(errors.BODY_TOO_LARGE, limit=limit), close=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.edge.body_timeout
        chunks: list[bytes] = []
        seen = 0
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                seconds = round(self.edge.body_timeout)
                raise _Refused(
                    HeadcountError(errors.REQUEST_TIMEOUT, seconds=seconds), close=True
                ) from None
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > limit:
                raise _Refused(HeadcountError(errors.BODY_TOO_LARGE, limit=limit), close=True)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _check_origin(self, scope: Scope, headers: Headers) -> None:
        """Browsers send Origin with every cross-site POST; a request with neither Origin nor
        Referer comes from a program (tablet app, script), which CSRF cannot drive."""
        if scope["method"] in SAFE_METHODS:
            return
        claimed = headers.get("origin")
        if claimed is None:
            referer = headers.get("referer")
            if referer is None:
                return
            claimed = referer
        origin = origin_of(claimed)
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        if origin is None or origin not in (own, self.edge.public_origin):
            raise _Refused(HeadcountError(errors.CROSS_SITE_REFUSED))

    async def _answer(
        self, scope: Scope, send: Send, error: HeadcountError, *, close: bool = False
    ) -> None:
        async def nothing() -> Message:
            return {"type": "http.disconnect"}

        request = Request(scope, nothing)
        response = render(
            error,
            path=scope["path"],
            accept=request.headers.get("accept", ""),
            lang=negotiate(request),
            request_id=scope["state"]["request_id"],
            templates=self.templates(),
        )
        if close:  # the rest of this request may still be arriving: end the connection
            response.headers["connection"] = "close"
        await response(scope, nothing, send)
