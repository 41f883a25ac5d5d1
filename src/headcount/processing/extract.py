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
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing import deidentify
from headcount.processing.layout import ExtractWriter, write_part
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
        return int(self.manifest["tables"].get("persons", {}).get("rows", 0))

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


def _jobs(root: Path, table: str, manifest: dict[str, Any]) -> list[tuple[str, Path, int]]:
    """(table, source, part index) of every part of a source table: Parquet parts one by one,
    CSV (small by nature) as one job over the table's folder."""
    folder = root / table
    if not folder.is_dir():
        raise HeadcountError(
            errors.EXTRACT_SOURCE_INVALID, path=str(root), reason=f"table {table} missing"
        )
    files = sorted(folder.glob("part-*.parquet"))
    return [(table, f, i) for i, f in enumerate(files)] or [(table, folder, 0)]


def _read(source: Path, table: str, manifest: dict[str, Any]) -> pl.DataFrame:
    if source.is_file():
        return pl.read_parquet(source)
    schema = manifest.get("tables", {}).get(table, {}).get("schema")
    return read_table(source.parent, table, schema).collect()


_WORKER: dict[str, Any] = {}
_TABLE_ORDER = {t: i for i, t in enumerate(deidentify.tables_for(True, truth=True))}


def _init_worker(keys: ProcessingKeys, tmp: Path, manifests: dict[str, Any]) -> None:
    _WORKER.update(keys=keys, tmp=tmp, manifests=manifests)


def _run(job: tuple[str, Path, int]) -> tuple[str, int, dict[str, Any]]:
    """One part of one table: read, de-identify, write (in a worker or in this process)."""
    table, source, index = job
    w = _WORKER
    frame = _read(source, table, w["manifests"][table])
    return table, index, write_part(w["tmp"], table, index, transform(table, frame, w["keys"]))


def from_synth(
    source: Path,
    out: Path,
    keys: ProcessingKeys,
    *,
    wave: str,
    registers: Path | None = None,
    workers: int = 2,
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
        jobs: list[tuple[str, Path, int]] = []
        manifests: dict[str, Any] = {}
        present = manifest.get("tables", {})
        pes = [t for t in deidentify.PES if t in present]  # a simulated PES, when there is one
        for table in [*deidentify.tables_for(registers is not None, truth=True), *pes]:
            own = table in deidentify.REGISTERS and registers is not None
            root, meta = (registers, reg_manifest or manifest) if own else (source, manifest)
            assert root is not None
            manifests[table] = meta
            jobs.extend(_jobs(root, table, meta))
        _init_worker(keys, writer.tmp, manifests)
        parts = _results(jobs, workers, (keys, writer.tmp, manifests), progress)
        for table, _, part in sorted(parts, key=lambda p: (p[0], p[1])):
            writer.add(table, part)
        origin = {
            "kind": "synth",
            "path": str(source),
            "digest": digest,
            "seed": manifest.get("seed"),
            "synthetic": True,
        }
        result = writer.finish(manifest_meta(origin, wave, keys))
    except BaseException:
        writer.abort()
        raise
    return ExtractResult(out, result, time.perf_counter() - started)


def add_registers(writer: ExtractWriter, registers: Path, keys: ProcessingKeys) -> None:
    """The hukou, birth and death registers of ``registers`` (tables ``registers_*`` in the
    synthetic layout), de-identified with the same keys, into an extract being written."""
    manifest, _ = _source_manifest(registers)
    for table in deidentify.REGISTERS:
        for _, source, index in _jobs(registers, table, manifest):
            frame = transform(table, _read(source, table, manifest), keys)
            writer.add(table, write_part(writer.tmp, table, index, frame))


def from_registers(registers: Path, out: Path, keys: ProcessingKeys, *, wave: str) -> ExtractResult:
    """Only the registers of ``registers``, de-identified, as an extract of their own: what the
    register offices hand over when their data reaches processing apart from the census (the
    quality job takes it with ``--registers`` and refuses it under another key)."""
    started = time.perf_counter()
    _, digest = _source_manifest(registers)
    writer = ExtractWriter(out)
    try:
        add_registers(writer, registers, keys)
        origin = {"kind": "registers", "path": str(registers), "digest": digest}
        result = writer.finish(manifest_meta(origin, wave, keys))
    except BaseException:
        writer.abort()
        raise
    return ExtractResult(out, result, time.perf_counter() - started)


def manifest_meta(source: dict[str, Any], wave: str, keys: ProcessingKeys) -> dict[str, Any]:
    """What every extract's manifest says of its making (the writer adds the tables)."""
    return {
        "source": source,
        "wave": wave,
        "key_id": keys.key_id,
        "profile": keys.profile,
        "encoding": ENCODING,
    }


def _results(
    jobs: list[tuple[str, Path, int]],
    workers: int,
    init: tuple[ProcessingKeys, Path, dict[str, Any]],
    progress: Progress | None,
) -> list[tuple[str, int, dict[str, Any]]]:
    """Every job's part, on ``workers`` processes (spawned: a forked copy of Polars' thread pool
    can deadlock). The parts of one synthetic chunk go together, in table order: a chunk holds
    both records of each of its persons, their truth and their register rows, so each worker's
    pseudonym caches stay small and hit. The output is the same bytes whatever the workers."""
    order = sorted(jobs, key=lambda j: (j[2], _TABLE_ORDER.get(j[0], len(_TABLE_ORDER))))
    done: list[tuple[str, int, dict[str, Any]]] = []
    if workers <= 1 or len(jobs) == 1:
        for job in order:
            done.append(_run(job))
            if progress is not None:
                progress(job[0], done[-1][2]["rows"])
        return done
    per_chunk = max(1, len({j[0] for j in jobs}))
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=init,
    ) as pool:
        for result in pool.map(_run, order, chunksize=per_chunk):
            done.append(result)
            if progress is not None:
                progress(result[0], result[2]["rows"])
    return done


def transform(table: str, frame: pl.DataFrame, keys: ProcessingKeys) -> pl.DataFrame:
    """One part of one table, de-identified."""
    if table == "small_areas":
        return deidentify.small_areas(frame)
    if table in deidentify.CENSUS_TABLES:
        return deidentify.census_table(table, frame, keys)
    return deidentify.other_table(table, frame, keys)
