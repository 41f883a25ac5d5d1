"""What the tables read: a processing extract, or (until extracts exist everywhere) a ``headcount
synth`` directory of the same table layout, exposed to DuckDB as views of the needed columns only.

Only the coded items below are ever read: the names, ID numbers and other personal columns a
synthetic directory also holds are never selected, so they never leave the Parquet files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError

EXTRACT_FORMAT = "headcount-extract"
REQUIRED = ("small_areas", "households", "persons")

# The columns each table must have (SQL types used to cast them, and for an absent table).
COLUMNS: dict[str, dict[str, str]] = {
    "small_areas": {
        "small_area_code": "VARCHAR",
        "township_code": "VARCHAR",
        "county_code": "VARCHAR",
        "province_code": "VARCHAR",
        "urban_rural_class": "VARCHAR",
    },
    "households": {
        "household_id": "VARCHAR",
        "small_area_code": "VARCHAR",
        "household_type": "INTEGER",
    },
    "persons": {
        "household_id": "VARCHAR",
        "person_no": "INTEGER",
        "sex": "INTEGER",
        "birth_year_month_year": "INTEGER",
        "birth_year_month_month": "INTEGER",
        "ethnic_group": "VARCHAR",
        "residence_at_reference": "INTEGER",
        "hukou_place": "INTEGER",
        "hukou_county": "VARCHAR",
        "time_away_from_hukou": "INTEGER",
        "education": "INTEGER",
        "literate": "INTEGER",
    },
    # The field's answers to verification tasks (store extracts; absent elsewhere: empty).
    "verifications": {
        "finding": "VARCHAR",
        "household_id": "VARCHAR",
        "person_no": "INTEGER",
        "answer": "VARCHAR",
    },
    "death_forms": {
        "household_id": "VARCHAR",
        "sex": "INTEGER",
        "birth_year_month_year": "INTEGER",
        "birth_year_month_month": "INTEGER",
        "death_year_month_year": "INTEGER",
        "death_year_month_month": "INTEGER",
        "age_at_death": "INTEGER",
    },
    "hmtf_households": {"household_id": "VARCHAR", "small_area_code": "VARCHAR"},
    "hmtf_persons": {
        "household_id": "VARCHAR",
        "sex": "INTEGER",
        "identity_or_nationality": "INTEGER",
        "purpose_of_stay": "INTEGER",
        "length_of_stay": "INTEGER",
    },
}
# Written by the extract; derived from the other columns when a synthetic directory lacks them.
DERIVABLE = {
    "prefecture_code": ("VARCHAR", "substr(county_code, 1, 4)"),
    "urban": ("BOOLEAN", "starts_with(urban_rural_class, '1')"),
}


@dataclass(frozen=True, slots=True)
class Source:
    root: Path
    kind: str  # "store" or "synth"
    digest: str  # SHA-256 of the manifest
    key_id: str | None
    tables: Mapping[str, list[Path]]  # the Parquet parts of each table present

    def has(self, table: str) -> bool:
        return table in self.tables

    def files(self, table: str) -> list[Path]:
        return list(self.tables.get(table, []))


def _unreadable(root: Path, reason: str) -> HeadcountError:
    return HeadcountError(errors.TABLES_SOURCE_UNREADABLE, path=str(root), reason=reason)


def open_source(root: Path) -> Source:
    """An extract (verified by ``processing.layout.open_extract``) or a synthetic directory."""
    try:
        raw = (root / "manifest.json").read_bytes()
        manifest = json.loads(raw)
    except FileNotFoundError:
        raise _unreadable(root, "manifest.json missing") from None
    except (OSError, ValueError):
        raise _unreadable(root, "manifest.json unreadable") from None
    if not isinstance(manifest, dict):
        raise _unreadable(root, "manifest.json is not an object")
    if manifest.get("format") == EXTRACT_FORMAT:
        return _from_extract(root)
    return _from_synth(root, manifest, hashlib.sha256(raw).hexdigest())


def _from_extract(root: Path) -> Source:
    from headcount.processing import layout  # the extract's reader refuses a damaged extract

    try:
        extract = layout.open_extract(root)
    except (OSError, pl.exceptions.PolarsError) as exc:  # a part whose footer does not parse
        raise _unreadable(root, type(exc).__name__) from None
    manifest: dict[str, Any] = extract.manifest
    origin = manifest.get("source")
    if isinstance(origin, dict):
        kind = str(origin.get("kind") or origin.get("type") or "store")
    else:
        kind = str(origin or "store")
    key_id = manifest.get("key_id")
    tables = {name: extract.files(name) for name in COLUMNS if extract.has(name)}
    return Source(root, kind, extract.digest, str(key_id) if key_id else None, tables)


def _from_synth(root: Path, manifest: dict[str, Any], digest: str) -> Source:
    if manifest.get("generator") != "headcount.synth":
        raise _unreadable(root, "the manifest names neither an extract nor a synthetic population")
    if manifest.get("format", "parquet") != "parquet":
        raise _unreadable(root, "a synthetic population written as CSV; generate it as Parquet")
    tables: dict[str, list[Path]] = {}
    for name in COLUMNS:
        if (root / name).is_dir():
            tables[name] = sorted((root / name).glob("*.parquet"))
    for name in REQUIRED:
        if not tables.get(name):
            raise _unreadable(root, f"table {name} missing")
    return Source(root, "synth", digest, None, tables)


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _present(con: duckdb.DuckDBPyConnection, files: list[Path]) -> set[str]:
    rows = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet([{', '.join(_quote(f) for f in files)}])"
    ).fetchall()
    return {str(row[0]) for row in rows}


def register(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """One view per table, named as the table, holding exactly the columns of ``COLUMNS``."""
    for table, wanted in COLUMNS.items():
        files = source.files(table)
        extra = DERIVABLE if table == "small_areas" else {}
        if not files:
            if table in REQUIRED:
                raise _unreadable(source.root, f"table {table} has no Parquet part")
            cols = [f"CAST(NULL AS {t}) AS {c}" for c, t in wanted.items()]
            cols += [f"CAST(NULL AS {t}) AS {c}" for c, (t, _) in extra.items()]
            con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT {', '.join(cols)} WHERE false")
            continue
        present = _present(con, files)
        for column in wanted:
            if column not in present:
                raise HeadcountError(
                    errors.TABLES_SOURCE_COLUMN_MISSING, table=table, column=column
                )
        cols = [f"CAST({c} AS {t}) AS {c}" for c, t in wanted.items()]
        for column, (sql_type, derived) in extra.items():
            expr = column if column in present else derived
            cols.append(f"CAST({expr} AS {sql_type}) AS {column}")
        parts = ", ".join(_quote(f) for f in files)
        con.execute(
            f"CREATE OR REPLACE VIEW {table} AS SELECT {', '.join(cols)} "
            f"FROM read_parquet([{parts}])"
        )
