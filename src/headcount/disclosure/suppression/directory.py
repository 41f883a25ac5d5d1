"""A tables directory in, a suppressed tables directory out (written whole or not at all).

``read_tables(root, …)`` reads ``tables.json`` (every file's SHA-256 checked: E2150, E2151) and
turns every count table at the chosen levels into long form; ``population_by_province`` (one
national row per province, named) and tables without counts are left out and listed.
``write(result, index, out)`` writes ``out/<level>/<table>.<csv|parquet>`` in long form and a
``tables.json`` of the same format as ``headcount tables`` writes — the dimensions start with
``geocode``, the one measure is ``count`` — so that ``disclose check``, the bundle and its checks
read it like any tables directory. The headline figures of the source index are not copied: they
are published numbers the equations do not cover.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from headcount import errors
from headcount.disclosure.suppression.long_form import (
    COUNT,
    GEOCODE,
    LongTable,
    to_long,
    write_long,
)
from headcount.errors import HeadcountError
from headcount.processing.layout import digest_file
from headcount.tables.index import FORMAT, INDEX, LEVELS, VERSION, Problems, TablesIndex, read_index

__all__ = ["FORMATS", "read_tables", "write"]

PROBLEMS = Problems(invalid=errors.DISCLOSE_NOT_TABLES, file=errors.DISCLOSE_TABLE_FILE)
FORMATS = ("csv", "parquet")
_NOT_SUPPRESSED = {"population_by_province"}


def read_tables(
    root: Path, *, tables: Collection[str] | None = None, levels: Collection[str] | None = None
) -> tuple[TablesIndex, list[LongTable], list[str]]:
    """The index, the long-form tables to suppress, and the names of the tables left out."""
    index = read_index(root, PROBLEMS, check_files=True)
    chosen: list[LongTable] = []
    left_out: list[str] = []
    known = {t.id for t in index.tables}
    unknown = sorted(set(tables or ()) - known)
    if unknown:
        raise HeadcountError(
            errors.SUPPRESS_OPTION_INVALID,
            name="--tables",
            value=",".join(unknown),
            reason=f"the tables are {', '.join(sorted(known))}",
        )
    for entry in index.tables:
        if (tables and entry.id not in tables) or (levels and entry.level not in levels):
            continue
        long = None if entry.id in _NOT_SUPPRESSED else to_long(entry, entry.read(root, PROBLEMS))
        if long is None:
            left_out.append(f"{entry.level}/{entry.id}")
        else:
            chosen.append(long)
    if not chosen:
        raise HeadcountError(
            errors.SUPPRESS_NO_TABLES, path=str(root), reason="no count table at the levels chosen"
        )
    return index, chosen, left_out


def _entry(table: LongTable, root: Path, formats: tuple[str, ...]) -> dict[str, Any]:
    files = write_long(table, root, formats)
    return {
        "id": table.id,
        "level": table.level,
        **table.titles,
        "dimensions": [GEOCODE, *table.dims],
        "measures": [{"name": COUNT, "kind": "count"}],
        "rows": table.frame.height,
        "files": {fmt: path.relative_to(root).as_posix() for fmt, path in files.items()},
        "sha256": {fmt: digest_file(path) for fmt, path in files.items()},
    }


def write(
    tables: list[LongTable],
    index: TablesIndex,
    out: Path,
    summary: dict[str, Any],
    *,
    formats: tuple[str, ...] = FORMATS,
) -> dict[str, Any]:
    """Write the suppressed tables to the new (or empty) directory ``out``; returns the index."""
    out = Path(os.path.abspath(out))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HeadcountError(errors.SUPPRESS_OUT_EXISTS, path=str(out))
    try:
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    except OSError as exc:
        raise HeadcountError(
            errors.SUPPRESS_WRITE_FAILED, path=str(out), reason=exc.strerror or type(exc).__name__
        ) from None
    try:
        entries = [_entry(t, staging, formats) for t in tables]
        source = index.doc.get("source") or {}
        doc = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "source": source,
            "counting_rule_version": index.doc.get("counting_rule_version"),
            "levels": [lv for lv in LEVELS if any(t.level == lv for t in tables)],
            "layout": "long",
            "suppression": summary,
            "tables": entries,
        }
        text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
        (staging / INDEX).write_text(text, encoding="utf-8")
        with contextlib.suppress(FileNotFoundError):
            out.rmdir()  # an empty directory given as --out
        os.rename(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise HeadcountError(
            errors.SUPPRESS_WRITE_FAILED, path=str(out), reason=exc.strerror or type(exc).__name__
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return doc
