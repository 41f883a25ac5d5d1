"""``generate()``: the whole synthetic census into a directory, chunk by chunk, in bounded memory.

Each chunk is seeded by (seed, chunk index) and written as soon as it is made, by this process or a
worker process; the output is byte-identical whatever the number of workers. The directory is built
under a temporary name beside the target and renamed at the end, so an interrupted run never leaves
a half-written population behind, and an existing non-empty directory is never touched.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.synth import chunk as chunk_mod
from headcount.synth import geography, staff
from headcount.synth.config import SynthConfig
from headcount.synth.writer import TABLES, Format, normalise, schema_of, write_part

GENERATOR_VERSION = "1.0.0"
MAX_PERSONS = 2_000_000_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Result:
    out: Path
    manifest: dict[str, Any]


def generate(
    *,
    persons: int,
    seed: int,
    out: Path,
    fmt: Format = "parquet",
    provinces: str | None = None,
    config: SynthConfig | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> Result:
    if not 1 <= persons <= MAX_PERSONS:
        raise HeadcountError(
            errors.SYNTH_SIZE_INVALID, persons=persons, minimum=1, maximum=MAX_PERSONS
        )
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise HeadcountError(errors.SYNTH_OUTPUT_NOT_EMPTY, path=str(out))
    cfg = config or SynthConfig()
    codes = geography.parse_provinces(provinces)
    plan = geography.build_plan(persons, codes, seed, cfg.chunk_persons)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
    except OSError as exc:
        raise HeadcountError(
            errors.SYNTH_WRITE_FAILED, path=str(out), reason=exc.strerror or type(exc).__name__
        ) from None
    try:
        counts, schemas = _write_plan_tables(plan, seed, tmp, fmt)
        done = 0
        chunk_sizes = [int(plan.persons[plan.chunk_rows(c)].sum()) for c in range(plan.chunks)]
        for c, (rows, schema) in _run_chunks(plan, seed, cfg, tmp, fmt, workers):
            for table, n in rows.items():
                counts[table] = counts.get(table, 0) + n
            schemas.update(schema)
            done += chunk_sizes[c]
            if progress is not None:
                progress(done, persons)
        manifest = _manifest(persons, seed, codes, fmt, cfg, plan, counts, schemas)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
        )
        if out.exists():
            out.rmdir()  # empty, checked above
        tmp.rename(out)
    except OSError as exc:  # disk full, permissions: a catalogued problem, nothing left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise HeadcountError(
            errors.SYNTH_WRITE_FAILED, path=str(out), reason=exc.strerror or type(exc).__name__
        ) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Result(out=out, manifest=manifest)


def _run_chunks(
    plan: geography.Plan, seed: int, cfg: SynthConfig, root: Path, fmt: Format, workers: int
) -> Any:
    if workers <= 1 or plan.chunks == 1:
        for c in range(plan.chunks):
            yield c, _chunk_job(plan, c, seed, cfg, root, fmt)
        return
    # The plan goes to each worker once; a job is just a chunk number.
    # spawn, not fork: a forked copy of Polars' thread pool can deadlock.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(plan, seed, cfg, root, fmt),
    ) as pool:
        futures = [pool.submit(_worker_job, c) for c in range(plan.chunks)]
        for c, fut in enumerate(futures):
            yield c, fut.result()


_WORKER: dict[str, Any] = {}


def _init_worker(
    plan: geography.Plan, seed: int, cfg: SynthConfig, root: Path, fmt: Format
) -> None:
    _WORKER.update(plan=plan, seed=seed, cfg=cfg, root=root, fmt=fmt)


def _worker_job(c: int) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    w = _WORKER
    return _chunk_job(w["plan"], c, w["seed"], w["cfg"], w["root"], w["fmt"])


def _chunk_job(
    plan: geography.Plan, c: int, seed: int, cfg: SynthConfig, root: Path, fmt: Format
) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    frames = chunk_mod.generate(plan, c, seed, cfg)
    counts: dict[str, int] = {}
    schemas: dict[str, dict[str, str]] = {}
    for table, frame in frames.items():
        frame = normalise(frame, None)
        write_part(frame, root / table, c, fmt)
        counts[table] = frame.height
        schemas[table] = schema_of(frame)
    return counts, schemas


def _write_plan_tables(
    plan: geography.Plan, seed: int, root: Path, fmt: Format
) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    """census_areas, small_areas and staff come from the plan alone and are written once."""
    codes = pl.Series(plan.code).cast(pl.Utf8)
    small_areas = pl.DataFrame(
        {
            "small_area_code": codes,
            "census_area_code": pl.Series(plan.census_area).cast(pl.Utf8),
            "township_code": pl.Series(plan.township).cast(pl.Utf8).str.zfill(9),
            "county_code": pl.Series(plan.county).cast(pl.Utf8),
            "province_code": pl.Series(plan.province).cast(pl.Utf8).str.zfill(2),
            "urban_rural_class": pl.Series(plan.urban_class).cast(pl.Utf8),
            "planned_persons": plan.persons,
            "chunk": (np.arange(plan.size) % plan.chunks).astype(np.int32),
        }
    )
    census_areas = (
        small_areas.group_by("census_area_code", maintain_order=True)
        .agg(
            pl.col("township_code").first(),
            pl.col("county_code").first(),
            pl.col("province_code").first(),
            pl.col("urban_rural_class").first(),
            pl.len().cast(pl.Int32).alias("small_areas"),
        )
        .with_columns(
            pl.when(pl.col("urban_rural_class").str.starts_with("1"))
            .then(pl.lit("社区居民委员会"))
            .otherwise(pl.lit("村民委员会"))
            .alias("committee_type")
        )
    )
    staff_frame = staff.generate(np.random.default_rng([seed, 2]), plan)
    counts: dict[str, int] = {}
    schemas: dict[str, dict[str, str]] = {}
    for name, frame in (
        ("census_areas", census_areas),
        ("small_areas", small_areas),
        ("staff", staff_frame),
    ):
        write_part(frame, root / name, 0, fmt)
        counts[name] = frame.height
        schemas[name] = schema_of(frame)
    return counts, schemas


def _manifest(
    persons: int,
    seed: int,
    provinces: list[str],
    fmt: Format,
    cfg: SynthConfig,
    plan: geography.Plan,
    counts: dict[str, int],
    schemas: dict[str, dict[str, str]],
) -> dict[str, Any]:
    return {
        "generator": "headcount.synth",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "provinces": provinces,
        "format": fmt,
        "chunks": plan.chunks,
        "small_areas": plan.size,
        "reference_time": "2020-11-01T00:00:00+08:00",
        "tables": {
            t: {"rows": counts.get(t, 0), "path": f"{t}/*.{fmt}", "schema": schemas.get(t, {})}
            for t in TABLES
        },
        "config": cfg.to_json(),
        "synthetic": True,
    }
