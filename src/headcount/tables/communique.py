"""The eight communiqués (第七次全国人口普查公报 No.1–8) from a tables directory.

    build(TABLES, OUT)  →  OUT/no1.zh.md, no1.zh.html, no1.en.md, no1.en.html, … no8.en.html
                           OUT/charts/pyramid.{svg,png}, OUT/charts/provinces.{svg,png}
                           OUT/communique.json (every file's sha256; what each communiqué quotes)

Every number in the text is a figure of ``tables.json`` (``figures``, ``figures_by_province``)
formatted by :mod:`headcount.tables.numbers`, or one of the published 2010 values of
``results-2020-national.csv`` (labelled as such); nothing is recomputed here. A figure the source
cannot answer reads "not available", never 0. The charts read the table files named in
``tables.json`` after checking their sha256. The output is made under a temporary name beside OUT
and renamed at the end; the same tables directory gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from headcount import errors
from headcount.errors import HeadcountError
from headcount.tables import charts
from headcount.tables.index import INDEX, Problems, TablesIndex, read_index
from headcount.tables.numbers import Lang, format_cell, format_figure

__all__ = ["FORMAT", "TITLES", "VERSION", "build"]

FORMAT, VERSION = "headcount-communique", 1
TITLES: dict[int, dict[str, str]] = {
    1: {"zh": "人口普查工作基本情况", "en": "The census and its data"},
    2: {"zh": "全国人口和户", "en": "National population and households"},
    3: {"zh": "地区人口情况", "en": "Population by region"},
    4: {"zh": "人口性别构成情况", "en": "Sex composition"},
    5: {"zh": "人口年龄构成情况", "en": "Age composition"},
    6: {"zh": "人口受教育情况", "en": "Educational attainment"},
    7: {"zh": "城乡人口和流动人口情况", "en": "Urban and rural population, and migration"},
    8: {"zh": "港澳台居民和外籍人员情况", "en": "Hong Kong, Macao, Taiwan and foreign residents"},
}
PUBLISHED_2010 = (
    "population_2010",
    "avg_family_household_size_2010",
    "mean_years_schooling_15_plus_2010",
    "illiteracy_rate_2010_pct",
)
Num = int | float


@dataclass
class _Quotes:
    """What one communiqué quotes, gathered while its four files render."""

    figures: dict[str, Num] = field(default_factory=dict)
    not_available: set[str] = field(default_factory=set)
    provinces: dict[str, dict[str, Num | None]] = field(default_factory=dict)
    published_2010: dict[str, Num] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:  # keys are sorted when communique.json is written
        return {
            "figures": self.figures,
            "not_available": sorted(self.not_available),
            "figures_by_province": self.provinces,
            "published_2010": self.published_2010,
        }


def _fail(problem: errors.Problem, path: Path, reason: str = "") -> HeadcountError:
    return HeadcountError(problem, path=str(path), reason=reason)


def _is_num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


PROBLEMS = Problems(
    invalid=errors.COMMUNIQUE_TABLES_UNREADABLE,
    file=errors.COMMUNIQUE_TABLE_FILE_INVALID,
    missing=errors.COMMUNIQUE_TABLES_MISSING,
    format=errors.COMMUNIQUE_TABLES_FORMAT,
)


def _load(tables_dir: Path) -> TablesIndex:
    """The tables directory's index (``tables.index``), with figures that are all numbers."""
    loaded = read_index(tables_dir, PROBLEMS)
    figures = loaded.doc.get("figures", {})
    by_prov = loaded.doc.get("figures_by_province", {})
    ok = isinstance(figures, dict) and all(_is_num(v) for v in figures.values())
    ok = ok and isinstance(by_prov, dict) and all(isinstance(v, dict) for v in by_prov.values())
    if not ok:
        raise _fail(
            errors.COMMUNIQUE_TABLES_UNREADABLE, tables_dir / INDEX, "figures must be numbers"
        )
    return loaded


def _reference() -> tuple[dict[str, dict[str, str]], dict[str, Num]]:
    """Province names and regions, and the published 2010 values (package data of synth)."""
    data = resources.files("headcount.synth").joinpath("data")

    def rows(name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(data.joinpath(name).read_text("utf-8"))))

    names = {r["province_code"]: r for r in rows("results-2020-provinces.csv")}
    published: dict[str, Num] = {
        r["indicator"]: float(r["value"]) if "." in r["value"] else int(r["value"])
        for r in rows("results-2020-national.csv")
        if r["indicator"] in PUBLISHED_2010
    }
    return names, published


