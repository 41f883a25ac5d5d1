"""Pure ASGI middleware: request ids, security headers, no-store, request-body limit."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from headcount import errors
from headcount.errors import HeadcountError
from headcount.web.i18n import negotiate
from headcount.web.problems import render

_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class _TooLarge(Exception):
    pass


class SecurityMiddleware:
    def __init__(
        self, app: ASGIApp, *, max_body: int, templates: Callable[[], Jinja2Templates]
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        cacheable = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers["x-request-id"] = request_id
                if not cacheable:
                    # Pages and API answers may carry personal data: never stored by a cache.
                    headers["cache-control"] = "no-store"
                    headers["pragma"] = "no-cache"
            await send(message)

        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await self._too_large(scope, receive, send_with_headers, request_id)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            await self._too_large(scope, receive, send_with_headers, request_id)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        request = Request(scope, receive)
        response = render(
            HeadcountError(errors.BODY_TOO_LARGE, limit=self.max_body),
            path=scope["path"],
            accept=request.headers.get("accept", ""),
            lang=negotiate(request),
            request_id=request_id,
            templates=self.templates(),
        )
        await response(scope, receive, send)
