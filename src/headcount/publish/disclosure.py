"""Disclosure checks on the tables of a bundle: the hook the disclosure-control issue fills.

A check is any object with a ``name``, ``applies(table)``, ``check(table, file, rows)`` (yielding
``DisclosureFinding``s) and ``summary()`` (its parameters and counts, recorded in bundle.json).
Checks are registered by name with ``@register("name")`` as factories over ``DisclosureOptions``;
``run_checks`` runs every registered check over every file (CSV, Excel and Parquet alike: each is
published) of every table it applies to.

Until the disclosure-control issue brings its own rules (dominance, secondary suppression, noise),
the one check is the **minimum cell size** (``min_cell``): a ``count`` measure (persons,
households, deaths) with 0 < value < threshold is a finding. A zero is not: it discloses that
nobody has the combination, which the table's structure already tells. Percent, ratio, per-100k
and mean measures are derived from counts and are not checked. The default threshold is 3 (a cell
of 1 or 2 lets a member of it recognise the others) and it applies at every level by default: the
national tables cross many dimensions (single year of age × sex …) and can hold small cells too.
Both are options (``--min-cell N``, ``--min-cell-levels``) and both are recorded in bundle.json.

Findings name the table, the file, the row key (``area_code`` and the dimensions, which are codes)
and the measure. They never carry the cell's value, and tables hold no personal fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from headcount.publish.table_files import TableRows, cell_number, read_table
from headcount.tables.index import LEVELS, TableEntry, TablesIndex

__all__ = [
    "DEFAULT_MIN_CELL",
    "DisclosureCheck",
    "DisclosureFinding",
    "DisclosureOptions",
    "DisclosureReport",
    "MinimumCellSize",
    "register",
    "registered",
    "run_checks",
]

DEFAULT_MIN_CELL = 3


@dataclass(frozen=True, slots=True)
class DisclosureOptions:
    min_cell: int = DEFAULT_MIN_CELL
    levels: frozenset[str] = frozenset(LEVELS)  # the levels the min-cell check applies to


@dataclass(frozen=True, slots=True)
class DisclosureFinding:
    check: str
    table: str
    file: str  # path inside the bundle
    row: dict[str, str]  # area_code and the dimensions: codes, never a personal field
    measure: str
    rule: str  # what was violated, e.g. "0 < count < 3"

    def to_json(self) -> dict[str, Any]:
        return {
            "gate": "disclosure",
            "check": self.check,
            "table": self.table,
            "file": self.file,
            "type": self.check,
            "location": {"row": self.row, "measure": self.measure},
            "rule": self.rule,
        }


class DisclosureCheck(Protocol):
    name: str

    def applies(self, table: TableEntry) -> bool: ...

    def check(self, table: TableEntry, file: str, rows: TableRows) -> Iterator[DisclosureFinding]:
        """Findings for one file of ``table``; ``file`` is its path inside the bundle."""
        ...

    def summary(self) -> dict[str, Any]: ...


CheckFactory = Callable[[DisclosureOptions], DisclosureCheck]
Factory = TypeVar("Factory", bound=CheckFactory)
_REGISTRY: dict[str, CheckFactory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Add a check factory (a class, usually) under ``name``; a name is registered once."""

    def add(factory: Factory) -> Factory:
        if name in _REGISTRY:
            raise ValueError(f"disclosure check {name} is registered twice")
        _REGISTRY[name] = factory
        return factory

    return add


def registered() -> tuple[str, ...]:
    return tuple(_REGISTRY)


@register("min_cell")
class MinimumCellSize:
    """0 < count < threshold in a table at one of the chosen levels."""

    name = "min_cell"

    def __init__(self, options: DisclosureOptions) -> None:
        self.threshold = options.min_cell
        self.levels = options.levels
        self.cells = 0
        self.found = 0

    def applies(self, table: TableEntry) -> bool:
        return table.level in self.levels and "count" in table.measures.values()

    def check(self, table: TableEntry, file: str, rows: TableRows) -> Iterator[DisclosureFinding]:
        counts = [name for name, kind in table.measures.items() if kind == "count"]
        keys = rows.index(table.dimensions, file)
        positions = rows.index(counts, file)
        rule = f"0 < count < {self.threshold}"
        for row in rows.rows:
            for measure in counts:
                self.cells += 1
                value = cell_number(row[positions[measure]])
                if value is not None and 0 < value < self.threshold:
                    self.found += 1
                    key = {name: _code(row[at]) for name, at in keys.items()}
                    yield DisclosureFinding(self.name, table.id, file, key, measure, rule)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "threshold": self.threshold,
            "levels": [level for level in LEVELS if level in self.levels],
            "measure_kind": "count",
            "cells_checked": self.cells,
            "findings": self.found,
        }


def _code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


@dataclass(slots=True)
class DisclosureReport:
    checks: list[DisclosureCheck]
    findings: list[DisclosureFinding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": "pass" if self.passed else "fail",
            "checks": [c.summary() for c in self.checks],
            "blocking_findings": len(self.findings),
        }


def run_checks(
    index: TablesIndex,
    options: DisclosureOptions,
    *,
    prefix: str = "",
    checks: list[DisclosureCheck] | None = None,
) -> DisclosureReport:
    """Every check over every file of every table; ``prefix`` + the index path names a file."""
    active = checks if checks is not None else [make(options) for make in _REGISTRY.values()]
    report = DisclosureReport(active)
    for table in index.tables:
        for check in active:
            if not check.applies(table):
                continue
            for _fmt, name in sorted(table.files.items()):
                file = prefix + name
                expected = [*table.dimensions, *table.measures]
                rows = read_table(Path(index.root) / name, file, expected)
                report.findings.extend(check.check(table, file, rows))
    return report
