"""Disclosure checks on the tables of a bundle: the hook the disclosure-control issue fills.

A check is any object with a ``name``, ``applies(table)``, ``check(table, file, rows)`` (yielding
``DisclosureFinding``s) and ``summary()`` (its parameters and counts, recorded in bundle.json).
Checks are registered by name with ``@register("name")`` as factories over ``DisclosureOptions``;
``run_checks`` runs every registered check over every file (CSV, Excel and Parquet alike: each is
published) of every table it applies to.

The rules themselves live in ``headcount.disclosure`` (issue 14); this module adapts them to
the table files and registers them, in this order (``recalculable`` last):

* ``min_cell`` (``disclosure.frequency``): a ``count`` measure (persons, households, deaths) with
  0 < value < threshold is a finding. A zero is not: it discloses that nobody has the
  combination, which the table's structure already tells. Percent, ratio, per-100k and mean
  measures are derived from counts and are not checked. The default threshold is 3 (a cell of 1
  or 2 lets a member of it recognise the others) and it applies at every level by default: the
  national tables cross many dimensions (single year of age × sex …) and can hold small cells
  too. Both are options (``--min-cell N``, ``--min-cell-levels``).
* ``full_cell`` (``disclosure.attribute``): in a table with a sensitive dimension
  (``disclosure.sensitive``: education, ethnicity, HK/Macau/Taiwan/foreign origin by default), a
  group (the other dimensions and the measure) whose members all share one value. By default at
  the township level only, where groups are small enough for a neighbour to know who is in them.
* ``dominance`` (n,k) and ``p_percent`` (``disclosure.dominance``, ``disclosure.p_percent``): for
  magnitude measures, whose contributions they need. No table of the tables directory is a
  magnitude table today (every measure is a count or derived from counts), so they apply to none
  and record their parameters; a magnitude table, once tables.json can declare one, is refused
  (E2157) until its contributions can be read.

* ``recalculable`` (``disclosure.suppression``): tables in long form (written by ``headcount
  disclose suppress``: ``geocode``, dimensions, ``count``, ``status``) are attacked together at
  the end (``finish``): every hidden cell is bounded by linear programming over every published
  equation, and a hidden cell pinned to one value, a primary cell shown below ``min_cell`` or
  shown non-empty, or a count shown for a hidden cell is a finding. Wide tables are not its
  business (``min_cell`` refuses their small cells).

Every check's parameters and counts are recorded in bundle.json. A check may also have a
``finish()`` yielding findings once every file has been read (a check over all tables at once).

Findings name the table, the file, the row key (``area_code`` and the dimensions, which are codes)
and the measure. They never carry the cell's value, and tables hold no personal fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from headcount import errors
from headcount.disclosure.attribute import full_cells, rule_text
from headcount.disclosure.dominance import DominanceRule
from headcount.disclosure.frequency import DEFAULT_MIN_CELL, MinimumFrequency
from headcount.disclosure.p_percent import PPercentRule
from headcount.disclosure.sensitive import DEFAULT_SENSITIVE, NOT_DISCLOSING, Sensitive
from headcount.errors import HeadcountError
from headcount.publish.table_files import TableRows, cell_number, read_table
from headcount.tables.index import LEVELS, TableEntry, TablesIndex

__all__ = [
    "DEFAULT_ATTRIBUTE_LEVELS",
    "DEFAULT_MIN_CELL",
    "MAGNITUDE",
    "DisclosureCheck",
    "DisclosureFinding",
    "DisclosureOptions",
    "DisclosureReport",
    "Dominance",
    "FullCell",
    "MinimumCellSize",
    "PPercent",
    "Recalculable",
    "register",
    "registered",
    "run_checks",
]

DEFAULT_ATTRIBUTE_LEVELS = frozenset({"township"})
MAGNITUDE = "magnitude"  # the measure kind the dominance and p % checks apply to (none yet)
MARGIN_VALUE = "total"  # the dimension value of a margin row in a suppressed (long-form) table


@dataclass(frozen=True, slots=True)
class DisclosureOptions:
    """Every check's parameters, each valid when built (E2152 here; E2153, E2154 by the rules)."""

    min_cell: int = DEFAULT_MIN_CELL
    levels: frozenset[str] = frozenset(LEVELS)  # where min_cell (and the magnitude checks) apply
    dominance: DominanceRule = field(default_factory=DominanceRule)
    p_percent: PPercentRule = field(default_factory=PPercentRule)
    sensitive: tuple[Sensitive, ...] = DEFAULT_SENSITIVE
    attribute_levels: frozenset[str] = DEFAULT_ATTRIBUTE_LEVELS  # where full_cell applies

    def __post_init__(self) -> None:
        MinimumFrequency(self.min_cell)


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
        self.rule = MinimumFrequency(options.min_cell)
        self.threshold = self.rule.threshold
        self.levels = options.levels
        self.cells = 0
        self.found = 0

    def applies(self, table: TableEntry) -> bool:
        return table.level in self.levels and "count" in table.measures.values()

    def check(self, table: TableEntry, file: str, rows: TableRows) -> Iterator[DisclosureFinding]:
        counts = [name for name, kind in table.measures.items() if kind == "count"]
        keys = rows.index(table.dimensions, file)
        positions = rows.index(counts, file)
        for row in rows.rows:
            for measure in counts:
                self.cells += 1
                if self.rule.risky(cell_number(row[positions[measure]])):
                    self.found += 1
                    key = {name: _code(row[at]) for name, at in keys.items()}
                    yield DisclosureFinding(self.name, table.id, file, key, measure, self.rule.rule)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "threshold": self.threshold,
            "levels": [level for level in LEVELS if level in self.levels],
            "measure_kind": "count",
            "cells_checked": self.cells,
            "findings": self.found,
        }


