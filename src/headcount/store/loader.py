"""``headcount load DIR``: import a synthetic population as registered households.

Reads the synth data contract (``DIR/<table>/part-*.parquet`` or ``.csv`` + ``manifest.json``):
census areas, small areas, then households with their persons, rebuilt into the shared household
JSON and registered through ``registration.register_batch`` — the same encryption, blind indexes
and audit as a live submission — one transaction per batch, so an interrupted load resumes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append
from headcount.errors import HeadcountError
from headcount.store.protector import Protector
from headcount.store.queries import areas as area_queries
from headcount.store.registration import Submission, register_batch
from headcount.store.session import transaction

LOADER = Actor(id="loader", role="system_admin")
# Deterministic submission UUIDs: reloading the same directory replays, never duplicates.
_NAMESPACE = uuid.UUID("6c1f3f0e-5a7e-4d55-9c55-1d0a3c2b7e11")
_HOUSEHOLD_META = ("household_id", "form", "household_no", "small_area_code", "dwelling_unit_id")


@dataclass(frozen=True, slots=True)
class LoadReport:
    census_areas: int
    small_areas: int
    households_added: int
    households_skipped: int
    persons: int


Progress = Callable[[int, int], None]  # (households done, households total)


def _part_files(directory: Path, table: str) -> list[Path]:
    folder = directory / table
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.parquet")) or sorted(folder.glob("*.csv"))


def _scan_files(files: list[Path]) -> pl.LazyFrame:
    if files[0].suffix == ".parquet":
        return pl.scan_parquet([str(p) for p in files])
    return pl.scan_csv([str(p) for p in files], infer_schema=False)


def scan(directory: Path, table: str, *, required: bool = True) -> pl.LazyFrame | None:
    files = _part_files(directory, table)
    if files:
        return _scan_files(files)
    if required:
        raise HeadcountError(
            errors.LOAD_DIRECTORY_INVALID, path=str(directory), reason=f"no {table}/ parts"
        )
    return None


Group = tuple[pl.LazyFrame, pl.LazyFrame | None, pl.LazyFrame | None]  # households, persons, deaths


def _groups(directory: Path) -> list[Group]:
    """Process the directory part by part when every person and death form sits in the part of
    the same name as its household (synth writes one part per chunk): memory stays one part.
    Otherwise, whole tables at once. The check reads only the household id columns."""
    all_households = scan(directory, "households")
    assert all_households is not None  # scan raises E1613 when the table is missing
    whole: list[Group] = [
        (
            all_households,
            scan(directory, "persons"),
            scan(directory, "death_forms", required=False),
        )
    ]
    names = {
        t: [p.name for p in _part_files(directory, t)]
        for t in ("households", "persons", "death_forms")
    }
    if len(names["households"]) < 2 or set(names["persons"]) != set(names["households"]):
        return whole
    if names["death_forms"] and not set(names["death_forms"]) <= set(names["households"]):
        return whole
    groups: list[Group] = []
    for name in names["households"]:
        households = _scan_files([directory / "households" / name])
        members = [
            _scan_files([directory / t / name]) if name in names[t] else None
            for t in ("persons", "death_forms")
        ]
        ids = households.select(pl.col("household_id").cast(pl.Utf8))
        for frame in members:
            if frame is None:
                continue
            orphans = (
                frame.select(pl.col("household_id").cast(pl.Utf8))
                .unique()
                .join(ids, on="household_id", how="anti")
                .collect()
            )
            if orphans.height:
                return whole
        groups.append((households, members[0], members[1]))
    return groups


def _pick(row: dict[str, Any], *names: str) -> Any:
    return next((row[n] for n in names if row.get(n) not in (None, "")), None)


def _areas(directory: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    now = datetime.now(UTC)
    small_frame = scan(directory, "small_areas", required=False)
    if small_frame is None:  # derive them from the households
        households = scan(directory, "households")
        assert households is not None
        codes = households.select("small_area_code").unique().collect()["small_area_code"]
        small_rows = [{"small_area_code": str(c)} for c in codes.to_list()]
    else:
        small_rows = small_frame.collect().to_dicts()
    area_frame = scan(directory, "census_areas", required=False)
    area_rows = area_frame.collect().to_dicts() if area_frame is not None else []
    census: dict[str, dict[str, Any]] = {}
    for row in area_rows:
        code = str(_pick(row, "census_area_code", "code"))
        census[code] = {
            "code": code,
            "county_code": str(_pick(row, "county_code") or code[:6]),
            "name": str(_pick(row, "name", "census_area_name") or code),
            "urban_rural_class": _pick(row, "urban_rural_class"),
            "created_at": now,
        }
    small = []
    for row in small_rows:
        code = str(_pick(row, "small_area_code", "code"))
        parent = str(_pick(row, "census_area_code") or code[:12])
        census.setdefault(
            parent,
            {
                "code": parent,
                "county_code": parent[:6],
                "name": parent,
                "urban_rural_class": _pick(row, "urban_rural_class"),
                "created_at": now,
            },
        )
        expected = _pick(row, "expected_persons", "planned_persons", "persons")
        small.append(
            {
                "code": code,
                "census_area_code": parent,
                "name": str(_pick(row, "name", "small_area_name") or code),
                "expected_persons": int(expected) if expected is not None else None,
                "created_at": now,
            }
        )
    return list(census.values()), small


def unflatten(row: dict[str, Any]) -> dict[str, Any]:
    """A flattened frame row back to items (year_month and count_by_sex re-joined)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        if key.endswith("_year") and f"{key[:-5]}_month" in row:
            month = row[f"{key[:-5]}_month"]
            if month is not None:
                out[key[:-5]] = f"{int(value):04d}-{int(month):02d}"
        elif key.endswith("_month") and f"{key[:-6]}_year" in row:
            continue
        elif key.endswith("_male") and f"{key[:-5]}_female" in row:
            out[key[:-5]] = {"male": value, "female": row[f"{key[:-5]}_female"]}
        elif key.endswith("_female") and f"{key[:-7]}_male" in row:
            continue
        else:
            out[key] = value
    return out


