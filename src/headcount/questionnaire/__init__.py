"""Questionnaires as data and the one rule engine (docs/questionnaire.md).

    reference_forms() / load_forms(DIR) / get_form(ID)   the forms of a census, checked
    validate_household(json_obj)                          online: findings of one household
    engine_for(form).asked_items(record)                  which items a screen asks of whom
    validate_frames(form, households, persons, deaths)    batch: findings of millions of persons
    validate_census(households, persons, deaths)          batch over frames with a ``form`` column
    to_households(form, households, persons, deaths)      batch frames back to household JSON

Domain code: no web framework, no database.
"""

from headcount.questionnaire.batch import validate_census, validate_frames, with_messages
from headcount.questionnaire.engine import HouseholdResult, engine_for, validate_household
from headcount.questionnaire.findings import Finding
from headcount.questionnaire.frames import to_households
from headcount.questionnaire.household import HouseholdRecord, read_household
from headcount.questionnaire.loader import get_form, load_forms, reference_forms
from headcount.questionnaire.schema import Form, Item, Rule

__all__ = [
    "Finding",
    "Form",
    "HouseholdRecord",
    "HouseholdResult",
    "Item",
    "Rule",
    "engine_for",
    "get_form",
    "load_forms",
    "read_household",
    "reference_forms",
    "to_households",
    "validate_census",
    "validate_frames",
    "validate_household",
    "with_messages",
]
