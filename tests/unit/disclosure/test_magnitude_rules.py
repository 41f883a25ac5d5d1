"""Dominance (n,k) and p % over hand-made contributions, each cell worked out by hand.

Cells (contributor: value):

* A: a 50, b 40, c 5, d 5 — total 100
* B: a 40, b 30, c 20, d 10 — total 100
* C: a 10 — one contributor
* D: x 40 and x 20 (one contributor, 60), y 30, z 10 — total 100
* E: a 0, b 0 — empty
* F: a 100, b 50, c 4 — total 154
* G: a 100, b 50, c 10 — total 160
"""

from __future__ import annotations

import polars as pl
import pytest

from headcount.disclosure import DominanceRule, PPercentRule, cell_contributions
from headcount.errors import HeadcountError

CELLS = {
    "A": [("a", 50), ("b", 40), ("c", 5), ("d", 5)],
    "B": [("a", 40), ("b", 30), ("c", 20), ("d", 10)],
    "C": [("a", 10)],
    "D": [("x", 40), ("x", 20), ("y", 30), ("z", 10)],
    "E": [("a", 0), ("b", 0)],
    "F": [("a", 100), ("b", 50), ("c", 4)],
    "G": [("a", 100), ("b", 50), ("c", 10)],
}


def _frame() -> pl.DataFrame:
    rows = [
        {"area_code": "110101", "sector": cell, "contributor": who, "value": value}
        for cell, contributions in CELLS.items()
        for who, value in contributions
    ]
    return pl.DataFrame(rows)


def _risky(rule: DominanceRule | PPercentRule) -> list[str]:
    return rule.risky_cells(_frame(), ["area_code", "sector"]).get_column("sector").to_list()


def test_contributions_are_summed_per_contributor_and_sorted() -> None:
    reduced = cell_contributions(_frame(), ["area_code", "sector"])
    by_cell = {r["sector"]: r for r in reduced.to_dicts()}
    assert by_cell["D"]["top"] == [60, 30, 10] and by_cell["D"]["contributors"] == 3
    assert by_cell["A"]["total"] == 100 and by_cell["F"]["total"] == 154


def test_dominance_two_85() -> None:
    # A: 50+40 = 90 > 85; B: 70; C: 10 of 10; D: 60+30 = 90 (rows apart it would be 40+30 = 70);
    # E: empty; F: 150 of 154 = 97 %; G: 150 of 160 = 93.75 %.
    assert _risky(DominanceRule(2, 85)) == ["A", "C", "D", "F", "G"]


def test_dominance_one_k_is_strictly_more_than_k() -> None:
    # Largest shares: A 50, B 40, C 100, D 60, F 64.9, G 62.5 (%)
    assert _risky(DominanceRule(1, 60)) == ["C", "F", "G"]
    assert _risky(DominanceRule(1, 62.5)) == ["C", "F"]  # G is exactly 62.5 %: not more


def test_p_percent_ten() -> None:
    # rest = total − x1 − x2 against 10 % of x1: A 10 vs 5; B 30 vs 4; C 0 vs 1 (risky);
    # D 10 vs 6; E empty; F 4 vs 10 (risky); G 10 vs 10 (not below: safe).
    assert _risky(PPercentRule(10)) == ["C", "F"]
    # p = 20: D 10 < 12 becomes risky, G 10 < 20 too, A 10 vs 10 stays safe.
    assert _risky(PPercentRule(20)) == ["C", "D", "F", "G"]


@pytest.mark.parametrize(
    ("text", "expected"), [("2,85", (2, 85.0)), ("1, 90.5", (1, 90.5)), (" 3,75 ", (3, 75.0))]
)
def test_dominance_parse(text: str, expected: tuple[int, float]) -> None:
    rule = DominanceRule.parse(text)
    assert (rule.n, rule.k) == expected


@pytest.mark.parametrize("text", ["3,2", "0,85", "2,100", "2,0", "2", "2,85,1", "x,85", "2,nan"])
def test_bad_dominance_is_e2153(text: str) -> None:
    with pytest.raises(HeadcountError) as caught:
        DominanceRule.parse(text)
    assert caught.value.code == "E2153"


@pytest.mark.parametrize("text", ["0", "-5", "101", "abc", "inf"])
def test_bad_p_is_e2154(text: str) -> None:
    with pytest.raises(HeadcountError) as caught:
        PPercentRule.parse(text)
    assert caught.value.code == "E2154"
    assert PPercentRule.parse("15%").p == 15 and PPercentRule.parse("100").p == 100


@pytest.mark.parametrize(
    "frame",
    [
        pl.DataFrame({"sector": ["A"], "contributor": ["a"], "value": [-1]}),
        pl.DataFrame(
            {"sector": ["A"], "contributor": ["a"], "value": [None]},
            schema_overrides={"value": pl.Int64},
        ),
        pl.DataFrame(
            {"sector": ["A"], "contributor": [None], "value": [1]},
            schema_overrides={"contributor": pl.String},
        ),
        pl.DataFrame({"sector": ["A"], "contributor": ["a"], "value": ["1"]}),
        pl.DataFrame({"sector": ["A"], "who": ["a"], "value": [1]}),
    ],
)
def test_bad_contributions_are_e2157(frame: pl.DataFrame) -> None:
    with pytest.raises(HeadcountError) as caught:
        DominanceRule().cells(frame, ["sector"])
    assert caught.value.code == "E2157"
