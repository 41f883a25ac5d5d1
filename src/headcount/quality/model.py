"""The probabilistic pass: a Fellegi–Sunter model (Splink on DuckDB) over what the ID leaves.

Only pairs with a leftover census record (ID missing or failing its check) on one side are
compared, against every record: blocking rules join a key set on leftovers alone (``lk_*``) to the
same key on all records (``k_*``), so the comparisons grow with the leftovers times the block size,
never with the square of the census. Splink sees encodings and codes only.

Comparisons: the name's Bloom filters (exact, with term-frequency adjustment, then Dice bands
computed in SQL from the eight words with ``bit_count``), sex, birth year-month (exact, ±1 month,
same year), the areas (a census child's mother's ID pseudonym against a birth record's; same hukou
township, same county, one side's residence county is the other's hukou county; for two residence
records a level of its own whatever their areas, since a duplicate enumeration is in two places by
nature, with a fixed m: duplicates are rare), relationship (not between two residence records),
ethnic group, the hukou answer D8 of two residence records (term frequencies: agreeing on "pending"
says much; a pending hukou has no hukou-register row nor hukou-place record), education, and
whether a register row, like the census record, has no ID.

Training: u by random sampling over all records; m from the ID's own links: every pair of records
sharing a valid pseudonym in a sample of whole counties is a true pair (``label``), which EM on
blocked pairs only approximated (it learnt that 28 % of true pairs have unrelated names). Levels
that such pairs rarely or never show (two residence records, a pending hukou against the
register, register rows without ID) have fixed, documented m. Below ``MIN_TRAIN`` records the
prior parameters are used as they are. Pairs at or above ``UPPER`` are links; between ``LOWER``
and ``UPPER`` they go to review. Scoring runs over the records that share a blocking key with a
leftover, with the term frequencies of all records (``_scorer``); afterwards ``release`` drops
what only the model needed.
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
from headcount.quality.records import BLOCKING_KEYS, keys_sql

UPPER = 0.99
LOWER = 0.50
MIN_TRAIN = 20_000  # records; below, the priors are used as they are
TRAIN_RECORDS = 300_000  # about this many records (whole counties) train m
# m from the ID's own links: every pair of records sharing a valid ID pseudonym is a true pair
# (census residence and hukou-place records, register rows), over the records of a sample of
# counties (``label``: the pseudonym there). Levels too rare among those pairs are fixed.
TRAINING = "labels: pairs sharing an ID pseudonym, in a sample of counties"
SEED = 20201101
BLOCKING = (
    "l.lk_res = r.k_res",
    "l.lk_county_by = r.k_county_by",
    "l.lk_name_by = r.k_name_by",
)
# The model's input columns (and the blocking keys, ``records.keys_sql``).
COLUMNS = (
    "uid", "name_key", "name_bits", "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "sex",
    "bym", "birth_year", "relationship", "ethnic_group", "hukou_township", "hukou_county",
    "live_county", "source", "d7", "res_d8", "education", "mother_pid",
)  # fmt: skip
TF_COLUMNS = ("name_key", "res_d8")  # term-frequency adjusted (see comparisons)
NAME_COLUMNS = ("name_bits", "w0", "w1", "w2", "w3", "w4", "w5", "w6", "w7")
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
    # A pending hukou (D8 = 5) against a hukou: the hukou register's row or a hukou-place record.
    pending = (
        "coalesce(l.res_d8 = 5 AND (r.source = 'hukou' OR r.d7 >= 2), false) "
        "OR coalesce(r.res_d8 = 5 AND (l.source = 'hukou' OR l.d7 >= 2), false)"
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
            # Two residence records of one person are a duplicate enumeration, in two places by
            # nature (their areas say nothing), and rare: fixed m.
            _level("l.d7 = 1 AND r.d7 = 1", "two residence records", 0.01, 0.3,
                   fix_m_probability=True),
            # A child of the household against a birth record: the mother's ID pseudonym (the
            # family's place, more than its area; one level with the areas, since siblings
            # share both).
            _level("l.mother_pid = r.mother_pid AND (l.d7 IS NULL OR r.d7 IS NULL)",
                   "same mother", 0.05, 0.000001),
            _level(f"{both.format('hukou_township')} AND l.hukou_township = r.hukou_township",
                   "same hukou township", 0.6, 0.001),
            _level("l.hukou_county = r.hukou_county", "same hukou county", 0.3, 0.005),
            _level(live, "residence county = county", 0.05, 0.01),
            _level("ELSE", "else", 0.05, 0.984),
        ]},
        # Not between two residence records: in two households, the relationship to each head
        # differs by nature.
        {"output_column_name": "relationship", "comparison_levels": [
            {**_null("relationship"), "sql_condition": _sides(
                "l.relationship IS NULL OR r.relationship IS NULL OR (l.d7 = 1 AND r.d7 = 1)")},
            _level("l.relationship = r.relationship", "exact", 0.6, 0.3),
            _level("ELSE", "else", 0.4, 0.7),
        ]},
        {"output_column_name": "ethnic_group", "comparison_levels": [
            _null("ethnic_group"),
            _level("l.ethnic_group = r.ethnic_group", "exact", 0.99, 0.85),
            _level("ELSE", "else", 0.01, 0.15),
        ]},
        # Census only: the hukou answer (D8) of two residence records (a duplicate carries the
        # same; "pending" is rare, so agreeing on it says much: term frequencies) and education.
        # Fixed m: pairs of two residence records are too rare among the ID's links to learn it.
        {"output_column_name": "hukou_answer", "comparison_levels": [
            {**_null(), "sql_condition": _sides(
                f"NOT ((l.res_d8 IS NOT NULL AND r.res_d8 IS NOT NULL) OR {pending})")},
            # Hukou pending (D8 = 5): no hukou, so no row in the hukou register and no record at
            # a hukou place.
            _level(pending, "pending against a hukou", 0.00001, 0.001,
                   fix_m_probability=True),
            _level("l.res_d8 = r.res_d8", "exact", 0.98, 0.45, fix_m_probability=True,
                   tf_adjustment_column="res_d8", tf_adjustment_weight=1.0),
            _level("ELSE", "else", 0.002, 0.55, fix_m_probability=True),
        ]},
        # A census record without a valid ID against a register row: a person without an ID
        # number has none in the register either (a newborn's birth record, a pending hukou),
        # while most register rows carry one. Fixed m and u (the pairs scored always have one
        # side without ID, so random pairs of all records say nothing about this).
        {"output_column_name": "register_id", "comparison_levels": [
            {**_null(), "sql_condition": _sides(
                "NOT (l.no_id OR r.no_id) OR (l.source = 'census' AND r.source = 'census')")},
            _level("l.no_id AND r.no_id", "neither has an ID", 0.5, 0.02,
                   fix_m_probability=True, fix_u_probability=True),
            _level("ELSE", "else", 0.5, 0.98, fix_m_probability=True, fix_u_probability=True),
        ]},
        {"output_column_name": "education", "comparison_levels": [
            _null("education"),
            _level("l.education = r.education", "exact", 0.98, 0.25),
            _level("ELSE", "else", 0.02, 0.75),
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
        f"CREATE OR REPLACE TEMP VIEW splink_input AS SELECT {cols}, {keys_sql()}, "
        "pid IS NULL AS no_id, "
        f"CASE WHEN hash(hukou_county) % {share} = 0 THEN pid END AS label FROM nodes"
    )
    try:
        db_api = DuckDBAPI(connection=con)
        linker = Linker(db_api.register("splink_input"), settings(records), log_level=None)
        training: dict[str, Any] = {"leftovers": leftovers, "records": records}
        if records >= MIN_TRAIN:
            linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=SEED)
            # m over the labelled records only (Splink joins the label pairs to its input)
            con.execute(
                "CREATE OR REPLACE TEMP TABLE splink_labelled AS "
                "SELECT * FROM splink_input WHERE label IS NOT NULL"
            )
            linker = Linker(
                db_api.register("splink_labelled"), linker.misc.save_model_to_json(),
                log_level=None,
            )  # fmt: skip
            linker.training.estimate_m_from_label_column("label")
            training |= {"u": "random sampling, 2e6 pairs", "m": TRAINING}
        else:
            training |= {"u": "prior", "m": "prior", "why": f"fewer than {MIN_TRAIN} records"}
        model = linker.misc.save_model_to_json()
        scorer = _scorer(con, db_api, model)
        scored = scorer.inference.predict(threshold_match_probability=LOWER)
        pairs = con.sql(
            "SELECT uid_l, uid_r, match_probability FROM "
            f"{scored.physical_name} ORDER BY uid_l, uid_r"
        ).pl()
    except HeadcountError:
        raise
    except Exception as exc:  # Splink's own failures (SQL, training) become one numbered error
        raise HeadcountError(errors.QUALITY_MODEL_FAILED, reason=str(exc)[:300]) from exc
    release(con)
    return Model(pairs.cast({"uid_l": pl.Int64, "uid_r": pl.Int64}), model, training)


def _scorer(con: duckdb.DuckDBPyConnection, db_api: Any, model: dict[str, Any]) -> Any:
    """A linker for scoring only, over the records that share a blocking key with a leftover
    (every record a blocked pair can hold: 2 % of them at 1 M, 16 % at raised rates), with the
    term frequencies of all records: Splink joins the blocked pairs to its whole input, which
    over every record cost as much memory again as ``nodes``."""
    from splink import Linker

    keyed = " OR ".join(
        f"{key} IN (SELECT l{key} FROM splink_input WHERE l{key} IS NOT NULL)"
        for key in BLOCKING_KEYS
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE splink_blocked AS SELECT * FROM splink_input WHERE {keyed}"
    )
    scorer = Linker(db_api.register("splink_blocked"), model, log_level=None)
    for column in TF_COLUMNS:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE splink_tf_{column} AS
            SELECT {column}, count(*)::DOUBLE / sum(count(*)) OVER () AS tf_{column}
            FROM splink_input WHERE {column} IS NOT NULL GROUP BY {column}"""
        )
        scorer.table_management.register_term_frequency_lookup(
            db_api.register(f"splink_tf_{column}"), column
        )
    return scorer


