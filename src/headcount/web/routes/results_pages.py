"""The offices' results pages and their JSON twins: headline figures, the population pyramid,
every table of the office's subtree as an accessible HTML table, and CSV downloads (audited).

Thin over ``web.results``, which reads the tables directory (``HEADCOUNT_TABLES_DIR``) and
decides what an office sees (its subtree only; national-level tables for the national office
only). Permission ``tables.view`` on every route; pages work without JavaScript.

    GET /office/results                          index: figures, pyramid, list of tables
    GET /office/results/pyramid.svg?area=        the pyramid of an area in the subtree
    GET /office/results/{table_id}?level=&offset=    one page of a table
    GET /office/results/{table_id}.csv?level=    every row of the subtree (results.download)
    GET /api/results, /api/results/{table_id}?level=&offset=&limit=
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Query
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Permission
from headcount.errors import Lang
from headcount.tables.numbers import format_figure
from headcount.web import results
from headcount.web.deps import ActorDep, AuditActorDep, SessionDep, SettingsDep
from headcount.web.i18n import catalogue, negotiate
from headcount.web.pagekit import render
from headcount.web.results import area_name
from headcount.web.routes.paging import Offset
from headcount.web.security import SecuredRouter, access

router = SecuredRouter()
TABLES_VIEW = access(Permission.tables_view)
TableId = Annotated[str, Path(max_length=64)]
Level = Annotated[str | None, Query(max_length=16)]
Area = Annotated[str | None, Query(max_length=16)]

# The headline figures shown on the index, in this order, when tables.json has them.
HEADLINE_NATIONAL = (
    "population_total",
    "households_family",
    "avg_family_household_size",
    "sex_ratio",
    "age_0_14_pct",
    "age_15_59_pct",
    "age_60_plus_pct",
    "age_65_plus_pct",
    "urban_pct",
    "edu_university_per_100k",
    "illiteracy_rate_pct",
    "floating_population",
)
HEADLINE_PROVINCE = (
    "population",
    "male_pct",
    "sex_ratio",
    "age_0_14_pct",
    "age_15_59_pct",
    "age_60_plus_pct",
    "age_65_plus_pct",
    "edu_university_per_100k",
)
_TWO_DECIMALS = frozenset({"percent", "ratio", "mean"})


def _label(lang: Lang, group: str, name: str) -> str:
    """A column's or figure's name from the catalogue; the raw name when it has none."""
    return catalogue(lang).get(f"results.{group}.{name}") or name


def _cell(value: str | int | float | None, kind: str | None, lang: Lang) -> str:
    """A cell as the page shows it: a code in words (the CSV keeps the code), counts whole and
    grouped in English, shares and ratios with two decimals."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return catalogue(lang).get(f"results.value.{value}") or value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind in _TWO_DECIMALS or (isinstance(value, float) and kind is None):
        return f"{value:.2f}"
    return f"{round(value):,}" if lang == "en" else str(round(value))


def _headline(area: results.AreaFigures, lang: Lang) -> list[tuple[str, str]]:
    keys = HEADLINE_NATIONAL if area.area_code == results.NATIONAL_AREA else HEADLINE_PROVINCE
    shown: list[tuple[str, str]] = []
    for key in keys:
        value = area.figures.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            shown.append((_label(lang, "figure", key), format_figure(key, value, lang)))
    return shown


@router.get(
    "/api/results",
    response_model=results.ResultsOverview,
    tags=["results"],
    openapi_extra=TABLES_VIEW,
)
def results_api(settings: SettingsDep, actor: ActorDep) -> Any:
    """The caller's headline figures and the tables (and levels) it may open."""
    return results.overview(settings.tables_dir, actor)


