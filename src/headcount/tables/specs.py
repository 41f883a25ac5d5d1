"""The standard tables: what each one counts, over which universe, with which dimensions.

A table is a ``TableSpec``: a relation of ``population.build`` (``source``), a filter, dimensions
(each a SQL expression with its full, ordered domain, so every area gets every row, zeros
included) and measures (count aggregates, or Polars expressions over the counts after the
roll-up to a level). ``population_by_province`` is built by ``compute.population_by_province``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from headcount.tables.population import MOBILITY

MeasureKind = str  # count, percent, ratio, per_100k, mean


@dataclass(frozen=True, slots=True)
class Dim:
    name: str
    sql: str  # over the source relation; never null (an empty item has its own key)
    domain: tuple[str | int, ...]
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    kind: MeasureKind
    zh: str
    en: str
    sql: str | None = None  # a count aggregate over the source rows
    derive: Callable[[], pl.Expr] | None = None  # over the rolled-up counts (and _population)


@dataclass(frozen=True, slots=True)
class TableSpec:
    id: str
    title_zh: str
    title_en: str
    universe_zh: str
    universe_en: str
    source: str
    where: str
    dims: tuple[Dim, ...]
    measures: tuple[Measure, ...]
    levels: tuple[str, ...] = field(default=())  # empty: every level asked


AREA_LABEL = ("地区代码", "area code")


def half_up(num: int, den: int, scale: int = 100, decimals: int = 2) -> float | None:
    """``scale`` × num / den rounded half-up to ``decimals``, in exact integer arithmetic (counts
    are non-negative); None (not available) when den is 0."""
    if den <= 0:
        return None
    unit = int(10**decimals)
    return ((num * scale * unit * 2 + den) // (2 * den)) / unit


def share(num: pl.Expr, den: pl.Expr, scale: int = 100, decimals: int = 2) -> pl.Expr:
    """The Polars twin of ``half_up`` (the same digits in tables and in figures)."""
    unit = 10**decimals
    exact = (num.cast(pl.Int64) * (scale * unit * 2) + den) // (2 * den)
    # The division leaves a float next to the decimal value; rounding it gives that value.
    return pl.when(den > 0).then((exact / unit).round(decimals)).otherwise(None)


def _five_year(top: int) -> tuple[str, ...]:
    return (*(f"{a}-{a + 4}" for a in range(0, top, 5)), f"{top}+")


AGE_GROUPS = _five_year(100)
EDU_AGE_GROUPS = ("3-5", "6-9", *(f"{a}-{a + 4}" for a in range(10, 85, 5)), "85+")
DEATH_AGE_GROUPS = ("0", "1-4", *AGE_GROUPS[1:])
EDUCATION = (
    "never_attended",
    "pre_school",
    "primary",
    "junior_secondary",
    "senior_secondary",
    "junior_college",
    "undergraduate",
    "masters",
    "doctorate",
    "not_stated",
)
HOUSEHOLD_SIZES = (*(str(n) for n in range(1, 10)), "10+")


def _five_year_sql(age: str = "age") -> str:
    return f"(CAST({age} // 5 * 5 AS VARCHAR) || '-' || CAST({age} // 5 * 5 + 4 AS VARCHAR))"


AGE_GROUP_SQL = f"CASE WHEN age >= 100 THEN '100+' ELSE {_five_year_sql()} END"
EDU_AGE_SQL = (
    "CASE WHEN age <= 5 THEN '3-5' WHEN age <= 9 THEN '6-9' WHEN age >= 85 THEN '85+' "
    f"ELSE {_five_year_sql()} END"
)
DEATH_AGE_SQL = f"CASE WHEN age = 0 THEN '0' WHEN age <= 4 THEN '1-4' ELSE ({AGE_GROUP_SQL}) END"
EDUCATION_SQL = (
    "CASE education "
    + " ".join(f"WHEN {i + 1} THEN '{key}'" for i, key in enumerate(EDUCATION[:-1]))
    + " ELSE 'not_stated' END"
)

MALE = Measure("male", "count", "男", "male", sql="count_if(sex = 1)")
FEMALE = Measure("female", "count", "女", "female", sql="count_if(sex = 2)")
TOTAL = Measure("total", "count", "合计", "total", sql="count(*)")
BY_SEX = (MALE, FEMALE, TOTAL)
AGE_GROUP = Dim("age_group", AGE_GROUP_SQL, AGE_GROUPS, "年龄组", "age group")

_RESIDENTS_ZH = "常住人口（计数规则 {rule}）"
_RESIDENTS_EN = "usual residents (counting rules {rule})"

STANDARD: tuple[TableSpec, ...] = (
    TableSpec(
        "age_sex_single_year",
        "按单岁年龄和性别分的人口",
        "Population by single year of age and sex",
        _RESIDENTS_ZH + "；100 表示 100 岁及以上",
        _RESIDENTS_EN + "; age 100 means 100 and over",
        "pop",
        "age >= 0",
        (Dim("age", "least(age, 100)", tuple(range(101)), "年龄", "age"),),
        BY_SEX,
    ),
    TableSpec(
        "age_group_sex_urban",
        "按年龄组、性别和城乡分的人口",
        "Population by five-year age group, sex and urban/rural residence",
        _RESIDENTS_ZH + "；城乡按普查小区的城乡分类代码",
        _RESIDENTS_EN + "; urban/rural by the small area's urban-rural class",
        "pop",
        "age >= 0 AND urban IS NOT NULL",
        (
            Dim(
                "urban_rural",
                "CASE WHEN urban THEN 'urban' ELSE 'rural' END",
                ("urban", "rural"),
                "城乡",
                "urban/rural",
            ),
            AGE_GROUP,
        ),
        BY_SEX,
    ),
    TableSpec(
        "education_age_sex",
        "按年龄组、性别和受教育程度分的3岁及以上人口",
        "Population aged 3 and over by age group, sex and education attained",
        "3岁及以上" + _RESIDENTS_ZH,
        _RESIDENTS_EN + " aged 3 and over",
        "pop",
        "age >= 3",
        (
            Dim("age_group", EDU_AGE_SQL, EDU_AGE_GROUPS, "年龄组", "age group"),
            Dim("education", EDUCATION_SQL, EDUCATION, "受教育程度", "education attained"),
        ),
        BY_SEX,
    ),
    TableSpec(
        "household_size",
        "按户规模分的家庭户",
        "Family households by size",
        "有常住人口的家庭户；户规模为在该户计数的常住人口数",
        "family households with usual residents; size = usual residents counted in it",
        "hh",
        "household_type = 1",
        (
            Dim(
                "size",
                "CASE WHEN persons >= 10 THEN '10+' ELSE CAST(persons AS VARCHAR) END",
                HOUSEHOLD_SIZES,
                "户规模（人）",
                "household size (persons)",
            ),
        ),
        (
            Measure("households", "count", "户数", "households", sql="count(*)"),
            Measure("persons", "count", "人口", "persons", sql="sum(persons)"),
        ),
    ),
    TableSpec(
        "household_type",
        "按户别分的户数和人口",
        "Households and persons by household type",
        "有常住人口的家庭户和集体户",
        "family and collective households with usual residents",
        "hh",
        "household_type IN (1, 2)",
        (
            Dim(
                "household_type",
                "CASE household_type WHEN 1 THEN 'family' ELSE 'collective' END",
                ("family", "collective"),
                "户别",
                "household type",
            ),
        ),
        (
            Measure("households", "count", "户数", "households", sql="count(*)"),
            Measure("persons", "count", "人口", "persons", sql="sum(persons)"),
            Measure(
                "mean_size",
                "mean",
                "平均每户人口",
                "persons per household",
                derive=lambda: share(pl.col("persons"), pl.col("households"), 1),
            ),
        ),
    ),
    TableSpec(
        "deaths_age_sex",
        "按年龄组和性别分的死亡人口",
        "Deaths by age group and sex",
        "2019年11月1日至2020年10月31日死亡人口（死亡人口调查表）",
        "deaths from 2019-11-01 to 2020-10-31 (death forms)",
        "deaths",
        "age >= 0",
        (Dim("age_group", DEATH_AGE_SQL, DEATH_AGE_GROUPS, "死亡年龄组", "age group at death"),),
        BY_SEX,
    ),
    TableSpec(
        "ethnicity_sex",
        "按民族（汉族、少数民族）和性别分的人口",
        "Population by ethnicity (Han, minorities) and sex",
        _RESIDENTS_ZH,
        _RESIDENTS_EN,
        "pop",
        "true",
        (
            Dim(
                "ethnicity",
                "CASE WHEN ethnic_group = '01' THEN 'han' "
                "WHEN ethnic_group IS NULL THEN 'not_stated' ELSE 'minority' END",
                ("han", "minority", "not_stated"),
                "民族",
                "ethnicity",
            ),
        ),
        BY_SEX,
    ),
    TableSpec(
        "mobility",
        "人户分离和流动人口",
        "Residence–hukou separation and floating population",
        _RESIDENTS_ZH + "；类别相互包含：人户分离 = 市辖区内 + 流动，流动 = 跨省 + 省内",
        _RESIDENTS_EN
        + "; categories nest: separated = within city + floating, floating = inter + intra",
        "mobility",
        "true",
        (Dim("category", "category", MOBILITY, "类别", "category"),),
        (
            *BY_SEX,
            Measure(
                "pct_of_population",
                "percent",
                "占常住人口比重（%）",
                "share of usual residents (%)",
                derive=lambda: share(pl.col("total"), pl.col("_population")),
            ),
        ),
    ),
    TableSpec(
        "hmtf_origin_sex",
        "按身份（港澳台、外籍）和性别分的境外人员",
        "HK/Macau/Taiwan residents and foreigners by origin and sex",
        "普查登记的港澳台居民和外籍人员（不含在常住人口中）",
        "HK/Macau/Taiwan residents and foreigners enumerated (not part of the population)",
        "hmtf",
        "true",
        (
            Dim(
                "origin",
                "CASE identity_or_nationality WHEN 1 THEN 'hong_kong' WHEN 2 THEN 'macau' "
                "WHEN 3 THEN 'taiwan' WHEN 4 THEN 'foreign' ELSE 'not_stated' END",
                ("hong_kong", "macau", "taiwan", "foreign", "not_stated"),
                "身份或国籍",
                "identity or nationality",
            ),
        ),
        BY_SEX,
    ),
)
