"""The standard tables of a processing extract (docs/processing.md, "The tables directory").

    build(source, out, levels=…, formats=…, engine="duckdb") -> the tables.json index

Domain code: no web framework, no database server (DuckDB runs in-process over the Parquet
extract). Heavy imports wait until ``build`` is called, so ``headcount.tables.numbers`` and the
other light modules of this package stay cheap to import.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["build"]


def build(
    source: Path,
    out: Path,
    *,
    levels: str | Sequence[str] = ("national", "province"),
    formats: str | Sequence[str] = ("csv", "xlsx", "parquet"),
    engine: str = "duckdb",
    memory_limit: str = "2GB",
) -> dict[str, Any]:
    """Write the standard tables of ``source`` (an extract, or a ``headcount synth`` directory)
    to the new directory ``out`` at ``levels`` in ``formats``; returns the tables.json index."""
    from headcount.tables import tabulate

    return tabulate.build(
        source, out, levels=levels, formats=formats, engine=engine, memory_limit=memory_limit
    )
