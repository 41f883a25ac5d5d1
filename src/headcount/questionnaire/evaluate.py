"""Compile rule ASTs to Python closures over one household (the online executor's half).

Three-valued logic mirrors Polars exactly: ``None`` is unknown, ``and``/``or`` are Kleene, a
comparison or arithmetic with ``None`` is ``None``, division by zero is ``None``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from headcount.questionnaire import rules as r
from headcount.questionnaire.functions import FUNCTIONS
from headcount.questionnaire.schema import Scope


class Ctx:
    """One record under evaluation: its own values, its household, and the household's rosters."""

    __slots__ = ("deaths", "hh", "memo", "persons", "row")

    def __init__(
        self,
        row: dict[str, Any],
        hh: dict[str, Any],
        persons: list[Ctx],
        deaths: list[Ctx],
        memo: dict[int, Any],
    ) -> None:
        self.row = row
        self.hh = hh
        self.persons = persons
        self.deaths = deaths
        # Aggregates are the same for every row of a household: computed once, shared here, so a
        # collective household of thousands of persons is not checked in quadratic time.
        self.memo = memo


Fn = Callable[[Ctx], Any]

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


def _and(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: Any, b: Any) -> Any:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


class PythonCompiler:
    """Turns nodes into closures; ``own_names`` are read from the row, the rest from the household.

    ``derived`` holds each scope's derived-variable names: they are stored in the row dict once per
    record (see ``engine.py``), so reading them is a dict lookup like an item.
    """

    def __init__(self, own_names: dict[Scope, set[str]], constants: dict[str, int]) -> None:
        self.own_names = own_names
        self.constants = constants

    def compile(self, node: r.Node, scope: Scope) -> Fn:
        fast = self._shortcut(node, scope)
        if fast is not None:
            return fast
        if isinstance(node, r.Const):
            value = node.value
            return lambda _c: value
        if isinstance(node, r.Name):
            return self._name(node.name, scope)
        if isinstance(node, r.Unary):
            inner = self.compile(node.operand, scope)
            if node.op == "not":
                return lambda c: None if (v := inner(c)) is None else not v
            return lambda c: None if (v := inner(c)) is None else -v
        if isinstance(node, r.Binary):
            return self._binary(node, scope)
        if isinstance(node, r.InList):
            inner = self.compile(node.operand, scope)
            values = frozenset(node.values)
            if node.negated:
                return lambda c: None if (v := inner(c)) is None else v not in values
            return lambda c: None if (v := inner(c)) is None else v in values
        return self._call(node, scope)

    def _shortcut(self, node: r.Node, scope: Scope) -> Fn | None:
        """One closure instead of three for the shapes generated edits use most: a presence test
        or a comparison of an answer with a literal. Same results as the general path; the row
        and household variants are spelled out because this is the engine's innermost loop."""
        target = _answer(node)
        if target is None or target in self.constants:
            return None
        on_row = scope != "household" and target in self.own_names[scope]
        if isinstance(node, r.Call):  # is_null(answer)
            if on_row:
                return lambda c: c.row.get(target) is None
            return lambda c: c.hh.get(target) is None
        if isinstance(node, r.Unary):  # not is_null(answer)
            if on_row:
                return lambda c: c.row.get(target) is not None
            return lambda c: c.hh.get(target) is not None
        if isinstance(node, r.InList):
            values = frozenset(node.values)
            negated = node.negated
            if on_row:
                return lambda c: (
                    None if (v := c.row.get(target)) is None else (v in values) != negated
                )
            return lambda c: None if (v := c.hh.get(target)) is None else (v in values) != negated
        assert isinstance(node, r.Binary) and isinstance(node.right, r.Const)
        op, literal = _COMPARE[node.op], node.right.value
        if literal is None:
            return lambda _c: None
        if on_row:
            return lambda c: None if (v := c.row.get(target)) is None else op(v, literal)
        return lambda c: None if (v := c.hh.get(target)) is None else op(v, literal)

    def _name(self, name: str, scope: Scope) -> Fn:
        if name in self.constants:
            value = self.constants[name]
            return lambda _c: value
        if scope == "household" or name not in self.own_names[scope]:
            return lambda c: c.hh.get(name)
        return lambda c: c.row.get(name)

    def _binary(self, node: r.Binary, scope: Scope) -> Fn:
        left = self.compile(node.left, scope)
        right = self.compile(node.right, scope)
        if node.op == "and":
            # Short-circuits where Kleene logic allows: false and x = false, true or x = true.
            return lambda c: False if (a := left(c)) is False else _and(a, right(c))
        if node.op == "or":
            return lambda c: True if (a := left(c)) is True else _or(a, right(c))
        if node.op == "/":

            def divide(c: Ctx) -> Any:
                a, b = left(c), right(c)
                return None if a is None or b is None or b == 0 else a / b

            return divide
        op = _COMPARE[node.op]

        def apply(c: Ctx) -> Any:
            a = left(c)
            if a is None:
                return None
            b = right(c)
            return None if b is None else op(a, b)

        return apply

    def _call(self, node: r.Call, scope: Scope) -> Fn:
        args = (
            [
                self.compile(a, "person" if node.func != "count_deaths" else "death")
                for a in node.args
            ]
            if node.func in _AGGREGATE_BUILDERS
            else None
        )
        if args is not None:
            return _memoised(_AGGREGATE_BUILDERS[node.func](args))
        fn = FUNCTIONS[node.func].python
        compiled = [self.compile(a, scope) for a in node.args]
        if len(compiled) == 1:
            only = compiled[0]
            return lambda c: fn(only(c))
        return lambda c: fn(*(a(c) for a in compiled))


