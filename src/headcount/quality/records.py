"""The linkage's one table of records: census person records and register rows, side by side.

Every record the quality job links becomes one row of ``nodes`` in a DuckDB connection, with the
same columns whatever its source, built from the extract's encodings only (no clear name or ID
exists there): ``uid`` (leftovers first, see below), ``source`` (census, hukou, births, deaths),
the census record's ``household_id``/``person_no`` or the register's ``record_id``, the ID
pseudonym when the number is valid or only its check character is wrong (``pid``: the extract
keys it by the first 17 digits), sex, birth year-month as one month count (``bym``),
relationship, ethnic group, the name's Bloom filter as eight words ``w0``…``w7`` with its bit
count and a hash of the whole (``name_key``), and the areas:

- ``hukou_township``/``hukou_county``: where the record says the hukou is. A residence record
  (D7 = 1) with D8 = 1 or 2 has it in its own township, D8 = 3 in its own county, D8 = 4 in
  ``hukou_county``, D8 = 5 (pending) is expected in its own county; a hukou-place record
  (D7 = 2–7) is at its hukou; registers say it (births: the birth county).
- ``live_county``: where the person lives (the small area's county of a residence record, D7 = 5's
  ``residence_county``).
- ``res_d8`` (D8 of a residence record), ``education``, and for a child of the household (D3 = 2)
  ``mother_pid``, the pseudonym of the household's woman head or spouse (the birth register keeps
  the mother's ID): census only, for comparing census records with each other and with births.

``leftover`` marks the census records the ID pseudonym cannot link (ID missing, or wrong beyond
its check character): only pairs with a leftover on one side are compared by the probabilistic
model. A ``uid`` is the row's source, file and place in it, leftovers first (smallest), so a
blocking rule ``l.lk = r.k`` on a key set only on leftovers finds every such pair once (the keys,
``keys_sql``, are computed in the model's input view, not stored).
"""

from __future__ import annotations

import duckdb

from headcount.processing import counting
from headcount.processing.layout import Extract

REFERENCE_MONTH = 2020 * 12 + 10  # 2020-11, the standard time point, as year * 12 + month - 1
REGISTERS = ("hukou", "births", "deaths")
_WORDS = ", ".join(f"{{bloom}}[{i + 1}] AS w{i}" for i in range(8))
_BITS = " + ".join(f"coalesce(bit_count({{bloom}}[{i + 1}]), 0)" for i in range(8))
_KEY = "CASE WHEN {bloom} IS NOT NULL THEN hash({bloom}) END"


def _name(bloom: str) -> str:
    return ", ".join(
        (
            _WORDS.format(bloom=bloom),
            f"({_BITS.format(bloom=bloom)})::INTEGER AS name_bits",
            f"{_KEY.format(bloom=bloom)} AS name_key",
        )
    )


def _numbered(extract: Extract, table: str, source: int) -> str:
    """The table's rows with ``row_key``: source, file and row within the file, one number
    (unique and stable without sorting millions of rows)."""
    paths = extract.paths_sql(table)
    return (
        f"(SELECT * EXCLUDE (filename, file_row_number), ({source}::BIGINT << 36) "
        f"+ (list_position({paths}, filename)::BIGINT << 24) + file_row_number AS row_key "
        f"FROM read_parquet({paths}, filename = true, file_row_number = true))"
    )


def _census_sql(extract: Extract) -> str:
    records = f"(SELECT p.*, h.small_area_code FROM {_numbered(extract, 'persons', 0)} AS p " + (
        f"JOIN {extract.parquet_sql('households')} AS h USING (household_id))"
    )
    view = counting.view_sql(
        records,
        extract.parquet_sql("small_areas"),
        select="r.*, sa.township_code, sa.county_code",
    )
    return f"""
    SELECT 'census' AS source, household_id, person_no, NULL::VARCHAR AS record_id,
      residence_at_reference::TINYINT AS d7, counted, small_area_code,
      CASE WHEN id_status IN ('valid', 'check_char') THEN id_pseudonym END AS pid,
      id_status NOT IN ('valid', 'check_char') AS leftover,
      sex::TINYINT AS sex,
      birth_year_month_year * 12 + birth_year_month_month - 1 AS bym,
      birth_year_month_year::SMALLINT AS birth_year,
      relationship::TINYINT AS relationship, ethnic_group,
      CASE WHEN residence_at_reference BETWEEN 2 AND 7 OR hukou_place IN (1, 2)
        THEN township_code END AS hukou_township,
      CASE WHEN residence_at_reference BETWEEN 2 AND 7 OR hukou_place IN (1, 2, 3, 5)
        THEN county_code WHEN hukou_place = 4 THEN hukou_county END AS hukou_county,
      CASE WHEN residence_at_reference = 1 THEN county_code
        WHEN residence_at_reference = 5 THEN residence_county END AS live_county,
      township_code AS township, NULL::INTEGER AS death_month,
      CASE WHEN residence_at_reference = 1 THEN hukou_place::TINYINT END AS res_d8,
      education::TINYINT AS education,
      CASE WHEN relationship = 2 THEN mother END AS mother_pid,
      row_key,
      {_name("name_bloom")}
    FROM ({view}) AS v LEFT JOIN (
      SELECT household_id AS mother_household, any_value(id_pseudonym) AS mother
      FROM {extract.parquet_sql("persons")}
      WHERE sex = 2 AND relationship IN (0, 1) AND id_status IN ('valid', 'check_char')
      GROUP BY household_id HAVING count(*) = 1
    ) AS mo ON mo.mother_household = v.household_id"""


