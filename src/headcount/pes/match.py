"""PES ↔ census matching: the estimator's four inputs from an extract and its quality run.

The extract must hold the PES (``pes_areas``, ``pes_persons``; a simulated one comes from
``synth --pes-areas``); encodings only, as everywhere after the extract. The quality run over the
same extract resolves the E-sample: its duplicate copies and deaths before the standard time
point are the census's erroneous enumerations.

- **P-sample** (every PES person): ``match`` when the census counted the person — first the ID
  pseudonym (valid, or wrong in its check character only) against every counted census record;
  then, for a PES person without a usable ID, the best counted record of the same small area
  that no ID took, agreeing on sex, birth month and (at Dice ≥ ``DICE_LOW``) the name encoding,
  or on the whole name encoding and the birth year with the sex or the month (see ``_match``).
  Else ``nonmatch``.
- **E-sample** (every counted census record of a sampled area): ``duplicate`` for a duplicate
  copy, ``erroneous`` for a death before the standard time point, else ``correct``.
- **census**: the counted records per post-stratum.

Post-strata: age group at the standard time point (0–17, 18–29, 30–49, 50+) × sex × urban/rural,
from each record's own answers and its small area. With the synth's truth tables in the extract,
``score`` compares the P-sample statuses and the coverage with the truth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.pes import followup, score
from headcount.processing import counting
from headcount.processing.layout import Extract, open_extract
from headcount.tables.population import age_at_reference

POST_STRATA = ("age_group", "sex", "urban")
DICE_LOW = 0.35
_AGE = """CASE WHEN {age} < 18 THEN 0 WHEN {age} < 30 THEN 1 WHEN {age} < 50 THEN 2 ELSE 3 END"""


def _age(year: str, month: str) -> str:
    return _AGE.format(age=age_at_reference(year, month))


def _dice(left: str, right: str) -> str:
    both = " + ".join(f"bit_count({left}[{i}] & {right}[{i}])" for i in range(1, 9))
    one = " + ".join(f"bit_count({left}[{i}])" for i in range(1, 9))
    two = " + ".join(f"bit_count({right}[{i}])" for i in range(1, 9))
    return f"(2.0 * ({both}) / nullif(({one}) + ({two}), 0))"


def _load(con: duckdb.DuckDBPyConnection, extract: Extract, quality: Path) -> None:
    counting.register_districts(con)
    records = (
        f"(SELECT p.*, h.small_area_code FROM {extract.parquet_sql('persons')} AS p "
        f"JOIN {extract.parquet_sql('households')} AS h USING (household_id))"
    )
    view = counting.view_sql(records, extract.parquet_sql("small_areas"), select="r.*, sa.urban")
    con.execute(
        f"""CREATE TEMP TABLE census AS
        SELECT household_id, person_no, small_area_code, urban,
          CASE WHEN id_status IN ('valid', 'check_char') THEN id_pseudonym END AS pid,
          name_bloom, coalesce(sex, id_sex, 1)::TINYINT AS sex,
          birth_year_month_year * 12 + birth_year_month_month - 1 AS bym,
          birth_year_month_year AS birth_year,
          {_age("birth_year_month_year", "birth_year_month_month")} AS age_group
        FROM ({view}) WHERE counted"""
    )
    con.execute(
        f"""CREATE TEMP TABLE pes AS
        SELECT p.pes_household_id, p.person_no, p.small_area_code, sa.urban,
          CASE WHEN p.id_status IN ('valid', 'check_char') THEN p.id_pseudonym END AS pid,
          p.name_bloom, coalesce(p.sex, p.id_sex, 1)::TINYINT AS sex,
          p.birth_year * 12 + p.birth_month - 1 AS bym, p.birth_year,
          {_age("p.birth_year", "p.birth_month")} AS age_group
        FROM {extract.parquet_sql("pes_persons")} AS p
        JOIN {extract.parquet_sql("small_areas")} AS sa USING (small_area_code)"""
    )
    erroneous = quality / "erroneous.parquet"
    con.execute(
        f"""CREATE TEMP TABLE resolved AS
        SELECT household_id, person_no,
          max(CASE WHEN reason = 'duplicate_residence_record' THEN 2 ELSE 1 END) AS kind
        FROM read_parquet('{str(erroneous).replace("'", "''")}') GROUP BY ALL"""
    )


