"""Personal data, defined once: which answers are encrypted, pseudonymised or dropped, and masked.

Every form item carries its protection (``Item.protection``: direct, free_text, quasi, coded;
``schema.py``). From the forms of a census this module derives what the other layers need, so
that an item marked personal in a form file is encrypted by the store, kept out of the extract
and masked on screens with no other change:

- ``encrypted``: the keys the store seals in a version's AEAD blob (``store.records``);
- ``masks``: how each of them is masked for staff (``fieldwork.households``).

A household record also carries a few fields that are no form item — the address of the
dwelling, the self-report declarant, contact details, notes — listed here once
(``RECORD_FIELDS``). A key must be protected alike in every form (the loader's forms share keys:
``name`` on the short and death forms): ``personal_data`` refuses forms that disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from headcount.privacy.masking import DataClass as MaskClass
from headcount.questionnaire.schema import SCOPES, Form

# Fields of the household record outside the forms' items, all personal.
RECORD_FIELDS: dict[str, MaskClass] = {
    "address": "address",
    "detailed_address": "address",
    "respondent_name": "name",
    "phone": "phone",
    "email": "free_text",
    "note": "free_text",
    "notes": "free_text",
}


@dataclass(frozen=True, slots=True)
class PersonalData:
    encrypted: frozenset[str]
    masks: Mapping[str, MaskClass]


def personal_data(forms: Mapping[str, Form]) -> PersonalData:
    """What the store encrypts and masking hides, from the forms; ValueError when one key is
    personal in one form and not in another, or masked two ways."""
    protection: dict[str, tuple[bool, MaskClass, str]] = {}
    for form in forms.values():
        for scope in SCOPES:
            for item in form.items(scope):
                seen = protection.get(item.key)
                mine = (item.personal, item.masking, form.form_id)
                if seen is not None and seen[:2] != mine[:2]:
                    raise ValueError(
                        f"item {item.key} is protected differently on forms {seen[2]} and "
                        f"{form.form_id}"
                    )
                protection[item.key] = mine
    clash = sorted(k for k, (p, _, _) in protection.items() if k in RECORD_FIELDS and not p)
    if clash:
        raise ValueError(f"item {clash[0]} is a personal record field but not personal on its form")
    masks: dict[str, MaskClass] = dict(RECORD_FIELDS)
    masks.update({k: mask for k, (personal, mask, _) in protection.items() if personal})
    return PersonalData(encrypted=frozenset(masks), masks=masks)


__all__ = ["RECORD_FIELDS", "PersonalData", "personal_data"]
