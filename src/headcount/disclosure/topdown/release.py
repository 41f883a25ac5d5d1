"""A TopDown release end to end: checks, one audited draw, post-processing, atomic writing.

Everything that can be refused is refused before any noise is drawn: the budget (checked whole by
``disclosure.budget``; a release also needs every level and query measured, E2192), ρ, the output
directory (never overwritten, E2190), the source, and a second draw of the same budget (digest and
ρ) against the same source (E2191, unless ``again``), so no one spends a budget twice by accident.

The ledger of draws is a JSON-lines file beside the source, ``<SOURCE>.releases.log``: found by
every later draw against that source wherever its output goes, and outside the source so an
extract stays as written. A line is appended and flushed to disk right after the noise is drawn
and before anything else can fail: a draw that happened is on record even if its release is never
written (discarding it and drawing again would spend the budget twice). A second line records the
written release and its digest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from headcount import errors
from headcount.disclosure.budget import QUERIES, Budget
from headcount.disclosure.topdown import queries as q
from headcount.disclosure.topdown.measure import Measurement, measure
from headcount.disclosure.topdown.sampler import RandomBytes
from headcount.disclosure.topdown.solve import Solved, solve
from headcount.errors import HeadcountError

FORMAT = "headcount-dp-release"
VERSION = 1
SEED_SOURCE = "os-csprng"  # os.urandom: the kernel's CSPRNG, no seed that could be replayed
CELLS = {
    "total": ("total",),
    "urban_rural": q.CLASSES,
    "sex_age": q.SEX_AGE_CELLS,
    "household_type_size": q.HOUSEHOLD_CELLS,
}


def ledger_path(source: Path) -> Path:
    resolved = source.resolve()
    return resolved.parent / f"{resolved.name}.releases.log"


def budget_key(budget: Budget) -> str:
    """What a draw spends: the budget file's digest and the ρ actually used."""
    return hashlib.sha256(f"{budget.digest}|{budget.rho!r}".encode()).hexdigest()