def _environment(html: bool) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("headcount.tables", "templates/communique"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _context(
    index: dict[str, Any], quotes: _Quotes, lang: Lang, published: dict[str, Num]
) -> dict[str, Any]:
    figures: dict[str, Num] = index.get("figures", {})
    by_prov: dict[str, dict[str, Any]] = index.get("figures_by_province", {})

    def f(indicator: str, unit: str = "") -> str:
        value = figures.get(indicator)
        if value is None:
            quotes.not_available.add(indicator)
        else:
            quotes.figures[indicator] = value
        text = format_figure(indicator, value, lang)
        return text + unit if value is not None else text

    def p2010(indicator: str, unit: str = "") -> str:
        quotes.published_2010[indicator] = published[indicator]
        return format_figure(indicator, published[indicator], lang) + unit

    def cell(code: str, key: str) -> str:
        value = by_prov.get(code, {}).get(key)
        value = value if _is_num(value) else None
        quotes.provinces.setdefault(code, {})[key] = value
        return format_cell(key, value, lang)

    def para(text: str) -> str:  # a paragraph over several template lines, as one line
        parts = [line.strip() for line in text.splitlines() if line.strip()]
        joined = ("" if lang == "zh" else " ").join(parts)
        return Markup(joined) if isinstance(text, Markup) else joined

    return {"f": f, "p2010": p2010, "cell": cell, "para": para, "has": figures.__contains__}


def build(tables_dir: Path, out: Path) -> dict[str, Any]:
    """Write the communiqués of TABLES into the new directory OUT; returns communique.json."""
    loaded = _load(tables_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise _fail(errors.COMMUNIQUE_OUTPUT_NOT_EMPTY, out)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        result = _write(loaded, tmp)
        text = json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (tmp / "communique.json").write_text(text, "utf-8")
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise _fail(
            errors.COMMUNIQUE_WRITE_FAILED, out, exc.strerror or type(exc).__name__
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _write(loaded: TablesIndex, tmp: Path) -> dict[str, Any]:
    index, index_sha = loaded.doc, loaded.sha256
    source = index.get("source") or {}
    synthetic = source.get("kind") == "synth"
    names, published = _reference()
    tag = f"tables.json {index_sha[:16]}"
    notes = ("合成数据", f"Synthetic data · {tag}") if synthetic else ("", tag)
    pairs = {c: (r["province_zh"], r["province_en"]) for c, r in names.items()}
    made = charts.draw(loaded, PROBLEMS, tmp / "charts", pairs, notes)
    warnings = [f"no {k} chart: no such table" for k in ("pyramid", "provinces") if not made[k]]
    if made["font"] is None:
        warnings.append("no CJK font (install fonts-noto-cjk): the charts have English labels only")
    by_prov: dict[str, dict[str, Any]] = index.get("figures_by_province", {})
    provinces = [
        {
            "code": c,
            "zh": pairs.get(c, (c, c))[0],
            "en": pairs.get(c, (c, c))[1],
            "region": str(by_prov[c].get("region") or names.get(c, {}).get("region", "")),
        }
        for c in sorted(by_prov)
    ]
    common = dict(index=index, index_sha=index_sha, synthetic=synthetic, charts=made)
    common |= {"titles": TITLES, "provinces": provinces}
    envs = {"md": _environment(html=False), "html": _environment(html=True)}
    communiques: list[dict[str, Any]] = []
    for no, title in TITLES.items():
        quotes, files = _Quotes(), []
        for lang in ("zh", "en"):
            ctx = {**common, **_context(index, quotes, lang, published), "lang": lang, "no": no}
            for fmt, env in envs.items():
                text = env.get_template(f"no{no}.j2").render(**ctx, fmt=fmt)
                files.append(name := f"no{no}.{lang}.{fmt}")
                (tmp / name).write_text(re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", "utf-8")
        titles = {"title_zh": title["zh"], "title_en": title["en"]}
        communiques.append({"no": no, **titles, "files": files, **quotes.as_json()})
    listing = [
        {
            "path": p.relative_to(tmp).as_posix(),
            "bytes": p.stat().st_size,
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        }
        for p in sorted(tmp.rglob("*"))
        if p.is_file()
    ]
    tables = {k: index.get(k) for k in ("created_at", "counting_rule_version")}
    tables |= {"sha256": index_sha, "source": {k: source.get(k) for k in ("kind", "digest")}}
    return {
        "format": FORMAT,
        "version": VERSION,
        "tables": tables,
        "synthetic": synthetic,
        "charts": made,
        "warnings": warnings,
        "files": listing,
        "communiques": communiques,
    }
