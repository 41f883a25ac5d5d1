"""The findings the field verifies (比对复查), and what the field's answers do to the next run.

``for_field`` reads a quality output and lists each finding an enumerator can check: a suspected
omission (a register person with no census record), a duplicate residence record (the copy, not
the record kept), a census person the death register says died before the standard time point,
and an item on which a census record and its register row disagree. Each has a ``key`` that
names it across runs, so the field is never asked the same question twice.

``apply_answers`` runs inside the next quality job, with the answers the extract carries
(``verifications``): a finding the field settled leaves its open list for ``verified``:

- omission: ``not_found``, ``moved``, ``died`` settle it; ``found`` does not until the person is
  registered (the next run then links the new record and the omission is gone by itself);
- duplicate copy: ``duplicate_confirmed`` keeps it erroneous, now confirmed (and not counted:
  ``processing.counting``); ``not_duplicate`` removes it;
- died before the standard time point: ``died`` keeps it erroneous, confirmed; ``found`` (alive,
  the register was wrong) removes it;
- discrepancy: ``census_correct`` and ``corrected`` settle it.

Every open frame gains a ``verification`` column: the answer given, or null.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.processing.counting import CONFIRMED_ERRONEOUS

# (finding, answer) pairs that take a finding off the open list.
SETTLED = {
    ("omission", "not_found"),
    ("omission", "moved"),
    ("omission", "died"),
    ("duplicate", "not_duplicate"),
    ("died", "found"),
    ("discrepancy", "census_correct"),
    ("discrepancy", "corrected"),
}
VERIFICATION_COLUMNS = (
    "finding", "household_id", "person_no", "register", "record_id", "item", "answer",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldFinding:
    finding: str  # omission, duplicate, died, discrepancy
    key: str
    household_id: str  # "" for an omission (no census household)
    small_area_code: str | None  # an omission's; a census record's comes from its household
    person_no: int | None = None
    register: str | None = None
    record_id: str | None = None
    item: str | None = None
    other_household_id: str | None = None
    score: float | None = None


def _read(out: Path, kind: str) -> pl.DataFrame:
    path = out / f"{kind}.parquet"
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise HeadcountError(
            errors.VERIFY_NOT_QUALITY, path=str(out), reason=f"{kind}.parquet: {type(exc).__name__}"
        ) from exc


def summary(out: Path) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads((out / "quality.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise HeadcountError(
            errors.VERIFY_NOT_QUALITY, path=str(out), reason="quality.json"
        ) from exc
    return loaded


def _open(frame: pl.DataFrame) -> pl.DataFrame:
    if "verification" not in frame.columns:
        return frame
    return frame.filter(pl.col("verification").is_null())


def for_field(out: Path) -> list[FieldFinding]:
    """The open findings of the quality output ``out`` the field can verify, in a stable order,
    each with its key (``_keyed``: the one form the next run's answers are matched by)."""
    frames = {
        kind: _open(_read(out, kind)).with_columns(_keyed(kind).alias("_key"))
        for kind in ("omissions", "erroneous", "discrepancies")
    }
    found: list[FieldFinding] = []
    for row in frames["omissions"].iter_rows(named=True):
        found.append(
            FieldFinding(
                "omission",
                row["_key"],
                "",
                row["small_area_code"],
                register=row["register"],
                record_id=row["record_id"],
                score=row["score"],
            )
        )
    # A duplicate copy's cluster: its score, and the household of the record kept.
    duplicates = _read(out, "duplicates")
    kept = duplicates.select("cluster_id", pl.col("household_id").alias("other"))
    clusters = {
        (r["household_id"], r["person_no"]): r
        for r in duplicates.join(kept, on="cluster_id")
        .filter(pl.col("other") != pl.col("household_id"))
        .unique(["household_id", "person_no"], keep="first", maintain_order=True)
        .iter_rows(named=True)
    }
    for row in frames["erroneous"].iter_rows(named=True):
        household, person = row["household_id"], int(row["person_no"])
        if row["reason"] == "died_before_reference":
            found.append(
                FieldFinding(
                    "died", row["_key"], household, None, person, row["register"],
                    row["record_id"],
                )
            )  # fmt: skip
            continue
        cluster = clusters.get((household, person))
        found.append(
            FieldFinding(
                "duplicate",
                row["_key"],
                household,
                None,
                person,
                other_household_id=cluster["other"] if cluster else None,
                score=cluster["score"] if cluster else None,
            )
        )
    for row in frames["discrepancies"].iter_rows(named=True):
        found.append(
            FieldFinding(
                "discrepancy",
                row["_key"],
                row["household_id"],
                None,
                int(row["person_no"]),
                row["register"],
                row["record_id"],
                row["item"],
            )
        )
    return found


# --- the next run ---------------------------------------------------------------------------


def _key(finding: pl.Expr, *parts: pl.Expr) -> pl.Expr:
    """A finding's key — finding, household, person, register, record and item, joined by ":"
    (empty where absent) — over columns: the same for a finding and for the field's answer."""
    return pl.concat_str(
        [finding, *(p.cast(pl.String).fill_null("") for p in parts)], separator=":"
    )


_NONE = pl.lit(None, pl.String)


def _keyed(kind: str) -> pl.Expr:
    register, record = pl.col("register"), pl.col("record_id")
    if kind == "omissions":
        return _key(pl.lit("omission"), _NONE, _NONE, register, record, _NONE)
    household, person = pl.col("household_id"), pl.col("person_no")
    if kind == "discrepancies":
        return _key(pl.lit("discrepancy"), household, person, register, record, pl.col("item"))
    died = pl.col("reason") == "died_before_reference"
    finding = pl.when(died).then(pl.lit("died")).otherwise(pl.lit("duplicate"))
    return _key(finding, household, person, register, record, _NONE)


def _answer_keys(answers: pl.DataFrame) -> pl.DataFrame:
    """finding key → answer (the latest wins when one finding was answered twice)."""
    columns = ("household_id", "person_no", "register", "record_id", "item")
    household = pl.col("household_id").replace("", None)
    keyed = answers.with_columns(
        _key(pl.col("finding"), household, *(pl.col(c) for c in columns[1:])).alias("key")
    )
    return keyed.select("key", "finding", "answer").unique("key", keep="last", maintain_order=True)


def apply_answers(
    frames: dict[str, pl.DataFrame], answers: pl.DataFrame | None
) -> dict[str, pl.DataFrame]:
    """The findings with the field's answers: a ``verification`` column on omissions, erroneous
    and discrepancies, the settled ones moved to ``verified`` (finding, key, answer + the row)."""
    out = dict(frames)
    keyed = _answer_keys(answers) if answers is not None and answers.height else None
    settled_parts: list[pl.DataFrame] = []
    for kind in ("omissions", "erroneous", "discrepancies"):
        frame = frames[kind]
        if keyed is None:
            out[kind] = frame.with_columns(pl.lit(None, pl.String).alias("verification"))
            continue
        joined = frame.with_columns(_keyed(kind).alias("_key")).join(
            keyed.rename({"key": "_key", "answer": "verification", "finding": "_finding"}),
            on="_key",
            how="left",
        )
        pairs = pl.concat_str([pl.col("_finding"), pl.col("verification")], separator="|")
        settled = pairs.is_in([f"{f}|{a}" for f, a in SETTLED]).fill_null(False)
        settled_parts.append(
            joined.filter(settled).select(
                pl.lit(kind).alias("kind"),
                pl.col("_finding").alias("finding"),
                pl.col("_key").alias("key"),
                pl.col("verification").alias("answer"),
            )
        )
        out[kind] = joined.filter(~settled).drop("_key", "_finding")
    empty = pl.DataFrame(
        schema={"kind": pl.String, "finding": pl.String, "key": pl.String, "answer": pl.String}
    )
    out["verified"] = pl.concat([empty, *settled_parts]) if settled_parts else empty
    return out


def confirmed_erroneous(answers: pl.DataFrame) -> pl.DataFrame:
    """(household_id, person_no) of the census records the field confirmed should not count."""
    pairs = pl.concat_str([pl.col("finding"), pl.col("answer")], separator="|")
    wanted = [f"{f}|{a}" for f, a in CONFIRMED_ERRONEOUS]
    return answers.filter(pairs.is_in(wanted)).select("household_id", "person_no").unique()


__all__ = [
    "CONFIRMED_ERRONEOUS",
    "SETTLED",
    "VERIFICATION_COLUMNS",
    "FieldFinding",
    "apply_answers",
    "confirmed_erroneous",
    "for_field",
    "summary",
]
