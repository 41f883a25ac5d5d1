"""``headcount extract --out DIR``: the store's approved households → the processing extract.

The one place after collection where clear personal data is read: each approved household at its
current version is decrypted, flattened to the batch layout and de-identified at once
(``processing.deidentify``), so clear values live only in memory for one page of households. The
extract is one audited event with its row counts and the key it was made with — not one read per
household, which would drown the trail without saying more.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append
from headcount.errors import HeadcountError
from headcount.processing import deidentify
from headcount.processing.extract import ExtractResult, add_registers, manifest_meta, transform
from headcount.processing.extract_store_pes import write_pes
from headcount.processing.layout import ExtractWriter
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.questionnaire.frames import from_household
from headcount.questionnaire.loader import reference_forms
from headcount.store import records
from headcount.store.protector import Protector
from headcount.store.queries import processing as queries
from headcount.store.queries import verification as verification_queries
from headcount.store.session import transaction

_AREA_COLUMNS = ("small_area_code", "census_area_code", "county_code", "urban_rural_class")
PAGE = 500  # households decrypted at a time
PART_ROWS = 200_000  # person rows per extract part


class _Buffers:
    """Rows waiting to be de-identified and written, flushed as parts."""

    def __init__(self, writer: ExtractWriter, keys: ProcessingKeys) -> None:
        self.writer, self.keys = writer, keys
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in deidentify.CENSUS_TABLES}
        self.counts: dict[str, int] = dict.fromkeys(deidentify.CENSUS_TABLES, 0)

    def add(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.rows[table].extend(rows)
        self.counts[table] += len(rows)

    def flush(self, *, final: bool = False) -> None:
        for table, rows in self.rows.items():
            if rows and (final or len(rows) >= PART_ROWS):
                frame = pl.DataFrame(rows, infer_schema_length=None)
                self.writer.write(table, transform(table, frame, self.keys))
                rows.clear()
            elif final and not self.counts[table]:
                empty = pl.DataFrame({c: [] for c in deidentify.CENSUS_TABLES[table][2]})
                self.writer.write(table, transform(table, empty, self.keys))


def _areas(engine: Engine) -> tuple[pl.DataFrame, pl.DataFrame]:
    with transaction(engine) as session:
        rows = queries.areas(session)
    small = pl.DataFrame(
        {
            "small_area_code": [r[0] for r in rows],
            "census_area_code": [r[1] for r in rows],
            "county_code": [r[2] for r in rows],
            "urban_rural_class": [r[3] for r in rows],
        },
        schema=dict.fromkeys(_AREA_COLUMNS, pl.String),
    ).with_columns(
        pl.col("census_area_code").str.slice(0, 9).alias("township_code"),
        pl.col("county_code").str.slice(0, 2).alias("province_code"),
    )
    census = small.group_by("census_area_code", maintain_order=True).agg(
        pl.col("township_code").first(),
        pl.col("county_code").first(),
        pl.col("province_code").first(),
        pl.col("urban_rural_class").first(),
        pl.len().cast(pl.Int32).alias("small_areas"),
    )
    return deidentify.small_areas(small), census


def from_store(
    engine: Engine,
    protector: Protector,
    actor: Actor,
    out: Path,
    keys: ProcessingKeys,
    *,
    wave: str,
    registers: Path | None = None,
) -> ExtractResult:
    """Extract every approved household (current version) into ``out`` (new or empty), the
    registers imported into the store (or, when it holds none, those of ``registers``) with the
    same keys, and the field's answers to verification tasks."""
    started = time.perf_counter()
    forms = reference_forms()
    with transaction(engine) as session:
        stored_registers = queries.has_registers(session)
    if stored_registers and registers is not None:
        raise HeadcountError(errors.VERIFY_REGISTERS_TWICE, path=str(registers))
    writer = ExtractWriter(out)
    try:
        small, census = _areas(engine)
        writer.write("small_areas", small)
        writer.write("census_areas", deidentify.other_table("census_areas", census, keys))
        buffers = _Buffers(writer, keys)
        after = ""
        while True:
            with transaction(engine) as session, protector.bound(session):
                page = queries.approved_current(session, after=after, limit=PAGE)
                for household_id, area, form_id, number, response_id, answers, pi_enc in page:
                    pi = json.loads(
                        protector.decrypt(
                            pi_enc, table="form_responses", column="pi_enc", row_id=str(response_id)
                        )
                    )
                    record = records.merge(answers, pi)
                    record.update(household_id=household_id, household_no=number)
                    form = forms[form_id]
                    household, persons, deaths = from_household(form, record)
                    household.update(form=form_id, small_area_code=area)
                    hmtf = form_id == "hmtf"
                    buffers.add("hmtf_households" if hmtf else "households", [household])
                    buffers.add("hmtf_persons" if hmtf else "persons", persons)
                    buffers.add("death_forms", deaths)
            buffers.flush()
            if len(page) < PAGE:
                break
            after = str(page[-1][0])
        buffers.flush(final=True)
        if stored_registers:
            _store_registers(engine, protector, writer, keys)
        elif registers is not None:
            add_registers(writer, registers, keys)
        writer.write("verifications", _verifications(engine))
        write_pes(engine, protector, writer, keys, wave)
        counts = {t: e["rows"] for t, e in writer.tables.items()}
        with transaction(engine) as session:
            append(
                session,
                actor,
                AuditEvent(
                    "processing.extract",
                    out.name,
                    detail={"wave": wave, "key_id": keys.key_id, "rows": counts},
                ),
            )
        source = {"kind": "store", "digest": _store_digest(counts), "synthetic": False}
        manifest = writer.finish(manifest_meta(source, wave, keys))
    except BaseException:
        writer.abort()
        raise
    return ExtractResult(out, manifest, time.perf_counter() - started)


