"""The edit set of a form: every check both executors run, as parsed expressions.

Two kinds of check:
- *generated* from the item definitions: required answers, answers given although the item was not
  asked (outside its universe, or skipped), code lists, ranges, dates, citizen-ID structure and
  consistency. Codes are ``<item key>.<kind>`` (``education.not_asked``, ``citizen_id.sex``).
- *written* consistency rules of the form files, with upper-case codes (``HEAD_ONE``).

Each item's *asked* condition combines its universe, the form's all-died household rule and every
skip that reaches it (``not (asked(H5) and dwelling_type in [2, 3, 4, 5])`` for H6), so skips are
followed exactly as the paper form routes the enumerator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from headcount.errors import FORM_DEFINITION_INVALID, HeadcountError
from headcount.questionnaire import rules as r
from headcount.questionnaire.expression_types import Type, infer, item_types
from headcount.questionnaire.functions import AGGREGATES, FUNCTIONS
from headcount.questionnaire.messages import generated_message
from headcount.questionnaire.schema import SCOPES, Form, Item, Label, Scope, Severity

# Names every scope may read besides items and derivations.
ROW_NAMES: dict[Scope, tuple[str, ...]] = {
    "household": ("household_no",),
    "person": ("person_no",),
    "death": ("death_no",),
}
# Aggregates and the scope their argument is evaluated in.
AGGREGATE_SCOPE: dict[str, Scope] = {
    "count_persons": "person",
    "sum_persons": "person",
    "any_person": "person",
    "head": "person",
    "count_deaths": "death",
}
# Where each aggregate may be used.
AGGREGATE_USE: dict[str, tuple[Scope, ...]] = {
    "count_persons": ("household", "person"),
    "sum_persons": ("household", "person"),
    "any_person": ("household", "person"),
    "head": ("household", "person"),
    "count_deaths": ("household",),
}


@dataclass(frozen=True, slots=True)
class Check:
    """One edit: where ``when`` is known true and ``check`` known false, it fires."""

    code: str
    severity: Severity
    scope: Scope
    item: str
    display_id: str
    when: r.Node
    check: r.Node
    message: Label


@dataclass(frozen=True, slots=True)
class EditSet:
    form: Form
    constants: dict[str, int]
    derived: dict[Scope, dict[str, r.Node]]
    asked: dict[Scope, dict[str, r.Node]]
    checks: tuple[Check, ...]

    def scope_checks(self, scope: Scope) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.scope == scope)

    def check(self, code: str) -> Check | None:
        return next((c for c in self.checks if c.code == code), None)


def constants(form: Form) -> dict[str, int]:
    return {
        "ref_year": form.reference_year,
        "ref_month": form.reference_month,
        "ref_ym": form.reference_year * 12 + form.reference_month,
    }


def scope_names(form: Form, scope: Scope) -> set[str]:
    """Names an expression of this scope may read (its own row, then its household)."""
    own = set(form.columns(scope)) | set(form.derived.get(scope, {})) | set(ROW_NAMES[scope])
    if scope != "household":
        own |= scope_names(form, "household")
    return own | set(constants(form))


def _fail(form: Form, reason: str) -> HeadcountError:
    return HeadcountError(FORM_DEFINITION_INVALID, form=form.form_id, reason=reason)


def _validate(form: Form, node: r.Node, scope: Scope, where: str, in_aggregate: bool) -> None:
    if isinstance(node, r.Name):
        if node.name not in scope_names(form, scope):
            raise _fail(form, f"{where}: {node.name} is not an item or variable of a {scope}")
    elif isinstance(node, r.Unary):
        _validate(form, node.operand, scope, where, in_aggregate)
    elif isinstance(node, r.Binary):
        _validate(form, node.left, scope, where, in_aggregate)
        _validate(form, node.right, scope, where, in_aggregate)
    elif isinstance(node, r.InList):
        _validate(form, node.operand, scope, where, in_aggregate)
    elif isinstance(node, r.Call):
        if node.func in AGGREGATES:
            low, high = AGGREGATES[node.func]
            if in_aggregate or scope not in AGGREGATE_USE[node.func]:
                raise _fail(form, f"{where}: {node.func}() cannot be used here")
            if not low <= len(node.args) <= high:
                raise _fail(form, f"{where}: {node.func}() takes {low}-{high} arguments")
            for arg in node.args:
                _validate(form, arg, AGGREGATE_SCOPE[node.func], where, True)
            return
        fn = FUNCTIONS.get(node.func)
        if fn is None:
            raise _fail(form, f"{where}: unknown function {node.func}()")
        if len(node.args) != fn.arity:
            raise _fail(form, f"{where}: {node.func}() takes {fn.arity} argument(s)")
        if fn.uses_helpers and not isinstance(node.args[0], r.Name):
            raise _fail(form, f"{where}: {node.func}() reads an item, not an expression")
        for arg in node.args:
            _validate(form, arg, scope, where, in_aggregate)


def _parse(form: Form, text: str, scope: Scope, where: str) -> r.Node:
    node = r.parse(text, f"{form.form_id}: {where}")
    _validate(form, node, scope, where, False)
    return node


def _asked(form: Form, scope: Scope) -> tuple[dict[str, r.Node], dict[str, r.Node]]:
    """Each item's asked condition, as variables computed once per row in item order.

    Returns the definitions (``_asked_<scope>_<key>`` → expression, reading earlier ones) and, per
    item key, the node that reads it (``true`` for an item everyone is asked).
    """
    items = form.items(scope)
    order = [i.key for i in items]
    guards: dict[str, list[r.Node]] = {i.key: [] for i in items}
    definitions: dict[str, r.Node] = {}
    asked: dict[str, r.Node] = {}
    all_died = form.all_died
    for item in items:
        universe = (
            _parse(form, item.universe, scope, f"{item.id} universe") if item.universe else None
        )
        died_guard: r.Node | None = None
        if scope == "household" and all_died is not None and item.key not in all_died.items:
            died_guard = r.Binary("!=", r.Name("household_no"), r.Const(all_died.household_no))
        condition = r.conj(died_guard, universe, *guards[item.key])
        if condition == r.Const(True):
            asked[item.key] = condition
        else:
            name = f"_asked_{scope}_{item.key}"
            definitions[name] = condition
            asked[item.key] = r.Name(name)
        for skip in item.skips:
            cond = _parse(form, skip.when, scope, f"{item.id} skip")
            for target in skip.skip:
                if target not in guards:
                    raise _fail(form, f"{item.id} skips unknown item {target}")
                if order.index(target) <= order.index(item.key):
                    raise _fail(form, f"{item.id} skips backwards to {target}")
                guards[target].append(r.negate(r.conj(asked[item.key], cond)))
    return definitions, asked


def _between(node: r.Node, low: float | None, high: float | None) -> r.Node:
    parts: list[r.Node | None] = [
        None if low is None else r.Binary(">=", node, r.Const(_num(low))),
        None if high is None else r.Binary("<=", node, r.Const(_num(high))),
    ]
    return r.conj(*parts)


def _num(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _code(scope: Scope, item: Item, kind: str) -> str:
    # Death items share keys with person items (sex, education): keep their codes apart.
    return f"death.{item.key}.{kind}" if scope == "death" else f"{item.key}.{kind}"


def _item_checks(form: Form, scope: Scope, item: Item, asked: r.Node) -> list[Check]:
    cols = [r.Name(c) for c in item.columns()]
    out: list[Check] = []

    def add(kind: str, severity: Severity, when: r.Node, check: r.Node, **fmt: Any) -> None:
        message = generated_message(kind, **fmt)
        out.append(
            Check(
                _code(scope, item, kind), severity, scope, item.key, item.id, when, check, message
            )
        )

    present = r.conj(*[r.is_present(c) for c in cols])
    if item.required is True:
        add("required", "hard", asked, present)
    elif item.required == "soft":
        add("missing", "soft", asked, present)
    if asked != r.Const(True):  # an item everyone is asked cannot be answered out of turn
        add("not_asked", "hard", r.negate(asked), r.conj(*[r.is_null(c) for c in cols]))
    value = cols[0]
    if item.type == "code":
        add("code", "hard", r.is_present(value), r.InList(value, item.code_values()))
    elif item.type in ("int", "number", "count_by_sex"):
        for col in cols:
            add_range = _between(col, item.min, item.max)
            if item.min is not None or item.max is not None:
                kind = "range" if len(cols) == 1 else f"range_{col.name.rsplit('_', 1)[1]}"
                add(kind, "hard", r.is_present(col), add_range, low=item.min, high=item.max)
        if item.soft_max is not None:
            add(
                "soft_max",
                "soft",
                r.is_present(value),
                _between(value, None, item.soft_max),
                high=item.soft_max,
            )
    elif item.type == "text" and item.max_length is not None:
        add(
            "too_long",
            "hard",
            r.is_present(value),
            r.Binary("<=", r.Call("length", (value,)), r.Const(item.max_length)),
            high=item.max_length,
        )
    elif item.type == "place":
        func = "known_province" if item.place_level == "province" else "known_county"
        add("place", "hard", r.is_present(value), r.Call(func, (value,)))
    elif item.type == "year_month":
        year, month = cols
        add("month", "hard", r.is_present(month), _between(month, 1, 12))
        add(
            "year",
            "hard",
            r.is_present(year),
            _between(year, item.min or 1880, form.reference_year),
            low=item.min or 1880,
            high=form.reference_year,
        )
        ym = r.Binary("+", r.Binary("*", year, r.Const(12)), month)
        add(
            "after_reference",
            "hard",
            r.conj(present, _between(month, 1, 12)),
            r.Binary("<", ym, r.Name("ref_ym")),
        )
    elif item.type == "id18":
        out.extend(_id_checks(form, scope, item, value))
    return out


def _id_checks(form: Form, scope: Scope, item: Item, value: r.Name) -> list[Check]:
    def call(func: str) -> r.Node:
        return r.Call(func, (value,))

    born_ym = r.Binary(
        "+", r.Binary("*", call("id_birth_year"), r.Const(12)), call("id_birth_month")
    )
    specs: list[tuple[str, Severity, r.Node | None, r.Node]] = [
        ("length", "hard", None, r.Binary("==", r.Call("length", (value,)), r.Const(18))),
        ("characters", "hard", None, call("id_chars_ok")),
        ("check_character", "hard", None, call("id_check_ok")),
        ("date", "hard", None, call("id_date_ok")),
        ("born_after_reference", "soft", None, r.Binary("<", born_ym, r.Name("ref_ym"))),
        ("province", "hard", None, call("id_province_ok")),
        # An unknown county of a real province is for record checking; the province edit above
        # already reports an impossible one.
        (
            "address",
            "soft",
            r.conj(r.is_present(value), call("id_province_ok")),
            call("id_area_known"),
        ),
    ]
    link = item.consistent_with
    if link is not None and link.sex:
        specs.append(("sex", "soft", None, r.Binary("==", call("id_sex"), r.Name(link.sex))))
    if link is not None and link.birth:
        specs.append(
            (
                "birth",
                "soft",
                None,
                r.conj(
                    r.Binary("==", call("id_birth_year"), r.Name(f"{link.birth}_year")),
                    r.Binary("==", call("id_birth_month"), r.Name(f"{link.birth}_month")),
                ),
            )
        )
    out = []
    for kind, severity, when, check in specs:
        _validate(form, check, scope, f"{item.id} {kind}", False)
        out.append(
            Check(
                _code(scope, item, kind),
                severity,
                scope,
                item.key,
                item.id,
                when or r.is_present(value),
                check,
                generated_message(kind),
            )
        )
    return out


def build(form: Form) -> EditSet:
    """Parse and check every expression of a form once; raise E1202/E1203 on the first fault."""
    derived: dict[Scope, dict[str, r.Node]] = {}
    for scope in SCOPES:
        derived[scope] = {}
        for name, text in form.derived.get(scope, {}).items():
            if name in form.columns(scope) or name in constants(form):
                raise _fail(form, f"derived variable {name} hides an item or constant")
            node = _parse(form, text, scope, f"derived {name}")
            _validate(form, node, scope, f"derived {name}", True)  # no aggregates: per row only
            derived[scope][name] = node
    clash = set(derived["person"]) & set(derived["household"])
    if clash:
        raise _fail(form, f"derived variables in two scopes: {sorted(clash)}")
    asked: dict[Scope, dict[str, r.Node]] = {}
    for scope in SCOPES:
        # Asked conditions join the derived variables: both executors compute them once per row.
        definitions, asked[scope] = _asked(form, scope)
        derived[scope].update(definitions)
    checks: list[Check] = []
    for scope in SCOPES:
        for item in form.items(scope):
            checks.extend(_item_checks(form, scope, item, asked[scope][item.key]))
    by_key = {scope: {i.key: i for i in form.items(scope)} for scope in SCOPES}
    for rule in form.rules:
        where = f"rule {rule.code}"
        found = by_key[rule.scope].get(rule.item) or by_key["person"].get(rule.item)
        if found is None:
            raise _fail(form, f"{where}: unknown item {rule.item}")
        when = _parse(form, rule.when, rule.scope, where) if rule.when else r.Const(True)
        checks.append(
            Check(
                rule.code,
                rule.severity,
                rule.scope,
                found.key,
                found.id,
                when,
                _parse(form, rule.check, rule.scope, where),
                rule.message,
            )
        )
    _check_types(form, derived, checks)
    codes = [c.code for c in checks]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise _fail(form, f"rule codes used twice: {dupes}")
    return EditSet(form, constants(form), derived, asked, tuple(checks))


def _check_types(form: Form, derived: dict[Scope, dict[str, r.Node]], checks: list[Check]) -> None:
    """Give every expression a type, so no mismatch reaches an executor (expression_types.py)."""
    types: dict[Scope, dict[str, Type]] = {}
    for scope in SCOPES:
        own: dict[str, Type] = {}
        for item in form.items(scope):
            own.update(item_types(item))
        own.update(dict.fromkeys(constants(form), "num"))
        own.update({name: "str" if name == "household_no" else "num" for name in ROW_NAMES[scope]})
        types[scope] = own if scope == "household" else {**types["household"], **own}
        for name, node in derived[scope].items():
            types[scope][name] = infer(node, types[scope], _type_error(form, f"derived {name}"))
    for check in checks:
        for part in (check.when, check.check):
            found = infer(part, types[check.scope], _type_error(form, check.code))
            if found not in ("bool", "any"):
                raise _fail(form, f"{check.code}: a condition is needed, not a {found}")


def _type_error(form: Form, where: str) -> Callable[[str], HeadcountError]:
    return lambda reason: _fail(form, f"{where}: {reason}")


def check_form(form: Form) -> EditSet:
    return edit_set(form)


_CACHE: dict[int, tuple[Form, EditSet]] = {}


def edit_set(form: Form) -> EditSet:
    """The edit set of a form, built once per form object."""
    hit = _CACHE.get(id(form))
    if hit is not None and hit[0] is form:
        return hit[1]
    built = build(form)
    _CACHE[id(form)] = (form, built)
    return built
