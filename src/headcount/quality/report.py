"""The quality report per area: rates, the score histogram and a sample of cases (issue 12, part 4).

Built by the quality job from its findings and the records it linked (DuckDB tables ``nodes`` and
``areas`` of ``quality.records``), written as ``OUT/report/quality_report.json`` beside them. For
every small area and every area above it (census area, township, county, prefecture, province,
the country "CN"; division code prefixes, as the tables do):

- ``census_records``, the denominator: census person records (residence and hukou-place records);
- ``counts``: duplicate records, double-registration and unlinked hukou-place records, omissions
  (by register), erroneous records (by reason), discrepancies (by item), review pairs;
- ``rates``: duplicates, erroneous and double registration in per cent of the census records,
  omissions and discrepancies per 1,000 census records (None without census records);
- ``scores``: the histogram of the match probabilities the model gave (``BINS`` equal bins from
  the lower threshold to 1: the model keeps no pair below it) with the links (≥ upper) and the
  review pairs; a pair belongs to the area of its census record without a usable ID (``uid_l``).

A household-keyed finding belongs to the household's small area, an omission to the small area
that must verify it (none when no area was found: then it counts for the country only), a review
pair to the area of its first census record. The sample: per small area and kind, the ``SAMPLE``
cases of lowest rank (an MD5 of the case's references: reproducible, no seed); the sample of any
larger area is the ``SAMPLE`` lowest-ranked stored cases inside it (``sample``), the same as
ranking all its cases, since a case among an area's lowest is among its small area's lowest.
A case carries references only (household, person number, register, record id, score, reason or
item): the extract has no names.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import polars as pl

from headcount.quality.model import LOWER, UPPER

FORMAT = "headcount-quality-report"
VERSION = 1
PATH = "report/quality_report.json"
INDEX = "report/index.html"
BINS = 20
SAMPLE = 5
NATIONAL = "CN"
LEVELS = {
    0: "national",
    2: "province",
    4: "prefecture",
    6: "county",
    9: "township",
    12: "census_area",
    15: "small_area",
}
KINDS = (
    "duplicates",
    "double_registration",
    "unlinked_hukou_place",
    "omissions",
    "erroneous",
    "discrepancies",
    "review",
)
BY = {"omissions": "register", "erroneous": "reason", "discrepancies": "item"}
PERCENT = ("duplicates", "erroneous", "double_registration")
PER_1000 = ("omissions", "discrepancies")
# Each finding as cases: (small area, household, person, register, record id, score, detail).
_HH = "LEFT JOIN hh USING (household_id)"
_CASES: dict[str, str] = {
    "duplicates": f"""SELECT small_area_code, household_id, person_no, NULL AS register,
        NULL AS record_id, score, rule AS detail FROM qr_duplicates {_HH}""",
    "double_registration": f"""SELECT small_area_code, household_id, person_no, NULL, NULL,
        score, CASE WHEN counted THEN 'counted' ELSE 'not_counted' END
        FROM qr_double_registration {_HH}""",
    "unlinked_hukou_place": f"""SELECT small_area_code, household_id, person_no, NULL, NULL,
        score, rule FROM qr_unlinked_hukou_place {_HH}""",
    "omissions": """SELECT small_area_code, NULL, NULL, register, record_id, score, register
        FROM qr_omissions""",
    "erroneous": f"""SELECT small_area_code, household_id, person_no, register, record_id,
        NULL, reason FROM qr_erroneous {_HH}""",
    "discrepancies": f"""SELECT small_area_code, household_id, person_no, register, record_id,
        NULL, item FROM qr_discrepancies {_HH}""",
    "review": """SELECT h.small_area_code, r.household_id_l, r.person_no_l, r.source_r,
        coalesce(r.record_id_r, r.household_id_r || '/' || r.person_no_r), r.score, NULL
        FROM qr_review AS r LEFT JOIN hh AS h ON h.household_id = r.household_id_l""",
}
_COLUMNS = "small_area_code, household_id, person_no, register, record_id, score, detail"


def _cases(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Table ``qr_cases``: every finding as one case row, with its kind and rank."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE hh AS SELECT household_id, any_value(small_area_code)
        AS small_area_code FROM nodes WHERE source = 'census' GROUP BY household_id"""
    )
    parts = []
    for kind, sql in _CASES.items():
        con.register(f"qr_{kind}", frames[kind].to_arrow())
        parts.append(f"SELECT '{kind}' AS kind, * FROM (SELECT * FROM ({sql}) AS x({_COLUMNS}))")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE qr_cases AS
        SELECT *, md5(concat_ws('|', kind, household_id, person_no, register, record_id, detail))
          AS rank FROM ({" UNION ALL ".join(parts)})"""
    )
    for kind in _CASES:
        con.unregister(f"qr_{kind}")


def _metrics(con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame) -> pl.DataFrame:
    """(small_area_code, metric, n): census records, findings (and by kind), score bins."""
    con.register("qr_pairs", pairs.select("uid_l", "match_probability").to_arrow())
    frame: pl.DataFrame = con.sql(
        f"""SELECT small_area_code, 'census_records' AS metric, count(*) AS n FROM nodes
          WHERE source = 'census' GROUP BY ALL
        UNION ALL SELECT small_area_code, kind, count(*) FROM qr_cases GROUP BY ALL
        UNION ALL SELECT small_area_code, kind || ':' || detail, count(*) FROM qr_cases
          WHERE kind IN ('omissions', 'erroneous', 'discrepancies') GROUP BY ALL
        UNION ALL SELECT n.small_area_code, 'bin:' || least(floor((p.match_probability - {LOWER})
            / (1 - {LOWER}) * {BINS}), {BINS - 1})::INTEGER, count(*)
          FROM qr_pairs AS p JOIN nodes AS n ON n.uid = p.uid_l GROUP BY ALL
        UNION ALL SELECT n.small_area_code, 'links', count(*)
          FROM qr_pairs AS p JOIN nodes AS n ON n.uid = p.uid_l
          WHERE p.match_probability >= {UPPER} GROUP BY ALL"""
    ).pl()
    con.unregister("qr_pairs")
    return frame


def _rollup(metrics: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Every metric summed per area of every level (a finding without an area: CN only)."""
    out: dict[str, dict[str, int]] = {}
    for width in LEVELS:
        whole = pl.col("small_area_code").str.slice(0, width)
        area = pl.lit(NATIONAL) if width == 0 else whole
        rows = (
            metrics.filter(pl.lit(width == 0) | pl.col("small_area_code").is_not_null())
            .with_columns(area.alias("area"))
            .group_by("area", "metric")
            .agg(pl.col("n").sum())
        )
        for code, metric, n in rows.iter_rows():
            out.setdefault(code, {})[metric] = int(n)
    return out


