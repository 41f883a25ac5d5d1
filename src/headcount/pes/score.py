"""The matching and the coverage scored against a synthetic census's truth (``synth``'s
``truth_persons``, ``truth_pes`` and ``truth_errors`` in the extract): what the benchmark and the
tests read to say how good the survey's measurement is. Never used on a real census, which has no
truth tables."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from headcount.processing.layout import Extract


def against_truth(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    p_sample: pl.DataFrame,
    e_sample: pl.DataFrame,
    census_count: int,
) -> dict[str, Any]:
    """National coverage and matching quality, and the components in the sampled areas."""
    out = _coverage(con, extract, p_sample, census_count)
    out["in_sample"] = _in_sample(con, extract, p_sample, e_sample)
    return out


def _coverage(
    con: duckdb.DuckDBPyConnection, extract: Extract, p_sample: pl.DataFrame, census_count: int
) -> dict[str, Any]:
    """The matching and the coverage as the synthetic truth has them."""
    con.register("p_sample_in", p_sample.select("pes_household_id", "person_no", "status"))
    row = con.execute(
        f"""SELECT
          count(*) FILTER (WHERE s.status = 'match' AND NOT t.missed_by_census) AS true_matches,
          count(*) FILTER (WHERE s.status = 'match') AS found_matches,
          count(*) FILTER (WHERE NOT t.missed_by_census) AS real_matches
        FROM p_sample_in AS s
        JOIN {extract.parquet_sql("truth_pes")} AS tp USING (pes_household_id, person_no)
        JOIN {extract.parquet_sql("truth_persons")} AS t USING (person_key)"""
    ).fetchall()[0]
    con.unregister("p_sample_in")
    # Everyone the counting rules should count once: residents where they live, persons abroad
    # at their hukou (processing.counting) — every true person of the synthetic census.
    population = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE missed_by_census)
        FROM {extract.parquet_sql("truth_persons")}"""
    ).fetchall()[0]
    true_matches, found, real = (int(v) for v in row)
    n, missed = int(population[0]), int(population[1])
    # The census's extra copies of a person among the records it counted (a copy the counting
    # rules already leave out, at a hukou place, is no erroneous enumeration of the count).
    duplicates = con.execute(
        f"""SELECT count(*) FROM {extract.parquet_sql("truth_errors")} AS te
        JOIN census AS c USING (household_id, person_no)
        WHERE te.error_type = 'census_duplicate'"""
    ).fetchall()[0][0]
    return {
        "population": n,
        "missed": missed,
        "erroneous": int(duplicates),
        "net_coverage_error_pct": 100.0 * (census_count - n) / n,
        "omission_rate_pct": 100.0 * missed / n,
        "matching_precision": true_matches / found if found else None,
        "matching_recall": true_matches / real if real else None,
    }


def _in_sample(
    con: duckdb.DuckDBPyConnection,
    extract: Extract,
    p_sample: pl.DataFrame,
    e_sample: pl.DataFrame,
) -> dict[str, int]:
    """The components as the survey measured them in its own areas, against the truth there:
    omissions (P-sample persons the census missed) and erroneous enumerations (the census's
    extra copies of a person). These are what the matching and the E-sample resolution decide;
    the national totals add the sampling error of the areas drawn."""
    con.register("p_in", p_sample.select("pes_household_id", "person_no", "status"))
    con.register("e_in", e_sample.select("household_id", "person_no", "status"))
    omitted = con.execute(
        f"""SELECT count(*) FILTER (WHERE t.missed_by_census),
          count(*) FILTER (WHERE s.status = 'nonmatch')
        FROM p_in AS s
        JOIN {extract.parquet_sql("truth_pes")} AS tp USING (pes_household_id, person_no)
        JOIN {extract.parquet_sql("truth_persons")} AS t USING (person_key)"""
    ).fetchall()[0]
    erroneous = con.execute(
        f"""SELECT
          (SELECT count(*) FROM {extract.parquet_sql("truth_errors")} AS te
           JOIN e_in AS e USING (household_id, person_no)
           WHERE te.error_type = 'census_duplicate'),
          (SELECT count(*) FROM e_in WHERE status IN ('erroneous', 'duplicate'))"""
    ).fetchall()[0]
    con.unregister("p_in")
    con.unregister("e_in")
    return {
        "omissions_true": int(omitted[0]),
        "omissions_found": int(omitted[1]),
        "erroneous_true": int(erroneous[0]),
        "erroneous_found": int(erroneous[1]),
    }


__all__ = ["against_truth"]
