"""``headcount extract --from-synth``: a synthetic census directory → the processing extract.

The same de-identification as an extract from the store (``processing.deidentify``), applied part
by part so memory stays bounded whatever the size: each source part becomes one extract part.
The truth tables come along, pseudonymised with the same keys, so quality jobs can be scored; the
registers come along when asked (``registers``: a directory holding ``registers_*`` tables, the
synthetic census itself for a synthetic run).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing import deidentify
from headcount.processing.layout import ExtractWriter
from headcount.processing.pseudonyms import ENCODING, ProcessingKeys
from headcount.synth.writer import read_table

Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class ExtractResult:
    out: Path
    manifest: dict[str, Any]
    seconds: float

    @property
    def persons(self) -> int:
        return int(self.manifest["tables"]["persons"]["rows"])

    def counts(self) -> dict[str, int]:
        return {t: int(e["rows"]) for t, e in self.manifest["tables"].items()}


def _source_manifest(root: Path) -> tuple[dict[str, Any], str]:
    path = root / "manifest.json"
    try:
        raw = path.read_bytes()
        manifest = json.loads(raw)
    except FileNotFoundError:
        raise HeadcountError(
            errors.EXTRACT_SOURCE_INVALID, path=str(root), reason="no manifest.json"
        ) from None
    except (OSError, ValueError):
        raise HeadcountError(
            errors.EXTRACT_SOURCE_INVALID, path=str(root), reason="manifest.json unreadable"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("generator") != "headcount.synth":
        raise HeadcountError(
            errors.EXTRACT_SOURCE_INVALID, path=str(root), reason="not written by headcount synth"
        )
    return manifest, hashlib.sha256(raw).hexdigest()


def _parts(root: Path, table: str, manifest: dict[str, Any]) -> Iterator[pl.DataFrame]:
    """A source table one part at a time (Parquet), or whole (CSV: small by nature)."""
    folder = root / table
    if not folder.is_dir():
        raise HeadcountError(
            errors.EXTRACT_SOURCE_INVALID, path=str(root), reason=f"table {table} missing"
        )
    files = sorted(folder.glob("part-*.parquet"))
    if files:
        for file in files:
            yield pl.read_parquet(file)
        return
    schema = manifest.get("tables", {}).get(table, {}).get("schema")
    yield read_table(root, table, schema).collect()


def from_synth(
    source: Path,
    out: Path,
    keys: ProcessingKeys,
    *,
    wave: str,
    registers: Path | None = None,
    progress: Progress | None = None,
) -> ExtractResult:
    """De-identify a synthetic census into an extract at ``out`` (new or empty)."""
    started = time.perf_counter()
    manifest, digest = _source_manifest(source)
    reg_manifest: dict[str, Any] = {}
    if registers is not None and registers != source:
        reg_manifest, _ = _source_manifest(registers)
    writer = ExtractWriter(out)
    try:
        for table in deidentify.tables_for(registers is not None, truth=True):
            root, meta = (
                (registers, reg_manifest) if table in deidentify.REGISTERS else (source, manifest)
            )
            assert root is not None
            for part in _parts(root, table, meta or manifest):
                writer.write(table, transform(table, part, keys))
                if progress is not None:
                    progress(table, part.height)
        result = writer.finish(
            {
                "source": {
                    "kind": "synth",
                    "path": str(source),
                    "digest": digest,
                    "seed": manifest.get("seed"),
                    "synthetic": True,
                },
                "wave": wave,
                "key_id": keys.key_id,
                "profile": keys.profile,
                "encoding": ENCODING,
            }
        )
    except BaseException:
        writer.abort()
        raise
    return ExtractResult(out, result, time.perf_counter() - started)


def transform(table: str, frame: pl.DataFrame, keys: ProcessingKeys) -> pl.DataFrame:
    """One part of one table, de-identified."""
    if table == "small_areas":
        return deidentify.small_areas(frame)
    if table in deidentify.CENSUS_TABLES:
        return deidentify.census_table(table, frame, keys)
    return deidentify.other_table(table, frame, keys)
