"""The rule language: parsing, precedence and its errors."""

from __future__ import annotations

import pytest

from headcount.errors import HeadcountError
from headcount.questionnaire import rules as r


def test_precedence_and_or_not_compare_arithmetic() -> None:
    node = r.parse("not a == 1 or b + 2 * c >= 3 and d in [1, 2]")
    assert isinstance(node, r.Binary) and node.op == "or"
    assert node.left == r.Unary("not", r.Binary("==", r.Name("a"), r.Const(1)))
    right = node.right
    assert isinstance(right, r.Binary) and right.op == "and"
    assert right.left == r.Binary(
        ">=", r.Binary("+", r.Name("b"), r.Binary("*", r.Const(2), r.Name("c"))), r.Const(3)
    )
    assert right.right == r.InList(r.Name("d"), (1, 2))


def test_literals_calls_and_not_in() -> None:
    node = r.parse('f(x, "999", -1.5) and y not in [-1, "a"] and z == null and t == true')
    assert r.names(node) == {"x", "y", "z", "t"}
    assert r.Call("f", (r.Name("x"), r.Const("999"), r.Unary("-", r.Const(1.5)))) == (
        node.left.left.left  # type: ignore[union-attr]
    )
    assert r.InList(r.Name("y"), (-1, "a"), negated=True) == node.left.left.right  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a ==",
        "a == 1 )",
        "(a == 1",
        "a in []",
        "a in [b]",
        "a $ b",
        "and",
        "f(a b)",
        "a in [1 2]",
    ],
)
def test_syntax_errors_are_coded(text: str) -> None:
    with pytest.raises(HeadcountError) as info:
        r.parse(text, "test")
    assert info.value.code == "E1203"
    assert "test" in info.value.message("en")


def test_conj_drops_true_and_handles_empty() -> None:
    assert r.conj() == r.Const(True)
    assert r.conj(None, r.Const(True), r.Name("a")) == r.Name("a")