# The synth's register columns and types; the store's records are laid out the same way.
_REGISTER_SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "hukou": {
        "record_id": pl.String(), "citizen_id": pl.String(), "name": pl.String(),
        "sex": pl.Int8(), "birth_year": pl.Int16(), "birth_month": pl.Int8(),
        "birth_day": pl.Int8(), "ethnic_group": pl.String(), "hukou_county": pl.String(),
        "hukou_township": pl.String(),
    },
    "births": {
        "record_id": pl.String(), "child_citizen_id": pl.String(), "child_name": pl.String(),
        "sex": pl.Int8(), "birth_year": pl.Int16(), "birth_month": pl.Int8(),
        "birth_day": pl.Int8(), "mother_citizen_id": pl.String(), "birth_county": pl.String(),
    },
    "deaths": {
        "record_id": pl.String(), "citizen_id": pl.String(), "name": pl.String(),
        "sex": pl.Int8(), "birth_year": pl.Int16(), "birth_month": pl.Int8(),
        "death_year": pl.Int16(), "death_month": pl.Int8(),
    },
}  # fmt: skip
# Store column → the synth column it holds, per register.
_SEALED = {
    "hukou": {"name_enc": "name", "citizen_id_enc": "citizen_id"},
    "births": {
        "name_enc": "child_name",
        "citizen_id_enc": "child_citizen_id",
        "mother_citizen_id_enc": "mother_citizen_id",
    },
    "deaths": {"name_enc": "name", "citizen_id_enc": "citizen_id"},
}


def _store_registers(
    engine: Engine, protector: Protector, writer: ExtractWriter, keys: ProcessingKeys
) -> None:
    """The registers imported into the store, decrypted a page at a time and de-identified at
    once, like the households (the clear values never reach a file)."""
    for kind, schema in _REGISTER_SCHEMAS.items():
        rows: list[dict[str, Any]] = []
        after = ""
        while True:
            with transaction(engine) as session, protector.bound(session):
                page = queries.register_page(session, kind, after=after, limit=PAGE * 4)
                for person in page:
                    row = {c: getattr(person, c, None) for c in schema}
                    for column, name in _SEALED[kind].items():
                        blob = getattr(person, column)
                        row[name] = (
                            None
                            if blob is None
                            else protector.decrypt(
                                blob, table="register_persons", column=column, row_id=str(person.id)
                            )
                        )
                    rows.append(row)
            if len(page) < PAGE * 4:
                break
            after = page[-1].record_id
        table = f"registers_{kind}"
        writer.write(table, transform(table, pl.DataFrame(rows, schema=schema), keys))


def _verifications(engine: Engine) -> pl.DataFrame:
    """The field's answers to verification tasks: codes and references only."""
    with transaction(engine) as session:
        rows = verification_queries.answers(session)
    schema = {
        "finding": pl.String(), "household_id": pl.String(), "person_no": pl.Int32(),
        "register": pl.String(), "record_id": pl.String(), "item": pl.String(),
        "answer": pl.String(), "small_area_code": pl.String(),
    }  # fmt: skip
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _store_digest(counts: dict[str, int]) -> str:
    """A store has no file to hash: the source is named by its row counts (the manifest's own
    digest then names the extract)."""
    import hashlib

    return hashlib.sha256(json.dumps(counts, sort_keys=True).encode()).hexdigest()
