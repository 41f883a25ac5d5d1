"""Everything true about the persons of one chunk, before any census record is written."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from headcount.synth import education, identities, migration, population, targets
from headcount.synth.config import SynthConfig
from headcount.synth.demography import birth_day, birth_year
from headcount.synth.geography import Plan


@dataclass(slots=True)
class ChunkTruth:
    chunk: int
    rows: NDArray[np.int64]  # plan rows (small areas) of the chunk
    persons: population.TruePersons
    households: population.TrueHouseholds
    hukou: migration.Hukou
    area: NDArray[np.int64]  # chunk-area index of residence, per person
    year: NDArray[np.int16]
    day: NDArray[np.int8]
    citizen_id: pl.Series  # null for hukou pending
    name: pl.Series
    ethnic: NDArray[np.int8]
    education: NDArray[np.int8]
    literate: NDArray[np.int8]

    @property
    def size(self) -> int:
        return self.persons.size

    def person_keys(self) -> pl.Series:
        """Stable key of each true person: chunk and position, e.g. T00003-000000042."""
        idx = pl.Series("i", np.arange(self.size, dtype=np.int64)).cast(pl.Utf8).str.zfill(9)
        prefix = pl.lit(f"T{self.chunk:05d}-")
        return (
            pl.DataFrame([idx]).select(pl.concat_str(prefix, "i").alias("person_key")).to_series()
        )


def build(rng: np.random.Generator, plan: Plan, chunk: int, cfg: SynthConfig) -> ChunkTruth:
    rows = plan.chunk_rows(chunk)
    persons, households = population.generate(rng, plan, rows)
    hukou = migration.assign(rng, plan, rows, persons, households, cfg)
    area = households.area[persons.household]
    year = birth_year(persons.age, persons.month)
    day = birth_day(rng, year, persons.month)
    address = identities.address_codes(rng, hukou.county, year, cfg.legacy_address_rate)
    slots = identities.chunk_slots(chunk, plan.chunks, 0, 2)
    f17 = identities.unique_first17(rng, address, year, persons.month, day, persons.sex, slots)
    ids = identities.id_strings(f17, identities.check_chars(f17))
    pending = hukou.hukou_place == 5
    ids = pl.select(pl.when(pl.Series(pending)).then(None).otherwise(ids)).to_series()
    names = identities.names(
        rng, persons.sex, persons.household, persons.relationship, households.first
    )
    province = plan.province[rows][area]
    coll = households.collective[persons.household]
    ethnic = identities.ethnic_groups(rng, persons.household, coll, province)
    edu = np.zeros(persons.size, dtype=np.int8)
    lit = np.zeros(persons.size, dtype=np.int8)
    urban = plan.urban[rows][area]
    prov_t = targets.provinces()
    for prov in np.unique(province):
        mine = np.flatnonzero(province == prov)
        edu[mine], lit[mine] = education.assign(
            rng, persons.age[mine], urban[mine], prov_t[f"{int(prov):02d}"]
        )
    return ChunkTruth(
        chunk=chunk,
        rows=rows,
        persons=persons,
        households=households,
        hukou=hukou,
        area=area,
        year=year,
        day=day,
        citizen_id=ids.alias("citizen_id"),
        name=names.alias("name"),
        ethnic=ethnic,
        education=edu,
        literate=lit,
    )
