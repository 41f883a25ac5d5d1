"""The offices' results: a ``headcount tables`` directory read for one signed-in office.

The web shows processing results and never computes them: every number comes from ``tables.json``
(``figures``, ``figures_by_province``) or a table file it names, whose SHA-256 is checked before
its rows are read; the pyramid is drawn by ``headcount.tables.charts`` from the rows of
``age_sex_single_year``. Nothing here writes to the tables directory, and no SQL runs.

Who sees what (permission ``tables.view``, held by every office role; docs/results.md):

- the national office: every table at every level, every row, and the national ``figures``;
- a provincial, prefecture or county office: the levels at and below its own (a provincial office:
  province, prefecture, county, township), and of those only the rows whose ``area_code`` lies
  inside one of its granted areas (its code is a prefix of the row's); a provincial office also
  gets its ``figures_by_province`` entry (tables.json holds no figures below the province);
- never a national-level table to anyone but the national office: its rows are the whole
  country ("CN"), and even the one row of ``population_by_province`` that is a province's own
  carries its share of the national total. Until publication those figures are the national
  office's; after it they are public at ``/published`` anyway.

A table asked for at a level the office may not see is answered exactly as a table that does not
exist at that level (E2142, 404): an office learns nothing about what lies outside its subtree.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import BaseModel

from headcount import errors
from headcount.auth.roles import SCOPE_WIDTH, Actor, Role
from headcount.errors import HeadcountError, Lang
from headcount.identity import divisions
from headcount.tables.index import INDEX, Problems, TableEntry, TablesIndex, read_index
from headcount.tables.reference import province_info

__all__ = [
    "LEVEL_WIDTH",
    "MAX_LIMIT",
    "PAGE_ROWS",
    "AreaFigures",
    "MeasureOut",
    "ResultsOverview",
    "TablePage",
    "TableSummary",
    "area_name",
    "csv_download",
    "level_of",
    "overview",
    "pyramid_svg",
    "table_page",
]

LEVEL_WIDTH: dict[str, int] = {
    "national": 0,
    "province": 2,
    "prefecture": 4,
    "county": 6,
    "township": 9,
}
ROLE_LEVEL: dict[Role, str] = {
    Role.national_office: "national",
    Role.provincial_office: "province",
    Role.prefecture_office: "prefecture",
    Role.county_office: "county",
}
NATIONAL_AREA = "CN"
PYRAMID_TABLE = "age_sex_single_year"
PAGE_ROWS = 100  # rows per HTML page: a county-level table stays well under 60 KB a page
MAX_LIMIT = 1000  # rows per JSON page
_TABLE_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
_FRAMES_KEPT = 16
# An SVG opened on its own is a document: no script, no outside resource, its own styles only.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


class MeasureOut(BaseModel):
    name: str
    kind: str


class TableSummary(BaseModel):
    """A table as the results index lists it: the levels are those the caller may see."""

    id: str
    title_zh: str
    title_en: str
    universe_zh: str
    universe_en: str
    dimensions: list[str]
    measures: list[MeasureOut]
    levels: list[str]


class AreaFigures(BaseModel):
    """The headline figures of one of the caller's areas ("CN": the country)."""

    area_code: str
    figures: dict[str, int | float | str | None]


class ResultsOverview(BaseModel):
    created_at: str | None
    counting_rule_version: str | None
    synthetic: bool
    areas: list[AreaFigures]
    tables: list[TableSummary]


class TablePage(BaseModel):
    """One page of a table's rows inside the caller's subtree."""

    id: str
    level: str
    title_zh: str
    title_en: str
    universe_zh: str
    universe_en: str
    dimensions: list[str]
    measures: list[MeasureOut]
    columns: list[str]
    total: int  # rows inside the caller's subtree
    offset: int
    limit: int
    rows: list[list[str | int | float | None]]


PROBLEMS = Problems(invalid=errors.RESULTS_UNREADABLE, file=errors.RESULTS_UNREADABLE)
_index_lock = threading.Lock()
_index_cache: dict[Path, tuple[tuple[int, int], TablesIndex]] = {}


def _load(tables_dir: Path | None) -> TablesIndex:
    """tables.json of the configured directory (``tables.index``), re-read when it changes."""
    if tables_dir is None:
        raise HeadcountError(errors.RESULTS_NOT_CONFIGURED)
    path = tables_dir / INDEX
    try:
        stat = path.stat()
    except OSError:
        stat = None
    stamp = (stat.st_mtime_ns, stat.st_size) if stat is not None else (0, 0)
    with _index_lock:
        cached = _index_cache.get(path)
    if stat is not None and cached is not None and cached[0] == stamp:
        return cached[1]
    index = read_index(tables_dir, PROBLEMS)
    with _index_lock:
        _index_cache[path] = (stamp, index)
    return index


_frame_lock = threading.Lock()
_frames: OrderedDict[tuple[str, str, str], pl.DataFrame] = OrderedDict()


