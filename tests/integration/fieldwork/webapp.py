"""The real application over a test database, with actors chosen per request.

Sign-in has its own tests (helper A's); here the app's ``actor_resolver`` is swapped for one that
reads the role from a header, so each request can act as any role of either county while every
other layer (routes, dependencies, services, SQL, audit) is the production code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from starlette.requests import Request

from headcount.auth.roles import Actor, Role
from headcount.calendar import Clock
from headcount.web.app import create_app
from tests.integration.conftest import Census
from tests.integration.fieldwork.world import HOME_COUNTY, REGISTRATION_DAY, actors_for

ROLE_HEADER = "x-test-role"
HOME_ACTORS: dict[Role, Actor] = actors_for(HOME_COUNTY)


def as_role(role: Role) -> dict[str, str]:
    return {ROLE_HEADER: role.value}


def _resolver(request: Request) -> Actor | None:
    role = request.headers.get(ROLE_HEADER)
    return HOME_ACTORS[Role(role)] if role else None


@contextmanager
def client(census: Census, *, clock: Clock = REGISTRATION_DAY) -> Iterator[TestClient]:
    app = create_app(census.settings, clock=clock, engine=census.engine, protector=census.protector)
    with TestClient(app, base_url="https://testserver") as test_client:
        app.state.actor_resolver = _resolver
        yield test_client
