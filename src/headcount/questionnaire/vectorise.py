"""Compile rule ASTs to Polars expressions (the batch executor's half).

Rows are persons, households or death forms, in any order; household values are joined onto
person and death rows under their own names. Aggregates become window expressions over the
household in the person scope, and group-by columns joined onto households in the household scope.
Derived variables, citizen-ID decoding and function calls are computed once into columns
(``PolarsCompiler.stages``) before the checks read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from headcount.questionnaire import rules as r
from headcount.questionnaire.editset import EditSet
from headcount.questionnaire.functions import FUNCTIONS, ID_HELPERS
from headcount.questionnaire.schema import SCOPES, Scope

KEY = "household_id"
ROW = "__household"  # the household's row number, joined onto its persons: a cheap group key


@dataclass(slots=True)
class HouseholdAggregates:
    """Aggregates that household-scope expressions read, computed by a group-by per roster."""

    persons: dict[str, pl.Expr] = field(default_factory=dict)
    deaths: dict[str, pl.Expr] = field(default_factory=dict)
    defaults: dict[str, object] = field(default_factory=dict)


def _null_safe_compare(op: str, left: pl.Expr, right: pl.Expr) -> pl.Expr:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


class PolarsCompiler:
    """Compiles the checks of a form; costly parts are *hoisted* into columns computed once.

    Stages per scope, applied in order by ``stages()``: derived variables (one by one: later ones
    read earlier ones), citizen-ID helper columns, function calls on plain columns, and (persons
    only) household windows such as ``head(age)``. Checks then read those columns.
    """

    def __init__(self, edits: EditSet) -> None:
        self.edits = edits
        self.aggregates = HouseholdAggregates()
        self._seen: dict[r.Node, str] = {}
        self.helpers: dict[Scope, dict[str, tuple[int, pl.Expr]]] = {s: {} for s in SCOPES}
        self.calls: dict[Scope, dict[str, pl.Expr]] = {s: {} for s in SCOPES}
        self.windows: dict[str, pl.Expr] = {}
        self._hoisted: dict[tuple[Scope, r.Node], str] = {}
        self._inline = True  # derived variables are computed first, so nothing in them is hoisted
        self.derived = {
            scope: [
                [self.compile(node, scope).alias(name)]
                for name, node in edits.derived[scope].items()
            ]
            for scope in SCOPES
        }
        self._inline = False

    def stages(self, scope: Scope) -> list[list[pl.Expr]]:
        out = list(self.derived[scope])
        levels = sorted({level for level, _ in self.helpers[scope].values()})
        for level in levels:
            out.append([e for lvl, e in self.helpers[scope].values() if lvl == level])
        if self.calls[scope]:
            out.append(list(self.calls[scope].values()))
        if scope == "person" and self.windows:
            out.append(list(self.windows.values()))
        return out

    def compile(self, node: r.Node, scope: Scope) -> pl.Expr:
        if isinstance(node, r.Const):
            return pl.lit(node.value)
        if isinstance(node, r.Name):
            if node.name in self.edits.constants:
                return pl.lit(self.edits.constants[node.name])
            return pl.col(node.name)  # items, and derived variables materialised by stages()
        if isinstance(node, r.Unary):
            inner = self.compile(node.operand, scope)
            return inner.not_() if node.op == "not" else -inner
        if isinstance(node, r.Binary):
            left = self.compile(node.left, scope)
            right = self.compile(node.right, scope)
            if node.op == "and":
                return left & right
            if node.op == "or":
                return left | right
            if node.op == "+":
                return left + right
            if node.op == "-":
                return left - right
            if node.op == "*":
                return left * right
            if node.op == "/":
                return pl.when(right != 0).then(left / right)
            return _null_safe_compare(node.op, left, right)
        if isinstance(node, r.InList):
            inner = self.compile(node.operand, scope)
            test = inner.is_in(list(node.values))
            return pl.when(inner.is_not_null()).then(test.not_() if node.negated else test)
        return self._call(node, scope)

    def _hoist(
        self, scope: Scope, node: r.Node, expr: pl.Expr, into: dict[str, pl.Expr]
    ) -> pl.Expr:
        alias = self._hoisted.get((scope, node))
        if alias is None:
            alias = f"__h{len(self._hoisted)}"
            self._hoisted[(scope, node)] = alias
            into[alias] = expr.alias(alias)
        return pl.col(alias)

    def _id_helpers(self, scope: Scope, column: str) -> dict[str, pl.Expr]:
        refs: dict[str, pl.Expr] = {}
        x = pl.col(column)
        for name, (level, build) in ID_HELPERS.items():
            if self._inline:
                refs[name] = build(x, refs)
                continue
            alias = f"__{column}__{name}"
            if alias not in self.helpers[scope]:
                self.helpers[scope][alias] = (level, build(x, refs).alias(alias))
            refs[name] = pl.col(alias)
        return refs

    def _call(self, node: r.Call, scope: Scope) -> pl.Expr:
        func = node.func
        if func in ("count_persons", "sum_persons", "any_person", "head", "count_deaths"):
            return self._aggregate_call(node, scope)
        fn = FUNCTIONS[func]
        compiled = [self.compile(a, scope) for a in node.args]
        if fn.uses_helpers:
            (arg,) = node.args
            if not isinstance(arg, r.Name):
                raise ValueError(f"{func}() reads a column, not an expression")
            expr = fn.polars(compiled[0], self._id_helpers(scope, arg.name))
        else:
            expr = fn.polars(*compiled)
        if (
            self._inline
            or func in _CHEAP
            or not all(isinstance(a, r.Name | r.Const) for a in node.args)
        ):
            return expr
        return self._hoist(scope, node, expr, self.calls[scope])

    def _aggregate_call(self, node: r.Call, scope: Scope) -> pl.Expr:
        func = node.func
        arg_scope: Scope = "death" if func == "count_deaths" else "person"
        args = [self.compile(a, arg_scope) for a in node.args]
        agg, default = _aggregate(func, args)
        if scope == "person":
            if self._inline:
                raise ValueError("aggregates cannot be used in derived variables")
            return self._hoist(scope, node, agg.over(ROW), self.windows)
        alias = self._seen.get(node)
        if alias is None:
            alias = f"__agg{len(self._seen)}"
            self._seen[node] = alias
            target = self.aggregates.deaths if func == "count_deaths" else self.aggregates.persons
            target[alias] = agg.alias(alias)
            self.aggregates.defaults[alias] = default
        column = pl.col(alias)
        return column if default is None else column.fill_null(default)


# Cheap, or not worth a column of their own.
_CHEAP = {"is_null", "if", "abs"}


def _aggregate(func: str, args: list[pl.Expr]) -> tuple[pl.Expr, object]:
    if func in ("count_persons", "count_deaths"):
        if not args:
            return pl.len().cast(pl.Int64), 0
        return args[0].fill_null(False).sum().cast(pl.Int64), 0
    if func == "sum_persons":
        return args[0].sum(), 0
    if func == "any_person":
        return args[0].fill_null(False).any(), False
    is_head = pl.col("relationship") == 0
    only_head = args[0].filter(is_head).first()
    return pl.when(is_head.sum() == 1).then(only_head), None  # head


def fires(when: pl.Expr | None, check: pl.Expr) -> pl.Expr:
    """True where a check fires: ``when`` known true (None: always) and ``check`` known false."""
    violated = check.not_().fill_null(False)
    return violated if when is None else when.fill_null(False) & violated