def _rate(count: int, base: int, per: int) -> float | None:
    return round(count * per / base, 4) if base else None


def _area(code: str, values: dict[str, int]) -> dict[str, Any]:
    base = values.get("census_records", 0)
    counts: dict[str, Any] = {kind: values.get(kind, 0) for kind in KINDS}
    for kind, column in BY.items():
        counts[f"{kind}_by_{column}"] = {
            metric.split(":", 1)[1]: n
            for metric, n in sorted(values.items())
            if metric.startswith(kind + ":")
        }
    rates = {k: _rate(counts[k], base, 100) for k in PERCENT}
    rates |= {k: _rate(counts[k], base, 1000) for k in PER_1000}
    bins = [values.get(f"bin:{i}", 0) for i in range(BINS)]
    links = values.get("links", 0)
    return {
        "level": LEVELS[0 if code == NATIONAL else len(code)],
        "census_records": base,
        "counts": counts,
        "rates": rates,
        "scores": {"pairs": sum(bins), "links": links, "review": sum(bins) - links, "bins": bins},
    }


def empty_area(width: int) -> dict[str, Any]:
    """An area of ``width`` digits the report has no record of: every figure zero."""
    return _area(NATIONAL if width == 0 else "0" * width, {})


def build(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], pairs: pl.DataFrame
) -> dict[str, Any]:
    """The report of one run: ``con`` holds its ``nodes``; ``frames`` are its findings and
    ``pairs`` the model's scored pairs (uid_l, uid_r, match_probability)."""
    _cases(con, frames)
    values = _rollup(_metrics(con, pairs))
    columns = "kind, " + _COLUMNS + ", rank"
    cases = con.sql(
        f"""SELECT {columns} FROM qr_cases QUALIFY row_number() OVER
          (PARTITION BY small_area_code, kind ORDER BY rank) <= {SAMPLE}
        ORDER BY small_area_code NULLS FIRST, kind, rank"""
    ).pl()
    step = (1 - LOWER) / BINS
    return {
        "format": FORMAT,
        "version": VERSION,
        "thresholds": {"upper": UPPER, "lower": LOWER},
        "histogram": {"bins": BINS, "edges": [round(LOWER + i * step, 6) for i in range(BINS + 1)]},
        "sample_size": SAMPLE,
        "kinds": list(KINDS),
        "areas": {code: _area(code, values[code]) for code in sorted(values)},
        "cases": cases.to_dicts(),
    }


def sample(report: dict[str, Any], area: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The sample of ``area`` ("CN": the country): per kind, its ``SAMPLE`` lowest-ranked cases."""
    inside = [
        c
        for c in report.get("cases", [])
        if (kind is None or c.get("kind") == kind)
        and (area == NATIONAL or str(c.get("small_area_code") or "").startswith(area))
    ]
    chosen: list[dict[str, Any]] = []
    for name in KINDS if kind is None else (kind,):
        of_kind = sorted((c for c in inside if c.get("kind") == name), key=lambda c: c["rank"])
        chosen.extend(of_kind[: int(report.get("sample_size", SAMPLE))])
    return chosen


def to_bytes(report: dict[str, Any]) -> bytes:
    """Compact JSON (at 1 M persons about 8 MB; indented, 12 MB)."""
    return json.dumps(report, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


__all__ = [
    "BINS",
    "FORMAT",
    "INDEX",
    "KINDS",
    "LEVELS",
    "NATIONAL",
    "PATH",
    "SAMPLE",
    "VERSION",
    "build",
    "empty_area",
    "sample",
    "to_bytes",
]
