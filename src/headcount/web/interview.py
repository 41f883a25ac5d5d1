"""The interview form's pages, as functions: what the enumerator's interview pages, their live
twin and the post-enumeration survey's form page share — reading a posted page into a household
record, building the page's sections, keeping personal values on file out of the inputs, and
finding the household's register line in the actor's areas. No route here (the route modules
import this module, never each other).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from headcount import errors
from headcount.auth.roles import Actor, Permission
from headcount.calendar import CensusCalendar
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.fieldwork import households, long_form
from headcount.fieldwork.scope import require
from headcount.questionnaire.engine import validate_household
from headcount.questionnaire.schema import Form, Scope
from headcount.store.queries import fieldwork as field_queries
from headcount.store.queries import households as household_queries
from headcount.web import forms_render as fr
from headcount.web.i18n import negotiate, translate
from headcount.web.pagekit import form_token_of
from headcount.web.pagekit import render_bare as render

MAX_PERSONS = 60  # one tablet page; a bigger collective household is registered in parts
HOUSEHOLD_NO = re.compile(r"^\d{3}$")


def page_path(household_id: str, form_id: str) -> str:
    """The page that registers or changes a household on a form."""
    return form_path(household_id, "hmtf" if form_id == "hmtf" else "form")


def form_path(household_id: str, page: str) -> str:
    """One of the interview pages of a household: ``form``, ``hmtf`` or ``long``."""
    return f"/enumerator/households/{household_id}/{page}"


def form_id_of(session: Any, household_id: str, page: str) -> str:
    """The form a page works on: the hmtf page the hmtf form, the long-form page the long form;
    the interview page the form of the registered version (short or long), the short form for a
    new registration."""
    if page in ("hmtf", "long"):
        return page
    stored = household_queries.by_household_id(session, household_id)
    return stored.form if stored is not None and stored.form in ("short", "long") else "short"


def require_sampled(session: Any, household_id: str, stored: Any, calendar: CensusCalendar) -> None:
    """The long-form page is for a registered household of the current long-form sample (E2062
    otherwise; the registration service refuses such a long form too)."""
    if stored is None or not long_form.is_sampled(session, household_id, calendar.wave):
        raise HeadcountError(errors.LONG_FORM_NOT_SAMPLED, household=household_id)


def require_allowed(form: Form, settings: Settings) -> None:
    if form.provisional and not settings.allow_provisional_forms:
        raise HeadcountError(errors.PROVISIONAL_FORM_OFF, form=form.form_id)


# --- reading the posted page -----------------------------------------------------------------


Unreadable = dict[str, Any]  # {"household": {key: Label}, "persons": [...], "deaths": [...]}


def record_from(
    form: Form, posted: FormData, persons: int, household_no: str
) -> tuple[dict[str, Any], Unreadable]:
    """The posted page as household JSON, and the values that could not be read (each shown
    beside its field; the rosters' lists follow the record's rows)."""
    items, bad = fr.parse(form.household_items, posted, "h", _shown(posted, "h"))
    unreadable: Unreadable = {"household": bad, "persons": [], "deaths": []}
    rows: list[dict[str, Any]] = []
    for n in range(1, persons + 1):
        values, problems = fr.parse(form.person_items, posted, f"p{n}", _shown(posted, f"p{n}"))
        rows.append(values)
        unreadable["persons"].append(problems)
    deaths: list[dict[str, Any]] = []
    for n in range(1, death_total(items) + 1):
        values, problems = fr.parse(fr.death_items(form), posted, f"d{n}", _shown(posted, f"d{n}"))
        deaths.append(values)
        unreadable["deaths"].append(problems)
    record = {
        "form": form.form_id,
        "household_no": household_no,
        "items": items,
        "persons": rows,
        "deaths": deaths,
        "confirmed": sorted({str(v) for v in posted.getlist("confirm")}),
    }
    return record, unreadable


def any_unreadable(unreadable: Unreadable) -> bool:
    return bool(unreadable["household"] or any(unreadable["persons"]) or any(unreadable["deaths"]))


def _shown(posted: FormData, prefix: str) -> list[str] | None:
    raw = posted.get(f"shown-{prefix}")
    return [k for k in str(raw).split(",") if k] if raw is not None else []


def death_total(items: dict[str, Any]) -> int:
    counts = items.get("deaths")
    if not isinstance(counts, dict):
        return 0
    return max(0, min(99, int(counts.get("male") or 0) + int(counts.get("female") or 0)))


def _blocks(
    request: Request,
    form: Form,
    record: dict[str, Any],
    findings: list[Any],
    *,
    allow_provisional: bool,
    unreadable: Unreadable | None = None,
    on_file: OnFile | None = None,
) -> list[dict[str, Any]]:
    """Every section of the page: its title, input prefix and fields (only what is asked), each
    personal value on file shown beside its empty input as ``households.shown`` shows it."""
    lang = negotiate(request)
    asked = fr.asked(record, allow_provisional=allow_provisional)
    confirmed = record.get("confirmed", [])
    bad = unreadable or {"household": {}, "persons": [], "deaths": []}
    out = []

    def add(
        title: str, scope: Scope, prefix: str, values: dict[str, Any], keys: Any, n: Any
    ) -> None:
        if scope == "household":
            problems = bad["household"]
        else:
            rows = bad["persons" if scope == "person" else "deaths"]
            problems = rows[n - 1] if n <= len(rows) else {}
        views = fr.fields(
            form,
            scope,
            values,
            keys,
            lang,
            findings=fr.scope_findings(findings, scope, n),
            problems=problems,
            confirmed=confirmed,
            prefix=prefix,
        )
        kept = (on_file or {}).get(prefix, {})
        for view in views:
            view.on_file = str(kept.get(view.item.key) or "")
        out.append({"title": title, "prefix": prefix, "fields": views, "number": n})

    keys = asked["household"] if asked else None
    add(
        translate(lang, "selfreport.household.title"), "household", "h", record["items"], keys, None
    )
    for n, person in enumerate(record["persons"], start=1):
        keys = asked["persons"][n - 1] if asked else None
        add(translate(lang, "selfreport.person.title", n=n), "person", f"p{n}", person, keys, n)
    for n, death in enumerate(record["deaths"], start=1):
        keys = asked["deaths"][n - 1] if asked else None
        add(translate(lang, "selfreport.death.title", n=n), "death", f"d{n}", death, keys, n)
    return out


def form_page(
    request: Request,
    household_id: str,
    page: str,
    form: Form,
    record: dict[str, Any],
    *,
    allow_provisional: bool,
    findings: list[Any] | None = None,
    unreadable: Unreadable | None = None,
    problem: str | None = None,
    status: int = 200,
    submission_uuid: str | None = None,
    replaces_version: int | None = None,
    origins: Origins | None = None,
    on_file: OnFile | None = None,
    draft_unreadable: int = 0,
    action: str | None = None,
    back: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    blocks = _blocks(
        request,
        form,
        record,
        findings or [],
        allow_provisional=allow_provisional,
        unreadable=unreadable,
        on_file=on_file,
    )
    for block in blocks:
        number, prefix = block["number"], block["prefix"]
        rows = (origins or {}).get(prefix[:1], []) if prefix[:1] in ("p", "d") else []
        block["origin"] = rows[number - 1] if number is not None and number <= len(rows) else ""
    lang = negotiate(request)
    return render(
        request,
        "forms/household.html",
        status=status,
        household_id=household_id,
        action=action or form_path(household_id, page),
        back=back,
        notice=notice,
        title=translate(lang, "forms.interview_title")
        if form.form_id == "short"
        else fr.title(form, lang),
        provisional=form.provisional,
        long_form=page == "long",
        withheld=bool(households.withheld(form, "person")),
        blocks=blocks,
        draft_unreadable=draft_unreadable,
        replaces_version=replaces_version or "",
        persons=len(record["persons"]),
        has_problems=any(f.invalid for b in blocks for f in b["fields"]),
        problem=problem,
        submission_uuid=submission_uuid or str(uuid.uuid4()),
        form_token=form_token_of(request),
    )


# Where each roster row of the page came from: {"p": ["1", "", "2"], "d": ["1"]}, the row's
# number in the stored version (or handed-over draft) the page started from; "" for a new row.
Origins = dict[str, list[str]]
# The personal values on file, as the actor may see them, per input prefix: {"p1": {"name": "张*"}}.
OnFile = dict[str, dict[str, Any]]
ROSTERS: tuple[tuple[str, Literal["person", "death"]], ...] = (("p", "person"), ("d", "death"))


def roster_key(prefix: str) -> str:
    return "persons" if prefix == "p" else "deaths"


def editable(form: Form, stored: dict[str, Any], household_no: str) -> dict[str, Any]:
    """A stored version (or a handed-over draft) as the page edits it: no personal value on file
    goes into an input (``households.withheld``), whoever asks."""
    out: dict[str, Any] = {
        "form": form.form_id,
        "household_no": household_no,
        "items": dict(stored.get("items") or {}),
        "confirmed": list(stored.get("confirmed") or []),
    }
    for prefix, scope in ROSTERS:
        hidden = households.withheld(form, scope)
        rows = stored.get(roster_key(prefix)) or []
        out[roster_key(prefix)] = [{k: v for k, v in r.items() if k not in hidden} for r in rows]
    return out


def origins_of(record: dict[str, Any]) -> Origins:
    """Every roster row of a page opened from a stored record comes from that record's row."""
    return {p: [str(n) for n in range(1, len(record[roster_key(p)]) + 1)] for p, _ in ROSTERS}


