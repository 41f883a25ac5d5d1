"""What a citizen ID number carries, computed over a whole column (GB 11643, vectorised).

The extract keeps these attributes beside the pseudonym so that quality jobs can compare the ID
with the answers (D4 sex, D5 birth month) and with the registers without the number itself.
``id_status`` is ``valid`` when the number passes the hard checks of ``citizen_id.check``: the
format, a real birth day from 1880 on, the MOD 11-2 check character, and a GB/T 2260 province in
the first two digits; ``check_char`` when only the check character is wrong (the commonest typo:
the first 17 digits still carry sex, birth date and address, and the pseudonym is the person's);
``invalid`` otherwise; ``missing`` when no number was given. (A birth after
the standard time point is a soft flag there, and stays ``valid`` here.) The per-record validator
(``identity.citizen_id.check``) stays the reference; a test compares the two.
"""

from __future__ import annotations

import polars as pl

from headcount.identity.citizen_id import CHECK_CHARS, WEIGHTS
from headcount.identity.divisions import divisions
from headcount.processing.pseudonyms import normalise_ids

ID_COLUMNS = ("id_status", "id_sex", "id_birth_year", "id_birth_month", "id_birth_day")
ADDRESS_COLUMN = "id_address_code"
_FIRST_YEAR = 1880


def id_attributes(ids: pl.Series, *, prefix: str = "id") -> pl.DataFrame:
    """One row per input: ``<prefix>_status``, ``_sex``, ``_birth_year/_month/_day``,
    ``_address_code`` (nulls where the number is invalid or missing; kept for ``check_char``)."""
    frame = pl.DataFrame({"v": normalise_ids(ids)})
    shaped = pl.col("v").str.contains(r"^[0-9]{17}[0-9X]$").fill_null(False)
    # The 17 digits as one integer, parsed once; every part is then integer arithmetic (one
    # string slice per digit cost four times as much).
    number = pl.when(shaped).then(pl.col("v").str.slice(0, 17).cast(pl.Int64, strict=False))
    frame = frame.with_columns(shaped.alias("fmt"), number.alias("n"))
    n = pl.col("n")
    weighted = pl.sum_horizontal(
        (n // 10 ** (16 - i)) % 10 * w for i, w in enumerate(WEIGHTS)
    )  # fmt: skip
    provinces = [int(code) for code in divisions().province_codes()]
    frame = frame.with_columns(
        (weighted % 11).alias("r"),
        (n // 10**7 % 10_000).cast(pl.Int32).alias("y"),
        (n // 10**5 % 100).cast(pl.Int8).alias("m"),
        (n // 10**3 % 100).cast(pl.Int8).alias("d"),
        (n // 10**15).is_in(provinces).alias("province_ok"),
    )
    check = pl.col("r").replace_strict(list(range(11)), list(CHECK_CHARS), default=None)
    # A date that does not exist (02-30) must not raise: test the parts before building it.
    month_ok = pl.col("m").is_between(1, 12)
    day_ok = pl.col("d").is_between(1, 31)
    frame = frame.with_columns(
        pl.when(pl.col("fmt") & month_ok & day_ok & pl.col("y").is_between(_FIRST_YEAR, 9999))
        .then(pl.date(pl.col("y"), pl.col("m"), 1))
        .otherwise(None)
        .alias("first_of_month"),
    )
    frame = frame.with_columns(
        (
            pl.col("fmt")
            & pl.col("first_of_month").is_not_null()
            & (
                pl.col("d")
                <= pl.col("first_of_month").dt.month_end().dt.day().cast(pl.Int8, strict=False)
            ).fill_null(False)
            & pl.col("province_ok").fill_null(False)
        ).alias("sound"),  # everything but the check character
        (pl.col("v").str.slice(17, 1) == check).fill_null(False).alias("checked"),
    )
    frame = frame.with_columns((pl.col("sound") & pl.col("checked")).alias("ok"))
    digit17 = n % 10
    known = pl.col("sound")  # the first 17 digits are a real number: what they carry holds
    return frame.select(
        pl.when(pl.col("v").is_null())
        .then(pl.lit("missing"))
        .when(pl.col("ok"))
        .then(pl.lit("valid"))
        .when(pl.col("sound"))
        .then(pl.lit("check_char"))
        .otherwise(pl.lit("invalid"))
        .alias(f"{prefix}_status"),
        pl.when(known).then(2 - digit17 % 2).cast(pl.Int8).alias(f"{prefix}_sex"),
        pl.when(known).then(pl.col("y")).cast(pl.Int16).alias(f"{prefix}_birth_year"),
        pl.when(known).then(pl.col("m")).cast(pl.Int8).alias(f"{prefix}_birth_month"),
        pl.when(known).then(pl.col("d")).cast(pl.Int8).alias(f"{prefix}_birth_day"),
        pl.when(known).then(pl.col("v").str.slice(0, 6)).alias(f"{prefix}_address_code"),
    )
