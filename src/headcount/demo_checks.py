"""The demo's 比对复查: registers compared with the count, and the findings sent to the field.

``headcount demo`` shows the quality office's round trip on its small census: a hukou register
holding the persons of the approved households and a few persons the census lacks (all with
their hukou in the demo's township) is imported into the store, encrypted; the store is
extracted; the quality job links the two; its findings become verification tasks on the
enumerator's list. Everything is synthetic, built from the demo's own synthetic population.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Engine

from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Actor, Permission, Role
from headcount.fieldwork import verification
from headcount.store import registers
from headcount.store.protector import Protector
from headcount.store.queries import households as household_queries
from headcount.store.queries import staff as staff_queries
from headcount.store.session import read_transaction, transaction

if TYPE_CHECKING:
    from headcount.demo import Demo

CHECKS = "checks"  # the demo's folder for the register file, the extract and the quality run
MISSED = 3  # persons on the register whom the census lacks


def hukou_register(
    demo: Demo, engine: Engine, protector: Protector, *, missed: int = MISSED
) -> pl.DataFrame:
    """The synthetic hukou register of the persons of the approved households and ``missed``
    more, every hukou moved to the demo's own township (the county office's register)."""
    township = demo.census_area_code[:9]
    frame = pl.read_parquet(demo.directory / "synth" / "registers_hukou" / "*.parquet")
    with read_transaction(engine) as session:
        approved = household_queries.citizen_indexes(session, demo.approved)
    known = pl.Series(
        [protector.citizen_index(c or "") in approved for c in frame["citizen_id"].to_list()],
        dtype=pl.Boolean,
    )
    chosen = pl.concat([frame.filter(known), frame.filter(~known).head(missed)])
    return chosen.with_columns(
        pl.lit(township[:6]).alias("hukou_county"), pl.lit(township).alias("hukou_township")
    )


def _processing_actor(engine: Engine) -> Actor:
    with read_transaction(engine) as session:
        centre = staff_queries.by_username(session, "processing")
        assert centre is not None
    granted = frozenset({Permission.processing_extract})
    return Actor(str(centre.id), Role.national_office, (), granted, True)


def run_checks(demo: Demo, engine: Engine, protector: Protector) -> dict[str, int]:
    """Import the register, extract, link and open the verification tasks; their counts."""
    from headcount.processing.extract_store import from_store
    from headcount.processing.pseudonyms import ProcessingKeys
    from headcount.quality import field, job

    folder = demo.directory / CHECKS
    folder.mkdir(mode=0o700, exist_ok=True)
    register_file = folder / "hukou.parquet"
    hukou_register(demo, engine, protector).write_parquet(register_file)
    wave = demo.settings.census_wave
    registers.import_register(engine, protector, "hukou", register_file, wave=wave)
    actor = _processing_actor(engine)
    who = AuditActor(id=actor.staff_id, role=actor.role.value, request_id="demo-checks")
    keys = ProcessingKeys.of_wave(protector.master, wave)
    extract = from_store(engine, protector, who, folder / "extract", keys, wave=wave)
    quality = job.run(extract.out, Path(folder / "quality"), memory_limit="1GB")
    with transaction(engine) as session:
        return verification.open_tasks(
            session, actor, field.for_field(quality.out), run=quality.summary["source"]["digest"]
        )


__all__ = ["CHECKS", "MISSED", "hukou_register", "run_checks"]
