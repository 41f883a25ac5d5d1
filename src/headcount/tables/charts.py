"""The communiqués' charts: a population pyramid and the population of each province.

Drawn with matplotlib's Agg canvas (no pyplot, no display, no global backend switch), as SVG and
PNG. The same rows give the same bytes: the SVG hash salt is fixed, text is drawn as paths, and
neither file carries a date or a version. Titles and labels are Chinese and English; they need a
CJK font (Noto Sans CJK, Source Han Sans or WenQuanYi, as Debian packages them). Without one the
charts are drawn with English labels only and a warning says so; a chart never fails for a font.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from matplotlib import font_manager, rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from headcount.tables.index import Problems, TablesIndex

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "CJK_FAMILIES",
    "Bar",
    "bilingual",
    "draw",
    "find_cjk_font",
    "national_table",
    "new_figure",
    "population_pyramid",
    "province_bars",
    "save",
    "style",
]

log = logging.getLogger(__name__)

# Preferred first; all are Debian packages (fonts-noto-cjk, fonts-wqy-*, fonts-arphic-*).
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
_CJK_FILE_HINTS = ("cjk", "wqy", "sourcehan", "droidsansfallback", "uming", "ukai")
_MALE, _FEMALE, _BAR = "#3b6ea8", "#c8553d", "#3b6ea8"
_SVG_META = {"Date": None, "Creator": "headcount", "Format": None, "Type": None}
_PNG_META = {"Software": "headcount"}
MAX_AGE = 100


@dataclass(frozen=True, slots=True)
class Bar:
    label_zh: str
    label_en: str
    value: int


def _installed(families: Sequence[str]) -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in families if f in names), None)


def find_cjk_font() -> str | None:
    """The first CJK family matplotlib can use, or None (with a logged warning).

    matplotlib caches its font list once; a font installed later is found by scanning the
    system font folders and adding the candidates to the font manager.
    """
    found = _installed(CJK_FAMILIES)
    if found is None:
        for path in sorted(font_manager.findSystemFonts()):
            if any(h in Path(path).name.lower() for h in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file
                    continue
        found = _installed(CJK_FAMILIES)
    if found is None:
        log.warning("no CJK font found (install fonts-noto-cjk): charts get English labels only")
    return found


def bilingual(zh: str, en: str, font: str | None, sep: str = "\n") -> str:
    """Chinese and English where a CJK font draws them, English alone otherwise."""
    return f"{zh}{sep}{en}" if font and zh else en


def style(font: str | None) -> dict[RcKeyType, Any]:
    """The charts' matplotlib settings: reproducible SVG, text as paths, the CJK font first."""
    return {
        "svg.hashsalt": "headcount-charts",
        "svg.fonttype": "path",
        "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"],
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # attaches itself: layout and PNG output use Agg
    return fig


