"""The batch executor: the same edits as ``engine.py``, vectorised over Polars frames.

    findings = validate_frames(form, households, persons, death_forms)

Frames follow the data contract: ``households`` has ``household_id`` and the household items
flattened (``births_male`` …; ``household_no`` optional), ``persons`` has ``household_id``,
``person_no`` (roster order) and the person items, ``death_forms`` has ``household_id``,
``death_no`` and the death items. Citizen IDs are expected normalised, as the store keeps them.

The result has one row per finding: ``household_id, person_no, death_no, rule, severity, item,
display_id`` (and ``confirmed`` when confirmations are given). ``with_messages`` adds the zh/en
texts the online engine would show, for the rows a reviewer looks at.
"""

from __future__ import annotations

import polars as pl

from headcount.errors import FRAME_COLUMN_MISSING, FRAME_COLUMN_TYPE, HeadcountError
from headcount.questionnaire.editset import Check, EditSet, edit_set
from headcount.questionnaire.messages import render, who
from headcount.questionnaire.schema import Form, Item, Scope
from headcount.questionnaire.vectorise import KEY, ROW, PolarsCompiler, fires

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


def _target(item: Item) -> pl.DataType:
    if item.type == "number":
        return pl.Float64()
    if item.type in ("int", "year_month", "count_by_sex"):
        return pl.Int64()
    if item.type == "code" and not (item.codes and isinstance(item.codes[0].code, str)):
        return pl.Int64()
    return pl.String()


def _accepts(dtype: pl.DataType, target: pl.DataType) -> bool:
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
        required.extend((col, _target(item)) for col in item.columns())
    for column, target in required:
        if column not in schema:
            raise HeadcountError(FRAME_COLUMN_MISSING, table=table, column=column)
        dtype = schema[column]
        if not _accepts(dtype, target):
            raise HeadcountError(
                FRAME_COLUMN_TYPE,
                table=table,
                column=column,
                dtype=str(dtype),
                expected=str(target),
            )
        expr = pl.col(column).cast(target)
        if target == pl.String() and column != KEY:
            # Stored values are already trimmed (the engine trims input); "" still means missing.
            expr = pl.when(expr.str.len_bytes() > 0).then(expr)
        wanted.append(expr.alias(column))
    if scope == "household":
        # Rules compare household_no with "999"; an unknown number is an ordinary household.
        has_no = "household_no" in schema
        number = pl.col("household_no").cast(pl.String).fill_null("") if has_no else pl.lit("")
        wanted.append(number.alias("household_no"))
    return lazy.select(wanted)


def _flags(
    compiler: PolarsCompiler, checks: tuple[Check, ...], scope: Scope
) -> list[tuple[Check, pl.Expr]]:
    return [
        (
            c,
            fires(compiler.compile(c.when, scope), compiler.compile(c.check, scope)).alias(
                f"__f{i}"
            ),
        )
        for i, c in enumerate(checks)
    ]


def _rows(
    frame: pl.DataFrame, flags: list[tuple[Check, pl.Expr]], scope: Scope
) -> list[pl.LazyFrame]:
    parts = []
    for i, (check, _) in enumerate(flags):
        column = f"__f{i}"
        parts.append(
            frame.lazy()
            .filter(pl.col(column))
            .select(
                pl.col(KEY),
                (pl.col("person_no") if scope == "person" else pl.lit(None))
                .cast(pl.Int32)
                .alias("person_no"),
                (pl.col("death_no") if scope == "death" else pl.lit(None))
                .cast(pl.Int32)
                .alias("death_no"),
                pl.lit(check.code).alias("rule"),
                pl.lit(check.severity).alias("severity"),
                pl.lit(check.item).alias("item"),
                pl.lit(check.display_id).alias("display_id"),
            )
        )
    return parts


def _staged(frame: pl.LazyFrame, stages: list[list[pl.Expr]]) -> pl.LazyFrame:
    for exprs in stages:
        frame = frame.with_columns(exprs)
    return frame


