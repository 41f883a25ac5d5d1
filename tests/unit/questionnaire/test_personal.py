"""Personal data is defined once, on the form items: the store's encryption, the extract's
de-identification and the screens' masking all derive from it (issue 18)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from headcount.processing import deidentify
from headcount.questionnaire.loader import REFERENCE_CENSUS, load_forms, reference_forms
from headcount.questionnaire.personal import RECORD_FIELDS, personal_data
from headcount.questionnaire.schema import SCOPES, Item, Label
from headcount.store import records

FORMS = Path(__file__).resolve().parents[3] / "src" / "headcount" / "questionnaire" / "forms"


def test_the_store_encrypts_exactly_the_personal_items_and_record_fields() -> None:
    forms = reference_forms()
    personal = {i.key for f in forms.values() for s in SCOPES for i in f.items(s) if i.personal}
    clear = {i.key for f in forms.values() for s in SCOPES for i in f.items(s) if not i.personal}
    assert personal <= records.PI_KEYS
    assert not clear & records.PI_KEYS  # no key personal on one form and clear on another
    assert personal | set(RECORD_FIELDS) == records.PI_KEYS
    # Free text (industry, occupation, a country typed in) is personal by its type.
    assert {"name", "citizen_id", "industry", "occupation", "country"} <= records.PI_KEYS


def test_the_extract_drops_or_pseudonymises_every_personal_item() -> None:
    for table, (form_id, scope, _) in deidentify.CENSUS_TABLES.items():
        form = reference_forms()[form_id]
        kept = {c for c, _ in deidentify.item_columns(table)}
        for item in form.items(scope):
            if item.personal:
                assert not set(item.columns()) & kept, (table, item.key)


def test_forms_that_protect_one_key_two_ways_are_refused() -> None:
    short = reference_forms()["short"]
    loose = short.model_copy(
        update={
            "form_id": "loose",
            "person_items": tuple(
                i.model_copy(update={"data_class": "free_text", "mask": None})
                if i.key == "name"
                else i
                for i in short.person_items
            ),
        }
    )
    with pytest.raises(ValueError, match="name"):
        personal_data({"short": short, "loose": loose})  # masked as a name, then as free text
    with pytest.raises(ValueError, match="cannot be coded"):
        Item(id="D1", key="name", type="text", label=Label(zh="名", en="name"), data_class="coded")


def test_a_new_personal_item_is_sealed_with_no_other_change(tmp_path: Path) -> None:
    """The canary: a census folder whose short form gains one personal item (a mobile number);
    nothing else is edited, and the record splits it into the sealed part, masked as a phone."""
    census = tmp_path / "census"
    shutil.copytree(FORMS / REFERENCE_CENSUS, census)
    short = census / "short.yaml"
    text = short.read_text("utf-8")
    anchor = "person_items:\n"
    item = (
        "  - id: D99\n    key: mobile_number\n    type: text\n"
        "    label: {zh: 手机号码, en: mobile number}\n    data_class: direct\n"
        "    mask: phone\n    required: false\n    max_length: 20\n"
    )
    short.write_text(text.replace(anchor, anchor + item, 1), "utf-8")
    derived = personal_data(load_forms(census))
    assert "mobile_number" in derived.encrypted and derived.masks["mobile_number"] == "phone"
    record = {
        "form": "short",
        "items": {"household_type": 1},
        "persons": [{"name": "测试甲", "mobile_number": "13800000000", "sex": 1}],
        "deaths": [],
    }
    split = records.split(record, derived.encrypted)
    assert split.answers["persons"] == [{"sex": 1}]
    assert split.pi["persons"] == [{"name": "测试甲", "mobile_number": "13800000000"}]
    assert records.merge(split.answers, split.pi) == record
