"""Load a census's form files (YAML) into resolved, checked ``Form`` models.

A census is a folder: ``codelists.yaml`` plus one file per form. The 2020 reference configuration
ships as package data in ``forms/census2020``; another census, or a revision, is another folder.
Everything wrong in a folder is reported as E1202/E1203 when it is loaded, never at a respondent.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from headcount.errors import FORM_DEFINITION_INVALID, FORM_UNKNOWN, HeadcountError
from headcount.questionnaire.schema import (
    CodeOption,
    Form,
    FormFile,
    Item,
    ItemRef,
    Scope,
)

REFERENCE_CENSUS = "census2020"
CODELISTS = "codelists.yaml"


def _read_yaml(entry: Traversable | Path, form: str) -> Any:
    try:
        return yaml.safe_load(entry.read_text("utf-8"))
    except yaml.YAMLError as exc:
        raise HeadcountError(FORM_DEFINITION_INVALID, form=form, reason=str(exc)[:300]) from exc


def _folder(census: str | Path) -> Traversable | Path:
    if isinstance(census, Path):
        return census
    return resources.files("headcount.questionnaire").joinpath("forms", census)


def read_files(census: str | Path = REFERENCE_CENSUS) -> tuple[dict[str, FormFile], dict[str, Any]]:
    """The form files and code lists of a census folder, validated but not yet resolved."""
    folder = _folder(census)
    if not folder.is_dir():
        raise HeadcountError(FORM_DEFINITION_INVALID, form=str(census), reason="no such folder")
    files: dict[str, FormFile] = {}
    codelists: dict[str, Any] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw = _read_yaml(entry, entry.name)
        if entry.name == CODELISTS:
            if not isinstance(raw, dict):
                raise HeadcountError(
                    FORM_DEFINITION_INVALID, form=CODELISTS, reason="not a mapping of lists"
                )
            codelists = raw
            continue
        try:
            parsed = FormFile.model_validate(raw)
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise HeadcountError(FORM_DEFINITION_INVALID, form=entry.name, reason=reasons) from exc
        if parsed.form_id in files:
            raise HeadcountError(
                FORM_DEFINITION_INVALID, form=entry.name, reason=f"{parsed.form_id} defined twice"
            )
        files[parsed.form_id] = parsed
    return files, codelists


class _Resolver:
    def __init__(self, files: Mapping[str, FormFile], codelists: Mapping[str, Any]) -> None:
        self.files = files
        self.codelists = codelists
        self.done: dict[str, Form] = {}

    def fail(self, form: str, reason: str) -> HeadcountError:
        return HeadcountError(FORM_DEFINITION_INVALID, form=form, reason=reason)

    def codes(self, form: str, item: Item) -> Item:
        if item.codelist is None:
            return item
        listed = self.codelists.get(item.codelist)
        if not isinstance(listed, list):
            raise self.fail(form, f"{item.key}: unknown code list {item.codelist}")
        try:
            options = tuple(CodeOption.model_validate(o) for o in listed)
        except ValidationError as exc:
            raise self.fail(form, f"code list {item.codelist}: {exc.errors()[0]['msg']}") from exc
        return item.model_copy(update={"codes": options, "codelist": None})

    def items(
        self, form: str, own: tuple[Item | ItemRef, ...], base: tuple[Item, ...] | None
    ) -> tuple[Item, ...]:
        by_key = {i.key: i for i in base or ()}
        out: list[Item] = []
        for entry in own:
            if isinstance(entry, ItemRef):
                found = by_key.get(entry.ref)
                if found is None:
                    raise self.fail(form, f"{entry.id} refers to unknown item {entry.ref}")
                update: dict[str, Any] = {"id": entry.id}
                if entry.universe is not None:
                    update["universe"] = entry.universe
                if entry.skips is not None:
                    update["skips"] = entry.skips
                out.append(found.model_copy(update=update))
            else:
                out.append(self.codes(form, entry))
        return tuple(out)

    def resolve(self, form_id: str, chain: tuple[str, ...] = ()) -> Form:
        if form_id in self.done:
            return self.done[form_id]
        if form_id in chain:
            raise self.fail(form_id, "extends itself: " + " → ".join((*chain, form_id)))
        file = self.files.get(form_id)
        if file is None:
            raise self.fail(chain[-1] if chain else form_id, f"unknown form {form_id}")
        base = self.resolve(file.extends, (*chain, form_id)) if file.extends else None
        given = file.model_fields_set

        def inherited(field: str) -> Any:
            if field in given or base is None:
                return getattr(file, field)
            return getattr(base, field)

        sections: dict[Scope, tuple[Item, ...]] = {}
        pairs: tuple[tuple[Scope, tuple[Item | ItemRef, ...]], ...] = (
            ("household", file.household_items),
            ("person", file.person_items),
        )
        for scope, own in pairs:
            base_items = base.items(scope) if base else None
            sections[scope] = self.items(form_id, own, base_items) if own else base_items or ()
        sections["death"] = self.items(form_id, file.death_items, None)
        # Rules and derivations of the base form, except those of its death form (re-added below).
        rules = tuple(
            r for r in (base.rules if base and file.inherit_rules else ()) if r.scope != "death"
        )
        rules += file.rules
        derived: dict[Scope, dict[str, str]] = {
            s: dict(v) for s, v in (base.derived if base else {}).items() if s != "death"
        }
        for scope, defs in file.derived.items():
            derived.setdefault(scope, {}).update(defs)
        death_form = inherited("death_form")
        if death_form is not None:
            death = self.resolve(death_form, (*chain, form_id))
            if not death.death_items:
                raise self.fail(form_id, f"death form {death_form} has no death items")
            sections["death"] = death.death_items
            rules += tuple(r for r in death.rules if r.scope == "death")
            derived["death"] = dict(death.derived.get("death", {}))
        year = inherited("reference_year")
        month = inherited("reference_month")
        if year is None or month is None:
            raise self.fail(form_id, "reference_year and reference_month are required")
        form = Form(
            form_id=form_id,
            form_no=file.form_no if "form_no" in given or base is None else None,
            title=file.title,
            status=file.status,
            provisional=file.provisional,
            reference_year=year,
            reference_month=month,
            all_died=inherited("all_died"),
            death_form=death_form,
            household_items=sections["household"],
            person_items=sections["person"],
            death_items=sections["death"],
            derived=derived,
            rules=rules,
            note=file.note,
        )
        self.done[form_id] = form
        return form


def load_forms(census: str | Path = REFERENCE_CENSUS) -> dict[str, Form]:
    """Every form of a census folder, resolved and checked (expressions compiled once)."""
    from headcount.questionnaire.editset import check_form  # editset imports this module

    files, codelists = read_files(census)
    resolver = _Resolver(files, codelists)
    forms = {form_id: resolver.resolve(form_id) for form_id in files}
    for form in forms.values():
        check_form(form)
    return forms


@cache
def reference_forms() -> dict[str, Form]:
    """The 2020 reference configuration, loaded once per process."""
    return load_forms(REFERENCE_CENSUS)


def get_form(form_id: str, forms: Mapping[str, Form] | None = None) -> Form:
    known = forms if forms is not None else reference_forms()
    found = known.get(form_id)
    if found is None:
        raise HeadcountError(FORM_UNKNOWN, form=form_id[:40], known=", ".join(sorted(known)))
    return found