def validate_frames(
    form: Form,
    households: pl.DataFrame | pl.LazyFrame,
    persons: pl.DataFrame | pl.LazyFrame,
    death_forms: pl.DataFrame | pl.LazyFrame | None = None,
    confirmations: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every finding of every household of one form, as rows."""
    edits: EditSet = edit_set(form)
    hh = prepare(households, "households", form, "household")
    people = prepare(persons, "persons", form, "person")
    if death_forms is None or not form.death_items:
        deaths = pl.LazyFrame(
            {KEY: [], "death_no": []}, schema={KEY: pl.String, "death_no": pl.Int64}
        ).with_columns(
            [pl.lit(None, _target(i)).alias(c) for i in form.death_items for c in i.columns()]
        )
    else:
        deaths = prepare(death_forms, "death_forms", form, "death")
    compiler = PolarsCompiler(edits)
    person_flags = _flags(compiler, edits.scope_checks("person"), "person")
    death_flags = _flags(compiler, edits.scope_checks("death"), "death")
    household_flags = _flags(compiler, edits.scope_checks("household"), "household")
    agg = compiler.aggregates
    # A dense integer household key: windows and group-bys hash it much faster than the string id.
    hh = _staged(hh, compiler.stages("household")).with_row_index(ROW).collect().lazy()
    hh_names = list(hh.collect_schema().names())
    # Person and death rows see their household's values (only the columns they read). Rows whose
    # household is missing are reported once, as ORPHAN findings, and not checked further.
    people_all = (
        people.join(hh.select(_read(hh_names, edits, "person")), on=KEY, how="left")
        .collect()
        .lazy()
    )
    deaths_all = deaths.join(hh.select(_read(hh_names, edits, "death")), on=KEY, how="left")
    orphans = [
        people_all.filter(pl.col(ROW).is_null()).select(
            KEY, pl.col("person_no").cast(pl.Int32), pl.lit(None, pl.Int32).alias("death_no")
        ),
        deaths_all.filter(pl.col(ROW).is_null()).select(
            KEY, pl.lit(None, pl.Int32).alias("person_no"), pl.col("death_no").cast(pl.Int32)
        ),
    ]
    # Materialised once: both the person flags and the household aggregates read it.
    people_hh = (
        _staged(people_all.filter(pl.col(ROW).is_not_null()), compiler.stages("person"))
        .collect()
        .lazy()
    )
    deaths_hh = _staged(deaths_all.filter(pl.col(ROW).is_not_null()), compiler.stages("death"))
    hh_full = hh
    if agg.persons:
        grouped = people_hh.group_by(ROW).agg(list(agg.persons.values()))
        hh_full = hh_full.join(grouped, on=ROW, how="left")
    if agg.deaths:
        grouped = deaths_hh.group_by(ROW).agg(list(agg.deaths.values()))
        hh_full = hh_full.join(grouped, on=ROW, how="left")
    frames = pl.collect_all(
        [
            pl.concat(orphans),
            people_hh.select(KEY, "person_no", *[e for _, e in person_flags]),
            deaths_hh.select(KEY, "death_no", *[e for _, e in death_flags]),
            hh_full.select(KEY, *[e for _, e in household_flags]),
        ]
    )
    parts = (
        _rows(frames[3], household_flags, "household")
        + _rows(frames[1], person_flags, "person")
        + _rows(frames[2], death_flags, "death")
        + [_orphan_rows(frames[0])]
    )
    found = pl.concat(parts).collect() if parts else pl.DataFrame(schema=FINDING_SCHEMA)
    if confirmations is not None:
        found = _confirm(found, confirmations)
    return found


def _orphan_rows(orphans: pl.DataFrame) -> pl.LazyFrame:
    return orphans.lazy().select(
        KEY,
        "person_no",
        "death_no",
        pl.lit(ORPHAN).alias("rule"),
        pl.lit("hard").alias("severity"),
        pl.lit("household_id").alias("item"),
        pl.lit("").alias("display_id"),
    )


def _read(hh_names: list[str], edits: EditSet, scope: Scope) -> list[str]:
    """Household columns that checks and derivations of ``scope`` read (names of the language)."""
    from headcount.questionnaire.rules import names

    used: set[str] = set()
    for check in edits.scope_checks(scope):
        used |= names(check.when) | names(check.check)
    for node in edits.derived[scope].values():
        used |= names(node)
    return [KEY, ROW] + [n for n in hh_names if n in used and n not in (KEY, ROW)]


def _confirm(found: pl.DataFrame, confirmations: pl.DataFrame) -> pl.DataFrame:
    """Mark soft findings confirmed by (household_id, rule, person_no, death_no) rows."""
    marks = confirmations.select(
        pl.col(KEY).cast(pl.String),
        pl.col("rule").cast(pl.String),
        pl.col("person_no").cast(pl.Int32)
        if "person_no" in confirmations.columns
        else pl.lit(None, pl.Int32).alias("person_no"),
        pl.col("death_no").cast(pl.Int32)
        if "death_no" in confirmations.columns
        else pl.lit(None, pl.Int32).alias("death_no"),
        pl.lit(True).alias("__confirmed"),
    ).unique()
    joined = found.join(
        marks, on=[KEY, "rule", "person_no", "death_no"], how="left", nulls_equal=True
    )
    return joined.with_columns(
        ((pl.col("severity") == "soft") & pl.col("__confirmed").fill_null(False)).alias("confirmed")
    ).drop("__confirmed")


def with_messages(findings: pl.DataFrame, form: Form, persons: pl.DataFrame) -> pl.DataFrame:
    """Add ``message_zh`` and ``message_en`` exactly as the online engine words them.

    Meant for the rows a reviewer reads (rendering is per row): filter first, then call.
    """
    edits = edit_set(form)
    relationship = form.item("person", "relationship")
    rel = persons.select(
        pl.col(KEY).cast(pl.String), pl.col("person_no").cast(pl.Int32), "relationship"
    )
    rows = findings.join(rel, on=[KEY, "person_no"], how="left")
    checks = {c.code: c for c in edits.checks}
    zh: list[str] = []
    en: list[str] = []
    for row in rows.iter_rows(named=True):
        check = checks[row["rule"]]
        item = form.item(check.scope, check.item) or form.item("person", check.item)
        subject = who(row["person_no"], row["death_no"], relationship, row["relationship"])
        text = render(subject, item, check.display_id, check.message)
        zh.append(text.zh)
        en.append(text.en)
    return rows.drop("relationship").with_columns(
        pl.Series("message_zh", zh, pl.String), pl.Series("message_en", en, pl.String)
    )
