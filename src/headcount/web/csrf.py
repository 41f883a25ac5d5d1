"""CSRF tokens for page forms: keyed with a server secret, bound to a cookie the page cannot read.

A form carries ``token(seed)`` where the seed is the browser's HttpOnly session cookie (staff) or,
before any sign-in, a random ``headcount_csrf`` cookie. The token is a MAC under a key derived
from the key file, never a plain hash: a cookie planted by another site or a sibling domain
does not let its planter compute the token. SameSite=Strict cookies and the Origin check
(``web.middleware``) are the other two lines.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from headcount import errors
from headcount.errors import HeadcountError
from headcount.web.sessions import COOKIE

CSRF_COOKIE = "headcount_csrf"


def seed_of(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or request.cookies.get(CSRF_COOKIE)


def token_for(request: Request, seed: str) -> str:
    protector = getattr(request.app.state, "protector", None)
    if protector is None:  # not started: no form can be accepted either
        return ""
    token: str = protector.form_mac("csrf", seed)
    return token


def issue(request: Request) -> tuple[str, str | None]:
    """(the token for this page's forms, a new pre-session seed to set as a cookie or None)."""
    seed = seed_of(request)
    fresh = None
    if seed is None:
        fresh = seed = secrets.token_urlsafe(24)
    return token_for(request, seed), fresh


def set_seed_cookie(request: Request, response: Response, fresh: str | None) -> None:
    if fresh is not None:
        secure = request.app.state.settings.mode == "production"
        response.set_cookie(
            CSRF_COOKIE, fresh, httponly=True, secure=secure, samesite="strict", path="/"
        )


def check(request: Request, token: str | None) -> None:
    """Raise E2096 unless ``token`` was made for this browser's own cookie by this service."""
    seed = seed_of(request)
    expected = token_for(request, seed) if seed else ""
    if not expected or not hmac.compare_digest(expected, token or ""):
        raise HeadcountError(errors.FORM_EXPIRED)
