"""``headcount tables``: the standard tables of an extract at the levels asked, with their index.

    build(source, out, levels=("national", "province"), formats=("csv", "xlsx", "parquet"))

reads the extract (or a synthetic directory) once into DuckDB, applies the counting rules
(``processing.counting``), computes every table at small-area grain, rolls it up to each level
asked, and writes ``out/<level>/<table_id>.<format>`` plus ``out/tables.json``
(docs/processing.md). Any failure leaves ``out`` untouched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing.counting import RULE_VERSION
from headcount.tables import compute, figures, population, xlsx
from headcount.tables.files import FORMATS, OutputDir, write_table
from headcount.tables.source import Source, open_source, register
from headcount.tables.specs import AREA_LABEL, STANDARD, TableSpec

INDEX_FORMAT = "headcount-tables"
INDEX_VERSION = 1
ENGINES = ("duckdb", "spark")
DEFAULT_LEVELS = ("national", "province")
DEFAULT_MEMORY = "2GB"
_MEMORY = re.compile(r"[0-9]{1,6}(\.[0-9]{1,3})?\s?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)

_PBP_COLUMNS = (
    xlsx.Column("area_code", *AREA_LABEL, None),
    xlsx.Column("province_code", "省份代码", "province code", None),
    xlsx.Column("province_zh", "省份", "province (zh)", None),
    xlsx.Column("province_en", "省份（英文）", "province", None),
    xlsx.Column("region", "地区", "region", None),
    xlsx.Column("population", "常住人口", "population", "count"),
    xlsx.Column("male", "男", "male", "count"),
    xlsx.Column("female", "女", "female", "count"),
    xlsx.Column("urban", "城镇人口", "urban", "count"),
    xlsx.Column("share_pct", "占全国比重（%）", "share of the country (%)", "percent"),
    xlsx.Column("sex_ratio", "性别比（女=100）", "sex ratio (females = 100)", "ratio"),
    xlsx.Column("urban_pct", "城镇化率（%）", "urban share (%)", "percent"),
)


def _split(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def parse_levels(value: str | Sequence[str]) -> tuple[str, ...]:
    asked = _split(value)
    for level in asked:
        if level not in compute.LEVELS:
            raise HeadcountError(
                errors.TABLES_LEVEL_UNKNOWN, level=level[:40], allowed=", ".join(compute.LEVELS)
            )
    if not asked:
        raise HeadcountError(
            errors.TABLES_LEVEL_UNKNOWN, level="", allowed=", ".join(compute.LEVELS)
        )
    return tuple(level for level in compute.LEVELS if level in asked)


def parse_formats(value: str | Sequence[str]) -> tuple[str, ...]:
    asked = _split(value)
    for fmt in asked:
        if fmt not in FORMATS:
            raise HeadcountError(
                errors.TABLES_FORMAT_UNKNOWN, format=fmt[:40], allowed=", ".join(FORMATS)
            )
    if not asked:
        raise HeadcountError(errors.TABLES_FORMAT_UNKNOWN, format="", allowed=", ".join(FORMATS))
    return tuple(fmt for fmt in FORMATS if fmt in asked)


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise HeadcountError(
            errors.TABLES_ENGINE_UNKNOWN, engine=engine[:40], allowed=", ".join(ENGINES)
        )
    if engine != "duckdb":
        raise HeadcountError(errors.TABLES_ENGINE_UNAVAILABLE, engine=engine)


def build(
    source: Path,
    out: Path,
    *,
    levels: str | Sequence[str] = DEFAULT_LEVELS,
    formats: str | Sequence[str] = FORMATS,
    engine: str = "duckdb",
    memory_limit: str = DEFAULT_MEMORY,
) -> dict[str, Any]:
    """Write the standard tables of ``source`` to the new directory ``out``; returns the index.

    ``memory_limit`` bounds DuckDB's memory (e.g. "2GB"); beyond it, work spills to a temporary
    directory inside the output's staging area, so a country fits on one machine's disk."""
    check_engine(engine)
    if not _MEMORY.fullmatch(memory_limit.strip()):
        raise HeadcountError(errors.TABLES_MEMORY_LIMIT_INVALID, value=memory_limit[:20])
    level_list, format_list = parse_levels(levels), parse_formats(formats)
    src = open_source(source)
    output = OutputDir(out)
    current = "(setup)"
    try:
        con = duckdb.connect(config={"temp_directory": str(output.spill)})
    except duckdb.Error as exc:
        output.abort()
        raise HeadcountError(
            errors.TABLES_QUERY_FAILED, table=current, reason=type(exc).__name__
        ) from None
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"SET memory_limit = '{memory_limit.strip()}'")  # checked by _MEMORY
        register(con, src)
        population.build(con)
        current = "figures"
        national, by_province = figures.compute(con)
        entries: list[dict[str, Any]] = []
        meta = _Meta(src, format_list, output)
        level_areas = {lv: compute.areas(con, lv) for lv in level_list}
        level_pops = {lv: compute.populations(con, lv) for lv in level_list}
        for spec in STANDARD:
            current = spec.id
            table = compute.Table(con, spec)
            for level in level_list:
                frame = table.at(level, level_areas[level], level_pops[level])
                entries.append(meta.write(spec, level, frame))
            con.execute(f"DROP TABLE {table.base}")
        if "national" in level_list:
            current = "population_by_province"
            entries.append(meta.write_pbp(compute.population_by_province(con)))
        index = {
            "format": INDEX_FORMAT,
            "version": INDEX_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "engine": engine,
            "source": {
                "path": str(source),
                "kind": src.kind,
                "digest": src.digest,
                "key_id": src.key_id,
            },
            "counting_rule_version": RULE_VERSION,
            "levels": list(level_list),
            "figures": {k: v for k, v in national.items() if v is not None},
            "figures_by_province": by_province,
            "tables": entries,
        }
        output.write_index(index)
    except HeadcountError:
        output.abort()
        raise
    except duckdb.Error as exc:
        output.abort()
        # The type only: a database message may quote a value of the data.
        raise HeadcountError(
            errors.TABLES_QUERY_FAILED, table=current, reason=type(exc).__name__
        ) from None
    except OSError as exc:
        output.abort()
        raise HeadcountError(
            errors.TABLES_WRITE_FAILED, path=str(out), reason=type(exc).__name__
        ) from None
    except BaseException:  # a bug or an interrupt: still leave nothing behind
        output.abort()
        raise
    finally:
        con.close()
    output.commit()
    return index


class _Meta:
    """Writes one table at one level in every format and describes it for the index."""

    def __init__(self, src: Source, formats: tuple[str, ...], output: OutputDir) -> None:
        self.src, self.formats, self.output = src, formats, output

    def _sheet(self, spec: TableSpec, level: str, columns: Sequence[xlsx.Column]) -> xlsx.Sheet:
        return xlsx.Sheet(
            title_zh=spec.title_zh,
            title_en=spec.title_en,
            universe_zh=spec.universe_zh.format(rule=RULE_VERSION),
            universe_en=spec.universe_en.format(rule=RULE_VERSION),
            level=level,
            source=f"{self.src.kind} sha256:{self.src.digest}",
            rule_version=RULE_VERSION,
            columns=columns,
        )

    def _entry(
        self, spec: TableSpec, level: str, frame: pl.DataFrame, columns: Sequence[xlsx.Column]
    ) -> dict[str, Any]:
        sheet = self._sheet(spec, level, columns)
        files, digests = write_table(self.output.tmp, level, spec.id, frame, self.formats, sheet)
        return {
            "id": spec.id,
            "level": level,
            "title_zh": spec.title_zh,
            "title_en": spec.title_en,
            "universe_zh": sheet.universe_zh,
            "universe_en": sheet.universe_en,
            "dimensions": [c.name for c in columns if c.kind is None],
            "measures": [{"name": c.name, "kind": c.kind} for c in columns if c.kind],
            "rows": frame.height,
            "files": files,
            "sha256": digests,
        }

    def write(self, spec: TableSpec, level: str, frame: pl.DataFrame) -> dict[str, Any]:
        columns = [
            xlsx.Column("area_code", *AREA_LABEL, None),
            *(xlsx.Column(d.name, d.zh, d.en, None) for d in spec.dims),
            *(xlsx.Column(m.name, m.zh, m.en, m.kind) for m in spec.measures),
        ]
        return self._entry(spec, level, frame, columns)

    def write_pbp(self, frame: pl.DataFrame) -> dict[str, Any]:
        spec = TableSpec(
            "population_by_province",
            "各省（区、市）常住人口",
            "Usual residents by province",
            "常住人口（计数规则 {rule}），按计数所在普查小区的省份",
            "usual residents (counting rules {rule}), by the province they are counted in",
            "pop",
            "true",
            (),
            (),
        )
        return self._entry(spec, "national", frame, _PBP_COLUMNS)
