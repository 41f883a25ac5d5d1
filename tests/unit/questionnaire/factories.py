"""Random synthetic households for the questionnaire tests, with injected errors.

One generator produces the household JSON (what the online engine reads) and the batch frames
(what the batch executor reads) from the same data, so the two executors can be compared. All
names and numbers are synthetic: names are "户主1"-style placeholders, IDs are built from public
area codes, random dates and random sequences.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from typing import Any

import polars as pl

from headcount.identity.citizen_id import check_char
from headcount.questionnaire.engine import engine_for
from headcount.questionnaire.frames import target
from headcount.questionnaire.household import read_household
from headcount.questionnaire.loader import reference_forms
from headcount.questionnaire.schema import Form, Item, Scope

AREAS = ("110101", "310112", "360426", "440305", "510107", "230306", "652801")
COUNTIES = ("110105", "320102", "420111", "500101", "610113")
REF_YEAR, REF_MONTH = 2020, 11


def citizen_id(rng: random.Random, sex: int, year: int, month: int) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == 1 else (0, 2, 4, 6, 8))
    first17 = f"{rng.choice(AREAS)}{year:04d}{month:02d}{rng.randint(1, 28):02d}{seq:03d}"
    return first17 + check_char(first17)


def _birth(rng: random.Random, age: int) -> tuple[int, int]:
    month = rng.randint(1, 12)
    year = REF_YEAR - age - (1 if month >= REF_MONTH else 0)
    return year, month


def _random_value(rng: random.Random, item: Item) -> Any:
    if item.type == "code":
        return rng.choice(item.code_values())
    if item.type in ("int", "number"):
        low = int(item.min or 0)
        high = int(item.soft_max or item.max or low + 10)
        value = rng.randint(low, min(high, low + 20))
        return float(value) + 0.5 if item.type == "number" else value
    if item.type == "count_by_sex":
        return {"male": rng.randint(0, 1), "female": rng.randint(0, 1)}
    if item.type == "year_month":
        return f"{rng.randint(2019, 2020)}-{rng.randint(1, 10):02d}"
    if item.type == "place":
        return "110000" if item.place_level == "province" else rng.choice(COUNTIES)
    if item.type == "text":
        return "某单位" if item.key != "name" else "某人"
    return None


def _person(
    rng: random.Random, form: Form, relationship: int, age: int, sex: int
) -> dict[str, Any]:
    person = {item.key: _random_value(rng, item) for item in form.person_items}
    year, month = _birth(rng, age)
    person.update(
        name=f"成员{rng.randint(1, 999)}",
        relationship=relationship,
        sex=sex,
        birth_year_month=f"{year}-{month:02d}",
    )
    if "citizen_id" in person:
        person["citizen_id"] = citizen_id(rng, sex, year, month)
    if "ethnic_group" in person:
        person["ethnic_group"] = "01" if rng.random() < 0.9 else rng.choice(("03", "08", "98"))
    if "residence_at_reference" in person:
        person["residence_at_reference"] = 1 if rng.random() < 0.9 else rng.randint(2, 7)
        person["hukou_place"] = 1 if rng.random() < 0.7 else rng.randint(2, 5)
        person["time_away_from_hukou"] = 1 if person["hukou_place"] == 1 else rng.randint(2, 9)
    if "education" in person:
        person["education"] = min(9, max(1, age // 4))
    if "literate" in person:
        person["literate"] = 1
    if "marital_status" in person:  # the long form: keep its answers consistent with each other
        person["marital_status"] = 2 if relationship in (0, 1) else 1
        person["first_marriage_year_month"] = f"{year + min(22, age - 1)}-{month:02d}"
        person["children_surviving"] = dict(person["children_ever_born"])
        person["last_birth_year_month"] = "2020-03"
        person["main_income_source"] = 2 if age >= 60 else 1
    return person


def _roster(rng: random.Random, form: Form) -> list[dict[str, Any]]:
    head_age = rng.randint(20, 85)
    head_sex = rng.randint(1, 2)
    people = [_person(rng, form, 0, head_age, head_sex)]
    if rng.random() < 0.7:
        people.append(_person(rng, form, 1, max(18, head_age + rng.randint(-5, 5)), 3 - head_sex))
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        people.append(
            _person(rng, form, 2, max(0, head_age - rng.randint(20, 35)), rng.randint(1, 2))
        )
    if rng.random() < 0.1:
        people.append(
            _person(rng, form, 3, min(105, head_age + rng.randint(20, 30)), rng.randint(1, 2))
        )
    if rng.random() < 0.05:
        people.append(_person(rng, form, 2, 0, rng.randint(1, 2)))  # a newborn
    return people


def _death(rng: random.Random, form: Form) -> dict[str, Any]:
    death = {item.key: _random_value(rng, item) for item in form.death_items}
    age = rng.randint(0, 95)
    year, month = _birth(rng, age)
    death_year, death_month = (
        rng.choice(((2019, 11), (2019, 12)))
        if rng.random() < 0.2
        else (
            2020,
            rng.randint(1, 10),
        )
    )
    if (death_year, death_month) < (year, month):  # an infant cannot die before its birth
        death_year, death_month = year, month
    died_at = death_year - year - (1 if death_month < month else 0)
    death.update(
        name="某人",
        birth_year_month=f"{year}-{month:02d}",
        death_year_month=f"{death_year}-{death_month:02d}",
        age_at_death=max(0, died_at),
    )
    return death


def _route(form: Form, household: dict[str, Any]) -> None:
    """Blank every item the form does not ask, as a collection screen would."""
    engine = engine_for(form)
    for _ in range(3):  # routing depends on answers that routing may blank
        record = read_household(household, {form.form_id: form}, allow_provisional=True)
        asked = engine.asked_items(record)
        for item in form.household_items:
            if item.key not in asked["household"]:
                household["items"][item.key] = None
        for scope_key, rows in (("persons", household["persons"]), ("deaths", household["deaths"])):
            scope: Scope = "person" if scope_key == "persons" else "death"
            for row, keys in zip(rows, asked[scope_key], strict=True):
                for item in form.items(scope):
                    if item.key not in keys:
                        row[item.key] = None


def clean_household(rng: random.Random, form: Form, number: int) -> dict[str, Any]:
    household: dict[str, Any] = {
        "form": form.form_id,
        "household_no": f"{number % 998 + 1:03d}",
        "household_id": f"H{number:08d}",
        "items": {item.key: _random_value(rng, item) for item in form.household_items},
        "persons": _roster(rng, form),
        "deaths": [],
    }
    items, persons = household["items"], household["persons"]
    items["household_type"] = 1 if rng.random() < 0.92 else 2
    if "dwelling_type" in items:
        items["dwelling_type"] = 1 if rng.random() < 0.85 else rng.randint(2, 5)
    if "persons_present" in items:
        present = sum(1 for p in persons if p["residence_at_reference"] == 1)
        items["persons_present"] = present
        items["persons_hukou_here_absent"] = len(persons) - present
        for p in persons:
            if p["residence_at_reference"] != 1:
                p["hukou_place"], p["time_away_from_hukou"] = 1, 1
    if "births" in items:
        born = [p for p in persons if p["birth_year_month"] >= "2019-11"]
        items["births"] = {
            "male": sum(1 for p in born if p["sex"] == 1),
            "female": sum(1 for p in born if p["sex"] == 2),
        }
    if "deaths" in items:
        household["deaths"] = [_death(rng, form) for _ in range(1 if rng.random() < 0.05 else 0)]
        items["deaths"] = {
            "male": sum(1 for d in household["deaths"] if d["sex"] == 1),
            "female": sum(1 for d in household["deaths"] if d["sex"] == 2),
        }
    _route(form, household)
    return household


def _mutations(rng: random.Random, form: Form, hh: dict[str, Any]) -> None:
    """Apply one random error of the kinds enumerators and respondents make."""
    persons = hh["persons"]
    p = rng.choice(persons) if persons else None
    kind = rng.randrange(16)
    if kind == 0 and p:
        p["relationship"] = rng.choice((0, 11))  # a second head, or an unknown code
    elif kind == 1:
        hh["items"]["household_type"] = rng.choice((1, 3))
        if persons:
            persons[0]["relationship"] = 8
    elif kind == 2 and p and "citizen_id" in p and p["citizen_id"]:
        cid = p["citizen_id"]
        p["citizen_id"] = rng.choice(
            (
                cid[:17],
                cid + "1",
                cid[:16],
                cid[:5] + "A" + cid[6:],
                cid[:17] + "Y",
                cid[:10] + "13" + cid[12:],
                cid[:-1] + ("0" if cid[-1] != "0" else "1"),
                "999999" + cid[6:],
                "990101" + cid[6:17] + check_char("990101" + cid[6:17]),  # impossible province
                "119999" + cid[6:17] + check_char("119999" + cid[6:17]),  # unknown county
                "",
            )
        )
    elif kind == 3 and p:
        p["sex"] = 3 - p["sex"] if rng.random() < 0.8 else 5
    elif kind == 4 and p:
        p["birth_year_month"] = rng.choice(("2021-03", "1990-13", "1850-05", "2020-00", "2020-11"))
    elif kind == 5 and "persons_present" in hh["items"]:
        hh["items"]["persons_present"] = (hh["items"]["persons_present"] or 0) + rng.choice((1, -1))
    elif kind == 6 and "births" in hh["items"]:
        hh["items"]["births"] = {"male": rng.randint(0, 2), "female": None}
    elif kind == 7 and "deaths" in hh["items"]:
        hh["items"]["deaths"] = {"male": 1, "female": 0}
    elif kind == 8 and p:
        # answered though not asked: education for a baby, H6 for collective quarters
        p["education"] = 9
        p["birth_year_month"] = "2019-12"
    elif kind == 9 and "dwelling_type" in hh["items"]:
        hh["items"]["dwelling_type"] = rng.choice((2, 1))
        hh["items"]["floor_area_m2"] = rng.choice((0.0, 5000.0, 90.0, None))
    elif kind == 10 and p:
        p[rng.choice([i.key for i in form.person_items])] = None  # left empty
    elif kind == 11 and p and "hukou_place" in p:
        p["hukou_place"], p["time_away_from_hukou"], p["reason_away"] = 5, 3, 2
    elif kind == 12 and p and "residence_at_reference" in p:
        p["residence_at_reference"], p["residence_county"] = (
            5,
            rng.choice(("110105", "999999", None)),
        )
    elif kind == 13 and len(persons) > 1:
        persons[1]["birth_year_month"] = persons[0]["birth_year_month"]  # age gap 0
    elif kind == 14 and "deaths" in hh["items"]:
        hh["household_no"] = "999"
        if rng.random() < 0.5:
            hh["persons"] = []
    elif kind == 15 and hh["deaths"]:
        d = hh["deaths"][0]
        d["death_year_month"], d["age_at_death"] = rng.choice((("2018-05", 3), ("2020-10", 150)))


def households(
    form: Form | str, count: int, *, seed: int = 7, error_rate: float = 0.3
) -> list[dict[str, Any]]:
    """``count`` households of one form; about ``error_rate`` of them carry 1-3 injected errors."""
    resolved = reference_forms()[form] if isinstance(form, str) else form
    rng = random.Random(seed)
    out = []
    for number in range(count):
        hh = clean_household(rng, resolved, number)
        if rng.random() < error_rate:
            for _ in range(rng.randint(1, 3)):
                _mutations(rng, resolved, hh)
        out.append(hh)
    return out


def _flatten(item: Item, value: Any) -> dict[str, Any]:
    cols = item.columns()
    if value is None or value == "":
        return dict.fromkeys(cols)
    if item.type == "year_month":
        year, month = value.split("-")
        return {cols[0]: int(year), cols[1]: int(month)}
    if item.type == "count_by_sex":
        return {cols[0]: value.get("male"), cols[1]: value.get("female")}
    return {cols[0]: value}


def _schema(form: Form, scope: Scope) -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {"household_id": pl.String()}
    if scope == "person":
        schema["person_no"] = pl.Int32()
    if scope == "death":
        schema["death_no"] = pl.Int32()
    if scope == "household":
        schema["household_no"] = pl.String()
    for item in form.items(scope):
        for col in item.columns():
            schema[col] = (
                pl.Int16()
                if col.endswith(("_year",))
                else (pl.Int8() if col.endswith("_month") else target(item))
            )
    return schema


def frames(form: Form, data: Iterable[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    """The batch frames (data contract layout) of the same households."""
    tables: dict[str, list[dict[str, Any]]] = {"households": [], "persons": [], "death_forms": []}
    for hh in data:
        row: dict[str, Any] = {
            "household_id": hh["household_id"],
            "household_no": hh["household_no"],
        }
        for item in form.household_items:
            row.update(_flatten(item, hh["items"].get(item.key)))
        tables["households"].append(row)
        for no, person in enumerate(hh["persons"], start=1):
            prow: dict[str, Any] = {"household_id": hh["household_id"], "person_no": no}
            for item in form.person_items:
                prow.update(_flatten(item, person.get(item.key)))
            tables["persons"].append(prow)
        for no, death in enumerate(hh.get("deaths") or [], start=1):
            drow: dict[str, Any] = {"household_id": hh["household_id"], "death_no": no}
            for item in form.death_items:
                drow.update(_flatten(item, death.get(item.key)))
            tables["death_forms"].append(drow)
    return {
        "households": pl.DataFrame(
            tables["households"], schema=_schema(form, "household"), orient="row"
        ),
        "persons": pl.DataFrame(tables["persons"], schema=_schema(form, "person"), orient="row"),
        "death_forms": pl.DataFrame(
            tables["death_forms"], schema=_schema(form, "death"), orient="row"
        ),
    }


def without_nulls(household: dict[str, Any]) -> dict[str, Any]:
    """The same household as a client would send it: unasked items omitted rather than null."""
    clean = copy.deepcopy(household)
    clean["items"] = {k: v for k, v in clean["items"].items() if v is not None}
    clean["persons"] = [{k: v for k, v in p.items() if v is not None} for p in clean["persons"]]
    clean["deaths"] = [{k: v for k, v in d.items() if v is not None} for d in clean["deaths"]]
    return clean
