"""Type checking of rule expressions when a form loads.

Python compares ``"01" == 1`` quietly and fails on ``"01" < 1``; Polars refuses both when the batch
runs. Checking types once, at load, keeps a wrong form file from ever reaching a respondent or a
batch job: every expression gets one of ``num``, ``str``, ``bool`` or ``any`` (null), and operands
must agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal

from headcount.questionnaire import rules as r
from headcount.questionnaire.schema import Item

Type = Literal["num", "str", "bool", "any"]

# Function name → (argument types, result); "same" returns the type of its last argument.
_SIGNATURES: dict[str, tuple[tuple[Type, ...], Type | Literal["same"]]] = {
    "is_null": (("any",), "bool"),
    "if": (("bool", "any", "any"), "same"),
    "abs": (("num",), "num"),
    "length": (("str",), "num"),
    "known_county": (("str",), "bool"),
    "known_province": (("str",), "bool"),
    "id_chars_ok": (("str",), "bool"),
    "id_check_ok": (("str",), "bool"),
    "id_date_ok": (("str",), "bool"),
    "id_birth_year": (("str",), "num"),
    "id_birth_month": (("str",), "num"),
    "id_sex": (("str",), "num"),
    "id_area_known": (("str",), "bool"),
    "id_province_ok": (("str",), "bool"),
    "count_persons": (("bool",), "num"),
    "count_deaths": (("bool",), "num"),
    "sum_persons": (("num",), "num"),
    "any_person": (("bool",), "bool"),
    "head": (("any",), "same"),
}


def item_types(item: Item) -> dict[str, Type]:
    """The type of each flattened column of an item."""
    if item.type in ("text", "id18", "place"):
        return dict.fromkeys(item.columns(), "str")
    if item.type == "code" and item.codes and isinstance(item.codes[0].code, str):
        return dict.fromkeys(item.columns(), "str")
    return dict.fromkeys(item.columns(), "num")


def literal_type(value: r.Scalar) -> Type:
    if value is None:
        return "any"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "str"
    return "num"


def _agree(a: Type, b: Type) -> bool:
    return a == "any" or b == "any" or a == b


def infer(node: r.Node, names: Mapping[str, Type], fail: Callable[[str], Exception]) -> Type:
    """The type of ``node``; ``fail(reason)`` builds the error raised on a mismatch."""
    if isinstance(node, r.Const):
        return literal_type(node.value)
    if isinstance(node, r.Name):
        return names.get(node.name, "any")
    if isinstance(node, r.Unary):
        inner = infer(node.operand, names, fail)
        wanted: Type = "bool" if node.op == "not" else "num"
        if not _agree(inner, wanted):
            raise fail(f"'{node.op}' needs a {wanted} operand, not {inner}")
        return wanted
    if isinstance(node, r.InList):
        inner = infer(node.operand, names, fail)
        kinds = sorted({literal_type(v) for v in node.values} - {"any"})
        if len(kinds) > 1 or (kinds and not _agree(inner, kinds[0])):
            raise fail(f"'in' mixes {inner} with a list of {kinds}")
        return "bool"
    if isinstance(node, r.Binary):
        left, right = infer(node.left, names, fail), infer(node.right, names, fail)
        if node.op in ("and", "or"):
            if not (_agree(left, "bool") and _agree(right, "bool")):
                raise fail(f"'{node.op}' joins conditions, not {left} and {right}")
            return "bool"
        if node.op in ("==", "!="):
            if not _agree(left, right):
                raise fail(f"'{node.op}' compares {left} with {right}")
            return "bool"
        if node.op in ("<", "<=", ">", ">="):
            if not _agree(left, right) or "bool" in (left, right):
                raise fail(f"'{node.op}' orders {left} against {right}")
            return "bool"
        if not (_agree(left, "num") and _agree(right, "num")):
            raise fail(f"'{node.op}' needs numbers, not {left} and {right}")
        return "num"
    signature = _SIGNATURES.get(node.func)
    if signature is None:
        return "any"
    wanted_args, result = signature
    got = [infer(a, names, fail) for a in node.args]
    for arg, want in zip(got, wanted_args, strict=False):
        if not _agree(arg, want):
            raise fail(f"{node.func}() needs {want}, not {arg}")
    if result == "same":
        if node.func == "if" and len(got) == 3 and not _agree(got[1], got[2]):
            raise fail(f"if() gives {got[1]} or {got[2]}")
        last = [g for g in got[1:] if g != "any"] if node.func == "if" else got
        return last[0] if last else "any"
    return result
