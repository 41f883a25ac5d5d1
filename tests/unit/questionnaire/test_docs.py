"""docs/questionnaire.md keeps up with the language: every function, item type and problem."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from headcount import errors
from headcount.questionnaire.functions import AGGREGATES, FUNCTIONS
from headcount.questionnaire.schema import ItemType

DOC = (Path(__file__).resolve().parents[3] / "docs" / "questionnaire.md").read_text("utf-8")


def test_every_function_is_documented() -> None:
    for name in [*FUNCTIONS, *AGGREGATES]:
        assert f"{name}(" in DOC or f"`{name}`" in DOC or f"{name}," in DOC, name


def test_every_item_type_is_documented() -> None:
    for item_type in get_args(ItemType):
        assert item_type in DOC, item_type


def test_every_questionnaire_problem_is_documented() -> None:
    for code in errors.CATALOGUE:
        if code.startswith("E12"):
            assert code in DOC, code
