"""Live show/hide of questions: what the questionnaire pages and their ``…/live`` twins share.

A page shows only the items that apply (``forms_render.asked``: universes and skips, evaluated on
the server by the one rule language). When an answer changes, ``static/forms.js`` posts the page's
form, exactly as a save would post it, to ``<form action>/live``; the route builds the record the
same way the save does, asks the same helper which items apply and answers per input prefix
(``h``, ``p``, ``p2``, ``d1``…) the item keys in form order. The script then shows or hides the
field containers (``data-item``/``data-prefix`` in templates/forms/fields.html) and keeps the
``shown`` inputs in step. Nothing is saved and no rule is evaluated in JavaScript.

Pages render the items that do not apply too, hidden and inside a disabled fieldset, so the script
can reveal them and a page without JavaScript posts only what it shows; a field the script hides
keeps its value in the page (it is not posted while hidden, and the server decides on save). A
page that renders only what applies (the enumerator's interview form) gets the newly applicable
fields as HTML fragments drawn by the same macro (``new`` in the answer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from headcount import errors
from headcount.errors import HeadcountError, Lang
from headcount.questionnaire.findings import Finding
from headcount.questionnaire.schema import Form, Item, Label, Scope
from headcount.web import forms_render as fr
from headcount.web.i18n import translate
from headcount.web.templating import templates

MAX_BYTES = 256_000  # a full tablet page (60 persons) posts well under this
MAX_FIELDS = 4_000


@dataclass(slots=True)
class LiveFieldView(fr.FieldView):
    """A field drawn on the page while it does not apply: hidden, its inputs disabled."""

    hidden: bool = False


def scope_items(form: Form, scope: Scope) -> tuple[Item, ...]:
    return fr.death_items(form) if scope == "death" else form.items(scope)


def applicable(form: Form, scope: Scope, asked_keys: Sequence[str] | None) -> list[str]:
    """The keys a page shows, in form order: the asked ones, or, when the answers cannot be read
    yet (``asked_keys`` None), every item without a universe (as ``forms_render.fields``)."""
    items = scope_items(form, scope)
    if asked_keys is None:
        return [i.key for i in items if not i.universe]
    wanted = set(asked_keys)
    return [i.key for i in items if i.key in wanted]


def page_fields(
    form: Form,
    scope: Scope,
    values: Mapping[str, Any],
    asked_keys: Sequence[str] | None,
    lang: Lang,
    *,
    findings: Sequence[Finding] = (),
    problems: Mapping[str, Label] | None = None,
    confirmed: Sequence[str] = (),
    prefix: str | None = None,
) -> list[fr.FieldView]:
    """Every item of the scope in form order: those that apply as ``forms_render.fields`` draws
    them (findings beside them), the others hidden and without findings."""
    shown = fr.fields(
        form,
        scope,
        values,
        asked_keys,
        lang,
        findings=findings,
        problems=problems,
        confirmed=confirmed,
        prefix=prefix,
    )
    by_key: dict[str, fr.FieldView] = {v.item.key: v for v in shown}
    rest = [i.key for i in scope_items(form, scope) if i.key not in by_key]
    for view in fr.fields(form, scope, values, rest, lang, prefix=prefix):
        by_key[view.item.key] = LiveFieldView(
            view.item, view.prefix, view.lang, view.value, hidden=True
        )
    return [by_key[i.key] for i in scope_items(form, scope) if i.key in by_key]


def shown_keys(views: Sequence[fr.FieldView]) -> list[str]:
    """The keys of the fields a page shows (its ``shown`` input: what a save reads)."""
    return [v.item.key for v in views if not getattr(v, "hidden", False)]


async def bounded_form(request: Request) -> FormData:
    """The posted form of a live request, refused (413 E1007) above ``MAX_BYTES``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        raise HeadcountError(errors.BODY_TOO_LARGE, limit=MAX_BYTES)
    body = await request.body()  # the middleware already stops a body above its own limit
    if len(body) > MAX_BYTES:
        raise HeadcountError(errors.BODY_TOO_LARGE, limit=MAX_BYTES)
    try:
        return await request.form(max_files=0, max_fields=MAX_FIELDS)
    except (
        HTTPException,
        MultiPartException,
    ):  # too many fields, a file, malformed multipart: nothing to compute
        raise HeadcountError(errors.REQUEST_INVALID, fields="form") from None


def posted_shown(posted: FormData, name: str) -> list[str]:
    return [k for k in str(posted.get(name, "")).split(",") if k]


@dataclass(frozen=True, slots=True)
class Section:
    """One input prefix of a page: the keys that apply now, and fragments for those the page
    did not show when it was posted (a page that draws only what applies inserts them)."""

    prefix: str
    keys: list[str]
    new: dict[str, str]


def section(
    form: Form,
    scope: Scope,
    prefix: str,
    values: Mapping[str, Any],
    asked_keys: Sequence[str] | None,
    was_shown: Sequence[str],
    lang: Lang,
) -> Section:
    keys = applicable(form, scope, asked_keys)
    opened = [k for k in keys if k not in set(was_shown)]
    new: dict[str, str] = {}
    if opened:
        for view in fr.fields(form, scope, values, opened, lang, prefix=prefix):
            new[view.item.key] = fragment(view, lang)
    return Section(prefix, keys, new)


def fragment(view: fr.FieldView, lang: Lang) -> str:
    """One field as the page draws it (the same macro), for the script to insert."""
    template = templates().get_template("forms/live_field.html")
    return template.render(f=view, lang=lang, t=lambda key, **v: translate(lang, key, **v))


def answer(sections: Sequence[Section], lang: Lang) -> dict[str, Any]:
    """The JSON a live request gets: per prefix the keys that apply now (form order), the new
    fields' HTML, and the sentences the page announces (``{items}`` filled in by the script)."""
    return {
        "sections": {s.prefix: {"keys": s.keys, "new": s.new} for s in sections},
        "say": {
            name: translate(lang, f"selfreport.live.{name}", items="{items}")
            for name in ("shown", "hidden", "missing")
        },
    }