def _frame(index: TablesIndex, entry: TableEntry) -> pl.DataFrame:
    """The whole table (Parquet, else CSV), read through ``tables.index`` (SHA-256 checked);
    kept by its digest, so a changed file is read and checked again."""
    fmt = next((f for f in ("parquet", "csv") if f in entry.files), "")
    key = (str(index.root), entry.files.get(fmt, ""), entry.sha256.get(fmt, ""))
    with _frame_lock:
        if key in _frames:
            _frames.move_to_end(key)
            return _frames[key]
    frame = entry.read(index.root, PROBLEMS)
    if "area_code" not in frame.columns:
        raise HeadcountError(errors.RESULTS_UNREADABLE, file=key[1], reason="no area_code column")
    frame = frame.with_columns(pl.col("area_code").cast(pl.String))
    with _frame_lock:
        _frames[key] = frame
        while len(_frames) > _FRAMES_KEPT:
            _frames.popitem(last=False)
    return frame


# --- the caller's subtree ------------------------------------------------------------------------


def _described(entry: TableEntry) -> dict[str, Any]:
    """What every answer says of a table: its id, titles, universe, dimensions and measures."""
    return {
        "id": entry.id,
        "title_zh": entry.title_zh,
        "title_en": entry.title_en,
        "universe_zh": entry.universe_zh,
        "universe_en": entry.universe_en,
        "dimensions": list(entry.dimensions),
        "measures": [MeasureOut(name=name, kind=kind) for name, kind in entry.measures.items()],
    }


def level_of(area: str) -> str:
    """The level of an area code ("CN" national, then by its width); "" when none fits."""
    if area == NATIONAL_AREA:
        return "national"
    return next((name for name, width in LEVEL_WIDTH.items() if width == len(area) > 0), "")


def _national(actor: Actor) -> bool:
    return SCOPE_WIDTH.get(actor.role) == 0


def _levels_for(actor: Actor, levels: list[str]) -> list[str]:
    """The levels of ``levels`` the actor may see, in the order of LEVEL_WIDTH."""
    width = SCOPE_WIDTH.get(actor.role)
    if width is None:
        return []
    ordered = [name for name in LEVEL_WIDTH if name in levels]
    if width == 0:
        return ordered
    return [name for name in ordered if name != "national" and LEVEL_WIDTH[name] >= width]


