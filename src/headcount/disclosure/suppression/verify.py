"""The recalculation attack on published files: what the bundle's ``recalculable`` check runs.

``read_rows`` turns the rows of one long-form file (CSV, Excel or Parquet, through
``publish.table_files``) into a frame and names the rows whose status and count disagree;
``recalculation_findings`` builds one model from every long-form table of a tables directory,
bounds every hidden cell by linear programming (``attack``) and names each cell the bounds
expose (``protection.judge``): the attacker sees exactly these files, so this is exactly the
attack anyone can mount on the publication.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import polars as pl

from headcount.disclosure.suppression.attack import attack
from headcount.disclosure.suppression.long_form import (
    COUNT,
    GEOCODE,
    PUBLISHED,
    STATUS,
    STATUSES,
    LongTable,
)
from headcount.disclosure.suppression.model import build
from headcount.disclosure.suppression.protection import ProtectionRule, judge
from headcount.publish.table_files import TableRows, cell_number
from headcount.tables.index import TableEntry

__all__ = ["RULES", "read_rows", "recalculation_findings"]

RULES = {
    "recalculable": "a hidden cell the published tables pin to one value",
    "below_threshold": "a primary cell the published tables show below {threshold}",
    "non_empty": "a primary cell the published tables show non-empty",
    "inconsistent": "published numbers that contradict each other",
    "files_differ": "the files of one table hold different cells",
}
Finding = tuple[str, str, dict[str, str], str, str]  # table, file, row key, measure, rule


class Counter(Protocol):
    hidden: int
    programs: int


def _code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _whole(number: Decimal | None) -> int | None:
    if number is None or number != number.to_integral_value() or number < 0:
        return None
    return int(number)


def read_rows(
    table: TableEntry, file: str, rows: TableRows
) -> tuple[pl.DataFrame, list[dict[str, str]]]:
    """The file's cells (dimensions as codes, count, status) and the keys of rows whose status
    is unknown or whose count is shown for a hidden cell (or missing for a published one)."""
    at = rows.index([*table.dimensions, COUNT, STATUS], file)
    records: list[tuple[Any, ...]] = []
    bad: list[dict[str, str]] = []
    for row in rows.rows:
        key = {name: _code(row[at[name]]) for name in table.dimensions}
        number = cell_number(row[at[COUNT]])
        count = _whole(number)
        status = _code(row[at[STATUS]]).strip()
        if (
            status not in STATUSES
            or (status == PUBLISHED) != (number is not None)
            or (number is not None and count is None)
        ):
            bad.append(key)
            status = PUBLISHED if count is not None else "secondary"
        records.append((*key.values(), count if status == PUBLISHED else None, status))
    schema = {name: pl.String for name in table.dimensions} | {COUNT: pl.Int64, STATUS: pl.String}
    return pl.DataFrame(records, schema=schema, orient="row"), bad


def recalculation_findings(
    entries: dict[tuple[str, str], TableEntry],
    files: dict[tuple[str, str], list[tuple[str, pl.DataFrame]]],
    threshold: int,
    counter: Counter,
) -> Iterator[Finding]:
    """Every exposure the recalculation attack finds over all the long-form tables given."""
    tables: list[LongTable] = []
    names: list[list[str]] = []
    for key, entry in entries.items():
        (first, frame), *others = files[key]
        for name, other in others:
            if not frame.equals(other):
                yield entry.id, name, {}, COUNT, RULES["files_differ"]
        dims = tuple(d for d in entry.dimensions if d != GEOCODE)
        tables.append(LongTable(entry.id, entry.level, dims, frame))
        names.append([first, *(name for name, _ in others)])
    if not tables:
        return
    model = build(tables)
    hidden = model.status != PUBLISHED
    bounds = attack(model, hidden)
    counter.hidden = int(hidden.sum())
    counter.programs = bounds.programs
    rule = ProtectionRule(threshold)
    for exposure in judge(model, bounds, model.status, rule):
        at = int(np.searchsorted(np.asarray(model.offsets), exposure.cell, side="right")) - 1
        table = tables[at]
        text = RULES[exposure.problem].format(threshold=threshold)
        for name in names[at]:
            yield table.id, name, model.key(exposure.cell), COUNT, text