def _ledger(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise HeadcountError(errors.DP_LEDGER, path=str(path), reason=type(exc).__name__) from exc
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            raise HeadcountError(errors.DP_LEDGER, path=str(path), reason=f"line {number}")
        entries.append(entry)
    return entries


def _append(path: Path, entry: dict[str, Any]) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise HeadcountError(errors.DP_LEDGER, path=str(path), reason=type(exc).__name__) from exc


def check_budget(budget: Budget) -> None:
    """A release measures every query at every level (the post-processing needs each one)."""
    for name in q.LEVELS:
        if budget.geolevels.get(name, 0.0) <= 0:
            raise HeadcountError(errors.DP_RELEASE_INCOMPLETE, name=name)
    for name in QUERIES:
        if budget.queries.get(name, 0.0) <= 0:
            raise HeadcountError(errors.DP_RELEASE_INCOMPLETE, name=name)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _long(codes: np.ndarray, query: str, values: np.ndarray, name: str) -> pl.DataFrame:
    cells = CELLS[query]
    n, k = values.shape
    return pl.DataFrame(
        {
            "geocode": np.repeat(codes.astype(str), k),
            "query": np.full(n * k, query),
            "cell": np.tile(np.asarray(cells, dtype=str), n),
            name: values.ravel().astype(np.int64),
        }
    )


def tables_of(solved: Solved, index: int) -> dict[str, np.ndarray]:
    return {
        "total": solved.total(index)[:, None],
        "urban_rural": solved.persons[index],
        "sex_age": solved.sex_age[index],
        "household_type_size": solved.households[index],
    }


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write(
    tmp: Path,
    data: q.Confidential,
    solved: Solved,
    measured: dict[tuple[str, str], Measurement],
) -> dict[str, str]:
    (tmp / "measurements").mkdir()
    files: dict[str, str] = {}
    for index, level in enumerate(data.levels):
        frames = [_long(level.codes, qn, v, "count") for qn, v in tables_of(solved, index).items()]
        path = tmp / f"{level.name}.parquet"
        pl.concat(frames).write_parquet(path)
        files[path.name] = _digest(path)
        noisy = []
        for query in CELLS:
            m = measured[(level.name, query)]
            frame = _long(level.codes, query, m.noisy, "noisy")
            noisy.append(frame.with_columns(pl.lit(m.sigma).alias("sigma")))
        path = tmp / "measurements" / f"{level.name}.parquet"
        pl.concat(noisy).write_parquet(path)
        files[f"measurements/{path.name}"] = _digest(path)
    return files


def _certificate(budget: Budget, measured: dict[tuple[str, str], Measurement]) -> dict[str, Any]:
    cert = budget.certificate()
    for row in cert["queries"]:
        row["sigma_drawn"] = measured[(row["level"], row["query"])].sigma
    cert["mechanism"] = "discrete Gaussian (Canonne, Kamath, Steinke 2020), exact, os.urandom"
    return cert


def release(
    source: Path,
    out: Path,
    budget: Budget,
    *,
    again: bool = False,
    random_bytes: RandomBytes = os.urandom,
) -> dict[str, Any]:
    """Draw, post-process and write a release; returns its ``release.json`` object."""
    check_budget(budget)
    if out.exists() or out.is_symlink():
        raise HeadcountError(errors.DP_RELEASE_EXISTS, path=str(out))
    started = _now()
    data = q.confidential(source)
    ledger = ledger_path(source)
    key = budget_key(budget)
    earlier = [
        e for e in _ledger(ledger)
        if e.get("event") == "drawn" and e.get("source_digest") == data.source_digest
        and e.get("budget_key") == key
    ]  # fmt: skip
    if earlier and not again:
        raise HeadcountError(errors.DP_ALREADY_DRAWN, draw=str(earlier[-1].get("draw_id")))
    draw_id = str(uuid.uuid4())
    entry = {
        "event": "drawn", "draw_id": draw_id, "at": _now(), "source": str(source.resolve()),
        "source_digest": data.source_digest, "budget_version": budget.version,
        "budget_digest": budget.digest, "budget_key": key, "rho": budget.rho,
        "seed_source": SEED_SOURCE, "again": bool(earlier), "out": str(out.resolve()),
    }  # fmt: skip
    # The same out directory's parent must take the temporary directory (one rename at the end).
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        tmp.chmod(0o755)  # mkdtemp's 0700 would follow the rename
    except OSError as exc:
        raise HeadcountError(
            errors.DP_OUT_UNWRITABLE, path=str(out), reason=type(exc).__name__
        ) from exc
    try:
        measured = measure(data, budget, random_bytes)
        _append(ledger, entry)
        names = [level.name for level in data.levels]
        deepest = max((names.index(level) for level in budget.invariants), default=-1)
        exact = [data.persons[i].sum(axis=1) for i in range(deepest + 1)]
        solved = solve(data.levels, measured, exact)
        files = _write(tmp, data, solved, measured)
        cert = _certificate(budget, measured)
        (tmp / "certificate.json").write_text(json.dumps(cert, ensure_ascii=False, indent=1))
        files["certificate.json"] = _digest(tmp / "certificate.json")
        made = {
            "format": FORMAT, "version": VERSION, "draw_id": draw_id, "seed_source": SEED_SOURCE,
            "started": started, "finished": _now(),
            "budget": {"version": budget.version, "digest": budget.digest, "rho": budget.rho,
                       "delta": budget.delta, "invariants": list(budget.invariants)},
            "source": {"path": str(source.resolve()), "digest": data.source_digest},
            "levels": {lv.name: lv.size for lv in data.levels},
            "counts": {"persons": int(solved.total(0).sum()),
                       "households": int(solved.households[0].sum())},
            "files": files,
        }  # fmt: skip
        (tmp / "release.json").write_text(json.dumps(made, ensure_ascii=False, indent=1))
        if out.exists():
            raise HeadcountError(errors.DP_RELEASE_EXISTS, path=str(out))
        os.rename(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HeadcountError(
            errors.DP_OUT_UNWRITABLE, path=str(out), reason=type(exc).__name__
        ) from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    written = {"event": "written", "draw_id": draw_id, "at": _now(), "out": str(out.resolve()),
               "release_digest": _digest(out / "release.json")}  # fmt: skip
    _append(ledger, written)
    return made


def with_rho(budget: Budget, rho: float | None) -> Budget:
    """The budget with ρ replaced (``--rho``), checked as a budget file's ρ is."""
    if rho is None:
        return budget
    if not (rho > 0 and np.isfinite(rho)):
        raise HeadcountError(errors.DP_BUDGET_RHO, value=str(rho)[:40])
    return dataclasses.replace(budget, rho=float(rho))


__all__ = [
    "CELLS",
    "FORMAT",
    "SEED_SOURCE",
    "budget_key",
    "check_budget",
    "ledger_path",
    "release",
    "tables_of",
    "with_rho",
]