def _match(con: duckdb.DuckDBPyConnection) -> None:
    """``p_status``: PES person → how it was matched (``id``, ``exact``, ``similar``) or not.

    After the ID pass, each PES person left is compared with the counted census records of its
    small area that no ID matched; a candidate must agree on the name encoding at Dice ≥
    ``DICE_LOW`` with the same sex and birth month (a mistyped character of a short name keeps
    about 0.4–0.6), or on the whole name encoding with the sex or the birth month and the birth
    year (a mistyped sex or a skipped month). The best candidate of each PES person is taken,
    and each census record goes to one PES person at most (the best)."""
    con.execute(
        """CREATE TEMP TABLE by_id AS
        SELECT DISTINCT p.pes_household_id, p.person_no FROM pes AS p
        JOIN census AS c ON c.pid = p.pid"""
    )
    con.execute(
        """CREATE TEMP TABLE taken AS
        SELECT DISTINCT c.household_id, c.person_no
        FROM pes AS p JOIN census AS c ON c.pid = p.pid"""
    )
    dice = _dice("c.name_bloom", "p.name_bloom")
    con.execute(
        f"""CREATE TEMP TABLE candidates AS
        WITH pairs AS (
          SELECT p.pes_household_id, p.person_no AS pes_no, c.household_id, c.person_no,
            {dice} AS d, c.sex = p.sex AS same_sex, c.bym = p.bym AS same_month,
            c.birth_year = p.birth_year AS same_year
          FROM pes AS p JOIN census AS c ON c.small_area_code = p.small_area_code
          WHERE NOT EXISTS (SELECT 1 FROM by_id AS b
              WHERE b.pes_household_id = p.pes_household_id AND b.person_no = p.person_no)
            AND NOT EXISTS (SELECT 1 FROM taken AS t
              WHERE t.household_id = c.household_id AND t.person_no = c.person_no))
        SELECT * FROM pairs
        WHERE (d >= {DICE_LOW} AND same_sex AND same_month)
           OR (d >= 0.999 AND same_year AND (same_sex OR same_month IS NOT FALSE))"""
    )
    con.execute(
        """CREATE TEMP TABLE by_name AS
        WITH best AS (
          SELECT *, row_number() OVER (PARTITION BY pes_household_id, pes_no
            ORDER BY d DESC, same_sex DESC, same_month DESC, household_id, person_no) AS r
          FROM candidates),
        firsts AS (
          SELECT *, row_number() OVER (PARTITION BY household_id, person_no
            ORDER BY d DESC, pes_household_id, pes_no) AS taken_by
          FROM best WHERE r = 1)
        SELECT pes_household_id, pes_no AS person_no, household_id AS census_household_id,
          person_no AS census_person_no,
          CASE WHEN d >= 0.999 AND same_sex AND same_month THEN 'exact' ELSE 'similar' END AS how
        FROM firsts WHERE taken_by = 1"""
    )
    con.execute(
        """CREATE TEMP TABLE p_status AS
        WITH found AS (
          SELECT *, 'id' AS how FROM by_id
          UNION ALL SELECT pes_household_id, person_no, how FROM by_name)
        SELECT p.*, f.how FROM pes AS p LEFT JOIN found AS f
          ON f.pes_household_id = p.pes_household_id AND f.person_no = p.person_no"""
    )


