"""Every route declares who may call it; undeclared routes cannot be registered.

A route passes ``openapi_extra=access(...)``: ``"public"``, ``"authenticated"`` or a Permission.
``SecuredRouter`` refuses a route without it (checklist Z3) and adds the enforcing dependency, so
the declaration and the check cannot drift apart. Object-level area checks (Z1) happen in the
services, which receive the Actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from starlette.requests import Request

from headcount import errors
from headcount.auth.roles import Actor, Permission
from headcount.errors import HeadcountError

Access = Permission | Literal["public", "authenticated"]
ACCESS_KEY = "x-access"

ActorResolver = Callable[[Request], Actor | None]


def access(level: Access) -> dict[str, Any]:
    return {ACCESS_KEY: str(level.value if isinstance(level, Permission) else level)}


MAX_NEXT = 512  # a page path with its query; anything longer is not one of ours


def local_path(value: str | None, *, under: str = "/") -> str | None:
    """``value`` when it is a path on this site below ``under`` (a ``next=`` target), else None.

    Only "/…": never a scheme, a host ("//evil.example"), a backslash (browsers read "/\\evil"
    as "//evil"), a control character or white space; so a sign-in link can never send the
    browser to another site (no open redirect).
    """
    if not value or len(value) > MAX_NEXT or not value.startswith(under):
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    return value


class RouteWithoutAccess(RuntimeError):
    pass


def current_actor(request: Request) -> Actor | None:
    resolver: ActorResolver | None = getattr(request.app.state, "actor_resolver", None)
    return resolver(request) if resolver is not None else None


def _require(level: str) -> Callable[[Request], Actor | None]:
    def dependency(request: Request) -> Actor | None:
        if level == "public":
            return None
        actor = current_actor(request)
        if actor is None:
            raise HeadcountError(errors.UNAUTHENTICATED)
        if level != "authenticated" and not actor.has(Permission(level)):
            raise HeadcountError(errors.FORBIDDEN)
        request.state.actor = actor
        return actor

    return dependency


class SecuredRouter(APIRouter):
    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        extra = kwargs.get("openapi_extra") or {}
        level = extra.get(ACCESS_KEY)
        if level is None:
            raise RouteWithoutAccess(f"route {path} declares no access level")
        if level not in ("public", "authenticated"):
            Permission(level)  # an unknown permission name fails here, at import time
        kwargs["dependencies"] = [*(kwargs.get("dependencies") or []), Depends(_require(level))]
        super().add_api_route(path, endpoint, **kwargs)


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (for the route × permission tests)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        nested = getattr(route, "original_router", None) or getattr(route, "router", None)
        if nested is not None and hasattr(nested, "routes"):
            found.extend(api_routes(list(nested.routes)))
    return found
