"""The offices' quality report: a ``headcount quality`` directory read for one signed-in office.

The web shows the report and never computes it: every number comes from
``report/quality_report.json`` (``quality.report``), whose SHA-256 is checked against the one
``quality.json`` lists before it is read. Nothing here writes to the quality directory.

Who sees what (permission ``quality.view``, held by every office role; docs/quality.md):

- the national office: the country ("CN") and every area below it;
- a provincial, prefecture or county office: its granted areas and the areas below them, never
  the country nor a neighbour; an area outside the subtree is answered exactly as one the report
  does not have (E1924, 404);
- the sample of cases (references to census records and register rows: household, person
  number, register, record id) only to an office that also holds ``household.read`` (a personal-
  data permission: the pledge signed, never the auditor or the administrator); its display is
  audited (``quality.cases_view``). No name is shown: the extract the report comes from has none,
  and reading them from the store would decrypt a whole household per case
  (``fieldwork.households.read`` reads households, not one person).
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from headcount import errors
from headcount.auth.roles import SCOPE_WIDTH, Actor, Permission
from headcount.errors import HeadcountError
from headcount.quality import output
from headcount.quality import report as qr

__all__ = ["AreaPage", "AreaQuality", "CaseOut", "QualityOverview", "area_page", "overview"]

NATIONAL = qr.NATIONAL
_WIDTHS = sorted(qr.LEVELS)  # 0, 2, 4, 6, 9, 12, 15


class AreaQuality(BaseModel):
    """One area of the report: the denominator, counts, rates and the score histogram."""

    area_code: str
    level: str
    census_records: int
    counts: dict[str, int | dict[str, int]]
    rates: dict[str, float | None]
    scores: dict[str, int | list[int]]


class CaseOut(BaseModel):
    """One case of the sample: references only (the report holds no names)."""

    model_config = ConfigDict(populate_by_name=True)

    kind: str
    small_area_code: str | None
    household_id: str | None
    person_no: int | None
    register_: str | None = Field(alias="register")  # BaseModel has a ``register``
    record_id: str | None
    score: float | None
    detail: str | None


class QualityOverview(BaseModel):
    created_at: str | None
    synthetic: bool
    thresholds: dict[str, float]
    edges: list[float]
    areas: list[AreaQuality]  # the caller's own (the country for the national office)


class AreaPage(BaseModel):
    area: AreaQuality
    parent: str | None  # the area one level up, when the caller may see it
    children: list[AreaQuality]
    thresholds: dict[str, float]
    edges: list[float]
    cases_shown: bool  # False: the caller lacks household.read; ``cases`` is then empty
    cases: list[CaseOut]


_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[int, int], dict[str, Any], dict[str, Any]]] = {}


def _read_json(path: Path, problem: errors.Problem) -> tuple[dict[str, Any], bytes]:
    try:
        data = path.read_bytes()
        doc = json.loads(data)
    except (OSError, ValueError) as exc:
        raise HeadcountError(problem, file=path.name, reason=type(exc).__name__) from exc
    if not isinstance(doc, dict):
        raise HeadcountError(problem, file=path.name, reason="not a JSON object")
    return doc, data


def load(quality_dir: Path | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(quality.json, the report) of the configured directory, re-read when quality.json changes;
    the report's bytes checked against the SHA-256 quality.json lists."""
    if quality_dir is None:
        raise HeadcountError(errors.QUALITY_REPORT_NOT_CONFIGURED)
    path = quality_dir / output.SUMMARY
    try:
        stat = path.stat()
    except OSError as exc:
        raise HeadcountError(
            errors.QUALITY_REPORT_NOT_QUALITY, file=quality_dir.name, reason="no quality.json"
        ) from exc
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    summary, _ = _read_json(path, errors.QUALITY_REPORT_UNREADABLE)
    if summary.get("format") != output.FORMAT:
        raise HeadcountError(
            errors.QUALITY_REPORT_NOT_QUALITY, file=quality_dir.name, reason="format"
        )
    extra = summary.get("extra")
    expected = extra.get(qr.PATH) if isinstance(extra, dict) else None
    if not isinstance(expected, str):
        raise HeadcountError(errors.QUALITY_REPORT_ABSENT)
    doc, data = _read_json(quality_dir / qr.PATH, errors.QUALITY_REPORT_UNREADABLE)
    if hashlib.sha256(data).hexdigest() != expected:
        raise HeadcountError(
            errors.QUALITY_REPORT_UNREADABLE, file=qr.PATH, reason="SHA-256 differs"
        )
    if doc.get("format") != qr.FORMAT or not isinstance(doc.get("areas"), dict):
        raise HeadcountError(errors.QUALITY_REPORT_NOT_QUALITY, file=qr.PATH, reason="format")
    with _lock:
        _cache[path] = (stamp, summary, doc)
    return summary, doc