@register("full_cell")
class FullCell:
    """A group of a table with a sensitive dimension whose members all share one value of it."""

    name = "full_cell"

    def __init__(self, options: DisclosureOptions) -> None:
        self.levels = options.attribute_levels
        self.sensitive = options.sensitive
        self.groups = 0
        self.found = 0

    def _dimensions(self, table: TableEntry) -> list[str]:
        return [s.dimension for s in self.sensitive if s.table == table.id]

    def applies(self, table: TableEntry) -> bool:
        return (
            table.level in self.levels
            and bool(self._dimensions(table))
            and "count" in table.measures.values()
        )

    def check(self, table: TableEntry, file: str, rows: TableRows) -> Iterator[DisclosureFinding]:
        chosen = self._dimensions(table)
        for dimension in chosen:
            if dimension not in table.dimensions or dimension == "area_code":
                raise HeadcountError(
                    errors.DISCLOSE_SENSITIVE_INVALID,
                    table=table.id,
                    dimension=dimension,
                    reason=f"the table's dimensions are {', '.join(table.dimensions)}",
                )
        counts = [name for name, kind in table.measures.items() if kind == "count"]
        keys = rows.index(table.dimensions, file)
        positions = rows.index(counts, file)
        dims = list(table.dimensions)
        at = [keys[d] for d in dims]
        measured = [positions[m] for m in counts]
        # One tuple of codes and one of counts per row: a township table can be millions of rows.
        data = [
            (tuple(_code(row[i]) for i in at), tuple(cell_number(row[i]) for i in measured))
            for row in rows.rows
        ]
        for dimension in chosen:
            pos = dims.index(dimension)
            self.groups += len(counts) * len({c[:pos] + c[pos + 1 :] for c, _n in data})
            for number, measure in enumerate(counts):
                triples = (
                    (c[:pos] + c[pos + 1 :], c[pos], n[number])
                    for c, n in data
                    if c[pos] != MARGIN_VALUE  # a long-form table's margin is no category
                )
                for group, category in full_cells(triples, not_disclosing=NOT_DISCLOSING):
                    self.found += 1
                    codes = (*group[:pos], category, *group[pos:])
                    key = dict(zip(dims, codes, strict=True))
                    yield DisclosureFinding(
                        self.name, table.id, file, key, measure, rule_text(dimension)
                    )

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "levels": [level for level in LEVELS if level in self.levels],
            "sensitive": [s.text() for s in self.sensitive],
            "not_disclosing": sorted(NOT_DISCLOSING),
            "measure_kind": "count",
            "groups_checked": self.groups,
            "findings": self.found,
        }