def _from_origin(rows: list[Any], origin: str) -> dict[str, Any] | None:
    index = int(origin) - 1 if origin.isdigit() else -1
    row = rows[index] if 0 <= index < len(rows) else None
    return row if isinstance(row, dict) else None


def restore(form: Form, record: dict[str, Any], source: dict[str, Any], origins: Origins) -> None:
    """A row kept from the record the page started from keeps its personal values on file
    unless new ones were typed."""
    for prefix, scope in ROSTERS:
        before = source.get(roster_key(prefix)) or []
        for row, origin in zip(record[roster_key(prefix)], origins.get(prefix, []), strict=False):
            kept = _from_origin(before, origin)
            if kept is None:
                continue
            for key in households.withheld(form, scope):
                if not row.get(key) and kept.get(key):
                    row[key] = kept[key]


def on_file_values(
    form: Form, source: dict[str, Any] | None, origins: Origins, granted: frozenset[str]
) -> OnFile:
    """The personal values on file of each row, as ``households.shown`` shows them."""
    out: OnFile = {}
    for prefix, scope in ROSTERS:
        before = (source or {}).get(roster_key(prefix)) or []
        for n, origin in enumerate(origins.get(prefix, []), start=1):
            kept = _from_origin(before, origin)
            if kept is None:
                continue
            out[f"{prefix}{n}"] = {
                key: households.shown(key, kept.get(key), granted)
                for key in households.withheld(form, scope)
                if kept.get(key)
            }
    return out


def check_findings(record: dict[str, Any], allow_provisional: bool) -> list[Any]:
    try:
        return list(validate_household(record, allow_provisional=allow_provisional).findings)
    except HeadcountError:
        return []


def registered_entry(
    session: Any,
    actor: Actor,
    household_id: str,
    permission: Permission = Permission.household_register,
) -> Any:
    """The register line, inside the actor's small areas (404 outside: existence does not leak)."""
    entry = field_queries.entry_by_household_id(session, household_id)
    require(
        actor,
        permission,
        entry.small_area_code if entry is not None else "",
        errors.REGISTER_NOT_FOUND,
        household=household_id,
    )
    if entry is None:
        raise HeadcountError(errors.REGISTER_NOT_FOUND, household=household_id)
    return entry
