"""FastAPI dependencies shared by every router: database session, Actor, Protector, clock.

``SessionDep`` is one transaction per request, bound to the Protector, committed when the route
returns and BEFORE the response leaves (``scope="function"``): a client never receives an
acknowledgement for a change that was not committed (R1), and any exception rolls everything back.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from headcount import errors
from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor
from headcount.calendar import CensusCalendar, Clock
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store.protector import Protector, RowId
from headcount.store.session import read_transaction, transaction
from headcount.web.ratelimit import client_key
from headcount.web.security import current_actor


# Dependencies that only read app state are ``async``: FastAPI runs a sync dependency in a worker
# thread, and a thread hop per trivial dependency was a measurable share of a submission's CPU.
def engine_of(request: Request) -> Engine:
    engine: Engine | None = getattr(request.app.state, "engine", None)
    if engine is None:  # an app built without a database serves only its public pages
        raise HeadcountError(errors.UNAVAILABLE, retry_after=30)
    return engine


def protector_of(request: Request) -> Protector:
    protector: Protector | None = getattr(request.app.state, "protector", None)
    if protector is None:
        raise HeadcountError(errors.UNAVAILABLE, retry_after=30)
    return protector


async def get_engine(request: Request) -> Engine:
    return engine_of(request)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_calendar(request: Request) -> CensusCalendar:
    calendar: CensusCalendar = request.app.state.calendar
    return calendar


async def get_protector(request: Request) -> Protector:
    return protector_of(request)


def db_session(request: Request) -> Iterator[Session]:
    """One unit of work per request."""
    with transaction(engine_of(request)) as session:
        yield session


def db_read_session(request: Request) -> Iterator[Session]:
    """A read-only unit of work (on SQLite a WAL snapshot that never waits for the writer), for
    routes that neither change anything nor audit a read of personal data."""
    with read_transaction(engine_of(request)) as session:
        yield session


EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(db_session, scope="function")]
ReadSessionDep = Annotated[Session, Depends(db_read_session, scope="function")]


class RequestProtector(Protector):
    """The app's Protector, bound to this request's session around every call.

    FastAPI runs each sync dependency and the route in separate worker-thread contexts, so a
    binding made in a dependency (a ContextVar) would not be seen by the route; binding per call
    makes a scope's first data key commit or roll back with the rows it encrypts.
    """

    def __init__(self, base: Protector, session: Session) -> None:
        self.__dict__.update(base.__dict__)  # shares keys, key ring and caches with the app's
        self._session = session

    def encrypt(self, value: str, *, scope: str, table: str, column: str, row_id: RowId) -> bytes:
        with self.bound(self._session):
            return super().encrypt(value, scope=scope, table=table, column=column, row_id=row_id)

    def decrypt(self, blob: bytes, *, table: str, column: str, row_id: RowId) -> str:
        with self.bound(self._session):
            return super().decrypt(blob, table=table, column=column, row_id=row_id)


async def request_protector(request: Request, session: SessionDep) -> Protector:
    return RequestProtector(protector_of(request), session)


async def require_actor(request: Request) -> Actor:
    """The signed-in staff member (set by SecuredRouter's check, resolved again if absent)."""
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is None:  # resolving reads the database: in a worker thread, off the event loop
        actor = await run_in_threadpool(current_actor, request)
    if actor is None:
        raise HeadcountError(errors.UNAUTHENTICATED)
    return actor


def client_ip(request: Request) -> str:
    return client_key(request)[:64]


def audit_request_id(request: Request) -> str:
    """The server's request id, with a client's own id (a tablet's retry key) kept beside it and
    marked as the client's: the audit trail never holds an id only a client chose."""
    server = str(getattr(request.state, "request_id", ""))
    client = str(getattr(request.state, "client_request_id", ""))
    return f"{server} client:{client}"[:64] if client else server


async def audit_actor(request: Request) -> AuditActor:
    """The audit-side actor of this request: staff id, role, areas, request id and client IP."""
    # Never resolves the session here: a public route (sign-in) must not fail on a stale cookie.
    actor: Actor | None = getattr(request.state, "actor", None)
    request_id = audit_request_id(request)
    if actor is None:
        return AuditActor(
            id="anonymous", role="anonymous", request_id=request_id, ip=client_ip(request)
        )
    return AuditActor(
        id=actor.staff_id,
        role=actor.role.value,
        area=",".join(actor.areas)[:64],
        request_id=request_id,
        ip=client_ip(request),
    )


@dataclass(frozen=True, slots=True)
class AccountContext:
    """What the sign-in, password, second-factor and pledge handlers (pages and API) all pass
    to ``web.accounts``: one dependency instead of the same four on every handler."""

    engine: Engine
    settings: Settings
    clock: Clock
    who: AuditActor


async def account_context(request: Request) -> AccountContext:
    return AccountContext(
        engine=engine_of(request),
        settings=request.app.state.settings,
        clock=request.app.state.clock,
        who=await audit_actor(request),
    )


AccountDep = Annotated[AccountContext, Depends(account_context)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CalendarDep = Annotated[CensusCalendar, Depends(get_calendar)]
ActorDep = Annotated[Actor, Depends(require_actor)]
AuditActorDep = Annotated[AuditActor, Depends(audit_actor)]
# Bound to SessionDep's transaction: what a route passes to services together with SessionDep.
ProtectorDep = Annotated[Protector, Depends(request_protector)]
# Unbound: for routes whose services open their own transactions (sign-in).
KeysDep = Annotated[Protector, Depends(get_protector)]
