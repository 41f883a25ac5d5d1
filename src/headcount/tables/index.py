"""Reading a tables directory (docs/processing.md, "The tables directory"): the one reader.

Communiqués, charts, publication and the offices' pages all read ``tables.json`` and the table
files it names through ``read_index`` and ``TableEntry.read``: the format and version, every
table's level, dimensions and measures, that every file lies inside the directory, and — before a
file's rows are used — that its bytes have the SHA-256 the index gives.

Each caller keeps its own numbered problems (a communiqué, a bundle and a web page fail in their
own words): it passes ``Problems``, whose ``invalid`` is raised when the index is not sound and
whose ``file`` when a table file is missing or differs; ``missing`` and ``format`` default to
``invalid``. Details always carry ``path`` (and ``file``, the same) and ``reason``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import polars as pl

from headcount.errors import HeadcountError, Problem
from headcount.processing.layout import digest_file

FORMAT = "headcount-tables"
VERSION = 1
INDEX = "tables.json"
LEVELS = ("national", "province", "prefecture", "county", "township", "small_area")
MEASURE_KINDS = frozenset({"count", "percent", "ratio", "per_100k", "mean"})
FILE_FORMATS = ("csv", "xlsx", "parquet")


@dataclass(frozen=True, slots=True)
class Problems:
    invalid: Problem
    file: Problem
    missing: Problem | None = None  # no tables.json (default: invalid)
    format: Problem | None = None  # another format or version (default: invalid)

    def raise_(self, problem: Problem | None, path: str, reason: str) -> HeadcountError:
        chosen = problem or self.invalid
        return HeadcountError(chosen, path=path, file=path, reason=reason, got=reason)


@dataclass(frozen=True, slots=True)
class TableEntry:
    """One table at one level, as tables.json lists it."""

    id: str
    level: str
    dimensions: tuple[str, ...]  # area_code first, as in the files
    measures: dict[str, str]  # name → kind
    files: dict[str, str]  # format → path relative to the tables directory
    sha256: dict[str, str]
    title_zh: str = ""
    title_en: str = ""
    universe_zh: str = ""
    universe_en: str = ""

    def path(self, root: Path, fmt: str) -> Path:
        return root / self.files[fmt]

    def read(self, root: Path, problems: Problems, formats: tuple[str, ...] = ("parquet", "csv"))\
            -> pl.DataFrame:  # fmt: skip
        """The table's rows from the first of ``formats`` it has, its SHA-256 checked first."""
        fmt = next((f for f in formats if f in self.files), None)
        name = f"{self.level}/{self.id}"
        if fmt is None:
            raise problems.raise_(problems.file, name, "no Parquet or CSV file")
        relative = self.files[fmt]
        try:
            resolved = (root / relative).resolve(strict=True)
            if not resolved.is_relative_to(root.resolve()) or not resolved.is_file():
                raise problems.raise_(problems.file, relative, "outside the tables directory")
            data = resolved.read_bytes()
        except OSError:
            raise problems.raise_(problems.file, relative, "missing") from None
        if hashlib.sha256(data).hexdigest() != self.sha256.get(fmt):
            raise problems.raise_(problems.file, relative, "SHA-256 differs from tables.json")
        try:
            if fmt == "parquet":
                return pl.read_parquet(data)
            return pl.read_csv(data, schema_overrides=dict.fromkeys(self.dimensions, pl.String))
        except Exception:  # a damaged file: whatever the reader raised, the answer is the same
            raise problems.raise_(problems.file, relative, "not a readable table") from None


