"""``create_app(settings)``: the FastAPI application, wired from one Settings object."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from headcount import __version__
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.config import Settings
from headcount.web import problems
from headcount.web.middleware import SecurityMiddleware
from headcount.web.ratelimit import RateLimiter
from headcount.web.routes import public

MAX_BODY_BYTES = 1_000_000  # a household of 2,000 persons fits well within this


@cache
def templates() -> Jinja2Templates:
    folder = Path(str(resources.files("headcount.web").joinpath("templates")))
    return Jinja2Templates(directory=folder)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
) -> FastAPI:
    app = FastAPI(
        title="Headcount",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.calendar = calendar
    app.state.rate_limiter = RateLimiter()
    app.state.actor_resolver = None  # sessions are wired by the registration service
    problems.install(app, templates())
    app.add_middleware(SecurityMiddleware, max_body=MAX_BODY_BYTES, templates=templates)
    static = Path(str(resources.files("headcount.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    app.include_router(public.router)
    # Routers register below, one line each.
    return app
