"""Register files for ``headcount registers import``: reading them and checking every row.

No database here. ``read_source`` reads a synth directory (``DIR/registers_<kind>/part-*``), that
folder itself, or one Parquet or CSV file, and insists on exactly the synth's columns (E1902);
``validate`` finds every faulty cell (E1907 empty where a value is required, E1908 invalid) and
reports it by file, row and column, never with its value. ID numbers are never a bad row:
registers contain wrong numbers, so ``id_status`` grades them (valid, flagged, invalid, missing).

The file's SHA-256 is that of its bytes; for a directory, the SHA-256 of its ``SHA256SUMS``-style
listing (``<hex>  <part name>`` per part, in name order).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError, Problem
from headcount.identity import citizen_id
from headcount.identity.divisions import divisions
from headcount.processing.layout import digest_file
from headcount.questionnaire.loader import read_files

EARLIEST_YEAR = citizen_id.EARLIEST_BIRTH_YEAR


@dataclass(frozen=True, slots=True)
class Layout:
    """The synth's columns of one register and what each one is."""

    columns: tuple[str, ...]
    required: frozenset[str]  # columns whose value may not be empty
    name: str
    citizen_id: str
    mother_id: str | None = None
    address: str | None = None
    county: str | None = None  # the column that gives the key scope


