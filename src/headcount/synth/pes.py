"""A simulated post-enumeration survey over a synthetic census (``headcount synth --pes-areas N``).

After the census is generated, the PES's sample of small areas is drawn from it with the real
design (``pes.design``: province × urban/rural strata, PPS on the persons living there) and an
independent second capture is simulated in the sampled areas: every person usually resident there
(``truth_persons``, not abroad) is found with probability ``capture``, or ``capture × (1 −
correlation)`` when the census missed them too (the same people harder to find: the correlation
bias of dual-system estimation). A found person's record carries its own errors: a mistyped last
character of the name (``name_typo``) and a missing ID number (``no_id``). The PES re-enumerates
dwellings, so its households are the residence households, numbered afresh.

Tables added to the directory and its manifest:

- ``pes_areas``: ``small_area_code, stratum, size, inclusion_probability, certainty``;
- ``pes_persons``: ``pes_household_id, person_no, small_area_code, name, citizen_id, sex,
  birth_year, birth_month, ethnic_group`` — the items the PES asks for matching;
- ``truth_pes``: ``pes_household_id, person_no, person_key`` — which true person each PES record
  is, so matching and the estimate can be scored.

Byte-identical for the same census and options; pure apart from reading and writing its folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from headcount import errors
from headcount.errors import HeadcountError
from headcount.pes.design import FrameArea, draw
from headcount.synth.identities import given_chars
from headcount.synth.writer import ROW_GROUP

TABLES = ("pes_areas", "pes_persons", "truth_pes")


@dataclass(frozen=True, slots=True)
class PesOptions:
    areas: int
    seed: int = 0
    capture: float = 0.97
    correlation: float = 0.0
    name_typo: float = 0.002
    no_id: float = 0.01

    def check(self) -> None:
        for name in ("capture", "correlation", "name_typo", "no_id"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise HeadcountError(
                    errors.ARGUMENT_INVALID, name=f"--pes-{name.replace('_', '-')}", reason="0 to 1"
                )


def _read(root: Path, table: str, columns: list[str]) -> pl.DataFrame:
    return pl.scan_parquet(root / table / "*.parquet").select(columns).collect()


def _typos(rng: np.random.Generator, names: pl.Series, rate: float) -> pl.Series:
    hit = rng.random(names.len()) < rate
    if not hit.any():
        return names
    chars, _, _ = given_chars()
    idx = np.flatnonzero(hit)
    old = names.gather(pl.Series(idx))
    repl = chars.gather(pl.Series(rng.integers(0, chars.len(), idx.size)))
    new = (
        pl.DataFrame({"n": old, "r": repl})
        .select(pl.concat_str(pl.col("n").str.slice(0, pl.col("n").str.len_chars() - 1), "r"))
        .to_series()
    )
    return names.scatter(idx, new)


def _write(root: Path, table: str, frame: pl.DataFrame) -> dict[str, Any]:
    folder = root / table
    folder.mkdir(exist_ok=True)
    frame.write_parquet(
        folder / "part-00000.parquet",
        compression="zstd",
        compression_level=1,
        row_group_size=ROW_GROUP,
        statistics=False,
    )
    return {
        "path": f"{table}/*.parquet",
        "rows": frame.height,
        "schema": {c: str(t) for c, t in frame.schema.items()},
    }


def simulate(root: Path, options: PesOptions) -> dict[str, int]:
    """Draw the PES sample and simulate its capture in the synthetic census at ``root``; the
    rows of each table added."""
    options.check()
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text("utf-8"))
    if manifest.get("format", "parquet") != "parquet":
        raise HeadcountError(
            errors.ARGUMENT_INVALID, name="--pes-areas", reason="a Parquet synthetic census"
        )
    truth = _read(
        root,
        "truth_persons",
        ["person_key", "name", "citizen_id", "sex", "birth_year", "birth_month", "ethnic_group",
         "residence_small_area_code", "residence_household_id", "residence_person_no", "abroad",
         "missed_by_census"],
    )  # fmt: skip
    residents = truth.filter(
        ~pl.col("abroad") & pl.col("residence_small_area_code").is_not_null()
    ).rename({"residence_small_area_code": "small_area_code"})
    areas = _read(root, "small_areas", ["small_area_code", "urban_rural_class"])
    sizes = residents.group_by("small_area_code").len().join(areas, on="small_area_code")
    frame = [
        FrameArea(code, int(n), cls) for code, n, cls in sizes.sort("small_area_code").iter_rows()
    ]
    sample = draw(frame, areas=options.areas, seed=options.seed)
    pes_areas = pl.DataFrame(
        {
            "small_area_code": [a.small_area_code for a in sample.areas],
            "stratum": [a.stratum for a in sample.areas],
            "size": pl.Series([a.size for a in sample.areas], dtype=pl.Int32),
            "inclusion_probability": [a.inclusion_probability for a in sample.areas],
            "certainty": [a.certainty for a in sample.areas],
        }
    )
    inside = residents.filter(
        pl.col("small_area_code").is_in(pes_areas["small_area_code"].to_list())
    ).sort("residence_household_id", "residence_person_no", "person_key")
    rng = np.random.default_rng([options.seed, 0x50E5])
    missed = inside["missed_by_census"].to_numpy()
    chance = np.where(missed, options.capture * (1 - options.correlation), options.capture)
    found = inside.filter(pl.Series(rng.random(inside.height) < chance))
    # A person the census missed has no census household: a PES household of their own.
    household = pl.coalesce("residence_household_id", "X" + pl.col("person_key"))
    found = found.with_columns(("P" + household).alias("pes_household_id"))
    found = found.with_columns(
        pl.int_range(1, pl.len() + 1).over("pes_household_id").cast(pl.Int32).alias("person_no")
    )
    no_id = pl.Series(rng.random(found.height) < options.no_id)
    found = found.with_columns(
        _typos(rng, found["name"], options.name_typo).alias("name"),
        pl.when(no_id).then(None).otherwise(pl.col("citizen_id")).alias("citizen_id"),
    )
    pes_persons = found.select(
        "pes_household_id", "person_no", "small_area_code", "name", "citizen_id", "sex",
        "birth_year", "birth_month", "ethnic_group",
    )  # fmt: skip
    truth_pes = found.select("pes_household_id", "person_no", "person_key")
    tables = manifest.setdefault("tables", {})
    for name, table in (
        ("pes_areas", pes_areas), ("pes_persons", pes_persons), ("truth_pes", truth_pes)
    ):  # fmt: skip
        tables[name] = _write(root, name, table)
    manifest["pes"] = {**asdict(options), "digest": sample.digest}
    manifest_path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8"
    )
    return {"pes_areas": pes_areas.height, "pes_persons": pes_persons.height}


def digest_of(root: Path) -> str:
    """The SHA-256 of the PES tables' files (tests compare two runs with it)."""
    h = hashlib.sha256()
    for table in TABLES:
        for part in sorted((root / table).glob("*.parquet")):
            h.update(part.read_bytes())
    return h.hexdigest()


__all__ = ["TABLES", "PesOptions", "digest_of", "simulate"]
