"""``headcount quality``: the whole job over one extract (docs/quality.md).

open and check the extract → ``records.load`` (the records side by side) → ``model.predict``
(Splink on what the ID pseudonym leaves) → ``clusters.build`` (pseudonym groups joined by the
links above the upper threshold) → ``findings.derive`` → ``output.write``. Pairs between the
thresholds go to ``review``: never linked, never deleted.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing import counting
from headcount.processing.layout import Extract
from headcount.quality import (
    clusters,
    field,
    findings,
    model,
    output,
    records,
    report,
    report_html,
    sources,
)

ENGINES = ("duckdb", "spark")
# DuckDB's memory bound by default: 1 M persons with their registers stay under 1 GB of peak
# memory (9.7 s; 7.3 s and 1.7 GB at 2GB; docs/quality.md). Larger runs spill, or set more.
MEMORY_LIMIT = "600MB"


@dataclass(frozen=True, slots=True)
class QualityResult:
    out: Path
    summary: dict[str, Any]

    def counts(self) -> dict[str, int]:
        return dict(self.summary["counts"])


def open_source(source: Path, *, registers: Path | None = None, verify: bool = True) -> Extract:
    """The extract (with the registers of ``registers``, if given): ``sources.open_sources``."""
    return sources.open_sources(source, registers, verify=verify)


def _review(con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame) -> pl.DataFrame:
    side = "{0}.source AS source_{0}, {0}.household_id AS household_id_{0}, "
    side += "{0}.person_no AS person_no_{0}, {0}.record_id AS record_id_{0}"
    con.register("review_in", pairs.filter(pl.col("match_probability") < model.UPPER).to_arrow())
    frame: pl.DataFrame = con.sql(
        f"""SELECT {side.format("l")}, {side.format("r")}, p.match_probability AS score
        FROM review_in AS p JOIN c AS l ON l.uid = p.uid_l JOIN c AS r ON r.uid = p.uid_r
        WHERE l.cluster_id <> r.cluster_id ORDER BY score DESC, p.uid_l, p.uid_r"""
    ).pl()
    con.unregister("review_in")
    return frame


def _answers(extract: Extract) -> pl.DataFrame | None:
    """The field's answers to earlier verification tasks, when the extract carries them."""
    if not extract.has("verifications"):
        return None
    return extract.scan("verifications").collect()


def compute(
    extract: Extract, con: duckdb.DuckDBPyConnection
) -> tuple[dict[str, pl.DataFrame], model.Model, dict[str, Any]]:
    """The findings of an opened extract (and the model, and timings): no writing."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    n = records.load(con, extract)
    leftovers = int(con.execute("SELECT count(*) FROM nodes WHERE leftover").fetchall()[0][0])
    timings["load_s"] = time.perf_counter() - started
    mark = time.perf_counter()
    fitted = model.predict(con, n, leftovers)
    timings["model_s"] = time.perf_counter() - mark
    mark = time.perf_counter()
    accepted = fitted.pairs.filter(pl.col("match_probability") >= model.UPPER)
    refused = clusters.build(con, accepted)
    below = fitted.pairs.filter(pl.col("match_probability") < model.UPPER)
    best = pl.concat(
        [
            below.select(pl.col("uid_l").alias("uid"), "match_probability"),
            below.select(pl.col("uid_r").alias("uid"), "match_probability"),
        ]
    )
    best = best.group_by("uid").agg(pl.col("match_probability").max().alias("best"))
    con.register("omission_scores", best.to_arrow())
    frames = findings.derive(con, "omission_scores")
    frames["review"] = _review(con, fitted.pairs)
    frames = field.apply_answers(frames, _answers(extract))
    con.unregister("omission_scores")
    timings["findings_s"] = time.perf_counter() - mark
    info = {"records": n, "leftovers": leftovers, "links_refused_two_ids": refused}
    return frames, fitted, {"timings": timings, **info}


def run(
    source: Path,
    out: Path,
    *,
    engine: str = "duckdb",
    registers: Path | None = None,
    memory_limit: str = MEMORY_LIMIT,
    threads: int | None = None,
) -> QualityResult:
    """Link the records of an extract and write the findings to ``out`` (new or empty)."""
    if engine != "duckdb":
        raise HeadcountError(errors.QUALITY_ENGINE_UNAVAILABLE, engine=engine)
    started = time.perf_counter()
    output.check_out(out)
    extract = open_source(source, registers=registers)
    # DuckDB spills beyond its memory limit: to a private folder beside the output (0700,
    # removed at the end), never to the working directory, since the spill holds pseudonyms.
    out.parent.mkdir(parents=True, exist_ok=True)
    spill = Path(tempfile.mkdtemp(prefix=f".{out.name}.spill-", dir=out.parent))
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(spill)})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        frames, fitted, info = compute(extract, con)
        mark = time.perf_counter()
        quality_report = report.build(con, frames, fitted.pairs)  # the per-area report
        info["timings"]["report_s"] = time.perf_counter() - mark
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    info["timings"]["total_s"] = time.perf_counter() - started
    summary = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "engine": engine,
        "source": {
            "path": str(source),
            "digest": extract.digest,
            "key_id": extract.manifest.get("key_id"),
            "wave": extract.manifest.get("wave"),
            "kind": (extract.manifest.get("source") or {}).get("kind"),
            "registers": extract.manifest.get("registers_source"),
        },
        "counting_rule_version": counting.RULE_VERSION,
        "thresholds": {"upper": model.UPPER, "lower": model.LOWER},
        "blocking_rules": list(model.BLOCKING),
        "training": fitted.training,
        "counts": {kind: frame.height for kind, frame in frames.items()},
        **info,
    }
    extra = {
        report.PATH: report.to_bytes(quality_report),
        report.INDEX: report_html.index_html(quality_report, summary["created_at"]),
    }
    written = output.write(out, frames, fitted.model, summary, extra=extra)
    return QualityResult(out, written)


__all__ = ["ENGINES", "QualityResult", "compute", "open_source", "run"]
