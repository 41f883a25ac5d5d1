"""Pydantic models of the form files (questionnaire/forms/<census>/*.yaml).

A file describes one form: its household items, person items (the roster), death items, derived
variables and consistency rules. A form may extend another (``extends: short``) and reuse its items
by reference (``{ref: education, id: C15}``), so the 19 short-form items are written once.
``loader.py`` resolves references and checks every expression; the result is a ``Form``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from headcount.privacy.masking import DataClass as MaskClass

Status = Literal["verified", "secondary", "inferred"]
ItemType = Literal["code", "int", "number", "text", "year_month", "id18", "place", "count_by_sex"]
Scope = Literal["household", "person", "death"]
Severity = Literal["hard", "soft"]
# How an item's answers are protected: the one definition the store (what it encrypts), the
# extract (what it pseudonymises or drops) and masking (what it hides on screens) derive from.
#   direct     identifies a person by itself (name, ID number): encrypted; pseudonymised or dropped
#   free_text  anything may be typed into it: encrypted; dropped from the extract
#   quasi      identifies in combination (birth, residence): clear and coded; disclosure control
#   coded      a code or a count
Protection = Literal["direct", "free_text", "quasi", "coded"]
PERSONAL: tuple[Protection, ...] = ("direct", "free_text")
SCOPES: tuple[Scope, ...] = ("household", "person", "death")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class CodeOption(_Strict):
    code: int | str
    zh: str
    en: str
    status: Status | None = None  # set when one answer is less certain than its item


class Skip(_Strict):
    """When ``when`` holds for a person who was asked this item, the listed items are not asked."""

    when: str
    skip: tuple[str, ...] = Field(min_length=1)


class IdConsistency(_Strict):
    """Items an id18 answer must agree with (soft edits): the sex code, the year_month of birth."""

    sex: str | None = None
    birth: str | None = None


class Item(_Strict):
    id: str = Field(pattern=r"^[A-Z][0-9]{1,2}[a-z]?$", description="display number on this form")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="stable semantic key")
    type: ItemType
    label: Label
    codes: tuple[CodeOption, ...] = ()
    codelist: str | None = Field(
        default=None, description="name of a shared list in codelists.yaml"
    )
    unit: Label | None = None
    universe: str | None = Field(default=None, description="who is asked; empty: everyone")
    universe_text: Label | None = None
    skips: tuple[Skip, ...] = ()
    required: bool | Literal["soft"] = True
    min: float | None = None
    max: float | None = None
    soft_max: float | None = Field(
        default=None, description="above it, a soft edit asks to confirm"
    )
    max_length: int | None = None
    place_level: Literal["county", "province"] = "county"
    consistent_with: IdConsistency | None = None
    data_class: Protection | None = Field(
        default=None,
        description="how answers are protected; default: direct for id18, free_text for text, "
        "else coded",
    )
    mask: MaskClass | None = Field(
        default=None, description="how a personal answer is masked on screens (default by type)"
    )
    status: Status = "verified"
    note: str | None = None

    @model_validator(mode="after")
    def _protected(self) -> Item:
        # Free text and ID numbers can hold anything personal: they are never left in clear.
        if self.type in ("text", "id18") and self.data_class in ("quasi", "coded"):
            raise ValueError(f"{self.key}: a {self.type} item cannot be {self.data_class}")
        if self.mask is not None and not self.personal:
            raise ValueError(f"{self.key}: only a personal item is masked")
        return self

    @property
    def protection(self) -> Protection:
        if self.data_class is not None:
            return self.data_class
        if self.type == "id18":
            return "direct"
        return "free_text" if self.type == "text" else "coded"

    @property
    def personal(self) -> bool:
        """Personal data: encrypted at rest, never in an extract in clear, masked on screens,
        never shown in messages."""
        return self.protection in PERSONAL

    @property
    def masking(self) -> MaskClass:
        if self.mask is not None:
            return self.mask
        return "citizen_id" if self.type == "id18" else "free_text"

    def columns(self) -> tuple[str, ...]:
        """Flattened column names in answers and batch frames (the data contract)."""
        if self.type == "year_month":
            return (f"{self.key}_year", f"{self.key}_month")
        if self.type == "count_by_sex":
            return (f"{self.key}_male", f"{self.key}_female")
        return (self.key,)

    def code_values(self) -> tuple[int | str, ...]:
        return tuple(option.code for option in self.codes)

    def code_label(self, code: object, lang: Literal["zh", "en"] = "zh") -> str | None:
        for option in self.codes:
            if option.code == code:
                return option.zh if lang == "zh" else option.en
        return None


class ItemRef(_Strict):
    """Reuse an item of the base form under this form's display number."""

    ref: str
    id: str = Field(pattern=r"^[A-Z][0-9]{1,2}[a-z]?$")
    universe: str | None = None  # replaces the base universe when given
    skips: tuple[Skip, ...] | None = None  # replaces the base skips when given


class Rule(_Strict):
    """A consistency edit: where ``when`` holds, ``check`` must hold, or the rule fires."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{2,40}$")
    scope: Scope
    severity: Severity
    item: str = Field(description="the item key the finding is reported against")
    when: str | None = None
    check: str
    message: Label
    status: Status = "inferred"


class AllDied(_Strict):
    """A household whose members all died: its own household number and only these items."""

    household_no: str
    items: tuple[str, ...]


class FormFile(_Strict):
    """One YAML file as written."""

    form_id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    form_no: str | None = None
    title: Label
    status: Status
    provisional: bool = Field(default=False, description="ships behind a flag until verified")
    extends: str | None = None
    reference_year: int | None = None
    reference_month: int | None = Field(default=None, ge=1, le=12)
    death_form: str | None = None
    all_died: AllDied | None = None
    household_items: tuple[Item | ItemRef, ...] = ()
    person_items: tuple[Item | ItemRef, ...] = ()
    death_items: tuple[Item | ItemRef, ...] = ()
    derived: dict[Scope, dict[str, str]] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    inherit_rules: bool = True
    note: str | None = None


class Form(_Strict):
    """A resolved form: references replaced by items, the base form's rules and derivations in."""

    form_id: str
    form_no: str | None
    title: Label
    status: Status
    provisional: bool
    reference_year: int
    reference_month: int
    all_died: AllDied | None
    death_form: str | None
    household_items: tuple[Item, ...]
    person_items: tuple[Item, ...]
    death_items: tuple[Item, ...]
    derived: dict[Scope, dict[str, str]]
    rules: tuple[Rule, ...]
    note: str | None = None

    def items(self, scope: Scope) -> tuple[Item, ...]:
        if scope == "household":
            return self.household_items
        if scope == "person":
            return self.person_items
        return self.death_items

    def item(self, scope: Scope, key: str) -> Item | None:
        return next((i for i in self.items(scope) if i.key == key), None)

    def columns(self, scope: Scope) -> tuple[str, ...]:
        return tuple(c for item in self.items(scope) for c in item.columns())
