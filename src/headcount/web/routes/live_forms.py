"""Live show/hide of questions on the enumerator's interview pages (``static/forms.js``).

``POST /enumerator/households/{household_id}/form/live`` (and ``…/hmtf/live``; ``…/long/live``
for the long-form page, a household of the current sample only: E2062 otherwise) takes the page's
form exactly as the page posts it, builds the record the way the page does
(``web.interview.record_from``) and answers, per input prefix (``h``, ``p1``…, ``d1``…), the
item keys that apply now, from ``forms_render.asked``: the rules the page is drawn with, never a
second copy in JavaScript (web/live.py). It saves nothing and reads no personal data from the
store (only the register line, for the area check: 404 outside the enumerator's small areas, and
for the long-form page the household's form and its sample membership), so it writes no audit
event. Same session, permission and form token as the page; rate-limited; bounded in size (413
E1007).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from headcount.auth.roles import Actor, Permission
from headcount.calendar import CensusCalendar
from headcount.config import Settings
from headcount.questionnaire.loader import get_form
from headcount.questionnaire.schema import Scope
from headcount.store.queries import households as household_queries
from headcount.web import forms_render as fr
from headcount.web import live
from headcount.web.deps import ActorDep, CalendarDep, ReadSessionDep, SettingsDep
from headcount.web.i18n import negotiate
from headcount.web.interview import (
    MAX_PERSONS,
    form_id_of,
    record_from,
    registered_entry,
    require_allowed,
    require_sampled,
)
from headcount.web.pagekit import check_form
from headcount.web.ratelimit import limit
from headcount.web.security import SecuredRouter, access

router = SecuredRouter(tags=["enumerator-pages"])
_REGISTER = access(Permission.household_register)
_LIVE_LIMIT = [Depends(limit("live_form", per_minute=240, burst=60))]
LiveDep = Annotated[FormData, Depends(live.bounded_form)]


@dataclass(frozen=True, slots=True)
class Look:
    """One live question: who asks, on which read-only transaction, under which settings."""

    request: Request
    session: Session
    actor: Actor
    settings: Settings
    calendar: CensusCalendar


async def _look(
    request: Request,
    session: ReadSessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    calendar: CalendarDep,
) -> Look:
    return Look(request, session, actor, settings, calendar)


LookDep = Annotated[Look, Depends(_look)]


def _answer(look: Look, page: str, household_id: str, posted: FormData) -> Response:
    request, session, actor, settings = look.request, look.session, look.actor, look.settings
    check_form(request, posted)
    entry = registered_entry(session, actor, household_id)
    if page == "long":  # the long-form page: a household of the current sample only
        stored = household_queries.by_household_id(session, household_id)
        require_sampled(session, household_id, stored, look.calendar)
    form = get_form(form_id_of(session, household_id, page))
    require_allowed(form, settings)
    allow = settings.allow_provisional_forms
    raw = str(posted.get("persons", "1"))
    persons = max(0, min(MAX_PERSONS, int(raw) if raw.isdigit() else 1))
    record, _ = record_from(form, posted, persons, entry.household_no)
    asked = fr.asked(record, allow_provisional=allow)
    lang = negotiate(request)

    def section(
        scope: Scope, prefix: str, values: Mapping[str, Any], keys: Sequence[str] | None
    ) -> live.Section:
        was = live.posted_shown(posted, f"shown-{prefix}")
        return live.section(form, scope, prefix, values, keys, was, lang)

    found = [section("household", "h", record["items"], asked["household"] if asked else None)]
    for n, person in enumerate(record["persons"], start=1):
        keys = asked["persons"][n - 1] if asked else None
        found.append(section("person", f"p{n}", person, keys))
    for n, death in enumerate(record["deaths"], start=1):
        keys = asked["deaths"][n - 1] if asked else None
        found.append(section("death", f"d{n}", death, keys))
    return JSONResponse(live.answer(found, lang))


def _live_route(page: str) -> str:
    return f"/enumerator/households/{{household_id}}/{page}/live"


@router.post(
    _live_route("form"),
    openapi_extra=_REGISTER,
    dependencies=_LIVE_LIMIT,
    include_in_schema=False,
)
def interview_live(household_id: str, posted: LiveDep, look: LookDep) -> Response:
    return _answer(look, "form", household_id, posted)


@router.post(
    _live_route("hmtf"),
    openapi_extra=_REGISTER,
    dependencies=_LIVE_LIMIT,
    include_in_schema=False,
)
def hmtf_live(household_id: str, posted: LiveDep, look: LookDep) -> Response:
    return _answer(look, "hmtf", household_id, posted)


@router.post(
    _live_route("long"),
    openapi_extra=_REGISTER,
    dependencies=_LIVE_LIMIT,
    include_in_schema=False,
)
def long_form_live(household_id: str, posted: LiveDep, look: LookDep) -> Response:
    return _answer(look, "long", household_id, posted)
