from __future__ import annotations

import string

import pytest

from headcount.auth.credentials import ALPHABET
from headcount.fieldwork.badges import (
    grouped,
    is_legacy,
    is_well_formed,
    legacy_badge,
    new_badge,
    normalize_badge,
)


def test_badges_are_random_readable_and_typed_loosely() -> None:
    badges = {new_badge("11", "E") for _ in range(200)}
    assert len(badges) == 200
    for badge in badges:
        assert len(badge) == 17 and badge == grouped(badge) and badge[3] == "-"
        text = normalize_badge(badge)
        assert text[:3] == "11E" and all(c in ALPHABET for c in text[3:])
        assert is_well_formed(badge) and is_well_formed(" " + text.lower() + " ")
        assert not is_legacy(badge)
    assert normalize_badge("11e kqmx-7r3p hja") == "11EKQMX7R3PHJA"
    assert is_well_formed(new_badge("31", "S"))


def test_every_single_typo_and_neighbour_swap_is_caught() -> None:
    text = normalize_badge(new_badge("44", "E"))
    for i in range(len(text)):
        for c in string.digits + string.ascii_uppercase:
            if c != text[i]:
                assert not is_well_formed(text[:i] + c + text[i + 1 :]), (i, c)
        if i + 1 < len(text) and text[i] != text[i + 1]:
            swapped = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            assert not is_well_formed(swapped), i


def test_legacy_badges_are_recognised_but_not_valid() -> None:
    old = legacy_badge("11", "E", 42)
    assert old == "11E0000042X" or old.startswith("11E0000042")
    assert is_legacy(old) and is_legacy(old.lower()) and not is_well_formed(old)
    assert not is_legacy(old[:-1] + ("0" if old[-1] != "0" else "1"))
    assert grouped(old) == old
    for args in [("1", "E"), ("11", "X"), ("1A", "E")]:
        with pytest.raises(ValueError):
            new_badge(*args)  # type: ignore[arg-type]
    assert not is_well_formed("") and not is_well_formed("11X-KQMX-7R3P-HJA")
