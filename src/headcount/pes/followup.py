"""The matching's unresolved cases and the field's answers to them (issue 13, part 4).

Two kinds of case need a visit once the matching has run, as in any PES follow-up:

- ``p_nonmatch``: a survey person the census lacks. An omission only if she lived in the
  household at the standard time point; if not (``not_resident``, ``not_exist``), she leaves the
  P-sample.
- ``e_unmatched``: a counted census person of a sampled area whom the survey did not find. A
  correct enumeration if he lived there (``resident``); counted in the wrong place
  (``not_resident``) or not a real person (``not_exist``), an erroneous enumeration.

``not_found`` (nobody could say) keeps the matching's own status: a non-match stays a non-match,
a census record stays correct. A case sent to the field and not answered yet is ``unresolved``,
which ``pes estimate`` refuses (E2166): the estimate waits for the follow-up. An extract without
follow-up (a simulated survey) has no unresolved case.

``cases`` lists what the matching could not settle and the field has not answered — what
``headcount pes followup`` sends to the survey's enumerators. Pure Polars: no database.
"""

from __future__ import annotations

import polars as pl

KEYS = ("household_id", "person_no")
DROPPING = ("not_resident", "not_exist")
SCHEMA = {
    "kind": pl.String(),
    "household_id": pl.String(),
    "person_no": pl.Int32(),
    "small_area_code": pl.String(),
}
ANSWERS = {
    "kind": pl.String(),
    "household_id": pl.String(),
    "person_no": pl.Int32(),
    "answer": pl.String(),
}


def _answers_of(answers: pl.DataFrame, kind: str) -> pl.DataFrame:
    return (
        answers.filter(pl.col("kind") == kind)
        .select(pl.col("household_id"), pl.col("person_no").cast(pl.Int32), "answer")
        .unique(subset=list(KEYS), keep="last")
    )


def apply(
    p_sample: pl.DataFrame,
    e_sample: pl.DataFrame,
    matched_census: pl.DataFrame,
    answers: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The P- and E-sample with the follow-up's answers (``answers``: kind, household_id,
    person_no, answer — null while the case is open) and ``matched_census`` (household_id,
    person_no of census records a survey person matched)."""
    p_answers = _answers_of(answers, "p_nonmatch").rename({"household_id": "pes_household_id"})
    p = p_sample.with_columns(pl.col("person_no").cast(pl.Int32)).join(
        p_answers, on=["pes_household_id", "person_no"], how="left"
    )
    sent = (
        p_answers.select("pes_household_id", "person_no")
        .with_columns(pl.lit(True).alias("_sent"))
        .unique()
    )
    p = p.join(sent, on=["pes_household_id", "person_no"], how="left")
    nonmatch = pl.col("status") == "nonmatch"
    p = p.filter(~(nonmatch & pl.col("answer").is_in(DROPPING).fill_null(False))).with_columns(
        pl.when(nonmatch & pl.col("_sent").fill_null(False) & pl.col("answer").is_null())
        .then(pl.lit("unresolved"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    e_answers = _answers_of(answers, "e_unmatched")
    unmatched = e_sample.with_columns(pl.col("person_no").cast(pl.Int32)).join(
        matched_census.with_columns(pl.col("person_no").cast(pl.Int32), pl.lit(True).alias("_m")),
        on=list(KEYS),
        how="left",
    )
    e = unmatched.join(
        e_answers.with_columns(pl.lit(True).alias("_sent")), on=list(KEYS), how="left"
    )
    census_only = (pl.col("status") == "correct") & pl.col("_m").is_null()
    e = e.with_columns(
        pl.when(census_only & pl.col("_sent").fill_null(False) & pl.col("answer").is_null())
        .then(pl.lit("unresolved"))
        .when(census_only & pl.col("answer").is_in(DROPPING).fill_null(False))
        .then(pl.lit("erroneous"))
        .otherwise(pl.col("status"))
        .alias("status")
    )
    return (
        p.drop("answer", "_sent").select(p_sample.columns),
        e.drop("answer", "_sent", "_m").select(e_sample.columns),
    )


def cases(
    p_sample: pl.DataFrame,
    e_sample: pl.DataFrame,
    matched_census: pl.DataFrame,
    answers: pl.DataFrame,
) -> pl.DataFrame:
    """Cases to send to the field: non-matches and census-only records not answered yet (open
    ones included: sending again changes nothing, ``pes followup`` keeps one task per case)."""
    answered = answers.filter(pl.col("answer").is_not_null()).select("kind", *KEYS)
    p = p_sample.filter(pl.col("status").is_in(["nonmatch", "unresolved"])).select(
        pl.lit("p_nonmatch").alias("kind"),
        pl.col("pes_household_id").alias("household_id"),
        pl.col("person_no").cast(pl.Int32),
        "small_area_code",
    )
    matched = matched_census.with_columns(pl.col("person_no").cast(pl.Int32))
    e = (
        e_sample.filter(pl.col("status").is_in(["correct", "unresolved"]))
        .with_columns(pl.col("person_no").cast(pl.Int32))
        .join(matched, on=list(KEYS), how="anti")
        .select(pl.lit("e_unmatched").alias("kind"), *KEYS, "small_area_code")
    )
    out = pl.concat([p.cast(SCHEMA), e.cast(SCHEMA)])  # type: ignore[arg-type]
    return out.join(answered.cast({"person_no": pl.Int32}), on=["kind", *KEYS], how="anti").sort(
        "kind", *KEYS
    )


__all__ = ["ANSWERS", "DROPPING", "SCHEMA", "apply", "cases"]
