"""Batch frames as the edits read them: the column layout of the data contract, checked and cast.

``households``: ``household_id`` + household items flattened (``births_male`` …; ``household_no``
optional). ``persons``: ``household_id``, ``person_no`` + person items. ``death_forms``:
``household_id``, ``death_no`` + death items. A missing column or a column of the wrong type is
an E1210/E1211 error naming the table and the column. ``to_households`` turns frames back into
household JSON objects.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from headcount.errors import FRAME_COLUMN_MISSING, FRAME_COLUMN_TYPE, HeadcountError
from headcount.questionnaire.schema import Form, Item, Scope
from headcount.questionnaire.vectorise import KEY

FINDING_SCHEMA: dict[str, pl.DataType] = {
    KEY: pl.String(),
    "person_no": pl.Int32(),
    "death_no": pl.Int32(),
    "rule": pl.String(),
    "severity": pl.String(),
    "item": pl.String(),
    "display_id": pl.String(),
}
_NUMBER_KEYS = {"person": "person_no", "death": "death_no"}
# A person or death row whose household_id is not in the households frame (batch only: the online
# engine always reads a household with its rosters).
ORPHAN = "ORPHAN"
NO_FORM = "NO_FORM"  # a household of a census frame without a form


def target(item: Item) -> pl.DataType:
    if item.type == "number":
        return pl.Float64()
    if item.type in ("int", "year_month", "count_by_sex"):
        return pl.Int64()
    if item.type == "code" and not (item.codes and isinstance(item.codes[0].code, str)):
        return pl.Int64()
    return pl.String()


def accepts(dtype: pl.DataType, target: pl.DataType) -> bool:
    if dtype == pl.Null:
        return True
    if target == pl.Int64():
        return dtype.is_integer()
    if target == pl.Float64():
        return dtype.is_numeric()
    return dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)


def prepare(
    frame: pl.DataFrame | pl.LazyFrame, table: str, form: Form, scope: Scope
) -> pl.LazyFrame:
    """Check the columns of one frame and cast them to the types the edits compute with.

    Integers widen to Int64 (no overflow in ``year * 12 + month``); an empty string is missing, as
    in the online engine.
    """
    lazy = frame.lazy()
    schema = lazy.collect_schema()
    wanted: list[pl.Expr] = []
    required: list[tuple[str, pl.DataType]] = [(KEY, pl.String())]
    if scope in _NUMBER_KEYS:
        required.append((_NUMBER_KEYS[scope], pl.Int64()))
    for item in form.items(scope):
        required.extend((col, target(item)) for col in item.columns())
    optional = {c for i in form.items(scope) if i.required is False for c in i.columns()}
    for column, wanted_type in required:
        if column not in schema and column in optional:
            # An optional item a frame does not carry was not collected: unanswered.
            wanted.append(pl.lit(None, wanted_type).alias(column))
            continue
        if column not in schema:
            raise HeadcountError(FRAME_COLUMN_MISSING, table=table, column=column)
        dtype = schema[column]
        if not accepts(dtype, wanted_type):
            raise HeadcountError(
                FRAME_COLUMN_TYPE,
                table=table,
                column=column,
                dtype=str(dtype),
                expected=str(wanted_type),
            )
        expr = pl.col(column).cast(wanted_type)
        if wanted_type == pl.String() and column != KEY:
            # Stored values are already trimmed (the engine trims input); "" still means missing.
            expr = pl.when(expr.str.len_bytes() > 0).then(expr)
        wanted.append(expr.alias(column))
    if scope == "household":
        # Rules compare household_no with "999"; an unknown number is an ordinary household.
        has_no = "household_no" in schema
        number = pl.col("household_no").cast(pl.String).fill_null("") if has_no else pl.lit("")
        wanted.append(number.alias("household_no"))
    return lazy.select(wanted)


def _unflatten(item: Item, row: dict[str, Any]) -> Any:
    cols = item.columns()
    if item.type == "year_month":
        year, month = row.get(cols[0]), row.get(cols[1])
        # A half-known year_month has no JSON form: it reads as missing online.
        return None if year is None or month is None else f"{year:04d}-{month:02d}"
    if item.type == "count_by_sex":
        male, female = row.get(cols[0]), row.get(cols[1])
        return None if male is None and female is None else {"male": male, "female": female}
    return row.get(cols[0])


def to_households(
    form: Form,
    households: pl.DataFrame,
    persons: pl.DataFrame,
    death_forms: pl.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Household JSON objects (the online engine's input) from batch frames of one form.

    The inverse of the batch layout, for loading a generated or extracted census into the
    collection path, and for checking both executors on the same records. Rosters are ordered by
    ``person_no`` and ``death_no``; unasked (null) items are omitted.
    """
    rosters: dict[str, list[dict[str, Any]]] = {}
    for row in persons.sort(KEY, "person_no").iter_rows(named=True):
        person = {i.key: _unflatten(i, row) for i in form.person_items}
        rosters.setdefault(row[KEY], []).append({k: v for k, v in person.items() if v is not None})
    deaths: dict[str, list[dict[str, Any]]] = {}
    if death_forms is not None and form.death_items:
        for row in death_forms.sort(KEY, "death_no").iter_rows(named=True):
            death = {i.key: _unflatten(i, row) for i in form.death_items}
            deaths.setdefault(row[KEY], []).append(
                {k: v for k, v in death.items() if v is not None}
            )
    out = []
    for row in households.iter_rows(named=True):
        items = {i.key: _unflatten(i, row) for i in form.household_items}
        household: dict[str, Any] = {
            "form": form.form_id,
            "household_no": row.get("household_no"),
            "household_id": row[KEY],
            "items": {k: v for k, v in items.items() if v is not None},
            "persons": rosters.get(row[KEY], []),
        }
        if form.death_items:
            household["deaths"] = deaths.get(row[KEY], [])
        out.append(household)
    return out


def _flatten(item: Item, value: Any) -> dict[str, Any]:
    """One answer as its batch columns (the inverse of ``_unflatten``)."""
    cols = item.columns()
    if item.type == "year_month":
        year, month = (None, None)
        if isinstance(value, str) and len(value) == 7 and value[4] == "-":
            year, month = int(value[:4]), int(value[5:])
        return {cols[0]: year, cols[1]: month}
    if item.type == "count_by_sex":
        counts = value if isinstance(value, dict) else {}
        return {cols[0]: counts.get("male"), cols[1]: counts.get("female")}
    return {cols[0]: value}


def from_household(
    form: Form, record: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Batch rows (household, persons, deaths) of one household JSON object: the inverse of
    ``to_households``. Persons and deaths are numbered by their place in the roster."""
    items = record.get("items") or {}
    household: dict[str, Any] = {KEY: record.get(KEY), "household_no": record.get("household_no")}
    for item in form.household_items:
        household.update(_flatten(item, items.get(item.key)))
    persons = []
    for number, person in enumerate(record.get("persons") or [], start=1):
        row: dict[str, Any] = {KEY: record.get(KEY), "person_no": number}
        for item in form.person_items:
            row.update(_flatten(item, person.get(item.key)))
        persons.append(row)
    deaths = []
    for number, death in enumerate(record.get("deaths") or [], start=1):
        row = {KEY: record.get(KEY), "death_no": number, "household_no": record.get("household_no")}
        for item in form.death_items:
            row.update(_flatten(item, death.get(item.key)))
        deaths.append(row)
    return household, persons, deaths
