"""Administrative registers derived from the truth, with configured discrepancies.

- registers_hukou (公安 hukou register): every true person with a hukou, at the hukou place; stale
  addresses (an earlier township of the same county), wrong birth months, and children under five
  who were never registered.
- registers_births (卫健 birth certificates): children born 2015-11 … 2020-10, with the mother's ID
  where she lives in the household; some births are missing.
- registers_deaths: the reference year's deaths; some are missing, some have a wrong month.

Every discrepancy is listed in truth_errors with the register's record_id, so a record-check job
(比对复查) can be scored.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.identity import divisions
from headcount.synth.config import SynthConfig
from headcount.synth.deaths import Deaths
from headcount.synth.geography import township_table
from headcount.synth.truth import ChunkTruth

ErrorRows = list[dict[str, object]]


def _record_ids(prefix: str, chunk: int, n: int) -> pl.Series:
    idx = pl.Series("i", np.arange(n, dtype=np.int64)).cast(pl.Utf8).str.zfill(9)
    return (
        pl.DataFrame([idx]).select(pl.concat_str(pl.lit(f"{prefix}{chunk:05d}-"), "i")).to_series()
    )


def _shift_month(rng: np.random.Generator, month: NDArray[np.int8]) -> NDArray[np.int8]:
    return ((month.astype(np.int64) - 1 + rng.integers(1, 12, month.size)) % 12 + 1).astype(np.int8)


def hukou_register(
    rng: np.random.Generator, t: ChunkTruth, cfg: SynthConfig, keys: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    p, hk = t.persons, t.hukou
    rates = cfg.registers
    has_id = t.citizen_id.is_not_null().to_numpy()
    unregistered = has_id & (p.age < 5) & (rng.random(p.size) < rates.unregistered_children)
    who = np.flatnonzero(has_id & ~unregistered)
    k = who.size
    township = hk.township[who].copy()
    stale = rng.random(k) < rates.stale_addresses
    # An earlier address: another real township of the same county.
    township[stale] = _other_township(rng, township[stale])
    stale &= township != hk.township[who]  # a county with a single township cannot be stale
    month = p.month[who].copy()
    wrong = rng.random(k) < rates.wrong_birth_months
    month[wrong] = _shift_month(rng, month[wrong])
    record_id = _record_ids("HK", t.chunk, k)
    frame = pl.DataFrame(
        {
            "record_id": record_id,
            "citizen_id": t.citizen_id.gather(pl.Series(who)),
            "name": t.name.gather(pl.Series(who)),
            "sex": p.sex[who],
            "birth_year": t.year[who],
            "birth_month": month,
            "birth_day": t.day[who],
            "ethnic_group": pl.Series(t.ethnic[who]).cast(pl.Utf8).str.zfill(2),
            "hukou_county": pl.Series(hk.county[who]).cast(pl.Utf8),
            "hukou_township": pl.Series(township).cast(pl.Utf8).str.zfill(9),
            "hukou_address": _addresses(rng, township),
        }
    )
    errs = [
        _errors(
            "stale_address",
            "registers_hukou",
            record_id,
            keys.gather(pl.Series(who)),
            stale,
            "hukou_township",
            hk.township[who],
            township,
        ),
        _errors(
            "wrong_birth_month",
            "registers_hukou",
            record_id,
            keys.gather(pl.Series(who)),
            wrong,
            "birth_month",
            p.month[who],
            month,
        ),
        _errors(
            "unregistered_child",
            "registers_hukou",
            None,
            keys,
            unregistered,
            "citizen_id",
            None,
            None,
        ),
    ]
    return frame, concat_errors(errs)


def _other_township(rng: np.random.Generator, township: NDArray[np.int64]) -> NDArray[np.int64]:
    towns = _township_codes()
    county = towns // 1000
    lo = np.searchsorted(county, township // 1000, side="left")
    hi = np.searchsorted(county, township // 1000, side="right")
    pick = lo + (rng.random(township.size) * np.maximum(hi - lo, 1)).astype(np.int64)
    pick = np.minimum(pick, towns.size - 1)
    same = towns[pick] == township
    pick[same] = np.where(pick[same] + 1 < hi[same], pick[same] + 1, lo[same])
    out = towns[pick]
    return np.where(hi > lo, out, township)


@cache
def _township_codes() -> NDArray[np.int64]:
    return np.sort(township_table()["township"].cast(pl.Int64).to_numpy())


def _addresses(rng: np.random.Generator, township: NDArray[np.int64]) -> pl.Series:
    """The register's address: the township's full name and a synthetic house number."""
    table = divisions()
    codes, inverse = np.unique(township, return_inverse=True)
    names = pl.Series(
        [(table.region_name(f"{int(c):09d}") or "").replace(" ", "") for c in codes], dtype=pl.Utf8
    )
    number = pl.Series(rng.integers(1, 300, township.size)).cast(pl.Utf8)
    return (
        pl.DataFrame({"n": names.gather(pl.Series(inverse)), "h": number})
        .select(pl.concat_str("n", "h", pl.lit("号")))
        .to_series()
    )


def births_register(
    rng: np.random.Generator, t: ChunkTruth, cfg: SynthConfig, keys: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    p, h = t.persons, t.households
    young = p.age < 5
    missing = young & (rng.random(p.size) < cfg.registers.births_missing_from_register)
    who = np.flatnonzero(young & ~missing)
    k = who.size
    # The mother: the household's woman of the parents' generation, when the child is a child (2)
    # or grandchild (7) of the head; otherwise unknown.
    mother = np.full(p.size, -1, dtype=np.int64)
    women = np.flatnonzero(
        (p.sex == 2) & np.isin(p.relationship, (0, 1)) & (p.age >= 15) & (p.age <= 50)
    )
    mother_of_hh = np.full(h.size_count, -1, dtype=np.int64)
    mother_of_hh[p.household[women]] = women
    in_line = p.relationship == 2
    mother[in_line] = mother_of_hh[p.household[in_line]]
    m = mother[who]
    mother_id = t.citizen_id.gather(pl.Series(np.maximum(m, 0)))
    mother_id = pl.select(pl.when(pl.Series(m >= 0)).then(mother_id)).to_series()
    month = p.month[who].copy()
    wrong = rng.random(k) < cfg.registers.wrong_birth_months
    month[wrong] = _shift_month(rng, month[wrong])
    record_id = _record_ids("BR", t.chunk, k)
    frame = pl.DataFrame(
        {
            "record_id": record_id,
            "child_citizen_id": t.citizen_id.gather(pl.Series(who)),
            "child_name": t.name.gather(pl.Series(who)),
            "sex": p.sex[who],
            "birth_year": t.year[who],
            "birth_month": month,
            "birth_day": t.day[who],
            "mother_citizen_id": mother_id,
            "birth_county": pl.Series(t.hukou.county[who]).cast(pl.Utf8),
        }
    )
    errs = [
        _errors(
            "wrong_birth_month",
            "registers_births",
            record_id,
            keys.gather(pl.Series(who)),
            wrong,
            "birth_month",
            p.month[who],
            month,
        ),
        _errors(
            "birth_missing_from_register",
            "registers_births",
            None,
            keys,
            missing,
            "record_id",
            None,
            None,
        ),
    ]
    return frame, concat_errors(errs)


def deaths_register(
    rng: np.random.Generator, t: ChunkTruth, d: Deaths, cfg: SynthConfig, death_keys: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame]:
    missing = rng.random(d.size) < cfg.registers.deaths_missing_from_register
    who = np.flatnonzero(~missing)
    month = d.death_month[who].copy()
    wrong = rng.random(who.size) < cfg.registers.wrong_birth_months
    month[wrong] = _shift_month(rng, month[wrong])
    record_id = _record_ids("DR", t.chunk, who.size)
    frame = pl.DataFrame(
        {
            "record_id": record_id,
            "citizen_id": d.citizen_id.gather(pl.Series(who)),
            "name": d.name.gather(pl.Series(who)),
            "sex": d.sex[who],
            "birth_year": d.birth_year[who],
            "birth_month": d.birth_month[who],
            "death_year": d.death_year[who],
            "death_month": month,
        }
    )
    errs = [
        _errors(
            "wrong_death_month",
            "registers_deaths",
            record_id,
            death_keys.gather(pl.Series(who)),
            wrong,
            "death_month",
            d.death_month[who],
            month,
        ),
        _errors(
            "death_missing_from_register",
            "registers_deaths",
            None,
            death_keys,
            missing,
            "record_id",
            None,
            None,
        ),
    ]
    return frame, concat_errors(errs)


def _empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)


def concat_errors(frames: list[pl.DataFrame]) -> pl.DataFrame:
    kept = [f for f in frames if f.height]
    return pl.concat(kept) if kept else _empty_errors()


ERROR_SCHEMA = {
    "error_type": pl.Utf8,
    "table": pl.Utf8,
    "record_id": pl.Utf8,
    "household_id": pl.Utf8,
    "person_no": pl.Int32,
    "column": pl.Utf8,
    "true_value": pl.Utf8,
    "recorded_value": pl.Utf8,
    "person_key": pl.Utf8,
}


def _errors(
    kind: str,
    table: str,
    record_id: pl.Series | None,
    keys: pl.Series,
    mask: NDArray[np.bool_],
    column: str,
    true_value: NDArray[np.generic] | None,
    recorded: NDArray[np.generic] | None,
) -> pl.DataFrame:
    idx = pl.Series(np.flatnonzero(mask))
    k = len(idx)
    if k == 0:
        return _empty_errors()

    def col(values: NDArray[np.generic] | None) -> pl.Series:
        if values is None:
            return pl.Series([None] * k, dtype=pl.Utf8)
        return pl.Series(values).gather(idx).cast(pl.Utf8)

    return pl.DataFrame(
        {
            "error_type": [kind] * k,
            "table": [table] * k,
            "record_id": record_id.gather(idx)
            if record_id is not None
            else pl.Series([None] * k, dtype=pl.Utf8),
            "household_id": pl.Series([None] * k, dtype=pl.Utf8),
            "person_no": pl.Series([None] * k, dtype=pl.Int32),
            "column": [column] * k,
            "true_value": col(true_value),
            "recorded_value": col(recorded),
            "person_key": keys.gather(idx),
        },
        schema=ERROR_SCHEMA,
    )
