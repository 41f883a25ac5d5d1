"""The clear personal data of a source, and a search for it through every file of a directory.

A Parquet file is compressed, so a byte search alone would miss a name stored in it: every cell
of every Parquet file is read back as text and searched too, as well as the raw bytes of every
file (manifest included).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

_PI_COLUMNS = {
    "name", "citizen_id", "phone", "address", "hukou_address", "child_name",
    "child_citizen_id", "mother_citizen_id",
}  # fmt: skip


def clear_values(synth: Path) -> set[str]:
    """Every name, ID number, phone and address of a synthetic census directory."""
    found: set[str] = set()
    for part in synth.glob("*/part-*.parquet"):
        frame = pl.read_parquet(part)
        for column in _PI_COLUMNS & set(frame.columns):
            found.update(v for v in frame.get_column(column).drop_nulls().to_list() if v)
    return found


def leaks(directory: Path, values: set[str]) -> list[str]:
    """The files (and the kind of value) where any of ``values`` appears."""
    ids = {v for v in values if len(v) == 18 and v[:17].isdigit()}
    hits: list[str] = []
    needles = [v.encode() for v in values if len(v) >= 2]
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        if any(n in raw for n in needles):
            hits.append(f"{path.name}: bytes")
        if path.suffix != ".parquet":
            continue
        frame = pl.read_parquet(path)
        for column, dtype in frame.schema.items():
            if dtype == pl.List(pl.Int64) or dtype.is_numeric() or dtype == pl.Boolean:
                continue
            if dtype == pl.Binary:  # a pseudonym must not be the number itself
                raw_cells = set(frame.get_column(column).drop_nulls().to_list())
                if raw_cells & {v.encode() for v in ids}:
                    hits.append(f"{path.name}:{column}: equal bytes")
                continue
            texts = frame.get_column(column).cast(pl.String, strict=False).drop_nulls()
            cells = set(texts.to_list())
            if cells & values:
                hits.append(f"{path.name}:{column}: equal")
            elif ids and texts.str.contains(r"\d{17}[\dXx]").any():
                joined = "\n".join(cells)
                if any(i in joined for i in ids):
                    hits.append(f"{path.name}:{column}: contains an ID")
    return hits
