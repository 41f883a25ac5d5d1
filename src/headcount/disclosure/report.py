"""The risk report of a tables directory: every registered disclosure check over every table file.

``check_tables(root, options)`` reads ``tables.json`` (every file's SHA-256 checked), runs the
checks of the publication bundle's hook (``publish.disclosure``: the same rules, the same
parameters, so a directory that passes here passes the bundle's disclosure gate) and returns the
``DisclosureReport``. Not a tables directory is E2150; a file missing, changed or unreadable is
E2151; a sensitive dimension that the named table lacks, or a table that does not exist, E2156.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError
from headcount.publish.disclosure import DisclosureOptions, DisclosureReport, run_checks
from headcount.tables.index import Problems, TablesIndex, read_index
from headcount.tables.specs import STANDARD

__all__ = ["FORMAT", "check_tables", "report_chunks", "report_json"]

FORMAT = "headcount-disclosure-report"
PROBLEMS = Problems(invalid=errors.DISCLOSE_NOT_TABLES, file=errors.DISCLOSE_TABLE_FILE)


def _check_sensitive(index: TablesIndex, options: DisclosureOptions) -> None:
    known = {spec.id: tuple(d.name for d in spec.dims) for spec in STANDARD}
    known.update({t.id: t.dimensions for t in index.tables})
    for entry in options.sensitive:
        if entry.table not in known:
            raise HeadcountError(
                errors.DISCLOSE_SENSITIVE_INVALID,
                table=entry.table,
                dimension=entry.dimension,
                reason="no such table",
            )
        dimensions = [d for d in known[entry.table] if d != "area_code"]
        if entry.dimension not in dimensions:
            raise HeadcountError(
                errors.DISCLOSE_SENSITIVE_INVALID,
                table=entry.table,
                dimension=entry.dimension,
                reason=f"its dimensions are {', '.join(dimensions)}",
            )


def check_tables(root: Path, options: DisclosureOptions) -> DisclosureReport:
    index = read_index(root, PROBLEMS, check_files=True)
    _check_sensitive(index, options)
    try:
        return run_checks(index, options)
    except HeadcountError as exc:
        if exc.problem is errors.PUBLISH_TABLE_FILE:  # the file reader's own problem
            details = {"path": exc.details.get("path", "-"), "reason": exc.details.get("reason")}
            raise HeadcountError(errors.DISCLOSE_TABLE_FILE, **details) from None
        raise


def _head(root: Path, report: DisclosureReport) -> dict[str, Any]:
    return {"format": FORMAT, "version": 1, "tables": str(root), **report.to_json()}


def report_json(root: Path, report: DisclosureReport) -> dict[str, Any]:
    """The whole report: verdict, each check's parameters and counts, every finding."""
    return _head(root, report) | {"findings": [f.to_json() for f in report.findings]}


def report_chunks(root: Path, report: DisclosureReport, *, lines: bool) -> Iterator[str]:
    """``report_json`` as JSON text, piece by piece: an unprotected township table set has
    millions of findings, and one ``json.dumps`` of them all would hold several copies in memory.
    ``lines``: each finding on a line of its own (a file people may open); else one line."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    head = dump(_head(root, report))
    yield head[:-1] + ',"findings":['
    separator = ",\n" if lines else ","
    for number, finding in enumerate(report.findings):
        yield (separator if number else ("\n" if lines else "")) + dump(finding.to_json())
    yield ("\n" if lines and report.findings else "") + "]}\n"