def release(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what only the model needed: Splink's working tables and the name's Bloom words in
    ``nodes`` (nothing after the model compares names; ``name_key`` stays). Dropping columns is
    a catalogue change in DuckDB, and frees their memory at once."""
    con.execute("DROP VIEW IF EXISTS splink_input")
    con.execute("DROP TABLE IF EXISTS splink_blocked")
    con.execute("DROP TABLE IF EXISTS splink_labelled")
    for column in TF_COLUMNS:
        con.execute(f"DROP TABLE IF EXISTS splink_tf_{column}")
    for kind, listing in (("VIEW", "duckdb_views()"), ("TABLE", "duckdb_tables()")):
        name_column = kind.lower() + "_name"
        found = con.execute(
            f"SELECT {name_column} FROM {listing} WHERE {name_column} LIKE '__splink__%'"
        ).fetchall()
        for (name,) in found:
            con.execute(f'DROP {kind} IF EXISTS "{name}"')
    columns = "SELECT column_name FROM duckdb_columns() WHERE table_name = 'nodes'"
    present = {c for (c,) in con.execute(columns).fetchall()}
    for column in NAME_COLUMNS:
        if column in present:
            con.execute(f"ALTER TABLE nodes DROP COLUMN {column}")


__all__ = [
    "BLOCKING", "DICE", "LOWER", "MIN_TRAIN", "UPPER", "Model", "comparisons", "predict", "release",
]  # fmt: skip