def _inside(actor: Actor, frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` inside the actor's subtree (all of them for the national office)."""
    if _national(actor):
        return frame
    if not actor.areas:
        return frame.clear()
    inside = pl.lit(False)
    for area in actor.areas:
        inside = inside | pl.col("area_code").str.starts_with(area)
    return frame.filter(inside)


def _areas_of(actor: Actor) -> list[str]:
    return [NATIONAL_AREA] if _national(actor) else list(actor.areas)


def _entry_for(index: TablesIndex, actor: Actor, table_id: str, level: str | None) -> TableEntry:
    found = [e for e in index.tables if e.id == table_id]
    visible = _levels_for(actor, [e.level for e in found])
    if not visible:
        raise HeadcountError(errors.RESULTS_TABLE_NOT_FOUND, table=table_id[:64])
    if level is None:
        own = ROLE_LEVEL.get(actor.role)
        level = own if own in visible else visible[0]
    if level not in visible:
        raise HeadcountError(
            errors.RESULTS_LEVEL_UNAVAILABLE,
            table=table_id,
            level=level[:16],
            levels=", ".join(visible),
        )
    return next(e for e in found if e.level == level)


# --- what the routes call -----------------------------------------------------------------------


def overview(tables_dir: Path | None, actor: Actor) -> ResultsOverview:
    """The actor's headline figures and the tables (with the levels) it may open."""
    index = _load(tables_dir)
    doc = index.doc
    figures = doc.get("figures") if isinstance(doc.get("figures"), dict) else {}
    by_province = doc.get("figures_by_province")
    by_province = by_province if isinstance(by_province, dict) else {}
    areas: list[AreaFigures] = []
    for area in _areas_of(actor):
        found = figures if area == NATIONAL_AREA else by_province.get(area)
        values = {
            str(k): v
            for k, v in (found or {}).items()
            if v is None or isinstance(v, (int, float, str))
        }
        areas.append(AreaFigures(area_code=area, figures=values))
    summaries: dict[str, TableSummary] = {}
    for entry in index.tables:
        if entry.id in summaries:
            continue
        levels = _levels_for(actor, [e.level for e in index.tables if e.id == entry.id])
        if levels:
            summaries[entry.id] = TableSummary(**_described(entry), levels=levels)
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    created, rules = doc.get("created_at"), doc.get("counting_rule_version")
    return ResultsOverview(
        created_at=created if isinstance(created, str) else None,
        counting_rule_version=rules if isinstance(rules, str) else None,
        synthetic=(source or {}).get("kind") == "synth",
        areas=areas,
        tables=list(summaries.values()),
    )


def _cell(value: Any) -> str | int | float | None:
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


def table_page(
    tables_dir: Path | None,
    actor: Actor,
    table_id: str,
    level: str | None,
    *,
    offset: int = 0,
    limit: int = PAGE_ROWS,
) -> TablePage:
    """Rows ``offset``… of a table at ``level`` (default: the actor's own), inside its subtree."""
    index = _load(tables_dir)
    entry = _entry_for(index, actor, table_id, level)
    rows = _inside(actor, _frame(index, entry))
    part = rows.slice(offset, limit)
    return TablePage(
        **_described(entry),
        level=entry.level,
        columns=list(rows.columns),
        total=rows.height,
        offset=offset,
        limit=limit,
        rows=[[_cell(v) for v in row] for row in part.iter_rows()],
    )


@dataclass(frozen=True, slots=True)
class Download:
    filename: str
    data: bytes
    rows: int
    table_id: str
    level: str


def csv_download(
    tables_dir: Path | None, actor: Actor, table_id: str, level: str | None
) -> Download:
    """Every row of the table inside the actor's subtree (what its pages show, all pages), as
    CSV in UTF-8 with a byte-order mark, so that Excel reads the Chinese text correctly."""
    index = _load(tables_dir)
    entry = _entry_for(index, actor, table_id, level)
    rows = _inside(actor, _frame(index, entry))
    scope = NATIONAL_AREA if _national(actor) else "-".join(actor.areas)
    text = rows.write_csv(include_bom=True)
    return Download(
        f"{entry.id}-{entry.level}-{scope}.csv", text.encode(), rows.height, entry.id, entry.level
    )


# --- the pyramid ----------------------------------------------------------------------------------

_draw_lock = threading.Lock()  # matplotlib's rc_context changes process-wide settings
_pyramids: OrderedDict[tuple[str, str], bytes] = OrderedDict()


def pyramid_area(actor: Actor, area: str | None) -> str:
    """The area whose pyramid is drawn: ``area`` when inside the actor's subtree, else its own."""
    own = _areas_of(actor)
    if area is None or area == "":
        return own[0] if own else NATIONAL_AREA
    if area == NATIONAL_AREA:
        allowed = _national(actor)
    else:
        allowed = area.isascii() and area.isdigit() and len(area) in LEVEL_WIDTH.values()
        allowed = allowed and (_national(actor) or any(area.startswith(a) for a in actor.areas))
    if not allowed:
        raise HeadcountError(errors.RESULTS_TABLE_NOT_FOUND, table=f"{PYRAMID_TABLE}:{area[:16]}")
    return area


def pyramid_rows(tables_dir: Path | None, actor: Actor, area: str) -> list[tuple[int, int, int]]:
    """(age, male, female) of ``area`` from ``age_sex_single_year`` at the area's level."""
    index = _load(tables_dir)
    entry = _entry_for(index, actor, PYRAMID_TABLE, level_of(area))
    rows = _inside(actor, _frame(index, entry)).filter(pl.col("area_code") == area)
    if rows.is_empty():
        raise HeadcountError(errors.RESULTS_TABLE_NOT_FOUND, table=f"{PYRAMID_TABLE}:{area}")
    return [
        (int(a), int(m or 0), int(f or 0))
        for a, m, f in rows.select("age", "male", "female").iter_rows()
    ]


def pyramid_svg(tables_dir: Path | None, actor: Actor, area: str | None) -> bytes:
    """The population pyramid of one area in the actor's subtree, drawn by
    ``headcount.tables.charts.population_pyramid`` (kept in memory: the rows never change while
    tables.json does not)."""
    chosen = pyramid_area(actor, area)
    rows = pyramid_rows(tables_dir, actor, chosen)
    index = _load(tables_dir)
    key = (index.sha256, chosen)
    source = index.doc.get("source")
    synthetic = isinstance(source, dict) and source.get("kind") == "synth"
    # The footnote names what the chart shows, as the communiqués' charts do.
    note = ("合成数据 Synthetic data · " if synthetic else "") + f"{chosen} · tables.json "
    note += index.sha256[:16]
    with _draw_lock:
        if key in _pyramids:
            _pyramids.move_to_end(key)
            return _pyramids[key]
        from headcount.tables import charts  # matplotlib: only when a pyramid is first drawn

        with tempfile.TemporaryDirectory(prefix="headcount-pyramid-") as folder:
            font = charts.find_cjk_font()
            made = charts.population_pyramid(
                rows,
                Path(folder) / "pyramid",
                font=font,
                note=note if font else note.replace("合成数据 ", ""),
            )
            data = made["svg"].read_bytes()
        _pyramids[key] = data
        while len(_pyramids) > _FRAMES_KEPT:
            _pyramids.popitem(last=False)
    return data


def area_name(code: str, lang: Lang) -> str:
    """全国 / China, or the division's name with its code: 北京市（11）, Beijing (11)."""
    if code == NATIONAL_AREA:
        return "全国" if lang == "zh" else "China"
    province = province_info().get(code) if lang == "en" else None
    found = divisions().get(code)
    name = province.name_en if province is not None else found.name if found else None
    if name is None:
        return code
    return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