def _finish(fig: Figure, stem: Path, title: str, note: str, font: str | None) -> dict[str, Path]:
    """Shared styling (x grid, x label, title, footnote), then stem.svg and stem.png."""
    ax = fig.axes[0]
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{abs(round(x)):,}"))
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel(bilingual("人数", "Persons", font, " / "))
    fig.suptitle(title, fontsize=11)
    if note:
        fig.text(0.5, 0.01, note, ha="center", fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return save(fig, stem)


def save(fig: Figure, stem: Path) -> dict[str, Path]:
    """stem.svg and stem.png, with no date or version in either (the same rows, the same bytes)."""
    svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
    fig.savefig(svg, format="svg", metadata=_SVG_META)
    fig.savefig(png, format="png", dpi=150, metadata=_PNG_META)
    return {"svg": svg, "png": png}


def population_pyramid(
    ages: Sequence[tuple[int, int, int]], stem: Path, *, font: str | None, note: str = ""
) -> dict[str, Path]:
    """(age, male, female) rows, age 0–100 (100 = 100 and over) → stem.svg and stem.png.

    Males to the left, females to the right, age rising upward with a tick every five years.
    """
    male, female = [0] * (MAX_AGE + 1), [0] * (MAX_AGE + 1)
    for age, m, f in ages:
        if 0 <= age <= MAX_AGE:
            male[age] += m
            female[age] += f
    span = max([*male, *female, 1]) * 1.08
    with rc_context(style(font)):
        fig = new_figure(7.0, 8.0)
        ax = fig.add_subplot()
        ax.barh(range(MAX_AGE + 1), [-m for m in male], height=1.0, color=_MALE)
        ax.barh(range(MAX_AGE + 1), female, height=1.0, color=_FEMALE)
        ax.set_xlim(-span, span)
        ax.set_ylim(-0.5, MAX_AGE + 0.5)
        ax.axvline(0, color="#333333", linewidth=0.6)
        ax.yaxis.set_major_locator(MultipleLocator(5))
        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _p: f"{int(v)}+" if int(v) >= MAX_AGE else f"{int(v)}")
        )
        ax.set_ylabel(bilingual("年龄（岁）", "Age (years)", font, " / "))
        for x, ha, zh, en, color in (
            (0.02, "left", "男", "Male", _MALE),
            (0.98, "right", "女", "Female", _FEMALE),
        ):
            ax.text(
                x,
                0.98,
                bilingual(zh, en, font),
                transform=ax.transAxes,
                va="top",
                ha=ha,
                color=color,
                fontsize=11,
            )
        title = bilingual(
            "人口金字塔（按单岁年龄和性别）",
            "Population pyramid by single year of age and sex",
            font,
        )
        return _finish(fig, stem, title, note, font)


def province_bars(
    bars: Sequence[Bar], stem: Path, *, font: str | None, note: str = ""
) -> dict[str, Path]:
    """Population by province, largest at the top → stem.svg and stem.png."""
    ordered = sorted(bars, key=lambda b: (-b.value, b.label_en))
    with rc_context(style(font)):
        fig = new_figure(7.0, max(3.0, 0.26 * len(ordered) + 1.4))
        ax = fig.add_subplot()
        y = list(range(len(ordered)))
        ax.barh(y, [b.value for b in ordered], height=0.7, color=_BAR)
        ax.set_yticks(y, [bilingual(b.label_zh, b.label_en, font, " ") for b in ordered])
        ax.set_ylim(len(ordered) - 0.5, -0.5)  # largest on top, no empty margin
        title = bilingual("各省（区、市）人口", "Population by province", font)
        return _finish(fig, stem, title, note, font)


def national_table(index: TablesIndex, problems: Problems, table_id: str) -> pl.DataFrame | None:
    """A national table named in tables.json, its SHA-256 checked; None (and a warning) when the
    index has none: its chart is left out."""
    entry = index.find(table_id, "national")
    if entry is None:
        log.warning("tables.json has no national %s: its chart is left out", table_id)
        return None
    return entry.read(index.root, problems)


def draw(
    index: TablesIndex,
    problems: Problems,
    out: Path,
    names: Mapping[str, tuple[str, str]],
    notes: tuple[str, str] = ("", ""),
) -> dict[str, str | None]:
    """The pyramid and the provincial bars from their tables → out/{pyramid,provinces}.{svg,png}.

    Returns each chart's stem relative to out's parent (None when its table is absent) and the font.
    """
    font = find_cjk_font()
    note = bilingual(*notes, font, " ")  # the footnote, zh and en
    out.mkdir()
    made: dict[str, str | None] = {"pyramid": None, "provinces": None, "font": font}
    ages = national_table(index, problems, "age_sex_single_year")
    if ages is not None:
        national = ages.filter(pl.col("area_code") == "CN").select("age", "male", "female")
        rows = [(int(a), int(m or 0), int(f or 0)) for a, m, f in national.iter_rows()]
        population_pyramid(rows, out / "pyramid", font=font, note=note)
        made["pyramid"] = f"{out.name}/pyramid"
    provinces = national_table(index, problems, "population_by_province")
    if provinces is not None:
        pairs = provinces.select("province_code", "population").iter_rows()
        label = {c: names.get(c, (c, c)) for c in provinces["province_code"].to_list()}
        bars = [Bar(label[c][0], label[c][1], int(p)) for c, p in pairs if p is not None]
        province_bars(bars, out / "provinces", font=font, note=note)
        made["provinces"] = f"{out.name}/provinces"
    return made
