"""One de-identification for every source: which columns an extract keeps, codes, or drops.

Census tables follow the form definitions (so a new item is handled by what its definition says):
a personal item is transformed (the citizen ID into a pseudonym and what the number carries, the
name into its Bloom encoding) or dropped; free text (``text`` items: industry and occupation as
written, the country as written) is dropped; every other item column is kept, cast to the type the
batch edits compute with, and present even when a source lacks it (null), so an extract from the
store and one from a synthetic census have the same schema. Register and truth tables are listed
column by column. Anything not named here is dropped: an allowlist, never a blocklist.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import polars as pl

from headcount.processing.id_attributes import id_attributes
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.questionnaire.frames import target
from headcount.questionnaire.loader import reference_forms
from headcount.questionnaire.schema import Item, Scope

# table → (form, scope, the non-item columns it keeps)
CENSUS_TABLES: dict[str, tuple[str, Scope, tuple[str, ...]]] = {
    "households": (
        "long",
        "household",
        ("household_id", "form", "household_no", "small_area_code"),
    ),
    "persons": ("long", "person", ("household_id", "person_no")),
    "death_forms": ("death", "death", ("household_id", "death_no", "household_no")),
    "hmtf_households": ("hmtf", "household", ("household_id", "small_area_code")),
    "hmtf_persons": ("hmtf", "person", ("household_id", "person_no")),
}
# Source column → prefix of the identity columns that replace it.
ID_COLUMNS = {"citizen_id": "id", "child_citizen_id": "child_id", "mother_citizen_id": "mother_id"}
# Source column → the column of its encoding.
NAME_COLUMNS = {"name": "name_bloom", "child_name": "child_name_bloom"}
OTHER_TABLES: dict[str, tuple[str, ...]] = {
    "census_areas": (
        "census_area_code", "township_code", "county_code", "province_code",
        "urban_rural_class", "small_areas", "committee_type",
    ),
    "registers_hukou": (
        "record_id", "citizen_id", "name", "sex", "birth_year", "birth_month", "birth_day",
        "ethnic_group", "hukou_county", "hukou_township",
    ),
    "registers_births": (
        "record_id", "child_citizen_id", "child_name", "sex", "birth_year", "birth_month",
        "birth_day", "mother_citizen_id", "birth_county",
    ),
    "registers_deaths": (
        "record_id", "citizen_id", "name", "sex", "birth_year", "birth_month", "death_year",
        "death_month",
    ),
    "truth_persons": (
        "person_key", "name", "citizen_id", "no_id_reason", "sex", "birth_year", "birth_month",
        "birth_day", "age", "ethnic_group", "education", "residence_small_area_code", "urban",
        "collective", "residence_household_id", "residence_person_no", "hukou_county",
        "hukou_township", "hukou_small_area_code", "hukou_household_id", "hukou_person_no",
        "separated", "move_class", "abroad", "missed_by_census", "duplicated_in_census",
    ),
    "truth_deaths": (
        "death_key", "household_id", "name", "citizen_id", "sex", "birth_year", "birth_month",
        "death_year", "death_month", "age_at_death",
    ),
    "truth_errors": (
        "error_type", "table", "record_id", "household_id", "person_no", "column", "true_value",
        "recorded_value", "person_key",
    ),
    # A simulated post-enumeration survey (``synth --pes-areas``): its sample, its records, and
    # which true person each record is.
    "pes_areas": ("small_area_code", "stratum", "size", "inclusion_probability", "certainty"),
    "pes_persons": (
        "pes_household_id", "person_no", "small_area_code", "name", "citizen_id", "sex",
        "birth_year", "birth_month", "ethnic_group",
    ),
    "truth_pes": ("pes_household_id", "person_no", "person_key"),
}  # fmt: skip
_NUMBERS: dict[str, pl.DataType] = {"person_no": pl.Int32(), "death_no": pl.Int32()}
REGISTERS = ("registers_hukou", "registers_births", "registers_deaths")
TRUTH = ("truth_persons", "truth_deaths", "truth_errors")
PES = ("pes_areas", "pes_persons", "truth_pes")


def _kept(item: Item) -> bool:
    return not item.personal and item.type != "text"


@cache
def item_columns(table: str) -> tuple[tuple[str, pl.DataType], ...]:
    """(column, type) of every item column a census table keeps, from the form definition."""
    form_id, scope, _ = CENSUS_TABLES[table]
    form = reference_forms()[form_id]
    out: list[tuple[str, pl.DataType]] = []
    for item in form.items(scope):
        if _kept(item):
            out.extend((column, target(item)) for column in item.columns())
    return tuple(out)


def _identity(frame: pl.DataFrame, keys: ProcessingKeys) -> pl.DataFrame:
    """Replace ID and name columns by pseudonyms, attributes and encodings."""
    for column, prefix in ID_COLUMNS.items():
        if column in frame.columns:
            values = frame.get_column(column)
            extra = id_attributes(values, prefix=prefix)
            pseudonym = keys.id_pseudonyms(values).alias(f"{prefix}_pseudonym")
            frame = frame.drop(column).hstack([pseudonym, *extra.get_columns()])
    for column, encoded in NAME_COLUMNS.items():
        if column in frame.columns:
            bloom = keys.name_blooms(frame.get_column(column)).alias(encoded)
            frame = frame.drop(column).with_columns(bloom)
    return frame


def census_table(table: str, frame: pl.DataFrame, keys: ProcessingKeys) -> pl.DataFrame:
    """A census table (households, persons, deaths, hmtf) as the extract holds it."""
    form_id, scope, meta = CENSUS_TABLES[table]
    select = [pl.col(c).cast(_NUMBERS.get(c, pl.String())) for c in meta]
    for column, dtype in item_columns(table):
        if column in frame.columns:
            select.append(pl.col(column).cast(dtype, strict=False))
        else:
            select.append(pl.lit(None, dtype).alias(column))
    personal = {i.key for i in reference_forms()[form_id].items(scope) if i.personal}
    carried = [c for c in ("citizen_id", "name") if c in personal]
    # with_columns broadcasts a literal to the frame's height (a select of literals alone would
    # make one row of an empty frame).
    frame = frame.with_columns(
        pl.lit(None, pl.String).alias(c) for c in carried if c not in frame.columns
    )
    source = _identity(frame.select(carried), keys)
    return pl.concat([frame.select(select), source], how="horizontal")


def other_table(table: str, frame: pl.DataFrame, keys: ProcessingKeys) -> pl.DataFrame:
    """A register, truth or area table: the listed columns, identities transformed."""
    wanted = [c for c in OTHER_TABLES[table] if c in frame.columns]
    out = _identity(frame.select(wanted), keys)
    if table == "truth_errors":
        out = _truth_values(out, keys)
    return out


def _truth_values(frame: pl.DataFrame, keys: ProcessingKeys) -> pl.DataFrame:
    """An injected error's true and recorded values of an ID become hex pseudonyms; of a name,
    nothing (which record carries the typo is what scoring needs, not the letters)."""
    ids = pl.col("column").is_in(list(ID_COLUMNS))
    names = pl.col("column").is_in(list(NAME_COLUMNS))
    for value in ("true_value", "recorded_value"):
        hexed = keys.id_pseudonyms(frame.get_column(value)).bin.encode("hex")
        frame = frame.with_columns(
            pl.when(ids).then(hexed).when(names).then(None).otherwise(pl.col(value)).alias(value)
        )
    return frame


def small_areas(frame: pl.DataFrame) -> pl.DataFrame:
    """The geography every table groups by, with the prefecture and the urban flag derived."""
    return frame.select(
        pl.col("small_area_code").cast(pl.String),
        pl.col("census_area_code").cast(pl.String),
        pl.col("township_code").cast(pl.String),
        pl.col("county_code").cast(pl.String),
        pl.col("county_code").cast(pl.String).str.slice(0, 4).alias("prefecture_code"),
        pl.col("province_code").cast(pl.String),
        pl.col("urban_rural_class").cast(pl.String),
        pl.col("urban_rural_class").cast(pl.String).str.starts_with("1").alias("urban"),
    )


def tables_for(registers: bool, truth: bool) -> Iterable[str]:
    yield from ("small_areas", "census_areas", *CENSUS_TABLES)
    if registers:
        yield from REGISTERS
    if truth:
        yield from TRUTH
