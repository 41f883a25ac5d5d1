"""The tables directory on disk: built under a temporary name beside ``--out`` and renamed at the
end (an interrupted run leaves nothing half-written), one file per table, level and format.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing.layout import digest_file as sha256_file
from headcount.tables import xlsx

FORMATS = ("csv", "xlsx", "parquet")
INDEX = "tables.json"


class OutputDir:
    """``out`` must be absent or an empty directory; files go to ``.<name>.partial-<pid>``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise HeadcountError(errors.TABLES_OUT_NOT_EMPTY, path=str(out))
        self.tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
        try:
            if self.tmp.exists():
                shutil.rmtree(self.tmp)
            self.tmp.mkdir(parents=True)
        except OSError as exc:
            raise HeadcountError(
                errors.TABLES_WRITE_FAILED, path=str(out), reason=type(exc).__name__
            ) from None

    @property
    def spill(self) -> Path:
        """Where DuckDB may spill to disk (inside the temporary directory, removed at the end)."""
        return self.tmp / ".spill"

    def write_index(self, index: dict[str, Any]) -> None:
        text = json.dumps(index, ensure_ascii=False, indent=1)
        (self.tmp / INDEX).write_text(text + "\n", encoding="utf-8")

    def commit(self) -> None:
        shutil.rmtree(self.spill, ignore_errors=True)
        try:
            with contextlib.suppress(FileNotFoundError):
                self.out.rmdir()  # an empty directory given as --out
            self.tmp.rename(self.out)
        except OSError as exc:
            self.abort()
            raise HeadcountError(
                errors.TABLES_WRITE_FAILED, path=str(self.out), reason=type(exc).__name__
            ) from None

    def abort(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_table(
    root: Path,
    level: str,
    table_id: str,
    frame: pl.DataFrame,
    formats: tuple[str, ...],
    sheet: xlsx.Sheet,
) -> tuple[dict[str, str], dict[str, str]]:
    """Write one table in each format; returns its relative paths and their SHA-256 by format."""
    folder = root / level
    folder.mkdir(exist_ok=True)
    files: dict[str, str] = {}
    digests: dict[str, str] = {}
    for fmt in formats:
        path = folder / f"{table_id}.{fmt}"
        if fmt == "csv":
            frame.write_csv(path)
        elif fmt == "parquet":
            frame.write_parquet(path, compression="zstd", statistics=True)
        else:
            xlsx.write(path, frame, sheet)
        files[fmt] = f"{level}/{path.name}"
        digests[fmt] = sha256_file(path)
    return files, digests
