"""The findings, derived from one clustering of the records (``clusters`` over ``nodes``).

The same derivation runs on the job's clustering and, for scoring, on the true one, so a finding
means the same thing in both. Shapes (long form, one row per record):

- ``duplicates``: residence records (D7 = 1) of clusters holding two or more of them.
- ``double_registration``: the residence and hukou-place records (D7 = 2–7) of clusters holding
  both; ``counted`` says which one counts (``processing.counting``).
- ``unlinked_hukou_place``: hukou-place records of clusters without a residence record.
- ``omissions``: hukou and birth register rows of clusters without a census record (nor a
  registered death) and without a candidate waiting in review (decided there), with the small
  area that must verify them: for a birth the small area of the mother's residence record, else
  the small area of the register's hukou township (the one holding most records), else of its
  county.
- ``erroneous``: census records of a cluster holding a death registered before the standard time
  point, and each duplicate residence record but the one kept: the one whose hukou answers agree
  with the hukou register's township (then county), then the one living in the county its
  hukou-place record names (D7 = 5's residence county, else the hukou county), then not listed as
  "other" (relationship 9), then the one living nearest the hukou (township, county, prefecture,
  province), then the best scored, then the first.
- ``discrepancies``: census record × register row of one cluster, per item (sex, birth
  year-month, ethnic group) where both are given and differ.
"""

from __future__ import annotations

import duckdb
import polars as pl

from headcount.quality.model import LOWER
from headcount.quality.records import REFERENCE_MONTH

LONG = "cluster_id, household_id, person_no, score, rule"
QUERIES: dict[str, str] = {
    "duplicates": f"""SELECT {LONG} FROM c WHERE source = 'census' AND d7 = 1 AND n_res >= 2
        ORDER BY cluster_id, household_id, person_no""",
    "double_registration": f"""SELECT {LONG}, d7 AS residence_at_reference, counted FROM c
        WHERE source = 'census' AND n_res >= 1 AND n_huk >= 1
        ORDER BY cluster_id, household_id, person_no""",
    "unlinked_hukou_place": f"""SELECT {LONG}, d7 AS residence_at_reference, counted FROM c
        WHERE source = 'census' AND d7 >= 2 AND n_res = 0
        ORDER BY household_id, person_no""",
    "omissions": f"""SELECT o.source AS register, o.record_id,
          coalesce(m.small_area_code, t.small_area_code, k.small_area_code) AS small_area_code,
          o.omission_score AS score
        FROM c AS o
        LEFT JOIN mothers AS m ON m.pid = o.mother_pid
        LEFT JOIN township_area AS t ON t.township_code = o.hukou_township
        LEFT JOIN county_area AS k ON k.county_code = o.hukou_county
        WHERE o.source IN ('hukou', 'births') AND o.n_census = 0 AND o.n_dead = 0
          AND o.omission_score > 1 - {LOWER}
        ORDER BY register, record_id""",
    "erroneous": f"""
        SELECT x.household_id, x.person_no, 'died_before_reference' AS reason,
          'deaths' AS register, d.record_id
        FROM c AS x JOIN c AS d ON d.cluster_id = x.cluster_id AND d.source = 'deaths'
        WHERE x.source = 'census' AND d.death_month < {REFERENCE_MONTH}
        UNION ALL
        SELECT household_id, person_no, 'duplicate_residence_record', NULL, NULL
        FROM kept WHERE keep_rank > 1
        ORDER BY household_id, person_no, reason""",
    "discrepancies": """
        SELECT x.household_id, x.person_no, g.source AS register, g.record_id, i.item
        FROM c AS x JOIN c AS g ON g.cluster_id = x.cluster_id AND g.source IN ('hukou', 'births')
        CROSS JOIN (VALUES ('sex'), ('birth_year_month'), ('ethnic_group')) AS i(item)
        WHERE x.source = 'census' AND CASE i.item
          WHEN 'sex' THEN x.sex <> g.sex
          WHEN 'birth_year_month' THEN x.bym <> g.bym
          ELSE x.ethnic_group <> g.ethnic_group END
        ORDER BY household_id, person_no, register, record_id, item""",
}
KINDS = tuple(QUERIES)