def match(extract_root: Path, quality: Path, out: Path) -> dict[str, Any]:
    """Write ``areas``, ``p_sample``, ``e_sample`` and ``census`` (and ``match.json``) to ``out``
    for ``pes estimate``, and ``followup``: the cases to send to the field (``pes.followup``;
    the extract's ``pes_followups`` answers settle them, open ones leave them unresolved);
    returns the summary."""
    extract = open_extract(extract_root, verify=False)
    for table in ("pes_areas", "pes_persons"):
        if not extract.has(table):
            raise HeadcountError(
                errors.PES_INPUT_INVALID, table=table, reason="the extract holds no PES"
            )
    if not (quality / "erroneous.parquet").is_file():
        raise HeadcountError(
            errors.PES_INPUT_INVALID, table=str(quality), reason="not a quality output"
        )
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        _load(con, extract, quality)
        _match(con)
        keys = ", ".join(POST_STRATA)
        areas = con.sql(
            f"SELECT small_area_code, stratum, inclusion_probability FROM "
            f"{extract.parquet_sql('pes_areas')} ORDER BY small_area_code"
        ).pl()
        p_sample = con.sql(
            f"""SELECT pes_household_id, person_no, small_area_code, {keys},
              CASE WHEN how IS NULL THEN 'nonmatch' ELSE 'match' END AS status, how
            FROM p_status ORDER BY pes_household_id, person_no"""
        ).pl()
        e_sample = con.sql(
            f"""SELECT c.household_id, c.person_no, c.small_area_code, {keys},
              CASE r.kind WHEN 2 THEN 'duplicate' WHEN 1 THEN 'erroneous' ELSE 'correct' END
                AS status
            FROM census AS c LEFT JOIN resolved AS r USING (household_id, person_no)
            WHERE c.small_area_code IN (SELECT small_area_code FROM areas)
            ORDER BY c.household_id, c.person_no"""
        ).pl()
        census = con.sql(
            f"SELECT {keys}, count(*) AS count FROM census GROUP BY ALL ORDER BY ALL"
        ).pl()
        matched_census = con.sql(
            """SELECT household_id, person_no FROM taken
            UNION SELECT census_household_id, census_person_no FROM by_name"""
        ).pl()
        answers = (
            con.sql(
                f"SELECT kind, household_id, person_no, answer "
                f"FROM {extract.parquet_sql('pes_followups')}"
            ).pl()
            if extract.has("pes_followups")
            else pl.DataFrame(schema=followup.ANSWERS)
        )
        p_sample, e_sample = followup.apply(p_sample, e_sample, matched_census, answers)
        todo = followup.cases(p_sample, e_sample, matched_census, answers)
        summary: dict[str, Any] = {
            "pes_persons": p_sample.height,
            "matched": {
                how: int(n)
                for how, n in p_sample.group_by("how").len().drop_nulls("how").iter_rows()
            },
            "nonmatched": int((p_sample["status"] == "nonmatch").sum()),
            "e_sample": dict(e_sample.group_by("status").len().iter_rows()),
            "census_count": int(census["count"].sum()),
            "followup": {
                "p_nonmatch": int((todo["kind"] == "p_nonmatch").sum()),
                "e_unmatched": int((todo["kind"] == "e_unmatched").sum()),
                "unresolved": int((p_sample["status"] == "unresolved").sum())
                + int((e_sample["status"] == "unresolved").sum()),
            },
        }
        if extract.has("truth_pes") and extract.has("truth_persons"):
            summary["truth"] = score.against_truth(
                con, extract, p_sample, e_sample, summary["census_count"]
            )
    finally:
        con.close()
    for name, frame in (
        ("areas", areas), ("p_sample", p_sample), ("e_sample", e_sample), ("census", census),
        ("followup", todo),
    ):  # fmt: skip
        frame.write_parquet(out / f"{name}.parquet")
    (out / "match.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), "utf-8")
    return summary


__all__ = ["DICE_LOW", "POST_STRATA", "match"]
