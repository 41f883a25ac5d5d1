"""What every page shares: rendering (with the navigation, the CSRF token and the language switch,
or bare for the household's pages and the interview form), the redirect after a POST, the posted
form and the staff forms' per-session token. Route modules import these from here and never from
each other (tests/unit/test_layers.py).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from headcount.auth.roles import Actor, Permission
from headcount.errors import HeadcountError
from headcount.web import csrf
from headcount.web import forms_render as fr
from headcount.web.i18n import LANGS, negotiate, translate
from headcount.web.security import current_actor
from headcount.web.sessions import token_from
from headcount.web.templating import templates

LANG_COOKIE = "lang"


def viewer(request: Request) -> Actor | None:
    """The signed-in actor for the navigation, or None (never raises on a public page)."""
    actor: Actor | None = getattr(request.state, "actor", None)
    if actor is not None:
        return actor
    try:
        return current_actor(request)
    except HeadcountError:
        return None


def nav_for(actor: Actor | None) -> list[tuple[str, str]]:
    """(catalogue key, path) of the links a role's navigation shows."""
    if actor is None:
        return [("site.nav.sign_in", "/sign-in")]
    links = [("site.nav.home", "/staff")]
    if actor.has(Permission.household_register):
        links.append(("site.nav.tasks", "/staff/tasks"))
    if actor.has(Permission.pes_register):
        links.append(("site.nav.pes", "/pes"))
    if actor.has(Permission.review_first) or actor.has(Permission.review_second):
        links.append(("site.nav.review", "/staff/review"))
    if actor.has(Permission.progress_view):
        links.append(("site.nav.progress", "/staff/progress"))
    if actor.has(Permission.tables_view):
        links.append(("site.nav.results", "/office/results"))
    if actor.has(Permission.quality_view):
        links.append(("site.nav.quality", "/office/quality"))
    if actor.has(Permission.tables_view):  # the offices: the survey's progress beside the census's
        links.append(("site.nav.pes_progress", "/office/pes"))
    return links


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    actor: Actor | None = None,
) -> HTMLResponse:
    """A page in the negotiated language, with the navigation, CSRF token and language cookie."""
    lang = negotiate(request)
    token, fresh = csrf.issue(request)
    who = actor or viewer(request)
    values: dict[str, Any] = {
        "lang": lang,
        "t": lambda key, **v: translate(lang, key, **v),
        "csrf": token,
        "actor": who,
        "nav": nav_for(who),
        "path": request.url.path,
        "switch_url": _switch_url(request, "en" if lang == "zh" else "zh"),
        **(context or {}),
    }
    response = templates().TemplateResponse(request, name, values, status_code=status)
    secure = request.app.state.settings.mode == "production"
    csrf.set_seed_cookie(request, response, fresh)
    chosen = request.query_params.get("lang")
    if chosen in LANGS:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=365 * 86400, secure=secure, samesite="strict", path="/"
        )
    return response


def _switch_url(request: Request, lang: str) -> str:
    """This page in the other language, its other query parameters kept (a drill-down, a page)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*params, ('lang', lang)])}"


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def problem_text(request: Request, error: HeadcountError) -> str:
    return error.message(negotiate(request))


def render_bare(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A page without the staff navigation: the household's self-report pages, and the interview
    form, which fills the enumerator's tablet."""
    lang = negotiate(request)
    page = templates().TemplateResponse(
        request,
        name,
        {"lang": lang, "t": lambda key, **v: translate(lang, key, **v), **context},
        status_code=status,
    )
    if request.query_params.get("lang") in LANGS:
        page.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True, max_age=365 * 86400)
    return page


async def posted(request: Request) -> FormData:
    return await request.form()


PostedDep = Annotated[FormData, Depends(posted)]


def form_token_of(request: Request) -> str:
    """The per-session token every POSTed staff form carries (see ``forms_render.form_token``)."""
    return fr.form_token(token_from(request) or "")


def check_form(request: Request, form: FormData) -> None:
    fr.check_form_token(token_from(request) or "", str(form.get("form_token", "")))
