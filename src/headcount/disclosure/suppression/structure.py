"""What an attacker knows besides the margins: how the standard tables tie together.

Within a table every dimension with a ``total`` value adds up (``model`` derives those equations
from the rows). The standard tables carry more, and an attacker uses all of it:

* nested categories: ``mobility`` — separated = within the city + floating, floating =
  interprovincial + intraprovincial (its categories have no total);
* shared margins: the population by single year of age gives the totals of every five-year age
  group (``age_group_sex_urban``), of every education age group (``education_age_sex``, aged 3+),
  and the population of ``ethnicity_sex``; family households and their persons are the total of
  ``household_size``;
* arithmetic: a household of size s < 10 holds s persons (persons = s × households), one of 10+ at
  least 10; a household type holds at least one person per household; the floating or separated
  population of an area is at most its population.

Each ``Link`` says Σ left − Σ right (= or ≥) 0 for every area and key; a ``Side`` picks rows by
dimension values, maps them to the key, and may weigh them by a coefficient taken from one
dimension. Tables or dimensions a link names but the tables lack are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from headcount.tables.specs import AGE_GROUPS, EDU_AGE_GROUPS

__all__ = ["LINKS", "TREES", "Link", "Side"]

TREES: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {
    ("mobility", "category"): {
        "hukou_separated": ("within_city", "floating"),
        "floating": ("interprovincial", "intraprovincial"),
    },
}


@dataclass(frozen=True, slots=True)
class Side:
    table: str
    where: Mapping[str, tuple[str, ...]]  # dimension → the values kept
    key: Mapping[str, Mapping[str, str] | None] = field(default_factory=dict)  # None: as is
    coefficient: tuple[str, Mapping[str, float]] | None = None  # (dimension, value → weight)


@dataclass(frozen=True, slots=True)
class Link:
    left: Side
    right: Side
    sense: str = "="  # "=" or ">=" (left ≥ right)


def _ages(group: str) -> range:
    if group.endswith("+"):
        return range(int(group[:-1]), 101)
    low, high = group.split("-")
    return range(int(low), int(high) + 1)


def _by_age(groups: tuple[str, ...]) -> dict[str, str]:
    return {str(age): group for group in groups for age in _ages(group)}


_SINGLE = "age_sex_single_year"
_SEX: Mapping[str, Mapping[str, str] | None] = {"sex": None}
_SIZES = {str(n): float(n) for n in range(1, 10)}

# Education age groups 10-14 … 80-84 are five-year groups; 85+ gathers the four oldest.
_EDU_FROM_FIVE_YEAR = {g: g for g in EDU_AGE_GROUPS[2:-1]} | {g: "85+" for g in AGE_GROUPS[17:]}
_POP_TOTAL = Side("age_group_sex_urban", {"urban_rural": ("total",), "age_group": ("total",)}, _SEX)


def _groups(table: str, fixed: str, groups: dict[str, str]) -> Side:
    """The sum of some age groups of a table (its other dimension at ``total``), by sex."""
    return Side(table, {fixed: ("total",)}, {"age_group": groups, **_SEX})


# Below age 10 the two age groupings overlap without nesting: ages 3–4 are in 0-4 and 3-5, age 5
# in 5-9 and 3-5. The persons of each overlap are implied (age 5 = [5-9] − [6-9], ages 3–4 =
# [3-5] + [6-9] − [5-9], ages 0–2 = [0-4] + [5-9] − [3-5] − [6-9]) and cannot be negative: three
# inequalities an attacker who reasons about persons uses, so the model has them too.
_FIVE, _EDU = "age_group_sex_urban", "education_age_sex"
_YOUNG: tuple[Link, ...] = (
    Link(
        _groups(_FIVE, "urban_rural", {"5-9": "k"}), _groups(_EDU, "education", {"6-9": "k"}), ">="
    ),
    Link(
        _groups(_EDU, "education", {"3-5": "k", "6-9": "k"}),
        _groups(_FIVE, "urban_rural", {"5-9": "k"}),
        ">=",
    ),
    Link(
        _groups(_FIVE, "urban_rural", {"0-4": "k", "5-9": "k"}),
        _groups(_EDU, "education", {"3-5": "k", "6-9": "k"}),
        ">=",
    ),
)

LINKS: tuple[Link, ...] = (
    Link(
        Side("age_group_sex_urban", {"urban_rural": ("total",)}, {"age_group": None, **_SEX}),
        Side(_SINGLE, {}, {"age": _by_age(AGE_GROUPS), **_SEX}),
    ),
    Link(
        Side("education_age_sex", {"education": ("total",)}, {"age_group": None, **_SEX}),
        Side(_SINGLE, {}, {"age": _by_age(EDU_AGE_GROUPS), **_SEX}),
    ),
    Link(
        Side("ethnicity_sex", {"ethnicity": ("total",)}, _SEX),
        Side(_SINGLE, {"age": ("total",)}, _SEX),
    ),
    # The same equations without the single-year table, for any two tables published together.
    Link(Side("ethnicity_sex", {"ethnicity": ("total",)}, _SEX), _POP_TOTAL),
    Link(
        Side("education_age_sex", {"education": ("total",)}, {"age_group": None, **_SEX}),
        Side(
            "age_group_sex_urban",
            {"urban_rural": ("total",)},
            {"age_group": _EDU_FROM_FIVE_YEAR, **_SEX},
        ),
    ),
    Link(
        Side("household_size", {"size": ("total",)}, {"measure": None}),
        Side("household_type", {"household_type": ("family",)}, {"measure": None}),
    ),
    Link(
        Side("household_size", {"measure": ("persons",), "size": tuple(_SIZES)}, {"size": None}),
        Side("household_size", {"measure": ("households",)}, {"size": None}, ("size", _SIZES)),
    ),
    Link(
        Side("household_size", {"measure": ("persons",), "size": ("10+",)}, {"size": None}),
        Side("household_size", {"measure": ("households",)}, {"size": None}, ("size", {"10+": 10})),
        ">=",
    ),
    Link(
        Side("household_type", {"measure": ("persons",)}, {"household_type": None}),
        Side("household_type", {"measure": ("households",)}, {"household_type": None}),
        ">=",
    ),
    *_YOUNG,
    Link(
        Side(_SINGLE, {"age": ("total",)}, _SEX),
        Side("mobility", {"category": ("hukou_separated",)}, _SEX),
        ">=",
    ),
    Link(
        Side("ethnicity_sex", {"ethnicity": ("total",)}, _SEX),
        Side("mobility", {"category": ("hukou_separated",)}, _SEX),
        ">=",
    ),
)
