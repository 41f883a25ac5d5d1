"""The one rule language of the questionnaires: parsed once into an AST, then compiled two ways.

Expressions are small and read like the form's own instructions::

    dwelling_type == 1
    hukou_place != 5 and time_away_from_hukou != 1
    age >= 15 and sex == 2
    persons_present + persons_hukou_here_absent == count_persons()
    relationship != 2 or head(age) - age >= 15

Grammar (lowest precedence first)::

    expr    := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := sum [('=='|'!='|'<'|'<='|'>'|'>=') sum | ['not'] 'in' '[' literal, ... ']']
    sum     := product (('+'|'-') product)*
    product := unary (('*'|'/') unary)*
    unary   := '-' unary | atom
    atom    := number | "string" | name | name '(' [expr (',' expr)*] ')' | '(' expr ')'
               | 'true' | 'false' | 'null'

Values may be missing (null). Logic is three-valued (Kleene), as in SQL and Polars: a comparison
with a missing value is unknown, ``false and unknown`` is false, ``true or unknown`` is true. A
rule only fires when its condition is known to be violated, so a missing answer is reported once,
by the required-item rule, not by every rule that reads it. ``evaluate.py`` (one household) and
``vectorise.py`` (Polars frames) both compile this AST; neither parses text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from headcount.errors import RULE_SYNTAX, HeadcountError

Scalar = int | float | str | bool | None


@dataclass(frozen=True, slots=True)
class Const:
    value: Scalar


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Unary:
    op: Literal["not", "-"]
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # and or == != < <= > >= + - * /
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class InList:
    operand: Node
    values: tuple[Scalar, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Node, ...]


Node = Const | Name | Unary | Binary | InList | Call

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
    )""",
    re.VERBOSE,
)
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


def _tokenize(text: str, where: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise HeadcountError(
                RULE_SYNTAX, where=where, reason=f"unexpected character at {pos + 1}"
            )
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, where: str) -> None:
        self.where = where
        self.tokens = _tokenize(text, where)
        self.pos = 0

    def fail(self, reason: str) -> HeadcountError:
        return HeadcountError(RULE_SYNTAX, where=self.where, reason=reason)

    def peek(self) -> str | None:
        return self.tokens[self.pos][1] if self.pos < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.pos >= len(self.tokens):
            raise self.fail(f"expected {expected or 'more'} at the end")
        token = self.tokens[self.pos]
        if expected is not None and token[1] != expected:
            raise self.fail(f"expected {expected!r}, found {token[1]!r}")
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.expr()
        if self.pos != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.pos][1]!r}")
        return node

    def expr(self) -> Node:
        node = self.conj()
        while self.peek() == "or":
            self.take()
            node = Binary("or", node, self.conj())
        return node

    def conj(self) -> Node:
        node = self.neg()
        while self.peek() == "and":
            self.take()
            node = Binary("and", node, self.neg())
        return node

    def neg(self) -> Node:
        if self.peek() == "not":
            self.take()
            return Unary("not", self.neg())
        return self.compare()

    def compare(self) -> Node:
        left = self.sum()
        op = self.peek()
        if op in _COMPARE:
            self.take()
            return Binary(op, left, self.sum())
        negated = False
        if op == "not" and self.pos + 1 < len(self.tokens) and self.tokens[self.pos + 1][1] == "in":
            self.take()
            negated, op = True, "in"
        if op == "in":
            self.take()
            return InList(left, self.literal_list(), negated)
        return left

    def literal_list(self) -> tuple[Scalar, ...]:
        self.take("[")
        values: list[Scalar] = []
        while self.peek() != "]":
            negative = self.peek() == "-"
            if negative:
                self.take()
            node = self.atom()
            if not isinstance(node, Const) or (negative and isinstance(node.value, str)):
                raise self.fail("a list after 'in' holds literal values only")
            value = node.value
            values.append(-value if negative and isinstance(value, int | float) else value)
            if self.peek() == ",":
                self.take()
            elif self.peek() != "]":
                raise self.fail("expected ',' or ']' in a list")
        self.take("]")
        if not values:
            raise self.fail("an empty list after 'in'")
        return tuple(values)

    def sum(self) -> Node:
        node = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() == "-":
            self.take()
            return Unary("-", self.unary())
        return self.atom()

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            return Const(float(text) if "." in text else int(text))
        if kind == "string":
            return Const(text[1:-1])
        if text == "(":
            node = self.expr()
            self.take(")")
            return node
        if kind == "name":
            if text in ("true", "false"):
                return Const(text == "true")
            if text == "null":
                return Const(None)
            if text in _KEYWORDS:
                raise self.fail(f"unexpected keyword {text!r}")
            if self.peek() == "(":
                self.take()
                args: list[Node] = []
                while self.peek() != ")":
                    args.append(self.expr())
                    if self.peek() == ",":
                        self.take()
                    elif self.peek() != ")":
                        raise self.fail("expected ',' or ')' in a call")
                self.take(")")
                return Call(text, tuple(args))
            return Name(text)
        raise self.fail(f"unexpected {text!r}")


def parse(text: str, where: str = "rule") -> Node:
    """Parse one expression; ``where`` names its place in the form files for error messages."""
    if not text or not text.strip():
        raise HeadcountError(RULE_SYNTAX, where=where, reason="empty expression")
    return _Parser(text, where).parse()


def names(node: Node) -> set[str]:
    """Every variable an expression reads (function names excluded)."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Unary):
        return names(node.operand)
    if isinstance(node, Binary):
        return names(node.left) | names(node.right)
    if isinstance(node, InList):
        return names(node.operand)
    if isinstance(node, Call):
        found: set[str] = set()
        for arg in node.args:
            found |= names(arg)
        return found
    return set()


def conj(*nodes: Node | None) -> Node:
    """``a and b and …`` over the given nodes, skipping None; ``true`` when none are left."""
    present = [n for n in nodes if n is not None and n != Const(True)]
    if not present:
        return Const(True)
    node = present[0]
    for other in present[1:]:
        node = Binary("and", node, other)
    return node


def negate(node: Node) -> Node:
    return Unary("not", node)


def is_null(node: Node) -> Node:
    return Call("is_null", (node,))


def is_present(node: Node) -> Node:
    return negate(is_null(node))
