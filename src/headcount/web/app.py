"""``create_app(settings)``: the FastAPI application, wired from one Settings object."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from headcount import __version__, errors
from headcount.calendar import CENSUS_2020, CensusCalendar, Clock, SystemClock
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store.migrate import require_current
from headcount.store.protector import Protector
from headcount.store.session import make_engine, require_writable
from headcount.web import openapi, problems
from headcount.web.jobs import background
from headcount.web.middleware import LOOPBACK_HOSTS, Edge, SecurityMiddleware
from headcount.web.ratelimit import RateLimiter
from headcount.web.routes import (
    audit,
    auth,
    enumerator,
    enumerator_pages,
    household,
    household_api,
    interview_pages,
    live_forms,
    office,
    pages,
    pes_api,
    pes_pages,
    progress,
    public,
    public_pages,
    published_pages,
    quality_pages,
    results_pages,
    staff_pages,
    supervisor,
)
from headcount.web.sessions import SessionResolver
from headcount.web.templating import templates

log = logging.getLogger("headcount.web")
MAX_BODY_BYTES = 1_000_000  # a household of 2,000 persons fits well within this


def _lifespan(settings: Settings, engine: Engine | None, protector: Protector | None) -> object:
    """Open the database and the key file once at start-up; refuse to start when either fails.

    ``Protector.open`` runs the crypto known-answer tests (C1) and the engine runs the durability
    checks (R2); a schema behind the package's head is refused too. An engine handed in by the
    caller (tests, one process serving several apps) is left open for the caller to dispose of.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        app.state.engine = engine or make_engine(settings)
        try:
            require_current(app.state.engine)
            if own:
                require_writable(app.state.engine)
            app.state.protector = protector or Protector.open(settings, app.state.engine)
            jobs = background(
                app.state.engine, app.state.protector, app.state.clock, app.state.calendar
            )
            for job in jobs:
                job.start()
            log.info("serving %s database", app.state.engine.dialect.name)
            try:
                yield
            finally:
                for job in jobs:
                    job.stop()
        finally:
            if own:
                app.state.engine.dispose()
            app.state.engine = None
            app.state.protector = None

    return lifespan


def edge_for(settings: Settings) -> Edge:
    """Which hosts and origins the service answers for (see ``web.middleware``).

    Production serves exactly the public URL's host and ``allowed_hosts``; elsewhere loopback
    names are accepted too, and with neither configured (a developer's machine) any Host is.
    """
    public = urlsplit(settings.public_url) if settings.public_url else None
    hosts = {h.lower() for h in settings.allowed_hosts}
    if public is not None and public.hostname:
        hosts.add(public.hostname.lower())
    if settings.mode != "production":
        hosts = hosts | LOOPBACK_HOSTS if hosts else set()
    if settings.mode == "production" and public is None:
        raise HeadcountError(errors.PUBLIC_URL_REQUIRED)
    return Edge(
        max_body=MAX_BODY_BYTES,
        body_timeout=settings.body_timeout_seconds,
        hosts=frozenset(hosts) if hosts else None,
        public_origin=f"{public.scheme}://{public.netloc}".lower() if public else None,
    )


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    calendar: CensusCalendar = CENSUS_2020,
    engine: Engine | None = None,
    protector: Protector | None = None,
) -> FastAPI:
    """The application; the database and keys are opened when it starts (lifespan).

    Until it has started (a TestClient used without ``with``), only public routes answer and the
    API answers 503.
    """
    app = FastAPI(
        title="Headcount",
        version=__version__,
        docs_url=None,  # Swagger UI loads from a CDN, which the CSP blocks; /openapi.json stays
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,  # no OAuth: no stray page outside /api
        openapi_url="/openapi.json",
        lifespan=_lifespan(settings, engine, protector),  # type: ignore[arg-type]
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.calendar = calendar
    app.state.rate_limiter = RateLimiter()
    app.state.engine = None
    app.state.protector = None
    app.state.actor_resolver = SessionResolver(lambda: app.state.engine, settings, app.state.clock)
    problems.install(app, templates())
    openapi.install(app)  # refuses unusable input (422), documents every status
    app.add_middleware(SecurityMiddleware, edge=edge_for(settings), templates=templates)
    static = Path(str(resources.files("headcount.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    # Routes are matched in order, each included router's routes one by one: the busiest API
    # (registration submissions) first. No two routers share a path, so the order decides nothing
    # else.
    app.include_router(enumerator.router)
    app.include_router(public.router)
    app.include_router(auth.router)
    app.include_router(office.router)
    app.include_router(audit.router)
    # Routers register below, one line each.
    app.include_router(household.router)
    app.include_router(household_api.router)
    app.include_router(enumerator_pages.router)
    app.include_router(interview_pages.router)
    app.include_router(live_forms.router)
    app.include_router(pages.router)
    app.include_router(staff_pages.router)
    app.include_router(public_pages.router)
    app.include_router(supervisor.router)
    app.include_router(progress.router)
    app.include_router(results_pages.router)
    app.include_router(quality_pages.router)
    app.include_router(published_pages.router)
    app.include_router(pes_api.router)
    app.include_router(pes_pages.router)
    return app
