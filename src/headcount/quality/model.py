"""The probabilistic pass: a Fellegi–Sunter model (Splink on DuckDB) over what the ID leaves.

Only pairs with a leftover census record (ID missing or failing its check) on one side are
compared, against every record: blocking rules join a key set on leftovers alone (``lk_*``) to the
same key on all records (``k_*``), so the comparisons grow with the leftovers times the block size,
never with the square of the census. Splink sees encodings and codes only.

Comparisons: the name's Bloom filters (exact, with term-frequency adjustment, then Dice bands
computed in SQL from the eight words with ``bit_count``), sex, birth year-month (exact, ±1 month,
same year), the hukou and residence areas (same township, same county, one side's residence county
is the other's hukou county), relationship, ethnic group (exact, with term frequencies: agreeing on
a minority says more than agreeing on Han).

Training: u by random sampling over all records, m by expectation maximisation on two blocked
sessions (one fixing sex and birth month, one fixing name and birth year). Below ``MIN_TRAIN``
leftovers the documented prior parameters are used as they are (EM on a handful of pairs
wanders). Pairs at or above ``UPPER`` are links; between ``LOWER`` and ``UPPER`` they go to review.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError

UPPER = 0.99
LOWER = 0.50
MIN_TRAIN = 20_000  # records; below, the priors are used as they are
TRAIN_RECORDS = 300_000  # about this many records (whole counties) take part in EM
# EM sessions over the records of a sample of counties (``train``), where the ID's links make
# true pairs plentiful; the columns a rule names are not trained in its session (Splink).
TRAINING = (
    "l.bym = r.bym AND l.sex = r.sex AND l.hukou_county = r.hukou_county AND l.train AND r.train",
    "l.name_key = r.name_key AND l.hukou_county = r.hukou_county AND l.train AND r.train",
    "l.name_key = r.name_key AND l.bym = r.bym AND l.train AND r.train",
)
SEED = 20201101
BLOCKING = (
    "l.lk_bym_sex = r.k_bym_sex",
    "l.lk_county_by = r.k_county_by",
    "l.lk_name_by = r.k_name_by",
)
COLUMNS = (
    "uid", "name_key", "name_bits", "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "sex",
    "bym", "birth_year", "relationship", "ethnic_group", "hukou_township", "hukou_county",
    "live_county", "k_bym_sex", "k_county_by", "k_name_by", "lk_bym_sex", "lk_county_by",
    "lk_name_by", "train",
)  # fmt: skip
_COMMON = " + ".join(f"bit_count(l.w{i} & r.w{i})" for i in range(8))
DICE = f"(2.0 * ({_COMMON}) / (l.name_bits + r.name_bits))"


def _sides(sql: str) -> str:
    """Comparison SQL names the two records' columns ``x_l`` and ``x_r`` (blocking rules say
    ``l.x`` and ``r.x``); the levels are written the blocking way and rewritten here."""
    return re.sub(r"\b([lr])\.([a-z_0-9]+)", r"\2_\1", sql)


def _level(sql: str, label: str, m: float, u: float, **extra: Any) -> dict[str, Any]:
    return {"sql_condition": _sides(sql), "label_for_charts": label, "m_probability": m,
            "u_probability": u, **extra}  # fmt: skip


def _null(*columns: str) -> dict[str, Any]:
    sql = " OR ".join(f"l.{c} IS NULL OR r.{c} IS NULL" for c in columns)
    return {"sql_condition": _sides(sql), "label_for_charts": "null", "is_null_level": True}


def comparisons() -> list[dict[str, Any]]:
    """The comparisons with their prior m and u probabilities."""
    both = "(l.{0} IS NOT NULL AND r.{0} IS NOT NULL)"
    live = (
        "l.live_county = r.live_county OR l.hukou_county = r.live_county "
        "OR l.live_county = r.hukou_county"
    )
    area_null = (
        "(l.hukou_county IS NULL AND l.live_county IS NULL) "
        "OR (r.hukou_county IS NULL AND r.live_county IS NULL)"
    )
    tf = {"tf_adjustment_column": "name_key", "tf_adjustment_weight": 1.0}
    return [
        {"output_column_name": "name", "comparison_levels": [
            _null("name_key"),
            _level("l.name_key = r.name_key", "exact", 0.93, 0.0005, **tf),
            _level(f"{DICE} >= 0.7", "dice >= 0.7", 0.04, 0.001),
            _level(f"{DICE} >= 0.5", "dice >= 0.5", 0.015, 0.01),
            _level(f"{DICE} >= 0.4", "dice >= 0.4", 0.01, 0.05),
            _level("ELSE", "else", 0.005, 0.9385),
        ]},
        {"output_column_name": "sex", "comparison_levels": [
            _null("sex"),
            _level("l.sex = r.sex", "exact", 0.995, 0.5),
            _level("ELSE", "else", 0.005, 0.5),
        ]},
        {"output_column_name": "birth_ym", "comparison_levels": [
            _null("bym"),
            _level("l.bym = r.bym", "exact", 0.97, 0.001),
            _level("abs(l.bym - r.bym) <= 1", "±1 month", 0.01, 0.002),
            _level("l.birth_year = r.birth_year", "same year", 0.01, 0.01),
            _level("ELSE", "else", 0.01, 0.987),
        ]},
        {"output_column_name": "area", "comparison_levels": [
            {**_null(), "sql_condition": _sides(area_null)},
            _level(f"{both.format('hukou_township')} AND l.hukou_township = r.hukou_township",
                   "same hukou township", 0.6, 0.001),
            _level("l.hukou_county = r.hukou_county", "same hukou county", 0.3, 0.005),
            _level(live, "residence county = county", 0.05, 0.01),
            _level("ELSE", "else", 0.05, 0.984),
        ]},
        {"output_column_name": "relationship", "comparison_levels": [
            _null("relationship"),
            _level("l.relationship = r.relationship", "exact", 0.6, 0.3),
            _level("ELSE", "else", 0.4, 0.7),
        ]},
        {"output_column_name": "ethnic_group", "comparison_levels": [
            _null("ethnic_group"),
            _level("l.ethnic_group = r.ethnic_group", "exact", 0.99, 0.85,
                   tf_adjustment_column="ethnic_group", tf_adjustment_weight=1.0),
            _level("ELSE", "else", 0.01, 0.15),
        ]},
    ]  # fmt: skip


def settings(records: int) -> dict[str, Any]:
    """The Splink settings; the prior expects about one and a half true partners per leftover
    among all ``records``."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "uid",
        "probability_two_random_records_match": min(0.5, 1.5 / max(records, 2)),
        "blocking_rules_to_generate_predictions": list(BLOCKING),
        "comparisons": comparisons(),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


