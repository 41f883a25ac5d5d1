"""The vectorised ID attributes agree with the per-record validator on every case it knows."""

from __future__ import annotations

import random
from datetime import date

import polars as pl

from headcount.identity import citizen_id
from headcount.identity.citizen_id import check_char
from headcount.processing.id_attributes import id_attributes


def _id(first17: str) -> str:
    return first17 + check_char(first17)


CASES = [
    _id("11010519800101001"),  # valid, male (odd 17th digit)
    _id("11010519800229002"),  # 1980 is a leap year: valid, female
    _id("11010519810229002"),  # 29 February 1981: impossible
    _id("11010519801301002"),  # month 13
    _id("11010520210101002"),  # born after the standard time point
    _id("99010519800101001"),  # no such province
    _id("11010518790101001"),  # before 1880
    "11010519800101001" + ("0" if check_char("11010519800101001") != "0" else "1"),
    "1101051980010100",  # too short
    "11010519800101001Y",
    "",
    None,
    _id("11010519800101003").lower(),  # a lower-case x is still the number
]


def test_agrees_with_the_reference_validator() -> None:
    rng = random.Random(5)
    more = [
        _id(f"{rng.choice(['110105', '310104', '440305', '650102'])}"
            f"{rng.randint(1900, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}"
            f"{rng.randint(0, 999):03d}")
        for _ in range(3000)
    ]  # fmt: skip
    values = CASES + more
    out = id_attributes(pl.Series(values, dtype=pl.String)).to_dicts()
    for raw, row in zip(values, out, strict=True):
        if not raw:
            assert row["id_status"] == "missing"
            continue
        ref = citizen_id.check(raw)
        hard = [i.code for i in ref.issues if i.severity == "hard"]
        only_check = hard == ["E1104"]  # the check character, nothing else
        expected = "valid" if ref.valid else "check_char" if only_check else "invalid"
        assert row["id_status"] == expected, raw[:6]
        if ref.valid:
            born = date(row["id_birth_year"], row["id_birth_month"], row["id_birth_day"])
            assert born == ref.birth_date
            assert row["id_sex"] == {"male": 1, "female": 2}[str(ref.sex)]  # D4 codes
            assert row["id_address_code"] == raw[:6]
        elif not only_check:
            assert row["id_sex"] is None and row["id_address_code"] is None


def test_a_wrong_check_character_keeps_what_the_digits_carry() -> None:
    first17 = "11010519800229002"
    wrong = first17 + ("0" if check_char(first17) != "0" else "1")
    row = id_attributes(pl.Series([wrong])).row(0, named=True)
    assert row["id_status"] == "check_char"
    assert (row["id_birth_year"], row["id_birth_month"], row["id_birth_day"]) == (1980, 2, 29)
    assert row["id_sex"] == 2 and row["id_address_code"] == "110105"


def test_prefix_names_the_columns() -> None:
    out = id_attributes(pl.Series([_id("11010519800101001")]), prefix="mother_id")
    assert out.columns[0] == "mother_id_status" and "mother_id_address_code" in out.columns
