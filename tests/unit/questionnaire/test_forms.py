"""The 2020 forms as data: loading, inheritance, counts, and bad form files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from headcount.errors import HeadcountError
from headcount.questionnaire.editset import edit_set
from headcount.questionnaire.loader import get_form, load_forms, reference_forms

FORMS_DIR = Path(__file__).resolve().parents[3] / "src/headcount/questionnaire/forms/census2020"


def test_short_form_has_the_19_verified_items() -> None:
    short = reference_forms()["short"]
    assert short.form_no == "R601" and short.status == "verified"
    household = [i.id for i in short.household_items]
    assert household == ["H1", "H2a", "H2b", "H3", "H4", "H5", "H6", "H7"]  # H2 has two parts
    main = [i.id for i in short.person_items if not i.id.endswith("a")]
    assert main == [f"D{n}" for n in range(1, 13)]
    # place sub-answers of D7 and D8 (data contract: residence_county, hukou_county)
    assert [i.key for i in short.person_items if i.id.endswith("a")] == [
        "residence_county",
        "hukou_county",
    ]
    assert all(i.status == "verified" for i in (*short.household_items, *short.person_items))
    assert short.all_died is not None and short.all_died.household_no == "999"
    assert short.all_died.items == ("deaths",)


def test_codes_follow_the_reference() -> None:
    short = reference_forms()["short"]
    relationship = short.item("person", "relationship")
    assert relationship is not None and relationship.code_values() == tuple(range(10))
    reason = short.item("person", "reason_away")
    assert reason is not None and reason.code_values() == tuple(range(10))
    ethnic = short.item("person", "ethnic_group")
    assert ethnic is not None and ethnic.code_values()[:2] == ("01", "02")
    assert ethnic.code_values()[-2:] == ("97", "98") and len(ethnic.codes) == 58


def test_long_form_counts_48_items_and_reuses_the_short_form() -> None:
    long = reference_forms()["long"]
    household_ids = {i.id.rstrip("ab") for i in long.household_items}
    person_ids = {i.id.rstrip("ab") for i in long.person_items}
    assert len(household_ids) == 19 and len(person_ids) == 29
    assert long.item("person", "education").id == "C15"  # type: ignore[union-attr]
    assert long.item("person", "literate").id == "C17"  # type: ignore[union-attr]
    short = reference_forms()["short"]
    for item in short.person_items:
        reused = long.item("person", item.key)
        assert reused is not None and reused.label == item.label and reused.codes == item.codes
    # the file itself refers to the short-form items instead of copying them
    raw = yaml.safe_load((FORMS_DIR / "long.yaml").read_text("utf-8"))
    defined = {e["key"] for e in raw["person_items"] if "key" in e}
    assert not defined & {i.key for i in short.person_items}
    # long inherits the short-form rules and its death form
    codes = {c.code for c in edit_set(long).checks}
    assert {"HEAD_ONE", "H2_TOTAL", "DEATH_AGE", "SURVIVING_NOT_ABOVE_BORN_MALE"} <= codes


def test_reconstructed_items_are_marked() -> None:
    forms = reference_forms()
    assert forms["hmtf"].provisional and forms["hmtf"].status == "inferred"
    assert forms["death"].status == "inferred"
    long = forms["long"]
    assert long.item("household", "car_value").status == "inferred"  # type: ignore[union-attr]
    assert forms["short"].death_form == "death" and forms["hmtf"].death_form is None
    assert not forms["hmtf"].death_items


def test_unknown_form_is_a_coded_error() -> None:
    with pytest.raises(HeadcountError) as info:
        get_form("nope")
    assert info.value.code == "E1201" and "short" in info.value.message("en")


def _census(tmp_path: Path, replace: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "census"
    folder.mkdir()
    for path in FORMS_DIR.glob("*.yaml"):
        text = path.read_text("utf-8")
        if replace is not None and path.name == "short.yaml":
            assert replace[0] in text
            text = text.replace(replace[0], replace[1], 1)
        (folder / path.name).write_text(text, "utf-8")
    return folder


def test_another_census_is_another_folder(tmp_path: Path) -> None:
    forms = load_forms(_census(tmp_path, ("reference_year: 2020", "reference_year: 2030")))
    assert forms["short"].reference_year == 2030
    assert forms["long"].reference_year == 2030  # inherited


@pytest.mark.parametrize(
    ("old", "new", "code", "fragment"),
    [
        ("universe: age >= 3", "universe: agee >= 3", "E1202", "agee"),
        ("universe: age >= 3", "universe: age >>= 3", "E1203", "R9 universe"),
        ("skip: [floor_area_m2, rooms]", "skip: [floor_area, rooms]", "E1202", "floor_area"),
        ("check: count_persons(relationship == 0) == 1", "check: nope(1) == 1", "E1202", "nope"),
        ("codelist: education", "codelist: educashun", "E1202", "educashun"),
        ("type: code", "type: colour", "E1202", "type"),
        ("form_no: R601", "form_no: [R601", "E1202", "short.yaml"),
        ("code: HEAD_FIRST", "code: HEAD_ONE", "E1202", "HEAD_ONE"),
        (
            "birth_ym: birth_year_month_year * 12",
            "birth_ym: count_persons() + 12",
            "E1202",
            "count_persons",
        ),
        ("check: age >= 18", "check: id_sex(citizen_id + 1) == 1", "E1202", "id_sex"),
        ("check: age >= 18", "check: head(head(age)) > 1", "E1202", "head"),
        ("check: age >= 18", "check: abs(age, 1) > 1", "E1202", "abs"),
        ("check: age >= 18", "check: count_deaths() > 1", "E1202", "count_deaths"),
        ("check: age >= 18", "check: ethnic_group == 1", "E1202", "compares str with num"),
        ("check: age >= 18", 'check: ethnic_group < "02" or name > 3', "E1202", "orders str"),
        ("check: age >= 18", "check: age + name > 1", "E1202", "needs numbers"),
        ("check: age >= 18", "check: age", "E1202", "a condition is needed"),
        ("check: age >= 18", 'check: sex in [1, "2"]', "E1202", "'in' mixes"),
        ("check: age >= 18", "check: if(age, 1, 2) == 1", "E1202", "if() needs bool"),
        ("check: age >= 18", "check: length(age) > 1", "E1202", "length() needs str"),
        ("check: age >= 18", "check: not age", "E1202", "'not' needs a bool"),
    ],
)
def test_bad_form_files_are_reported_when_loaded(
    tmp_path: Path, old: str, new: str, code: str, fragment: str
) -> None:
    with pytest.raises(HeadcountError) as info:
        load_forms(_census(tmp_path, (old, new)))
    assert info.value.code == code
    assert fragment in info.value.message("en")


def test_public_api_is_complete_and_sorted() -> None:
    import headcount.questionnaire as q

    assert q.__all__ == sorted(q.__all__)
    assert all(hasattr(q, name) for name in q.__all__)