@dataclass(frozen=True, slots=True)
class Model:
    pairs: pl.DataFrame  # uid_l, uid_r, match_probability (≥ LOWER)
    model: dict[str, Any]  # Splink's model JSON (settings with the trained parameters)
    training: dict[str, Any]


def predict(con: duckdb.DuckDBPyConnection, records: int, leftovers: int) -> Model:
    """Train (when there is enough to train on) and score every blocked pair over ``nodes``."""
    if leftovers == 0:
        empty = pl.DataFrame(
            schema={"uid_l": pl.Int64, "uid_r": pl.Int64, "match_probability": pl.Float64}
        )
        return Model(empty, settings(records), {"m": "none", "u": "none", "leftovers": 0})
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.ERROR)
    cols = ", ".join(COLUMNS)
    share = max(1, records // TRAIN_RECORDS)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW splink_input AS SELECT {cols.replace(', train', '')}, "
        f"coalesce(hash(hukou_county) % {share} = 0, false) AS train FROM nodes"
    )
    try:
        db_api = DuckDBAPI(connection=con)
        linker = Linker(db_api.register("splink_input"), settings(records), log_level=None)
        training: dict[str, Any] = {"leftovers": leftovers, "records": records}
        if records >= MIN_TRAIN:
            linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=SEED)
            for rule in TRAINING:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True
                )
            training |= {"u": "random sampling, 2e6 pairs", "m": "EM", "sessions": TRAINING}
        else:
            training |= {"u": "prior", "m": "prior", "why": f"fewer than {MIN_TRAIN} records"}
        scored = linker.inference.predict(threshold_match_probability=LOWER)
        pairs = con.sql(
            "SELECT uid_l, uid_r, match_probability FROM "
            f"{scored.physical_name} ORDER BY uid_l, uid_r"
        ).pl()
        model = linker.misc.save_model_to_json()
    except HeadcountError:
        raise
    except Exception as exc:  # Splink's own failures (SQL, training) become one numbered error
        raise HeadcountError(errors.QUALITY_MODEL_FAILED, reason=str(exc)[:300]) from exc
    return Model(pairs.cast({"uid_l": pl.Int64, "uid_r": pl.Int64}), model, training)


__all__ = ["BLOCKING", "DICE", "LOWER", "MIN_TRAIN", "UPPER", "Model", "comparisons", "predict"]