LAYOUTS: dict[str, Layout] = {
    "hukou": Layout(
        columns=(
            "record_id", "citizen_id", "name", "sex", "birth_year", "birth_month", "birth_day",
            "ethnic_group", "hukou_county", "hukou_township", "hukou_address",
        ),
        required=frozenset(
            ("record_id", "name", "sex", "birth_year", "birth_month", "birth_day", "hukou_county")
        ),
        name="name",
        citizen_id="citizen_id",
        address="hukou_address",
        county="hukou_county",
    ),
    "births": Layout(
        columns=(
            "record_id", "child_citizen_id", "child_name", "sex", "birth_year", "birth_month",
            "birth_day", "mother_citizen_id", "birth_county",
        ),
        required=frozenset(
            ("record_id", "child_name", "sex", "birth_year", "birth_month", "birth_day",
             "birth_county")
        ),
        name="child_name",
        citizen_id="child_citizen_id",
        mother_id="mother_citizen_id",
        county="birth_county",
    ),
    "deaths": Layout(
        columns=(
            "record_id", "citizen_id", "name", "sex", "birth_year", "birth_month", "death_year",
            "death_month",
        ),
        required=frozenset(
            ("record_id", "name", "sex", "birth_year", "birth_month", "death_year", "death_month")
        ),
        name="name",
        citizen_id="citizen_id",
    ),
}  # fmt: skip
_TEXT_LIMITS = {"name": 100, "child_name": 100, "hukou_address": 500}
_RECORD_ID = r"^[0-9A-Za-z][0-9A-Za-z_.:-]{0,39}$"
_CONTROL = r"[\x00-\x1f\x7f]"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One fault of one cell: where it is and its code, never the value."""

    file: str
    row: int  # 1-based data row of its file (a CSV header is not counted)
    column: str
    problem: Problem
    reason: str = ""

    def details(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.reason}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.details(),
            "code": self.problem.code,
            "message": {
                "zh": self.problem.message("zh", **self.details()),
                "en": self.problem.message("en", **self.details()),
            },
        }


class RegisterRowsInvalid(HeadcountError):
    """E1903 with every faulty cell; nothing was written."""

    def __init__(self, path: Path, rows: Sequence[RowProblem]) -> None:
        self.rows = list(rows)
        super().__init__(
            errors.REGISTER_ROWS_INVALID, path=path.name, count=len({(p.file, p.row) for p in rows})
        )


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    files: tuple[Path, ...]
    sha256: str
    frame: pl.DataFrame  # the layout's columns as text, plus _file and _row


def layout_of(kind: str) -> Layout:
    if kind not in LAYOUTS:
        raise HeadcountError(errors.REGISTER_KIND_UNKNOWN, kind=str(kind)[:16])
    return LAYOUTS[kind]


# --- reading ------------------------------------------------------------------------------------


def _unreadable(path: Path, reason: str) -> HeadcountError:
    return HeadcountError(errors.REGISTER_FILE_UNREADABLE, path=path.name, reason=reason)


def _files(kind: str, path: Path) -> tuple[Path, ...]:
    if path.is_file():
        if path.suffix.lower() not in (".parquet", ".csv"):
            raise _unreadable(path, "not a .parquet or .csv file")
        return (path,)
    if not path.is_dir():
        raise _unreadable(path, "no such file or directory")
    folder = path / f"registers_{kind}"
    folder = folder if folder.is_dir() else path
    found = sorted(folder.glob("*.parquet")) or sorted(folder.glob("*.csv"))
    if not found:
        raise _unreadable(path, f"no registers_{kind}/ parts (*.parquet or *.csv)")
    return tuple(found)


def _read_one(path: Path, layout: Layout) -> pl.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (OSError, pl.exceptions.PolarsError) as exc:
        # The library's message can quote the offending bytes: only its kind is passed on.
        raise _unreadable(path, f"{type(exc).__name__}: not valid Parquet or UTF-8 CSV") from None
    missing = [c for c in layout.columns if c not in frame.columns]
    unknown = [c[:40] for c in frame.columns if c not in layout.columns]
    if missing or unknown:
        raise HeadcountError(
            errors.REGISTER_COLUMNS_INVALID,
            path=path.name,
            missing=", ".join(missing) or "-",
            unknown=", ".join(unknown[:20]) or "-",
        )
    try:
        text = frame.select(pl.col(c).cast(pl.String) for c in layout.columns)
    except pl.exceptions.PolarsError:
        raise _unreadable(path, "a column cannot be read as text") from None
    return text.with_columns(
        pl.lit(path.name).alias("_file"), pl.int_range(1, pl.len() + 1).alias("_row")
    )


def read_source(kind: str, path: Path) -> Source:
    """The register file(s) as one text frame; E1900 unreadable, E1902 columns."""
    layout = layout_of(kind)
    files = _files(kind, path)
    frames = [_read_one(file, layout) for file in files]
    frame = pl.concat(frames, how="vertical") if len(frames) > 1 else frames[0]
    if frame.height == 0:
        raise _unreadable(path, "no rows")
    if len(files) == 1 and files[0] == path:
        sha = digest_file(path)
    else:
        listing = "".join(f"{digest_file(file)}  {file.name}\n" for file in files)
        sha = hashlib.sha256(listing.encode("utf-8")).hexdigest()
    return Source(path=path, files=files, sha256=sha, frame=frame)


# --- checking every row -------------------------------------------------------------------------


@cache
def _ethnic_codes() -> tuple[str, ...]:
    _, codelists = read_files()
    return tuple(str(entry["code"]).zfill(2) for entry in codelists["ethnic_group"])


def known_counties(values: Iterable[str | None]) -> list[str]:
    """Codes that are a county-level division of any GB/T 2260 revision (historic allowed)."""
    table = divisions()
    known = []
    for value in set(values):
        if value and len(value) == 6:
            found = table.get(value)
            if found is not None and found.level == "county":
                known.append(value)
    return known


def _blank(column: str) -> pl.Expr:
    return pl.col(column).is_null() | (pl.col(column).str.strip_chars() == "")


def _number(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Int64, strict=False)


def _digits(column: str, width: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.contains(rf"^\d{{{width}}}$")


def _month_index(year: str, month: str) -> pl.Expr:
    return _number(year) * 12 + _number(month)


def _year_ok(column: str, today: date) -> pl.Expr:
    return _digits(column, "4") & _number(column).is_between(EARLIEST_YEAR, today.year)


def _month_ok(column: str) -> pl.Expr:
    return _digits(column, "1,2") & _number(column).is_between(1, 12)


def _checks(
    column: str, layout: Layout, frame: pl.DataFrame, today: date
) -> list[tuple[pl.Expr, str]]:
    """(is bad, reason) in order; a later check runs only where the earlier ones passed. A check
    across columns fires only where the other columns are valid (no cascade of reports).

    A birth date whose parts are valid but which does not exist (1991-02-31) is not a bad row:
    registers carry such errors (a wrong month beside the right day), and it is kept with
    ``birth_date_valid`` false (``real_birth_date``)."""
    now_index = today.year * 12 + today.month
    birth_ok = _year_ok("birth_year", today) & _month_ok("birth_month")
    if column == "record_id":
        return [
            (~pl.col(column).str.contains(_RECORD_ID), "1-40 letters, digits or - _ . :"),
            (~pl.col(column).is_first_distinct(), "record_id repeated in the file"),
        ]
    if column in _TEXT_LIMITS:
        return [
            (pl.col(column).str.contains(_CONTROL), "control character"),
            (
                pl.col(column).str.len_chars() > _TEXT_LIMITS[column],
                f"longer than {_TEXT_LIMITS[column]} characters",
            ),
        ]
    if column == "sex":
        return [(~pl.col(column).str.strip_chars().is_in(["1", "2"]), "sex is coded 1 or 2")]
    if column in ("birth_year", "death_year"):
        checks = [(~_year_ok(column, today), f"not a year {EARLIEST_YEAR}-{today.year}")]
        if column == "death_year":
            before = _month_index("death_year", "death_month") < _month_index(
                "birth_year", "birth_month"
            )
            checks.append((before & birth_ok & _month_ok("death_month"), "death before birth"))
        return checks
    if column in ("birth_month", "death_month"):
        year = "birth_year" if column == "birth_month" else "death_year"
        future = (_month_index(year, column) > now_index) & _year_ok(year, today)
        return [(~_month_ok(column), "not a month 1-12"), (future, "after the import date")]
    if column == "birth_day":
        return [
            (~(_digits(column, "1,2") & _number(column).is_between(1, 31)), "not a day 1-31"),
            ((_birth_date() > pl.lit(today)) & birth_ok, "after the import date"),
        ]
    if column == "ethnic_group":
        code = pl.col(column).str.strip_chars().str.zfill(2)
        return [(~code.is_in(list(_ethnic_codes())), "not a GB/T 3304 code")]
    if column in ("hukou_county", "birth_county"):
        known = known_counties(frame.get_column(column).str.strip_chars().to_list())
        return [
            (~_digits(column, "6"), "not 6 digits"),
            (~pl.col(column).str.strip_chars().is_in(known), "not a county of GB/T 2260"),
        ]
    if column == "hukou_township":
        county = pl.col("hukou_county").str.strip_chars()
        return [
            (~_digits(column, "9"), "not 9 digits"),
            (pl.col(column).str.strip_chars().str.slice(0, 6) != county, "not in hukou_county"),
        ]
    return []  # ID numbers: checked into id_status, never a bad row


def real_birth_date(year: int | None, month: int | None, day: int | None) -> bool | None:
    """Whether year-month-day exists; None when the register has no day (deaths)."""
    if year is None or month is None or day is None:
        return None
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _birth_date() -> pl.Expr:
    """The birth date; null where year, month and day do not make a date (2019-02-30)."""
    text = pl.concat_str(
        _number("birth_year").cast(pl.String).str.zfill(4),
        _number("birth_month").cast(pl.String).str.zfill(2),
        _number("birth_day").cast(pl.String).str.zfill(2),
        separator="-",
    )
    return text.str.to_date("%Y-%m-%d", strict=False)


_MISSING = "\x00missing"


def _reason(column: str, layout: Layout, frame: pl.DataFrame, today: date) -> pl.Expr:
    chain: Any = pl.when(_blank(column) & pl.lit(column in layout.required)).then(pl.lit(_MISSING))
    chain = chain.when(_blank(column)).then(pl.lit(None, pl.String))
    for bad, reason in _checks(column, layout, frame, today):
        # A check that cannot be evaluated (null: an earlier column is bad) does not fire.
        chain = chain.when(bad.fill_null(False)).then(pl.lit(reason))
    result: pl.Expr = chain.otherwise(pl.lit(None, pl.String)).alias(column)
    return result


def validate(kind: str, frame: pl.DataFrame, *, today: date | None = None) -> list[RowProblem]:
    """Every faulty cell of the frame (``read_source``'s layout), in file, row, column order."""
    layout = layout_of(kind)
    day = today or datetime.now(UTC).date()
    checked = frame.with_row_index("_seq").select(
        "_seq", "_file", "_row", *(_reason(c, layout, frame, day) for c in layout.columns)
    )
    faults = (
        checked.unpivot(index=["_seq", "_file", "_row"], variable_name="column", value_name="why")
        .filter(pl.col("why").is_not_null())
        .with_columns(
            pl.col("column")
            .replace_strict({c: i for i, c in enumerate(layout.columns)}, return_dtype=pl.Int32)
            .alias("_order")
        )
        .sort("_seq", "_order")
    )
    return [
        RowProblem(
            file=str(row["_file"]),
            row=int(row["_row"]),
            column=str(row["column"]),
            problem=errors.REGISTER_VALUE_MISSING
            if row["why"] == _MISSING
            else errors.REGISTER_VALUE_INVALID,
            reason="" if row["why"] == _MISSING else str(row["why"]),
        )
        for row in faults.iter_rows(named=True)
    ]


def id_status(
    raw: str | None, *, sex: int | None, birth_year: int | None, birth_month: int | None
) -> tuple[str, str | None]:
    """(status, first E11xx code): missing, invalid (hard fault), flagged (soft flag or
    disagreeing with the row's sex or birth month), valid. Legacy 15-digit numbers are upgraded."""
    if raw is None or not raw.strip():
        return "missing", None
    result = citizen_id.check(raw, allow_legacy=True)
    if not result.valid:
        first = result.first
        return "invalid", first.code if first else None
    flags = list(result.issues) + citizen_id.consistency(
        result, sex_code=sex, birth_year=birth_year, birth_month=birth_month
    )
    return ("flagged", flags[0].code) if flags else ("valid", None)


__all__ = [
    "LAYOUTS",
    "Layout",
    "RegisterRowsInvalid",
    "RowProblem",
    "Source",
    "id_status",
    "known_counties",
    "layout_of",
    "read_source",
    "real_birth_date",
    "validate",
]