def _national(actor: Actor) -> bool:
    return SCOPE_WIDTH.get(actor.role) == 0


def _own(actor: Actor) -> list[str]:
    return [NATIONAL] if _national(actor) else list(actor.areas)


def _visible(actor: Actor, code: str) -> bool:
    if code == NATIONAL:
        return _national(actor)
    if not (code.isascii() and code.isdigit() and len(code) in _WIDTHS):
        return False
    return _national(actor) or any(code.startswith(a) for a in actor.areas)


def _area(doc: dict[str, Any], code: str) -> AreaQuality:
    found = doc["areas"].get(code)
    if found is None:  # an area of the actor's without a census record: all zero
        width = 0 if code == NATIONAL else len(code)
        found = qr.empty_area(width)
    return AreaQuality(area_code=code, **found)


def _histogram(doc: dict[str, Any]) -> tuple[dict[str, float], list[float]]:
    return dict(doc.get("thresholds", {})), list(doc.get("histogram", {}).get("edges", []))


def overview(quality_dir: Path | None, actor: Actor) -> QualityOverview:
    """The caller's own areas (the country for the national office) with their figures."""
    summary, doc = load(quality_dir)
    thresholds, edges = _histogram(doc)
    source = summary.get("source") if isinstance(summary.get("source"), dict) else {}
    created = summary.get("created_at")
    return QualityOverview(
        created_at=created if isinstance(created, str) else None,
        synthetic=(source or {}).get("kind") == "synth",
        thresholds=thresholds,
        edges=edges,
        areas=[_area(doc, code) for code in _own(actor)],
    )


def _children(doc: dict[str, Any], code: str) -> list[str]:
    width = 0 if code == NATIONAL else len(code)
    deeper = [w for w in _WIDTHS if w > width]
    if not deeper:
        return []
    prefix = "" if code == NATIONAL else code
    return sorted(
        c for c in doc["areas"] if c != NATIONAL and len(c) == deeper[0] and c.startswith(prefix)
    )


def area_page(quality_dir: Path | None, actor: Actor, code: str) -> AreaPage:
    """One area inside the caller's subtree: its figures, the areas one level below, the one
    above (when the caller's), and the sample of cases when the caller holds household.read."""
    if not _visible(actor, code):  # before the report is read: an area outside the caller's
        # subtree is not found whether or not a report is served
        raise HeadcountError(errors.QUALITY_REPORT_AREA_NOT_FOUND, area=code[:16])
    _, doc = load(quality_dir)
    if code not in doc["areas"] and code not in _own(actor):
        raise HeadcountError(errors.QUALITY_REPORT_AREA_NOT_FOUND, area=code[:16])
    width = 0 if code == NATIONAL else len(code)
    above = [w for w in _WIDTHS if w < width]
    parent = (code[: above[-1]] or NATIONAL) if above else None
    if parent is not None and (not _visible(actor, parent) or parent not in doc["areas"]):
        parent = None
    shown = actor.has(Permission.household_read)
    cases = [CaseOut(**c) for c in qr.sample(doc, code)] if shown else []
    thresholds, edges = _histogram(doc)
    return AreaPage(
        area=_area(doc, code),
        parent=parent,
        children=[_area(doc, c) for c in _children(doc, code)],
        thresholds=thresholds,
        edges=edges,
        cases_shown=shown,
        cases=cases,
    )