_HOME = "coalesce(g.hukou_county, x.hukou_county)"
# How near the record's township lies to the hukou: township, county, prefecture, province.
_NEAR = f"""max(CASE
    WHEN x.township = coalesce(g.hukou_township, x.hukou_township) THEN 4
    WHEN substr(x.township, 1, 6) = {_HOME} THEN 3
    WHEN substr(x.township, 1, 4) = substr({_HOME}, 1, 4) THEN 2
    WHEN substr(x.township, 1, 2) = substr({_HOME}, 1, 2) THEN 1 ELSE 0 END)"""


def _prepare(con: duckdb.DuckDBPyConnection, omission_scores: str) -> None:
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE c AS
        WITH k AS (SELECT * FROM clusters), per AS (
          SELECT k.cluster_id,
            count(*) FILTER (WHERE n.source = 'census' AND n.d7 = 1) AS n_res,
            count(*) FILTER (WHERE n.source = 'census' AND n.d7 >= 2) AS n_huk,
            count(*) FILTER (WHERE n.source = 'census') AS n_census,
            count(*) FILTER (WHERE n.source = 'deaths') AS n_dead
          FROM nodes AS n JOIN k USING (uid) GROUP BY k.cluster_id)
        SELECT n.*, k.cluster_id, k.score, k.rule, per.n_res, per.n_huk, per.n_census, per.n_dead,
          coalesce(1 - s.best, 1.0) AS omission_score
        FROM nodes AS n JOIN k USING (uid) JOIN per USING (cluster_id)
        LEFT JOIN {omission_scores} AS s USING (uid)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE mothers AS
        SELECT pid, min(small_area_code) AS small_area_code FROM c
        WHERE source = 'census' AND d7 = 1 AND pid IS NOT NULL GROUP BY pid;
        CREATE OR REPLACE TEMP TABLE township_area AS
        SELECT township, arg_max(small_area_code, n) AS small_area_code, township AS township_code
        FROM (SELECT township, small_area_code, count(*) AS n FROM c WHERE source = 'census'
              GROUP BY ALL) GROUP BY township;
        CREATE OR REPLACE TEMP TABLE county_area AS
        SELECT a.county_code, arg_max(a.small_area_code, t.n) AS small_area_code
        FROM areas AS a JOIN (SELECT small_area_code, count(*) AS n FROM c
          WHERE source = 'census' GROUP BY ALL) AS t USING (small_area_code)
        GROUP BY a.county_code"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE kept AS
        SELECT x.household_id, x.person_no, row_number() OVER (PARTITION BY x.cluster_id ORDER BY
            max(CASE WHEN x.hukou_township = g.hukou_township THEN 2
                     WHEN x.hukou_county = g.hukou_county THEN 1 ELSE 0 END) DESC,
            max(coalesce(list_contains(nm.named, x.live_county), false)) DESC,
            (x.relationship IS DISTINCT FROM 9) DESC,
            {_NEAR} DESC,
            x.score DESC, x.household_id, x.person_no
          ) AS keep_rank
        FROM c AS x LEFT JOIN c AS g ON g.cluster_id = x.cluster_id AND g.source = 'hukou'
        LEFT JOIN (
          SELECT cluster_id, list(DISTINCT CASE WHEN d7 = 5 THEN live_county ELSE hukou_county END)
            AS named
          FROM c WHERE source = 'census' AND d7 BETWEEN 2 AND 5 AND n_res >= 2 GROUP BY cluster_id
        ) AS nm ON nm.cluster_id = x.cluster_id
        WHERE x.source = 'census' AND x.d7 = 1 AND x.n_res >= 2
        GROUP BY x.cluster_id, x.household_id, x.person_no, x.relationship, x.score"""
    )


def derive(con: duckdb.DuckDBPyConnection, omission_scores: str) -> dict[str, pl.DataFrame]:
    """Every finding as a frame, from ``nodes``, ``clusters``, ``areas`` and a table
    ``omission_scores`` (uid, best: the best probability of a pair left below the threshold)."""
    _prepare(con, omission_scores)
    return {kind: con.sql(sql).pl() for kind, sql in QUERIES.items()}


__all__ = ["KINDS", "QUERIES", "derive"]
