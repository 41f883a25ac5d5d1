"""The quality directory: findings as Parquet and ``quality.json``, written atomically.

``OUT/<finding>.parquet`` (one file per finding, and ``review.parquet``: the pairs between the two
thresholds for clerical review), ``OUT/model.json`` (Splink's model: settings, trained m and u,
blocking rules) and ``OUT/quality.json`` (counts per finding, thresholds, training, the source
extract's digest and key id, timings, the SHA-256 of the extra files: ``OUT/report/``, see
``quality.report``). Built under a private temporary name beside OUT (0700,
files 0600) and renamed at the end, like the extract.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError

FORMAT = "headcount-quality"
VERSION = 1
SUMMARY = "quality.json"


def _write_private(path: Path, data: bytes) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HeadcountError(errors.QUALITY_OUT_NOT_EMPTY, path=str(out))


def write(
    out: Path,
    frames: dict[str, pl.DataFrame],
    model: dict[str, Any],
    summary: dict[str, Any],
    *,
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """Write everything under a temporary name, then rename to ``out`` (new or empty);
    ``extra``: more files by relative path (the report), listed with their SHA-256 in
    ``quality.json`` under ``extra``."""
    check_out(out)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(mode=0o700)
    os.chmod(tmp, 0o700)
    try:
        files: dict[str, dict[str, Any]] = {}
        for name, frame in frames.items():
            path = tmp / f"{name}.parquet"
            frame.write_parquet(path, compression="zstd")
            os.chmod(path, 0o600)
            data = path.read_bytes()
            files[name] = {
                "path": path.name,
                "rows": frame.height,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        written: dict[str, str] = {}
        for relative, data in (extra or {}).items():
            path = tmp / relative
            if path.parent != tmp:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            _write_private(path, data)
            written[relative] = hashlib.sha256(data).hexdigest()
        model_bytes = json.dumps(model, ensure_ascii=False, indent=1, sort_keys=True).encode()
        _write_private(tmp / "model.json", model_bytes)
        full = {
            "format": FORMAT,
            "version": VERSION,
            **summary,
            "files": files,
            "extra": written,
            "model_sha256": hashlib.sha256(model_bytes).hexdigest(),
        }
        text = json.dumps(full, ensure_ascii=False, indent=1, sort_keys=True)
        _write_private(tmp / SUMMARY, text.encode())
        with contextlib.suppress(FileNotFoundError):
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return full


__all__ = ["FORMAT", "SUMMARY", "VERSION", "check_out", "write"]
