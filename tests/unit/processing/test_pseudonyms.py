"""Keyed ID pseudonyms and name encodings: deterministic per key, unrelated across keys, and
names that differ by one character still compare as similar."""

from __future__ import annotations

import polars as pl
import pytest

from headcount.identity.citizen_id import check_char
from headcount.privacy import crypto
from headcount.processing import pseudonyms
from headcount.processing.pseudonyms import ProcessingKeys, dice


def _keys(secret: bytes = b"s" * 32, profile: crypto.Profile = "intl") -> ProcessingKeys:
    return ProcessingKeys.from_secret(profile, secret, "test")


def _id(first17: str) -> str:
    return first17 + check_char(first17)


@pytest.mark.parametrize("profile", ["intl", "gm"])
def test_id_pseudonym_is_the_profiles_hmac_of_the_first_17_digits(profile: str) -> None:
    keys = _keys(profile=profile)  # type: ignore[arg-type]
    number = _id("11010519800101001")
    lower = number[:-1] + number[-1].lower()
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")  # a mistyped check character
    out = keys.id_pseudonyms(pl.Series([number, f" {lower} ", None, "", typo, "12345"])).to_list()
    expected = crypto.mac(profile, keys.id_key, number[:17].encode())[:16]  # type: ignore[arg-type]
    assert out[0] == expected and out[1] == expected and out[4] == expected
    assert out[2] is None and out[3] is None
    assert out[5] == crypto.mac(profile, keys.id_key, b"12345")[:16]  # type: ignore[arg-type]


def test_pseudonyms_differ_between_keys_and_between_numbers() -> None:
    a, b = _keys(b"a" * 32), _keys(b"b" * 32)
    ids = pl.Series([_id("11010519800101001"), _id("11010519800101002")])
    pa, pb = a.id_pseudonyms(ids).to_list(), b.id_pseudonyms(ids).to_list()
    assert pa[0] != pa[1] and pa[0] != pb[0] and len(set(pa + pb)) == 4


def test_the_cache_never_loses_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pseudonyms, "CACHE_ROWS", 3)
    keys, fresh = _keys(), _keys()
    first = pl.Series([_id(f"110105198001010{n:02d}") for n in range(5)])
    second = pl.Series([_id(f"110105198001010{n:02d}") for n in range(3, 9)])
    keys.id_pseudonyms(first)
    assert keys.id_pseudonyms(second).to_list() == fresh.id_pseudonyms(second).to_list()
    assert keys.name_blooms(pl.Series(["王小明", "李四", "张三", "赵六"])).null_count() == 0
    names = pl.Series(["张三", "钱七", "孙八", "王小明"])
    assert keys.name_blooms(names).to_list() == _keys().name_blooms(names).to_list()


def test_one_changed_character_still_scores_as_similar() -> None:
    keys = _keys()
    names = ["张小明", "张小名", "张大伟", "王小明", "刘德华", "张三", "张四", "李四", "欧阳小明"]
    blooms = dict(zip(names, keys.name_blooms(pl.Series(names)).to_list(), strict=True))
    assert dice(blooms["张小明"], blooms["张小明"]) == 1.0
    assert dice(blooms["张小明"], blooms["张小名"]) >= 0.5  # one given-name character
    assert dice(blooms["张小明"], blooms["王小明"]) >= 0.5  # one surname character
    assert dice(blooms["张三"], blooms["张四"]) >= 0.35  # two-character names keep ~0.45
    assert dice(blooms["张小明"], blooms["刘德华"]) < 0.15  # unrelated
    assert dice(blooms["张三"], blooms["李四"]) < dice(blooms["张三"], blooms["张四"])
    assert dice(blooms["欧阳小明"], blooms["张小明"]) > dice(blooms["刘德华"], blooms["张小明"])


def test_encodings_depend_on_the_key_and_keep_missing_names_missing() -> None:
    a = _keys(b"a" * 32).name_blooms(pl.Series(["张小明", None, " "])).to_list()
    b = _keys(b"b" * 32).name_blooms(pl.Series(["张小明"])).to_list()
    assert a[1] is None and a[2] is None
    assert a[0] != b[0] and len(a[0]) == pseudonyms.BLOOM_WORDS
    bits = sum((w & (2**64 - 1)).bit_count() for w in a[0])
    assert 10 <= bits <= 7 * pseudonyms.BLOOM_K  # 7 grams, some positions shared


def test_dice_of_missing_is_zero() -> None:
    assert dice(None, [1, 2, 3, 4]) == 0.0 and dice([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0


def test_the_bulk_path_gives_the_same_bytes_as_the_reference_hmac() -> None:
    keys = _keys()
    numbers = [
        _id(f"3101041990{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}") for n in range(3000)
    ]
    out = keys.id_pseudonyms(pl.Series(numbers)).to_list()  # ≥ 1000 fresh: DuckDB's SHA-256
    assert out == [crypto.mac("intl", keys.id_key, n[:17].encode())[:16] for n in numbers]
