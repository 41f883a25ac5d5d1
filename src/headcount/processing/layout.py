"""The extract directory: written atomically with private permissions, read only when intact.

``DIR/<table>/part-NNNNN.parquet`` + ``DIR/manifest.json``, the layout ``headcount synth`` writes.
``ExtractWriter`` builds the directory under a temporary name beside the target (mode 0700, files
0600) and renames it at the end, so an interrupted run leaves nothing half-written and never
touches an existing directory. ``open_extract`` refuses a directory that is not an extract, misses
a table, has a file whose schema or digest differs from the manifest, or holds a file the manifest
does not list — each a numbered error naming the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError

FORMAT = "headcount-extract"
VERSION = 1
MANIFEST = "manifest.json"
REQUIRED = (
    "small_areas",
    "households",
    "persons",
    "death_forms",
    "hmtf_households",
    "hmtf_persons",
)
ROW_GROUP = 131_072


def digest_file(path: Path) -> str:
    """SHA-256 of a file, streamed (extract parts are large)."""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def schema_of(frame: pl.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.schema.items()}


def write_part(root: Path, table: str, index: int, frame: pl.DataFrame) -> dict[str, Any]:
    """Write ``root/<table>/part-<index>.parquet`` (0600) and describe it for the manifest."""
    folder = root / table
    folder.mkdir(mode=0o700, exist_ok=True)
    path = folder / f"part-{index:05d}.parquet"
    frame.write_parquet(path, compression="zstd", compression_level=1, row_group_size=ROW_GROUP)
    os.chmod(path, 0o600)
    return {
        "path": f"{table}/{path.name}",
        "sha256": digest_file(path),
        "bytes": path.stat().st_size,
        "rows": frame.height,
        "schema": schema_of(frame),
    }


class ExtractWriter:
    """Parts go to a private temporary directory; ``finish`` writes the manifest and renames."""

    def __init__(self, out: Path) -> None:
        self.out = out
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise HeadcountError(errors.EXTRACT_OUT_NOT_EMPTY, path=str(out))
        self.tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.tmp.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(mode=0o700)
        os.chmod(self.tmp, 0o700)  # whatever the umask
        self.tables: dict[str, dict[str, Any]] = {}

    def write(self, table: str, frame: pl.DataFrame) -> None:
        """Append one part to a table (an empty frame still records the table and its schema)."""
        entry = self.tables.get(table)
        if frame.height == 0 and entry is not None and entry["files"]:
            return
        index = len(entry["files"]) if entry else 0
        self.add(table, write_part(self.tmp, table, index, frame))

    def add(self, table: str, part: dict[str, Any]) -> None:
        """Record a part written by ``write_part`` (here or in a worker), in part order."""
        entry = self.tables.setdefault(table, {"rows": 0, "schema": part["schema"], "files": []})
        if entry["schema"] != part["schema"]:
            raise HeadcountError(errors.EXTRACT_SCHEMA, path=table, column="(parts differ)")
        entry["rows"] += part["rows"]
        entry["files"].append({k: part[k] for k in ("path", "sha256", "bytes")})

    def finish(self, meta: dict[str, Any]) -> dict[str, Any]:
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            **meta,
            "tables": dict(sorted(self.tables.items())),
        }
        path = self.tmp / MANIFEST
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            self.out.rmdir()  # an empty directory given as --out
        self.tmp.rename(self.out)
        return manifest

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class Extract:
    """An opened, verified extract: where its files are and what its manifest says."""

    root: Path
    manifest: dict[str, Any]
    digest: str  # SHA-256 of manifest.json: names this extract in everything made from it

    def has(self, table: str) -> bool:
        return table in self.manifest["tables"]

    def files(self, table: str) -> list[Path]:
        if not self.has(table):
            raise HeadcountError(errors.EXTRACT_TABLE_MISSING, path=str(self.root / table))
        return [self.root / f["path"] for f in self.manifest["tables"][table]["files"]]

    def paths_sql(self, table: str) -> str:
        """The table's files as a SQL list of string literals (DuckDB)."""
        quoted = ("'" + str(p).replace("'", "''") + "'" for p in self.files(table))
        return "[" + ", ".join(quoted) + "]"

    def parquet_sql(self, table: str) -> str:
        """``read_parquet([...])`` of the table's files, for a DuckDB FROM clause."""
        return f"read_parquet({self.paths_sql(table)})"

    def scan(self, table: str) -> pl.LazyFrame:
        """The table as one lazy frame (every table has at least one part, maybe empty)."""
        return pl.scan_parquet(self.files(table))


def open_extract(
    root: Path, *, verify: bool = True, required: tuple[str, ...] = REQUIRED
) -> Extract:
    """Open an extract, checking tables, schemas and (``verify``) every file's digest;
    ``required``: the tables it must hold (a registers-only extract holds the registers)."""
    path = root / MANIFEST
    try:
        raw = path.read_bytes()
        manifest = json.loads(raw)
    except FileNotFoundError:
        raise HeadcountError(errors.EXTRACT_NOT_FOUND, path=str(root)) from None
    except (OSError, ValueError):
        raise HeadcountError(errors.EXTRACT_MANIFEST_INVALID, path=str(path)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise HeadcountError(errors.EXTRACT_MANIFEST_INVALID, path=str(path))
    if manifest.get("version") != VERSION or not isinstance(manifest.get("tables"), dict):
        raise HeadcountError(errors.EXTRACT_MANIFEST_INVALID, path=str(path))
    tables: dict[str, Any] = manifest["tables"]
    for table in required:
        if table not in tables:
            raise HeadcountError(errors.EXTRACT_TABLE_MISSING, path=str(root / table))
    listed: set[Path] = set()
    for entry in tables.values():
        for item in entry.get("files", []):
            file = root / item["path"]
            listed.add(file)
            if not file.is_file():
                raise HeadcountError(errors.EXTRACT_TABLE_MISSING, path=str(file))
            if verify and digest_file(file) != item["sha256"]:
                raise HeadcountError(errors.EXTRACT_DIGEST, path=str(file))
            try:
                actual = {k: str(v) for k, v in pl.read_parquet_schema(file).items()}
            except (OSError, pl.exceptions.PolarsError):  # truncated, or not Parquet at all
                raise HeadcountError(errors.EXTRACT_FILE_UNREADABLE, path=str(file)) from None
            if actual != entry["schema"]:
                column = next(
                    (c for c in entry["schema"] if actual.get(c) != entry["schema"][c]),
                    next(iter(set(actual) - set(entry["schema"])), "?"),
                )
                raise HeadcountError(errors.EXTRACT_SCHEMA, path=str(file), column=column)
    for file in root.rglob("*.parquet"):
        if file not in listed:
            raise HeadcountError(errors.EXTRACT_FILE_UNLISTED, path=str(file))
    return Extract(root=root, manifest=manifest, digest=hashlib.sha256(raw).hexdigest())