class _MagnitudeCheck:
    """A rule over contributions: it applies to magnitude measures, which no table has yet."""

    name = ""

    def __init__(self, options: DisclosureOptions) -> None:
        self.levels = options.levels
        self.tables = 0

    def applies(self, table: TableEntry) -> bool:
        return table.level in self.levels and MAGNITUDE in table.measures.values()

    def check(self, table: TableEntry, file: str, rows: TableRows) -> Iterator[DisclosureFinding]:
        # A table file holds the cells' sums, not their contributions: a magnitude table cannot
        # be checked from it. tables.json cannot declare a magnitude measure yet (MEASURE_KINDS).
        self.tables += 1
        raise HeadcountError(
            errors.DISCLOSE_CONTRIBUTIONS_INVALID,
            reason=f"{table.id}: the table's contributions are not in the tables directory",
        )

    def parameters(self) -> dict[str, Any]:
        return {}

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            **self.parameters(),
            "levels": [level for level in LEVELS if level in self.levels],
            "measure_kind": MAGNITUDE,
            "tables_checked": self.tables,
            "findings": 0,
        }


@register("dominance")
class Dominance(_MagnitudeCheck):
    name = "dominance"

    def __init__(self, options: DisclosureOptions) -> None:
        super().__init__(options)
        self.rule = options.dominance

    def parameters(self) -> dict[str, Any]:
        return {"n": self.rule.n, "k": self.rule.k}


@register("p_percent")
class PPercent(_MagnitudeCheck):
    name = "p_percent"

    def __init__(self, options: DisclosureOptions) -> None:
        super().__init__(options)
        self.rule = options.p_percent

    def parameters(self) -> dict[str, Any]:
        return {"p": self.rule.p}


@register("recalculable")
class Recalculable:
    """Suppressed tables (long form): the recalculation attack over every published equation.

    Each file of a long-form table (``disclosure.suppression``) is read; at the end the cells of
    all of them make one linear system, and every hidden cell is bounded by linear programming.
    A finding: a hidden cell pinned to one value, a primary cell shown below the threshold or
    shown non-empty (its interval must hold 0 and ``min_cell``), published numbers that contradict
    each other, a status other than published, primary or secondary, a count shown for a hidden
    cell (or none for a published one), or two files of one table that differ.
    """

    name = "recalculable"

    def __init__(self, options: DisclosureOptions) -> None:
        self.threshold = options.min_cell
        self.files: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        self.entries: dict[tuple[str, str], TableEntry] = {}
        self.hidden = 0
        self.programs = 0
        self.found = 0

    def applies(self, table: TableEntry) -> bool:
        from headcount.disclosure.suppression.long_form import is_long

        return is_long(table)

    def check(self, table: TableEntry, file: str, rows: TableRows) -> Iterator[DisclosureFinding]:
        from headcount.disclosure.suppression.verify import read_rows

        frame, bad = read_rows(table, file, rows)
        for key in bad:
            self.found += 1
            rule = "status is published, primary or secondary; count empty exactly when hidden"
            yield DisclosureFinding(self.name, table.id, file, key, "count", rule)
        self.files.setdefault((table.level, table.id), []).append((file, frame))
        self.entries[(table.level, table.id)] = table

    def finish(self) -> Iterator[DisclosureFinding]:
        from headcount.disclosure.suppression.verify import recalculation_findings

        for finding in recalculation_findings(self.entries, self.files, self.threshold, self):
            self.found += 1
            yield DisclosureFinding(self.name, *finding)

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "threshold": self.threshold,
            "measure_kind": "count",
            "tables_checked": len(self.entries),
            "hidden_cells": self.hidden,
            "linear_programs": self.programs,
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
    for check in active:  # a check over all tables at once (``recalculable``) reports last
        finish = getattr(check, "finish", None)
        if finish is not None:
            report.findings.extend(finish())
    return report
