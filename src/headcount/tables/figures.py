"""The headline figures of ``tables.json``: keyed by the indicator names of
results-2020-national.csv (``figures``) and the columns of results-2020-provinces.csv
(``figures_by_province``), for every indicator a census extract can answer.

Counts are computed per province in DuckDB and summed; every share is then derived in exact
integer arithmetic (``specs.half_up``): shares and ratios to 2 decimals, per-100k whole. Shares,
per-100k education and the illiteracy rate are of the whole population, as the NBS publishes them.
The sex ratio at birth is that of the usual residents aged 0 (born 2019-11 … 2020-10, the
reference year), not of the households' H3 birth counts.
"""

from __future__ import annotations

from typing import Any

import duckdb

from headcount.tables.population import years_sql
from headcount.tables.reference import REGIONS, indicators, province_columns, province_info
from headcount.tables.specs import half_up

# Indicators of results-2020-national.csv an extract cannot answer: other censuses (2010), figures
# supplied by other authorities (HK/Macau/Taiwan populations, servicemen, hukou urbanisation) and
# the post-enumeration survey. Every other indicator is in ``figures``.
NOT_FROM_THE_CENSUS = frozenset(
    {
        "population_2010",
        "population_change_2010_2020",
        "population_growth_2010_2020_pct",
        "population_avg_annual_growth_pct",
        "population_incl_hk_macau_taiwan",
        "population_hong_kong",
        "population_macau",
        "population_taiwan",
        "active_servicemen",
        "avg_family_household_size_2010",
        "mean_years_schooling_15_plus_2010",
        "illiteracy_rate_2010_pct",
        "hukou_urbanisation_pct",
        "pes_omission_rate_pct",
        "pes_counties",
        "pes_small_areas",
        "pes_households",
        "pes_persons",
    }
)

_PERSON_COUNTS = {
    "population": "count(*)",
    "sex_male": "count_if(sex = 1)",
    "sex_female": "count_if(sex = 2)",
    "births_male": "count_if(age = 0 AND sex = 1)",
    "births_female": "count_if(age = 0 AND sex = 2)",
    "age_0_14": "count_if(age BETWEEN 0 AND 14)",
    "age_15_59": "count_if(age BETWEEN 15 AND 59)",
    "age_60_plus": "count_if(age >= 60)",
    "age_65_plus": "count_if(age >= 65)",
    "age_0_15": "count_if(age BETWEEN 0 AND 15)",
    "age_16_59": "count_if(age BETWEEN 16 AND 59)",
    "ethnic_han": "count_if(ethnic_group = '01')",
    "ethnic_minorities": "count_if(ethnic_group <> '01')",
    "edu_university": "count_if(education >= 6)",
    "edu_senior_secondary": "count_if(education = 5)",
    "edu_junior_secondary": "count_if(education = 4)",
    "edu_primary": "count_if(education = 3)",
    "school_years": f"coalesce(sum({years_sql()}) FILTER (WHERE age >= 15), 0)",
    "school_persons": f"count_if(age >= 15 AND {years_sql()} IS NOT NULL)",
    "illiterate_15_plus": "count_if(age >= 15 AND literate = 2)",
    "urban": "count_if(urban)",
    "rural": "count_if(NOT urban)",
    "hukou_separated": "count_if(hukou_separated)",
    "hukou_separated_within_city": "count_if(within_city)",
    "floating_population": "count_if(floating)",
    "floating_interprovincial": "count_if(interprovincial)",
    "floating_intraprovincial": "count_if(intraprovincial)",
}
_HOUSEHOLD_COUNTS = {
    "households_family": "count_if(household_type = 1)",
    "households_collective": "count_if(household_type = 2)",
    "persons_in_family_households": "coalesce(sum(persons) FILTER (WHERE household_type = 1), 0)",
    "persons_in_collective_households": (
        "coalesce(sum(persons) FILTER (WHERE household_type = 2), 0)"
    ),
}
_HMTF_CODES = {
    "identity_or_nationality": ("hong_kong", "macau", "taiwan", "foreign"),
    "length_of_stay": (
        "stay_lt_3m",
        "stay_3m_6m",
        "stay_6m_1y",
        "stay_1y_2y",
        "stay_2y_5y",
        "stay_5y_plus",
    ),
    "purpose_of_stay": (
        "purpose_business",
        "purpose_employment",
        "purpose_study",
        "purpose_settle",
        "purpose_visit_family",
        "purpose_other",
    ),
}
_SHARES = (
    "ethnic_han",
    "ethnic_minorities",
    "sex_male",
    "sex_female",
    "age_0_14",
    "age_15_59",
    "age_60_plus",
    "age_65_plus",
    "urban",
    "rural",
)
_EDUCATION = ("university", "senior_secondary", "junior_secondary", "primary")


