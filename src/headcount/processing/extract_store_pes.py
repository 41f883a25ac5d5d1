"""The post-enumeration survey's records in a store extract: its sample and its P-sample.

``pes_areas`` is the wave's sample (stratum, size, inclusion probability) and ``pes_persons`` every
person a survey enumerator registered as living in the household's small area at the standard time
point (``residence_at_reference`` 1) — the P-sample the matching needs — and ``pes_followups``,
the cases the matching sent back to the field with their answers (``pes.followup``). A person
the household listed who lived elsewhere belongs to another area's survey, not this one.
Responses are decrypted a page at a time and de-identified at once with the census's keys (names
to encodings, ID numbers to pseudonyms), exactly as a simulated survey from ``synth
--pes-areas`` is, so ``pes match`` reads either the same way. A store without a sample writes
none of the three tables.
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl
from sqlalchemy import Engine

from headcount.processing.extract import transform
from headcount.processing.layout import ExtractWriter
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.store import pes_records, records
from headcount.store.protector import Protector
from headcount.store.queries import pes as queries
from headcount.store.session import transaction

PAGE = 500
_AREAS = {
    "small_area_code": pl.String(),
    "stratum": pl.String(),
    "size": pl.Int32(),
    "inclusion_probability": pl.Float64(),
    "certainty": pl.Boolean(),
}
# The follow-up's cases and answers (codes and references only; null: still open).
_FOLLOWUPS = {
    "kind": pl.String(),
    "household_id": pl.String(),
    "person_no": pl.Int32(),
    "answer": pl.String(),
}
_PERSONS = {
    "pes_household_id": pl.String(),
    "person_no": pl.Int32(),
    "small_area_code": pl.String(),
    "name": pl.String(),
    "citizen_id": pl.String(),
    "sex": pl.Int8(),
    "birth_year": pl.Int16(),
    "birth_month": pl.Int8(),
    "ethnic_group": pl.String(),
}


def write_pes(
    engine: Engine, protector: Protector, writer: ExtractWriter, keys: ProcessingKeys, wave: str
) -> int:
    """Write ``pes_areas`` and ``pes_persons``; the P-sample's size (0 without a sample)."""
    with transaction(engine) as session:
        areas = [
            (a.small_area_code, a.stratum, a.size, a.inclusion_probability, a.certainty)
            for a in queries.sample_rows(session, wave)
        ]
    if not areas:
        return 0
    writer.write(
        "pes_areas",
        transform("pes_areas", pl.DataFrame(areas, schema=_AREAS, orient="row"), keys),
    )
    rows: list[dict[str, Any]] = []
    after = ""
    while True:
        with transaction(engine) as session, protector.bound(session):
            page = queries.current_responses(session, after=after, limit=PAGE)
            for row in page:
                household_id, area, response_id, answers, pi_enc = tuple(row)
                pi = json.loads(pes_records.decrypt(protector, response_id, pi_enc))
                rows.extend(_persons(household_id, area, records.merge(answers, pi)))
        if len(page) < PAGE:
            break
        after = str(page[-1][0])
    frame = pl.DataFrame(rows, schema=_PERSONS)
    writer.write("pes_persons", transform("pes_persons", frame, keys))
    with transaction(engine) as session:
        answers = queries.followup_answers(session)
    writer.write("pes_followups", pl.DataFrame(answers, schema=_FOLLOWUPS, orient="row"))
    return frame.height


def _persons(household_id: str, area: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for number, person in enumerate(record.get("persons") or [], start=1):
        if str(person.get("residence_at_reference")) != "1":
            continue
        year, month = _year_month(person.get("birth_year_month"))
        out.append(
            {
                "pes_household_id": household_id,
                "person_no": number,
                "small_area_code": area,
                "name": person.get("name") or None,
                "citizen_id": person.get("citizen_id") or None,
                "sex": _int(person.get("sex")),
                "birth_year": year,
                "birth_month": month,
                "ethnic_group": person.get("ethnic_group") or None,
            }
        )
    return out


def _year_month(value: Any) -> tuple[int | None, int | None]:
    text = str(value or "")
    year, _, month = text.partition("-")
    return _int(year), _int(month)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


__all__ = ["write_pes"]
