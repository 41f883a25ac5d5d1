"""Blind index (checklist D3): keyed, domain-separated, normalised, not an unkeyed hash."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headcount.errors import HeadcountError
from headcount.identity.citizen_id import check_char
from headcount.privacy import crypto
from headcount.privacy.blind_index import BlindIndexer, normalize_citizen_id
from headcount.privacy.crypto import Profile
from headcount.privacy.keys import MasterKey

ID = "11010519491231002X"  # synthetic, valid check character
LEGACY = "110105491231002"


@pytest.fixture
def indexer(master: MasterKey) -> BlindIndexer:
    return BlindIndexer(master, master.profile)


def test_check_character_of_fixture() -> None:
    assert check_char(ID[:17]) == ID[17]


def test_index_is_32_bytes_stable_and_keyed(indexer: BlindIndexer, master: MasterKey) -> None:
    value = indexer.index_citizen_id(ID)
    assert len(value) == 32
    assert value == BlindIndexer(master, master.profile).index_citizen_id(ID)
    for profile in crypto.PROFILES:
        assert value != crypto.digest(profile, ID.encode())
    other = BlindIndexer(crypto.random_bytes(32), master.profile)
    assert other.index_citizen_id(ID) != value


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        LEGACY,
    ],
)
def test_spellings_of_one_number_share_the_index(indexer: BlindIndexer, typed: str) -> None:
    if typed == LEGACY:
        expected = normalize_citizen_id(LEGACY)
        assert expected[:6] == "110105" and expected[6:8] == "19"
        assert indexer.index_citizen_id(typed) == indexer.index(
            expected, table="person_identity", column="citizen_id"
        )
    else:
        assert indexer.index_citizen_id(typed) == indexer.index_citizen_id(ID)


def test_domain_separation_per_table_and_column(indexer: BlindIndexer) -> None:
    found = {
        indexer.index(ID, table="person_identity", column="citizen_id"),
        indexer.index(ID, table="person_identity", column="guardian_id"),
        indexer.index(ID, table="register", column="citizen_id"),
        indexer.index_citizen_id(ID, table="register", column="citizen_id"),
    }
    assert len(found) == 3


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "E1101"),
        ("12345", "E1102"),
        ("11010519491231002Y", "E1103"),
        ("110105194912310021", "E1104"),
    ],
)
def test_invalid_numbers_raise_their_identity_problem(
    indexer: BlindIndexer, raw: str, code: str
) -> None:
    with pytest.raises(HeadcountError) as caught:
        indexer.index_citizen_id(raw)
    assert caught.value.code == code


def test_fuzzy_index_is_truncated_and_separate(indexer: BlindIndexer) -> None:
    place = {"table": "person_identity", "column": "citizen_id"}
    prefixes = [f"1101051949{m:02d}01" for m in range(1, 13)]
    short = [indexer.fuzzy(p, **place, name="birth_county", bits=16) for p in prefixes]
    assert all(len(s) == 2 for s in short)
    # Own keys: neither the full index's prefix nor another fuzzy index's value.
    assert short != [indexer.index(p, **place)[:2] for p in prefixes]
    assert short != [indexer.fuzzy(p, **place, name="other", bits=16) for p in prefixes]
    assert indexer.fuzzy(prefixes[0], **place, name="birth_county", bits=64)[:2] == short[0]
    for bad in (0, 4, 12, 72):
        with pytest.raises(HeadcountError) as caught:
            indexer.fuzzy(ID, table="t", column="c", name="n", bits=bad)
        assert caught.value.code == "E1418"
    with pytest.raises(HeadcountError):
        indexer.fuzzy(ID, table="t", column="c", name="", bits=16)


def test_short_raw_key_and_profile_mismatch_are_refused(master: MasterKey) -> None:
    with pytest.raises(HeadcountError) as caught:
        BlindIndexer(b"short", "intl")
    assert caught.value.code == "E1418"
    other: Profile = "gm" if master.profile == "intl" else "intl"
    with pytest.raises(HeadcountError) as caught:
        BlindIndexer(master, other)
    assert caught.value.code == "E1416"
    assert repr(BlindIndexer(master, master.profile)) == f"BlindIndexer(profile={master.profile!r})"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_normalisation_is_idempotent(first17: str) -> None:
    number = first17 + check_char(first17)
    try:
        once = normalize_citizen_id(number)
    except HeadcountError:
        return  # impossible dates are rejected, never indexed
    assert normalize_citizen_id(once) == once == number
    assert normalize_citizen_id(number.replace("X", "x")) == once


def test_slow_index_is_keyed_stable_and_separate(indexer: BlindIndexer, master: MasterKey) -> None:
    t, c = "person_identity", "citizen_id"
    slow = indexer.slow(ID, table=t, column=c)
    assert len(slow) == 32 and slow == indexer.slow(ID, table=t, column=c)
    assert slow != indexer.index(ID, table=t, column=c)
    assert slow != indexer.slow(ID, table=t, column=c, iterations=50_001)
    other = BlindIndexer(crypto.random_bytes(32), master.profile)
    assert slow != other.slow(ID, table=t, column=c)
    with pytest.raises(HeadcountError) as caught:
        indexer.slow(ID, table=t, column=c, iterations=1000)
    assert caught.value.code == "E1418"