class _Members:
    """Rows of a per-household table (persons, death forms) sliced by household, in order."""

    def __init__(self, frame: pl.LazyFrame | None, order: str) -> None:
        self.rows = (
            frame.with_columns(pl.col("household_id").cast(pl.Utf8))
            .sort("household_id", order)
            .collect()
            if frame is not None
            else pl.DataFrame({"household_id": []}, schema={"household_id": pl.Utf8})
        )
        self.spans = {
            row["household_id"]: (row["first"], row["count"])
            for row in self.rows.with_row_index("row")
            .group_by("household_id")
            .agg(pl.col("row").min().alias("first"), pl.len().alias("count"))
            .to_dicts()
        }
        self.drop = {"household_id", order, "household_no"}

    def of(self, household_id: str) -> list[dict[str, Any]]:
        first, count = self.spans.get(household_id, (0, 0))
        return [
            unflatten({k: v for k, v in row.items() if k not in self.drop})
            for row in self.rows.slice(first, count).to_dicts()
        ]


def _batches(directory: Path, size: int) -> Iterator[list[Submission]]:
    for households, person_frame, death_frame in _groups(directory):
        frame = households.collect()
        persons = _Members(person_frame, "person_no")
        deaths = _Members(death_frame, "death_no")
        for start in range(0, frame.height, size):
            yield [_submission(row, persons, deaths) for row in frame.slice(start, size).to_dicts()]


def _submission(row: dict[str, Any], persons: _Members, deaths: _Members) -> Submission:
    household_id = str(row["household_id"])
    items = unflatten({k: v for k, v in row.items() if k not in _HOUSEHOLD_META})
    record: dict[str, Any] = {
        "form": row.get("form") or "short",
        "household_no": row.get("household_no"),
        "items": items,
        "persons": persons.of(household_id),
    }
    died = deaths.of(household_id)
    if died:
        record["deaths"] = died
    return Submission(
        household_id=household_id,
        small_area_code=str(row["small_area_code"]),
        record=record,
        submission_uuid=uuid.uuid5(_NAMESPACE, f"load:{household_id}"),
    )


def _manifest_households(manifest: Path, directory: Path) -> int:
    """Households announced by manifest.json (``{"rows": n}`` per table, or a bare count)."""
    try:
        entry = json.loads(manifest.read_text("utf-8")).get("tables", {}).get("households", 0)
        return int(entry.get("rows", 0) if isinstance(entry, dict) else entry)
    except (ValueError, AttributeError, TypeError):
        raise HeadcountError(
            errors.LOAD_DIRECTORY_INVALID, path=str(directory), reason="manifest.json unreadable"
        ) from None


def load(
    engine: Engine,
    protector: Protector,
    directory: Path,
    *,
    wave: str = "2020",
    batch_size: int = 500,
    progress: Progress | None = None,
) -> LoadReport:
    if not directory.is_dir():
        raise HeadcountError(
            errors.LOAD_DIRECTORY_INVALID, path=str(directory), reason="not a directory"
        )
    manifest = directory / "manifest.json"
    total = _manifest_households(manifest, directory) if manifest.exists() else 0
    census, small = _areas(directory)
    with transaction(engine) as session:
        area_queries.add_census_areas(session, census)
        area_queries.add_small_areas(session, small)
        append(
            session,
            LOADER,
            AuditEvent(
                action="area.load",
                object=directory.name,
                detail={"census_areas": len(census), "small_areas": len(small)},
            ),
        )
    added = skipped = persons = done = 0
    for batch in _batches(directory, batch_size):
        with transaction(engine) as session:
            new, old = register_batch(session, protector, LOADER, batch, wave=wave)
        added, skipped, done = added + new, skipped + old, done + len(batch)
        persons += sum(len(s.record["persons"]) for s in batch)
        if progress is not None:
            progress(done, max(total, done))
    return LoadReport(len(census), len(small), added, skipped, persons)
