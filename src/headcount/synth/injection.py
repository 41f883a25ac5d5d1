"""Errors injected into the census person records, each one listed in truth_errors.

- bad_check_digit: the ID's last character replaced by a wrong one (fails the MOD 11-2 check);
- id_sex_mismatch: D4 reported as the other sex (the ID's parity no longer agrees);
- name_typo: one given-name character replaced by another;
- skipped_item: an asked item left empty (ethnic group, education or birth month).
A record gets at most one injected error, so scoring is unambiguous.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.identity.citizen_id import CHECK_CHARS
from headcount.synth.config import CensusErrors
from headcount.synth.identities import given_chars
from headcount.synth.registers import ERROR_SCHEMA, concat_errors

_SKIPPABLE = ("ethnic_group", "education", "birth_year_month_month")


def inject(
    rng: np.random.Generator, persons: pl.DataFrame, keys: pl.Series, rates: CensusErrors
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``keys``: the true person key of each record. Returns the altered frame and its errors."""
    n = persons.height
    kind = np.full(n, -1, dtype=np.int8)
    u = rng.random(n)
    edges = np.cumsum(
        [rates.bad_check_digit, rates.id_sex_mismatch, rates.name_typo, rates.skipped_item]
    )
    kind[u < edges[3]] = 3
    kind[u < edges[2]] = 2
    kind[u < edges[1]] = 1
    kind[u < edges[0]] = 0
    has_id = persons["citizen_id"].is_not_null().to_numpy()
    kind[(kind == 0) & ~has_id] = -1
    errors: list[pl.DataFrame] = []
    out = persons

    idx = np.flatnonzero(kind == 0)
    if idx.size:
        old = out["citizen_id"].gather(pl.Series(idx))
        last = old.str.slice(17, 1).to_numpy()
        pos = np.array([CHECK_CHARS.index(c) for c in last], dtype=np.int64)
        new_last = pl.Series(list(CHECK_CHARS)).gather(
            pl.Series((pos + rng.integers(1, 11, idx.size)) % 11)
        )
        new = (
            pl.DataFrame({"b": old.str.slice(0, 17), "c": new_last})
            .select(pl.concat_str("b", "c"))
            .to_series()
        )
        out = out.with_columns(out["citizen_id"].scatter(idx, new))
        errors.append(_rows("bad_check_digit", out, idx, "citizen_id", old, new, keys))

    idx = np.flatnonzero(kind == 1)
    if idx.size:
        old_sex = out["sex"].gather(pl.Series(idx))
        new_sex = (3 - old_sex).cast(pl.Int8)
        out = out.with_columns(out["sex"].scatter(idx, new_sex))
        errors.append(_rows("id_sex_mismatch", out, idx, "sex", old_sex, new_sex, keys))

    idx = np.flatnonzero(kind == 2)
    if idx.size:
        old_name = out["name"].gather(pl.Series(idx))
        chars, _, _ = given_chars()
        repl = chars.gather(pl.Series(rng.integers(0, chars.len(), idx.size)))
        new_name = (
            pl.DataFrame({"n": old_name, "r": repl})
            .select(pl.concat_str(pl.col("n").str.slice(0, pl.col("n").str.len_chars() - 1), "r"))
            .to_series()
        )
        same = (new_name == old_name).to_numpy()
        keep = ~same
        idx, old_name, new_name = (
            idx[keep],
            old_name.filter(pl.Series(keep)),
            new_name.filter(pl.Series(keep)),
        )
        out = out.with_columns(out["name"].scatter(idx, new_name))
        errors.append(_rows("name_typo", out, idx, "name", old_name, new_name, keys))

    idx = np.flatnonzero(kind == 3)
    if idx.size:
        which = rng.integers(0, len(_SKIPPABLE), idx.size)
        for j, column in enumerate(_SKIPPABLE):
            sel = idx[which == j]
            old = out[column].gather(pl.Series(sel))
            asked = old.is_not_null().to_numpy()
            sel, old = sel[asked], old.filter(pl.Series(asked))
            if sel.size == 0:
                continue
            out = out.with_columns(
                out[column].scatter(sel, pl.Series([None] * sel.size, dtype=out[column].dtype))
            )
            errors.append(
                _rows(
                    "skipped_item",
                    out,
                    sel,
                    column,
                    old,
                    pl.Series([None] * sel.size, dtype=pl.Utf8),
                    keys,
                )
            )
    return out, concat_errors(errors)


def _rows(
    kind: str,
    frame: pl.DataFrame,
    idx: NDArray[np.int64],
    column: str,
    old: pl.Series,
    new: pl.Series,
    keys: pl.Series,
) -> pl.DataFrame:
    k = idx.size
    sel = pl.Series(idx)
    return pl.DataFrame(
        {
            "error_type": [kind] * k,
            "table": ["persons"] * k,
            "record_id": pl.Series([None] * k, dtype=pl.Utf8),
            "household_id": frame["household_id"].gather(sel),
            "person_no": frame["person_no"].gather(sel),
            "column": [column] * k,
            "true_value": old.cast(pl.Utf8),
            "recorded_value": new.cast(pl.Utf8),
            "person_key": keys.gather(sel),
        },
        schema=ERROR_SCHEMA,
    )
