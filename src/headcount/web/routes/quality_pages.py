"""The offices' quality report pages and their JSON twins: per area the rates of duplicates,
omissions, erroneous records and discrepancies, the score histogram with the two thresholds, and
a sample of cases (references only; audited as ``quality.cases_view``).

Thin over ``web.quality``, which reads the quality directory (``HEADCOUNT_QUALITY_DIR``) and
decides what an office sees (its subtree only). Permission ``quality.view`` on every route; pages
work without JavaScript, the histogram is inline SVG.

    GET /office/quality                 the caller's own areas (the country for the national office)
    GET /office/quality/{area_code}     one area: figures, histogram, the areas below, the sample
    GET /api/quality, /api/quality/{area_code}
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from fastapi.responses import HTMLResponse, Response
from starlette.requests import Request

from headcount.audit.log import AuditEvent, append
from headcount.auth.roles import Permission
from headcount.errors import Lang
from headcount.quality import report as qr
from headcount.quality.report_html import histogram_svg
from headcount.web import quality
from headcount.web.deps import ActorDep, AuditActorDep, SessionDep, SettingsDep
from headcount.web.i18n import negotiate, translate
from headcount.web.pagekit import render
from headcount.web.results import area_name
from headcount.web.security import SecuredRouter, access

router = SecuredRouter()
QUALITY_VIEW = access(Permission.quality_view)
AreaCode = Annotated[str, Path(max_length=16)]


def _audit(session: Any, who: Any, page: quality.AreaPage) -> None:
    if page.cases:
        append(
            session,
            who,
            AuditEvent(
                "quality.cases_view",
                f"area:{page.area.area_code}",
                detail={"cases": len(page.cases)},
            ),
        )


def _count(value: int | dict[str, int], lang: Lang) -> Any:
    if isinstance(value, dict):
        return {k: _count(v, lang) for k, v in value.items()}
    return f"{value:,}" if lang == "en" else str(value)


def _view(area: quality.AreaQuality, lang: Lang, page: Any, *, svg: bool) -> dict[str, Any]:
    """An area as the templates show it: its name, counts and rates formatted, the histogram."""
    counts, rates = area.counts, area.rates
    label = translate(lang, "quality.histogram.label", area=area_name(area.area_code, lang))
    drawn = histogram_svg(area.scores, page.edges, page.thresholds, label) if svg else ""
    return {
        "code": area.area_code,
        "name": area_name(area.area_code, lang),
        "level": area.level,
        "records": _count(area.census_records, lang),
        "counts": {k: _count(v, lang) for k, v in counts.items()},
        "rates": {k: "—" if v is None else f"{v:.2f}" for k, v in rates.items()},
        "scores": {k: _count(v, lang) for k, v in area.scores.items() if isinstance(v, int)},
        "svg": drawn,
        "histogram": isinstance(pairs := area.scores.get("pairs"), int) and pairs > 0,
    }


@router.get(
    "/api/quality",
    response_model=quality.QualityOverview,
    tags=["quality"],
    openapi_extra=QUALITY_VIEW,
)
def quality_api(settings: SettingsDep, actor: ActorDep) -> Any:
    """The caller's own areas with their quality figures and score histograms."""
    return quality.overview(settings.quality_dir, actor)


@router.get(
    "/api/quality/{area_code}",
    response_model=quality.AreaPage,
    tags=["quality"],
    openapi_extra=QUALITY_VIEW,
)
def quality_area_api(
    area_code: AreaCode,
    settings: SettingsDep,
    actor: ActorDep,
    session: SessionDep,
    who: AuditActorDep,
) -> Any:
    """One area of the caller's subtree, the areas below it and its sample of cases."""
    page = quality.area_page(settings.quality_dir, actor, area_code)
    _audit(session, who, page)
    return page


@router.get(
    "/office/quality",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=QUALITY_VIEW,
)
def quality_index(request: Request, settings: SettingsDep, actor: ActorDep) -> Response:
    lang = negotiate(request)
    found = quality.overview(settings.quality_dir, actor)
    context = {
        "overview": found,
        "areas": [_view(a, lang, found, svg=True) for a in found.areas],
        "sample_size": qr.SAMPLE,
    }
    return render(request, "staff/quality.html", context, actor=actor)


@router.get(
    "/office/quality/{area_code}",
    response_class=HTMLResponse,
    include_in_schema=False,
    openapi_extra=QUALITY_VIEW,
)
def quality_area(
    request: Request,
    area_code: AreaCode,
    settings: SettingsDep,
    actor: ActorDep,
    session: SessionDep,
    who: AuditActorDep,
) -> Response:
    lang = negotiate(request)
    page = quality.area_page(settings.quality_dir, actor, area_code)
    _audit(session, who, page)
    context = {
        "page": page,
        "area": _view(page.area, lang, page, svg=True),
        "children": [_view(c, lang, page, svg=False) for c in page.children],
        "parent": (page.parent, area_name(page.parent, lang)) if page.parent else None,
        "sample_size": qr.SAMPLE,
    }
    return render(request, "staff/quality_area.html", context, actor=actor)