def _grouped(
    con: duckdb.DuckDBPyConnection, relation: str, counts: dict[str, str]
) -> dict[str, dict[str, int]]:
    cols = ", ".join(f"CAST({sql} AS BIGINT) AS {name}" for name, sql in counts.items())
    rows = con.execute(
        f"SELECT province_code, {cols} FROM {relation} GROUP BY province_code"
    ).fetchall()
    return {str(r[0]): dict(zip(counts, (int(v) for v in r[1:]), strict=True)) for r in rows}


def _hmtf(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {"hmtf_total": "count(*)", "hmtf_male": "count_if(sex = 1)"}
    counts["hmtf_female"] = "count_if(sex = 2)"
    for column, names in _HMTF_CODES.items():
        for code, name in enumerate(names, start=1):
            counts[f"hmtf_{name}"] = f"count_if({column} = {code})"
    # count_if over no rows at all is NULL, not 0 (no HK/Macau/Taiwan resident enumerated).
    cols = ", ".join(f"CAST(coalesce({sql}, 0) AS BIGINT)" for sql in counts.values())
    row = con.execute(f"SELECT {cols} FROM hmtf").fetchall()[0]
    return dict(zip(counts, (int(v) for v in row), strict=True))


def _sum(per_province: dict[str, dict[str, int]], keys: list[str]) -> dict[str, int]:
    return {k: sum(p.get(k, 0) for p in per_province.values()) for k in keys}


def compute(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``figures`` and ``figures_by_province`` from the ``pop``, ``hh`` and ``hmtf`` relations."""
    persons = _grouped(con, "pop", _PERSON_COUNTS)
    households = _grouped(con, "hh", _HOUSEHOLD_COUNTS)
    nat: dict[str, int] = _sum(persons, list(_PERSON_COUNTS)) | _sum(
        households, list(_HOUSEHOLD_COUNTS)
    )
    info = province_info()
    for region in REGIONS:
        nat[f"region_{region}"] = sum(
            p["population"]
            for code, p in persons.items()
            if code in info and info[code].region == region
        )
    figures = _national(nat) | _hmtf(con)
    known = set(indicators())
    return {k: v for k, v in figures.items() if k in known}, _by_province(persons)


def _national(c: dict[str, int]) -> dict[str, Any]:
    total = c["population"]
    out: dict[str, Any] = {"population_total": total}
    for key in ("households_family", "households_collective"):
        out[key] = c[key]
    for key in ("persons_in_family_households", "persons_in_collective_households"):
        out[key] = c[key]
    out["avg_family_household_size"] = half_up(
        c["persons_in_family_households"], c["households_family"], 1
    )
    for key in (*_SHARES, *(f"region_{r}" for r in REGIONS)):
        out[key] = c[key]
        out[f"{key}_pct"] = half_up(c[key], total)
    out["sex_ratio"] = half_up(c["sex_male"], c["sex_female"])
    out["sex_ratio_at_birth"] = half_up(c["births_male"], c["births_female"])
    out["age_0_15"], out["age_16_59"] = c["age_0_15"], c["age_16_59"]
    for level in _EDUCATION:
        out[f"edu_{level}"] = c[f"edu_{level}"]
        out[f"edu_{level}_per_100k"] = _per_100k(c[f"edu_{level}"], total)
    out["mean_years_schooling_15_plus"] = half_up(c["school_years"], c["school_persons"], 1)
    out["illiterate_15_plus"] = c["illiterate_15_plus"]
    out["illiteracy_rate_pct"] = half_up(c["illiterate_15_plus"], total)
    for key in (
        "hukou_separated",
        "hukou_separated_within_city",
        "floating_population",
        "floating_interprovincial",
        "floating_intraprovincial",
    ):
        out[key] = c[key]
    return out


def _per_100k(count: int, total: int) -> int | None:
    value = half_up(count, total, 100_000, 0)
    return None if value is None else int(value)


def _by_province(persons: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    info = province_info()
    wanted = set(province_columns())
    out: dict[str, dict[str, Any]] = {}
    for code in sorted(persons):
        c = persons[code]
        total = c["population"]
        row: dict[str, Any] = {}
        if code in info:
            row |= {
                "province_zh": info[code].name_zh,
                "province_en": info[code].name_en,
                "region": info[code].region,
            }
        row["population"] = total
        row["male_pct"] = half_up(c["sex_male"], total)
        row["sex_ratio"] = half_up(c["sex_male"], c["sex_female"])
        for group in ("0_14", "15_59", "60_plus", "65_plus"):
            row[f"age_{group}_pct"] = half_up(c[f"age_{group}"], total)
        for level in _EDUCATION:
            row[f"edu_{level}_per_100k"] = _per_100k(c[f"edu_{level}"], total)
        out[code] = {k: v for k, v in row.items() if k in wanted}
    return out
