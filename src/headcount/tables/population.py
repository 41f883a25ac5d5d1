"""The relations every standard table is computed from, built once per run in DuckDB.

    pop       one row per counted person (常住人口, ``processing.counting``), with the codes of
              the small area it is counted at, age, sex and the coded items the tables use
    hh        one row per household holding at least one counted person, with that number
    mobility  pop's separated persons, one row per mobility category they fall in
    deaths    one row per death form, placed at its household's small area
    hmtf      one row per HK/Macau/Taiwan resident or foreigner (not part of the population)

Decisions (documented in docs/tables.md):

- Age at the standard time point is ``2020 − birth year − (1 if birth month ≥ 11)``; an empty
  birth month counts as before November.
- A household is counted by the residents counted in it: a hukou-place household of absent members
  is no household of the resident population unless someone is counted there (abroad, or away
  less than six months). Its size is that number of counted persons.
- Years of schooling per education code (``YEARS_OF_SCHOOLING``): 未上过学 and 学前 0, 小学 6,
  初中 9, 高中 12, 大专 15, 本科 16, 硕士 19, 博士 22.
"""

from __future__ import annotations

import duckdb

from headcount.processing import counting

REFERENCE_YEAR = 2020
# Coarse to fine; the small area is the finest level a table can be published at.
AREA_COLUMNS = (
    "province_code",
    "prefecture_code",
    "county_code",
    "township_code",
    "small_area_code",
)
YEARS_OF_SCHOOLING: dict[int, int] = {1: 0, 2: 0, 3: 6, 4: 9, 5: 12, 6: 15, 7: 16, 8: 19, 9: 22}
MOBILITY = ("hukou_separated", "within_city", "floating", "interprovincial", "intraprovincial")


def age_at_reference(year: str, month: str) -> str:
    """Completed years at 2020-11-01 from the SQL columns of the year and month of birth
    (forms-2020 §2): a birthday in November or December is still to come."""
    return f"({REFERENCE_YEAR} - {year} - CASE WHEN coalesce({month}, 0) >= 11 THEN 1 ELSE 0 END)"


def age_sql(prefix: str = "") -> str:
    """``age_at_reference`` of a census record's birth year-month (columns under ``prefix``)."""
    return age_at_reference(f"{prefix}birth_year_month_year", f"{prefix}birth_year_month_month")


def years_sql(column: str = "education") -> str:
    cases = " ".join(f"WHEN {code} THEN {years}" for code, years in YEARS_OF_SCHOOLING.items())
    return f"(CASE {column} {cases} END)"


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``pop``, ``hh``, ``mobility``, ``deaths`` and ``hmtf`` over the source's views."""
    counting.register_districts(con)
    confirmed = counting.confirmed_erroneous_sql("verifications")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW records AS "
        "SELECT p.*, h.small_area_code, h.household_type "
        "FROM persons AS p JOIN households AS h USING (household_id) "
        f"WHERE NOT EXISTS (SELECT 1 FROM ({confirmed}) AS x "
        "WHERE x.household_id = p.household_id AND x.person_no = p.person_no)"
    )
    areas = ", ".join(f"sa.{c}" for c in AREA_COLUMNS)
    select = (
        f"{areas}, sa.urban, r.household_id, r.household_type, r.sex, {age_sql('r.')} AS age, "
        "r.ethnic_group, r.education, r.literate"
    )
    view = counting.view_sql("records", "small_areas", select=select)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE pop AS "
        f"SELECT * EXCLUDE (counted) FROM ({view}) WHERE counted"
    )
    codes = ", ".join(AREA_COLUMNS)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE hh AS "
        f"SELECT {codes}, household_id, household_type, count(*) AS persons "
        "FROM pop WHERE household_type IN (1, 2) "
        f"GROUP BY {codes}, household_id, household_type"
    )
    unions = " UNION ALL ".join(
        f"SELECT {codes}, sex, '{flag}' AS category FROM pop WHERE {flag}" for flag in MOBILITY
    )
    con.execute(f"CREATE OR REPLACE TEMP VIEW mobility AS {unions}")
    death_age = (
        "coalesce(d.age_at_death, d.death_year_month_year - d.birth_year_month_year - "
        "CASE WHEN d.death_year_month_month < d.birth_year_month_month THEN 1 ELSE 0 END)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW deaths AS "
        f"SELECT {areas}, d.sex, {death_age} AS age "
        "FROM death_forms AS d JOIN households AS h USING (household_id) "
        "JOIN small_areas AS sa ON sa.small_area_code = h.small_area_code"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW hmtf AS "
        f"SELECT {areas}, p.sex, p.identity_or_nationality, p.purpose_of_stay, p.length_of_stay "
        "FROM hmtf_persons AS p JOIN hmtf_households AS h USING (household_id) "
        "JOIN small_areas AS sa ON sa.small_area_code = h.small_area_code"
    )