@dataclass(frozen=True, slots=True)
class TablesIndex:
    root: Path
    doc: dict[str, Any]
    sha256: str  # of tables.json: names the index in everything made from it
    tables: tuple[TableEntry, ...] = field(default=())

    def find(self, table_id: str, level: str) -> TableEntry | None:
        return next((t for t in self.tables if (t.id, t.level) == (table_id, level)), None)

    def source_summary(self) -> dict[str, Any]:
        """What a bundle copies through: the extract's digest and the counting rules."""
        source = self.doc.get("source") or {}
        return {
            "format": FORMAT,
            "version": self.doc["version"],
            "created_at": self.doc.get("created_at"),
            "source": {k: source[k] for k in ("kind", "digest", "key_id") if k in source},
            "counting_rule_version": self.doc.get("counting_rule_version"),
            "levels": list(self.doc.get("levels") or []),
        }


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _entry(where: str, raw: Any, number: int, problems: Problems) -> TableEntry:
    def bad(reason: str) -> HeadcountError:
        return problems.raise_(None, where, reason)

    if not isinstance(raw, dict):
        raise bad(f"tables[{number}] is not an object")
    table_id, level = raw.get("id"), raw.get("level")
    dimensions, measures, files = raw.get("dimensions"), raw.get("measures"), raw.get("files")
    if not isinstance(table_id, str) or not table_id.isidentifier() or level not in LEVELS:
        raise bad(f"tables[{number}] needs a plain id and a level in {', '.join(LEVELS)}")
    if (
        not isinstance(dimensions, list)
        or not _strings(dimensions)
        or ("area_code" not in dimensions and dimensions[:1] != ["geocode"])
    ):  # geocode: a suppressed table in long form (disclosure.suppression)
        raise bad(f"table {table_id}: dimensions must list area_code")
    if not isinstance(measures, list) or not all(
        isinstance(m, dict) and isinstance(m.get("name"), str) and m.get("kind") in MEASURE_KINDS
        for m in measures
    ):
        raise bad(f"table {table_id}: every measure needs a name and a known kind")
    if not isinstance(files, dict) or not files or not set(files) <= set(FILE_FORMATS):
        raise bad(f"table {table_id}: files must map csv/xlsx/parquet to paths")
    for name in files.values():
        path = PurePosixPath(str(name))
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise bad(f"table {table_id}: file {name} is outside the directory")
    digests = raw.get("sha256")
    return TableEntry(
        id=table_id,
        level=str(level),
        dimensions=tuple(dimensions),
        measures={m["name"]: m["kind"] for m in measures},
        files={fmt: str(name) for fmt, name in files.items()},
        sha256={str(k): str(v) for k, v in digests.items()} if isinstance(digests, dict) else {},
        **{
            k: str(raw.get(k) or "") for k in ("title_zh", "title_en", "universe_zh", "universe_en")
        },
    )


def read_index(root: Path, problems: Problems, *, check_files: bool = False) -> TablesIndex:
    """The parsed, checked index of the tables directory ``root``.

    ``check_files``: also that every file is there (not a link) with its SHA-256 (a bundle checks
    them all before copying; pages and communiqués check each file when they read it).
    """
    index = root / INDEX
    if not root.is_dir() or not index.is_file():
        raise problems.raise_(problems.missing, str(index), f"no {INDEX}")
    try:
        data = index.read_bytes()
        doc = json.loads(data)
    except (OSError, UnicodeDecodeError, ValueError):
        raise problems.raise_(None, str(index), f"{INDEX} is not readable JSON") from None
    kind = (doc.get("format"), doc.get("version")) if isinstance(doc, dict) else (None, None)
    if kind != (FORMAT, VERSION):
        raise problems.raise_(problems.format, str(index), f"not {FORMAT} version {VERSION}")
    if not isinstance(doc.get("tables"), list):
        raise problems.raise_(None, str(index), "no list of tables")
    tables = tuple(_entry(str(index), raw, n, problems) for n, raw in enumerate(doc["tables"]))
    if len({(t.level, t.id) for t in tables}) != len(tables):
        raise problems.raise_(None, str(index), "two tables of one level share an id")
    if check_files:
        for table in tables:
            for fmt, name in table.files.items():
                path = root / name
                if not path.is_file() or path.is_symlink():
                    raise problems.raise_(problems.file, name, "missing")
                expected = table.sha256.get(fmt)
                if not expected or digest_file(path) != expected:
                    raise problems.raise_(problems.file, name, "SHA-256 differs from tables.json")
    return TablesIndex(root, doc, hashlib.sha256(data).hexdigest(), tables)
