"""Reading a tables directory's index (``tables.json``, docs/processing.md "The tables directory").

``load_index(DIR)`` checks what publication relies on: the format and version, every table's
level, dimensions and measures, and that every file the index names is inside the directory, is
there, and has the SHA-256 the index gives (E1878 names the first file that does not). A directory
without ``tables.json``, or with one that does not follow the contract, is E1872.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError

__all__ = ["FORMAT", "INDEX", "LEVELS", "TableSpec", "TablesIndex", "load_index", "sha256_file"]

FORMAT = "headcount-tables"
INDEX = "tables.json"
LEVELS = ("national", "province", "prefecture", "county", "township")
MEASURE_KINDS = frozenset({"count", "percent", "ratio", "per_100k", "mean"})
TABLE_FORMATS = frozenset({"csv", "xlsx", "parquet"})


@dataclass(frozen=True, slots=True)
class TableSpec:
    id: str
    level: str
    dimensions: tuple[str, ...]  # area_code first, as in the files
    measures: dict[str, str]  # name → kind
    files: dict[str, str]  # format → path relative to the tables directory


@dataclass(frozen=True, slots=True)
class TablesIndex:
    root: Path
    doc: dict[str, Any]
    tables: tuple[TableSpec, ...]

    def source_summary(self) -> dict[str, Any]:
        """What bundle.json copies through: the extract's digest and the counting rules."""
        source = self.doc.get("source") or {}
        return {
            "format": FORMAT,
            "version": self.doc["version"],
            "created_at": self.doc.get("created_at"),
            "source": {k: source[k] for k in ("kind", "digest", "key_id") if k in source},
            "counting_rule_version": self.doc.get("counting_rule_version"),
            "levels": list(self.doc.get("levels") or []),
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _invalid(root: Path, reason: str) -> HeadcountError:
    return HeadcountError(errors.PUBLISH_NOT_TABLES, path=str(root), reason=reason)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _table(root: Path, raw: Any, number: int) -> TableSpec:
    if not isinstance(raw, dict):
        raise _invalid(root, f"tables[{number}] is not an object")
    table_id, level = raw.get("id"), raw.get("level")
    dimensions, measures, files = raw.get("dimensions"), raw.get("measures"), raw.get("files")
    if not isinstance(table_id, str) or not table_id or level not in LEVELS:
        raise _invalid(root, f"tables[{number}] needs an id and a level in {', '.join(LEVELS)}")
    if (
        not isinstance(dimensions, list)
        or not _strings(dimensions)
        or "area_code" not in dimensions
    ):
        raise _invalid(root, f"table {table_id}: dimensions must list area_code")
    if not isinstance(measures, list) or not all(
        isinstance(m, dict) and isinstance(m.get("name"), str) and m.get("kind") in MEASURE_KINDS
        for m in measures
    ):
        raise _invalid(root, f"table {table_id}: every measure needs a name and a known kind")
    if not isinstance(files, dict) or not files or not set(files) <= TABLE_FORMATS:
        raise _invalid(root, f"table {table_id}: files must map csv/xlsx/parquet to paths")
    for name in files.values():
        path = PurePosixPath(str(name))
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise _invalid(root, f"table {table_id}: file {name} is outside the directory")
    return TableSpec(
        id=table_id,
        level=level,
        dimensions=tuple(dimensions),
        measures={m["name"]: m["kind"] for m in measures},
        files={fmt: str(name) for fmt, name in files.items()},
    )


def load_index(root: Path, *, check_digests: bool = True) -> TablesIndex:
    """The parsed index of the tables directory ``root``; E1872 / E1878 when it is not sound."""
    index = root / INDEX
    if not root.is_dir() or not index.is_file():
        raise _invalid(root, f"no {INDEX}")
    try:
        doc = json.loads(index.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise _invalid(root, f"{INDEX} is not readable JSON") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _invalid(root, f"{INDEX} format is not {FORMAT}")
    if doc.get("version") != 1 or not isinstance(doc.get("tables"), list):
        raise _invalid(root, f"{INDEX} is not version 1 with a list of tables")
    tables = tuple(_table(root, raw, n) for n, raw in enumerate(doc["tables"]))
    if len({(t.level, t.id) for t in tables}) != len(tables):
        raise _invalid(root, "two tables of one level share an id")
    for table, raw in zip(tables, doc["tables"], strict=True):
        digests = raw.get("sha256")
        for fmt, name in table.files.items():
            path = root / name
            if not path.is_file() or path.is_symlink():
                raise HeadcountError(errors.PUBLISH_TABLE_FILE, path=name, reason="missing")
            expected = digests.get(fmt) if isinstance(digests, dict) else None
            if check_digests and (not expected or sha256_file(path) != expected):
                raise HeadcountError(
                    errors.PUBLISH_TABLE_FILE, path=name, reason="SHA-256 differs from tables.json"
                )
    return TablesIndex(root, doc, tables)
