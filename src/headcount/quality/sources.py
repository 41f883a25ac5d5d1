"""What the quality job reads: one extract with its registers, or an extract and the registers as
an extract of their own (``headcount extract --registers-only``, ``quality --registers``).

Registers pseudonymised apart from the census meet it only if both were made under the same
processing key and encoding; anything else would link nobody (or, worse, somebody) and is refused
before a byte is written: another key (E1895), another encoding (E1896), register tables whose
columns or types are not the extract's (E1897), registers given twice (E1898). The two are then
read as one extract whose register tables point into the registers' directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing import deidentify
from headcount.processing.extract import transform
from headcount.processing.layout import Extract, open_extract, schema_of
from headcount.processing.pseudonyms import ProcessingKeys

REGISTER_TABLES = deidentify.REGISTERS


def _opened(path: Path, verify: bool, required: tuple[str, ...] | None = None) -> Extract:
    try:
        if required is None:
            return open_extract(path, verify=verify)
        return open_extract(path, verify=verify, required=required)
    except HeadcountError as exc:
        raise HeadcountError(errors.QUALITY_NOT_EXTRACT, path=str(path), reason=str(exc)) from exc


@cache
def expected_schema(table: str) -> dict[str, str]:
    """The columns and types the extract gives a register table (whatever the key)."""
    keys = ProcessingKeys.from_secret("intl", b"\0" * 32, "00" * 8)
    empty = pl.DataFrame({c: pl.Series(c, [], pl.String) for c in deidentify.OTHER_TABLES[table]})
    typed = {"sex": pl.Int8, "birth_year": pl.Int16, "birth_month": pl.Int8, "birth_day": pl.Int8}
    typed |= {"death_year": pl.Int16, "death_month": pl.Int8}
    empty = empty.with_columns(pl.col(c).cast(t) for c, t in typed.items() if c in empty.columns)
    return schema_of(transform(table, empty, keys))


def _family(dtype: str) -> str:
    """Integer widths may differ (the linkage compares values); every other type must match
    exactly: an ID pseudonym is 16 bytes and a name a Bloom filter of one size, or nothing links."""
    return "integer" if dtype.startswith(("Int", "UInt")) else dtype


def _check_columns(registers: Extract) -> None:
    for table in REGISTER_TABLES:
        want = expected_schema(table)
        have: dict[str, str] = registers.manifest["tables"][table]["schema"]
        unknown = sorted(set(have) - set(want))
        missing = sorted(set(want) - set(have))
        typed = sorted(c for c in set(have) & set(want) if _family(have[c]) != _family(want[c]))
        if unknown or missing or typed:
            raise HeadcountError(
                errors.QUALITY_REGISTERS_COLUMNS,
                table=table,
                unknown=", ".join(c[:40] for c in unknown[:5]) or "-",
                missing=", ".join(missing) or "-",
                typed=", ".join(typed) or "-",
            )


def _merged(extract: Extract, registers: Extract) -> Extract:
    tables: dict[str, Any] = dict(extract.manifest["tables"])
    for table in REGISTER_TABLES:
        entry = dict(registers.manifest["tables"][table])
        entry["files"] = [
            {**f, "path": str((registers.root / f["path"]).resolve())} for f in entry["files"]
        ]
        tables[table] = entry
    manifest = {
        **extract.manifest,
        "tables": tables,
        "registers_source": {"path": str(registers.root), "digest": registers.digest},
    }
    return Extract(root=extract.root, manifest=manifest, digest=extract.digest)


def open_sources(source: Path, registers: Path | None = None, *, verify: bool = True) -> Extract:
    """The extract the job links: ``source`` with its registers, or with those of
    ``registers`` (refused unless made under the same key and encoding)."""
    extract = _opened(source, verify)
    held = [t for t in REGISTER_TABLES if extract.has(t)]
    if registers is None:
        lacking = [t.removeprefix("registers_") for t in REGISTER_TABLES if t not in held]
        if lacking:
            raise HeadcountError(
                errors.QUALITY_REGISTERS_MISSING, path=str(source), tables=", ".join(lacking)
            )
        return extract
    if held:
        raise HeadcountError(errors.QUALITY_REGISTERS_TWICE, path=str(source))
    other = _opened(registers, verify, REGISTER_TABLES)
    ours, theirs = extract.manifest.get("key_id"), other.manifest.get("key_id")
    if not ours or ours != theirs:
        raise HeadcountError(
            errors.QUALITY_REGISTERS_KEY,
            path=str(registers),
            theirs=str(theirs or "-"),
            ours=str(ours or "-"),
        )
    mine, given = extract.manifest.get("encoding") or {}, other.manifest.get("encoding") or {}
    differing = sorted(k for k in set(mine) | set(given) if mine.get(k) != given.get(k))
    if differing or other.manifest.get("profile") != extract.manifest.get("profile"):
        raise HeadcountError(
            errors.QUALITY_REGISTERS_ENCODING,
            path=str(registers),
            item=", ".join(differing) or "profile",
        )
    _check_columns(other)
    return _merged(extract, other)


__all__ = ["REGISTER_TABLES", "expected_schema", "open_sources"]