def _register_sql(extract: Extract, register: str) -> str:
    pre = "child_" if register == "births" else ""
    area = {
        "hukou": "hukou_township, hukou_county",
        "births": "NULL::VARCHAR AS hukou_township, birth_county AS hukou_county",
        "deaths": "NULL::VARCHAR AS hukou_township, NULL::VARCHAR AS hukou_county",
    }[register]
    ethnic = "ethnic_group" if register == "hukou" else "NULL::VARCHAR AS ethnic_group"
    mother = "mother_id_pseudonym" if register == "births" else "NULL::BLOB"
    death = "death_year * 12 + death_month - 1" if register == "deaths" else "NULL::INTEGER"
    return f"""
    SELECT '{register}' AS source, NULL::VARCHAR AS household_id, NULL::INTEGER AS person_no,
      record_id, NULL::TINYINT AS d7, NULL::BOOLEAN AS counted,
      NULL::VARCHAR AS small_area_code,
      CASE WHEN {pre}id_status IN ('valid', 'check_char') THEN {pre}id_pseudonym END AS pid,
      false AS leftover,
      sex::TINYINT AS sex, birth_year * 12 + birth_month - 1 AS bym,
      birth_year::SMALLINT AS birth_year, NULL::TINYINT AS relationship, {ethnic}, {area},
      NULL::VARCHAR AS live_county, NULL::VARCHAR AS township, {mother} AS mother_pid,
      ({death})::INTEGER AS death_month, NULL::TINYINT AS res_d8, NULL::TINYINT AS education,
      row_key, {_name(pre + "name_bloom")}
    FROM {_numbered(extract, "registers_" + register, 1 + REGISTERS.index(register))}"""


BLOCKING_KEYS = {
    # census residence records only: the answers a duplicate enumeration repeats
    "k_res": "bym, sex, res_d8, ifnull(education,-1)",
    "k_county_by": "hukou_county, birth_year",
    "k_name_by": "name_key, birth_year",
}


def keys_sql() -> str:
    """The blocking keys over ``nodes`` as select expressions (computed where they are used, not
    stored): ``k_*`` on every record whose key columns are all given, ``lk_*`` on leftovers."""
    made = [
        f"CASE WHEN {' AND '.join(c + ' IS NOT NULL' for c in cols.split(', '))} "
        f"THEN hash({cols}) END"
        for cols in BLOCKING_KEYS.values()
    ]
    return ", ".join(
        f"{sql} AS {key}, CASE WHEN leftover THEN {sql} END AS l{key}"
        for key, sql in zip(BLOCKING_KEYS, made, strict=True)
    )


def missing_registers(extract: Extract) -> list[str]:
    return [r for r in REGISTERS if not extract.has("registers_" + r)]


def load(con: duckdb.DuckDBPyConnection, extract: Extract) -> int:
    """Create ``nodes`` (and ``areas``, the small areas) in ``con``; returns the row count."""
    counting.register_districts(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE areas AS SELECT * FROM {extract.parquet_sql('small_areas')}"
    )
    parts = [_census_sql(extract)] + [_register_sql(extract, r) for r in REGISTERS]
    union = "\nUNION ALL BY NAME\n".join(f"({p})" for p in parts)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE nodes AS
        SELECT ((NOT leftover)::BIGINT << 40) + row_key AS uid, * EXCLUDE (row_key)
        FROM ({union})"""
    )
    row = con.execute("SELECT count(*) FROM nodes").fetchall()
    return int(row[0][0])


__all__ = ["BLOCKING_KEYS", "REFERENCE_MONTH", "REGISTERS", "keys_sql", "load", "missing_registers"]