_SHORTCUT_COMPARE = {"==", "!=", "<", "<=", ">", ">="}


def _answer(node: r.Node) -> str | None:
    """The variable a shortcut shape reads, or None when the node has another shape."""
    if isinstance(node, r.Unary) and node.op == "not":
        node = node.operand
        if not (isinstance(node, r.Call) and node.func == "is_null"):
            return None
    if isinstance(node, r.Call) and node.func == "is_null" and len(node.args) == 1:
        arg = node.args[0]
        return arg.name if isinstance(arg, r.Name) else None
    if isinstance(node, r.InList) and isinstance(node.operand, r.Name):
        return node.operand.name
    if (
        isinstance(node, r.Binary)
        and node.op in _SHORTCUT_COMPARE
        and isinstance(node.left, r.Name)
        and isinstance(node.right, r.Const)
    ):
        return node.left.name
    return None


def _memoised(compute: Fn) -> Fn:
    key = id(compute)

    def cached(c: Ctx) -> Any:
        if key in c.memo:
            return c.memo[key]
        value = c.memo[key] = compute(c)
        return value

    return cached


def _count_persons(args: list[Fn]) -> Fn:
    if not args:
        return lambda c: len(c.persons)
    cond = args[0]
    return lambda c: sum(1 for p in c.persons if cond(p) is True)


def _count_deaths(args: list[Fn]) -> Fn:
    if not args:
        return lambda c: len(c.deaths)
    cond = args[0]
    return lambda c: sum(1 for d in c.deaths if cond(d) is True)


def _sum_persons(args: list[Fn]) -> Fn:
    expr = args[0]
    return lambda c: sum(v for p in c.persons if (v := expr(p)) is not None)


def _any_person(args: list[Fn]) -> Fn:
    cond = args[0]
    return lambda c: any(cond(p) is True for p in c.persons)


def _head(args: list[Fn]) -> Fn:
    expr = args[0]

    def only_head(c: Ctx) -> Any:
        heads = [p for p in c.persons if p.row.get("relationship") == 0]
        return expr(heads[0]) if len(heads) == 1 else None

    return only_head


_AGGREGATE_BUILDERS: dict[str, Callable[[list[Fn]], Fn]] = {
    "count_persons": _count_persons,
    "count_deaths": _count_deaths,
    "sum_persons": _sum_persons,
    "any_person": _any_person,
    "head": _head,
}
