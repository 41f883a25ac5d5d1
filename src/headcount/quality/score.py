"""Precision and recall of the quality findings against a synthetic extract's truth tables.

The truth tables name the person (``person_key``) behind every census record (``truth_persons``:
the residence and hukou-place records; ``truth_errors``: the injected duplicate records). Register
rows are tied to their person by the ID pseudonym, else by the register discrepancy rows of
``truth_errors`` (which carry ``record_id`` and ``person_key``), else (children without an ID
number) by name encoding, sex, birth date and county. The true clustering (one cluster per person)
then goes through the same ``findings.derive`` as the job's, so a finding is scored against what
it would be with perfect linkage; only the duplicate record to drop is taken from the truth (the
injected copy), where the job must judge.

Units: ``duplicates`` and ``double_registration`` are scored as pairs of records in one cluster
(a residence record with a hukou-place record for the latter); every other finding as its rows.
A kind with nothing to find and nothing found scores 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from headcount.processing.layout import Extract, open_extract
from headcount.quality import findings, records

_KEYS: dict[str, list[str]] = {
    "unlinked_hukou_place": ["household_id", "person_no"],
    "omissions": ["register", "record_id"],
    "erroneous": ["household_id", "person_no", "reason"],
    "discrepancies": ["household_id", "person_no", "register", "record_id", "item"],
}


@dataclass(frozen=True, slots=True)
class Score:
    kind: str
    true: int
    found: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.true if self.true else 1.0

    def as_dict(self) -> dict[str, float | int | str]:
        return {"kind": self.kind, "true": self.true, "found": self.found, "hits": self.hits,
                "precision": self.precision, "recall": self.recall}  # fmt: skip


def truth_clusters(con: duckdb.DuckDBPyConnection, extract: Extract) -> None:
    """``clusters`` of the true persons over ``nodes`` (which ``records.load`` made)."""
    tables = ("truth_persons", "truth_errors", "truth_deaths", "registers_births")
    tp, te, td, rb = (extract.parquet_sql(t) for t in tables)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE truth_map AS
        WITH census AS (
          SELECT residence_household_id AS household_id, residence_person_no AS person_no,
            person_key FROM {tp} WHERE residence_household_id IS NOT NULL
          UNION ALL SELECT hukou_household_id, hukou_person_no, person_key FROM {tp}
            WHERE hukou_household_id IS NOT NULL
          UNION ALL SELECT household_id, person_no, person_key FROM {te}
            WHERE error_type = 'census_duplicate'),
        by_id AS (SELECT id_pseudonym AS pid, person_key FROM {tp} WHERE id_status = 'valid'
          UNION ALL SELECT id_pseudonym, death_key FROM {td} WHERE id_status = 'valid'),
        by_record AS (SELECT DISTINCT record_id, person_key FROM {te} WHERE record_id IS NOT NULL),
        by_attrs AS (
          SELECT CASE WHEN name_bloom IS NOT NULL THEN hash(name_bloom) END AS name_key, sex,
            birth_year * 12 + birth_month - 1 AS bym, birth_day, hukou_county,
            any_value(person_key) AS person_key
          FROM {tp} GROUP BY ALL HAVING count(*) = 1),
        births AS (SELECT record_id, birth_day, birth_county FROM {rb}),
        SELECT n.uid, CASE WHEN n.source = 'census' THEN c.person_key
          ELSE coalesce(i.person_key, r.person_key, a.person_key) END AS person_key
        FROM nodes AS n
        LEFT JOIN census AS c ON n.source = 'census' AND c.household_id = n.household_id
          AND c.person_no = n.person_no
        LEFT JOIN by_id AS i ON n.source <> 'census' AND i.pid = n.pid
        LEFT JOIN by_record AS r ON n.source <> 'census' AND r.record_id = n.record_id
        LEFT JOIN births AS b ON n.source = 'births' AND b.record_id = n.record_id
        LEFT JOIN by_attrs AS a ON n.source = 'births' AND n.pid IS NULL
          AND a.name_key = n.name_key AND a.sex = n.sex AND a.bym = n.bym
          AND a.birth_day = b.birth_day AND a.hukou_county = b.birth_county"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE clusters AS
        SELECT uid, CASE WHEN person_key IS NULL THEN -1 - uid
          ELSE dense_rank() OVER (ORDER BY person_key) END AS cluster_id,
          1.0 AS score, 'truth' AS rule
        FROM truth_map"""
    )


def truth(extract: Extract) -> dict[str, pl.DataFrame]:
    """Every finding as perfect linkage would make it."""
    con = duckdb.connect()
    try:
        records.load(con, extract)
        truth_clusters(con, extract)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE no_scores AS SELECT 0::BIGINT AS uid, 0.0 AS best"
        )
        frames = findings.derive(con, "no_scores")
        injected = con.sql(
            f"""SELECT household_id, person_no, 'duplicate_residence_record' AS reason,
              NULL::VARCHAR AS register, NULL::VARCHAR AS record_id
            FROM {extract.parquet_sql("truth_errors")} WHERE error_type = 'census_duplicate'"""
        ).pl()
    finally:
        con.close()
    erroneous = frames["erroneous"]
    frames["erroneous"] = pl.concat(
        [erroneous.filter(pl.col("reason") != "duplicate_residence_record"), injected],
        how="vertical_relaxed",
    )
    return frames


def _pairs(frame: pl.DataFrame, cross: bool) -> pl.DataFrame:
    cols = ["cluster_id", "household_id", "person_no"]
    if cross:
        cols.append("residence_at_reference")
    left = frame.select(cols)
    both = left.join(left, on="cluster_id", suffix="_r")
    if cross:
        both = both.filter(
            (pl.col("residence_at_reference") == 1) & (pl.col("residence_at_reference_r") >= 2)
        )
    else:
        first = (pl.col("household_id") < pl.col("household_id_r")) | (
            (pl.col("household_id") == pl.col("household_id_r"))
            & (pl.col("person_no") < pl.col("person_no_r"))
        )
        both = both.filter(first)
    return both.select("household_id", "person_no", "household_id_r", "person_no_r").unique()


def _units(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    if kind in ("duplicates", "double_registration"):
        return _pairs(frame, kind == "double_registration")
    return frame.select(_KEYS[kind]).unique()


def score(extract_dir: Path, quality_dir: Path) -> dict[str, Score]:
    """Precision and recall per finding kind of a quality directory made from ``extract_dir``."""
    extract = open_extract(extract_dir, verify=False)
    expected = truth(extract)
    out: dict[str, Score] = {}
    for kind in findings.KINDS:
        found = _units(kind, pl.read_parquet(quality_dir / f"{kind}.parquet"))
        want = _units(kind, expected[kind])
        hits = found.join(want, on=found.columns, how="semi", nulls_equal=True).height
        out[kind] = Score(kind, want.height, found.height, hits)
    return out


__all__ = ["Score", "score", "truth", "truth_clusters"]