@router.get(
    "/api/results/{table_id}",
    response_model=results.TablePage,
    tags=["results"],
    openapi_extra=TABLES_VIEW,
)
def table_api(
    table_id: TableId,
    settings: SettingsDep,
    actor: ActorDep,
    level: Level = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=results.MAX_LIMIT)] = results.PAGE_ROWS,
) -> Any:
    """Rows of a table inside the caller's subtree (level: the caller's own by default)."""
    return results.table_page(
        settings.tables_dir, actor, table_id, level, offset=offset, limit=limit
    )


@router.get(
    "/office/results",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=TABLES_VIEW,
)
def results_index(request: Request, settings: SettingsDep, actor: ActorDep) -> Response:
    lang = negotiate(request)
    found = results.overview(settings.tables_dir, actor)
    ages = next((t.levels for t in found.tables if t.id == results.PYRAMID_TABLE), [])
    areas = [
        {
            "code": area.area_code,
            "name": area_name(area.area_code, lang),
            "figures": _headline(area, lang),
            "level": results.level_of(area.area_code),
            "pyramid": results.level_of(area.area_code) in ages,
        }
        for area in found.areas
    ]
    context = {"overview": found, "areas": areas, "pyramid_table": results.PYRAMID_TABLE}
    return render(request, "staff/results.html", context, actor=actor)


@router.get(
    "/office/results/pyramid.svg",
    response_class=Response,
    include_in_schema=False,
    openapi_extra=TABLES_VIEW,
)
def pyramid(settings: SettingsDep, actor: ActorDep, area: Area = None) -> Response:
    """The population pyramid of ``area`` (default: the caller's own) as an SVG image."""
    data = results.pyramid_svg(settings.tables_dir, actor, area)
    return Response(
        data,
        media_type="image/svg+xml",
        headers={"content-security-policy": results.IMAGE_CSP},
    )


@router.get(
    "/office/results/{table_id}.csv",
    response_class=Response,
    include_in_schema=False,
    openapi_extra=TABLES_VIEW,
)
def table_csv(
    table_id: TableId,
    settings: SettingsDep,
    actor: ActorDep,
    session: SessionDep,
    who: AuditActorDep,
    level: Level = None,
) -> Response:
    """Every row the table's pages show the caller, as CSV (UTF-8 with BOM); audited."""
    made = results.csv_download(settings.tables_dir, actor, table_id, level)
    append(
        session,
        who,
        AuditEvent(
            "results.download",
            f"table:{made.table_id}/{made.level}",
            detail={"format": "csv", "rows": made.rows},
        ),
    )
    disposition = (
        f"attachment; filename=\"{made.filename}\"; filename*=UTF-8''{quote(made.filename)}"
    )
    return Response(
        made.data,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": disposition},
    )


@router.get(
    "/office/results/{table_id}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=TABLES_VIEW,
)
def table_html(
    request: Request,
    table_id: TableId,
    settings: SettingsDep,
    actor: ActorDep,
    level: Level = None,
    offset: Offset = 0,
) -> Response:
    lang = negotiate(request)
    page = results.table_page(settings.tables_dir, actor, table_id, level, offset=offset)
    overview = results.overview(settings.tables_dir, actor)
    levels = next((t.levels for t in overview.tables if t.id == page.id), [page.level])
    kinds = {m.name: m.kind for m in page.measures}
    heads = [c for c in page.columns if c not in kinds]  # area and dimensions: row headers
    context = {
        "page": page,
        "levels": levels,
        "columns": [(c, _label(lang, "column", c), c in heads) for c in page.columns],
        "rows": [
            [
                (_cell(v, kinds.get(c), lang), c in heads)
                for c, v in zip(page.columns, row, strict=True)
            ]
            for row in page.rows
        ],
        "first": page.offset + 1 if page.rows else 0,
        "last": page.offset + len(page.rows) if page.rows else 0,
        "previous": max(min(page.offset, page.total) - page.limit, 0) if page.offset > 0 else None,
        "next": page.offset + page.limit if page.offset + page.limit < page.total else None,
    }
    return render(request, "staff/results_table.html", context, actor=actor)
