"""Standard tables throughput: DuckDB over the Parquet extract, with pandas side by side.

    python benchmarks/tables.py [PERSONS] [--source DIR] [--workers N] [--xlsx-levels L,…]

Generates a synthetic census of PERSONS (default 10,000,000) true persons (or reads ``--source``),
makes its de-identified extract (``extract --from-synth``; timed apart), then, over the
extract, each in its own process so each has its own peak memory:

1. ``duckdb full``: the whole standard set (every table, figures, ``tables.json``) at all five
   levels, written as CSV and Parquet (``headcount.tables.build``);
2. ``duckdb subset`` and ``pandas subset``: the same work in both engines — counting rules, the
   national figures, single-year age × sex and age group × sex × urban/rural at all five levels —
   the pandas one a faithful reimplementation (merges, masks and group-bys), checked against
   DuckDB's national results;
3. ``xlsx``: the whole set as XLSX at ``--xlsx-levels`` (openpyxl streams ≈ 150,000 cells/s, so
   township XLSX at 10 M persons takes minutes; default national,province).

Prints wall time and peak RSS of each, and last ``tables_persons_per_s: N`` (persons / wall
seconds of the full DuckDB set).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ALL_LEVELS = ("national", "province", "prefecture", "county", "township")
_LEVEL_COLUMN = {
    "province": "province_code",
    "prefecture": "prefecture_code",
    "county": "county_code",
    "township": "township_code",
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, _peak_mb(), result


# --- DuckDB ---------------------------------------------------------------------------------------
def duckdb_full(source: str, out: str, formats: str, levels: str) -> tuple[float, float, Any]:
    from headcount.tables import build

    def work() -> int:
        index = build(Path(source), Path(out), levels=levels, formats=formats)
        return sum(t["rows"] for t in index["tables"])

    return _timed(work)


def duckdb_subset(source: str) -> tuple[float, float, Any]:
    import duckdb

    from headcount.tables import compute, figures, population
    from headcount.tables.source import open_source, register
    from headcount.tables.specs import STANDARD

    def work() -> dict[str, Any]:
        con = duckdb.connect()
        con.execute("SET preserve_insertion_order = false")
        register(con, open_source(Path(source)))
        population.build(con)
        national, _ = figures.compute(con)
        frames: dict[tuple[str, str], Any] = {}
        for spec in STANDARD:
            if spec.id not in ("age_sex_single_year", "age_group_sex_urban"):
                continue
            table = compute.Table(con, spec)
            for level in ALL_LEVELS:
                frame = table.at(level, compute.areas(con, level), compute.populations(con, level))
                frames[(spec.id, level)] = frame.height
                if level == "national":
                    frames[(spec.id, "rows")] = frame.filter(frame["total"] > 0).to_dicts()
        con.close()
        return {"figures": national, "tables": frames}

    return _timed(work)


# --- pandas ---------------------------------------------------------------------------------------
def pandas_subset(source: str) -> tuple[float, float, Any]:
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]  # the bench extra; no stubs

    from headcount.identity.divisions import divisions

    root = Path(source)

    def work() -> dict[str, Any]:
        sa = pd.read_parquet(
            root / "small_areas",
            columns=[
                "small_area_code",
                "township_code",
                "county_code",
                "province_code",
                "urban_rural_class",
            ],
        )
        sa["prefecture_code"] = sa["county_code"].str.slice(0, 4)
        sa["urban"] = sa["urban_rural_class"].str.startswith("1")
        hh = pd.read_parquet(
            root / "households", columns=["household_id", "small_area_code", "household_type"]
        )
        p = pd.read_parquet(
            root / "persons",
            columns=[
                "household_id",
                "sex",
                "birth_year_month_year",
                "birth_year_month_month",
                "ethnic_group",
                "residence_at_reference",
                "hukou_place",
                "hukou_county",
                "time_away_from_hukou",
                "education",
                "literate",
            ],
        )
        p = p.merge(hh, on="household_id").merge(sa, on="small_area_code")
        table = divisions()
        counties = pd.unique(pd.concat([p["county_code"], p["hukou_county"].dropna()]))
        district = {c: table.is_district(c) for c in counties}
        d7 = p["residence_at_reference"].fillna(0).to_numpy()
        d8 = p["hukou_place"].fillna(0).to_numpy()
        d9 = p["time_away_from_hukou"].fillna(0).to_numpy()
        res = p["county_code"]
        huk = p["hukou_county"]
        res_d = res.map(district).fillna(False).to_numpy(dtype=bool)
        huk_d = huk.map(district).fillna(False).to_numpy(dtype=bool)
        at_home = d7 == 1
        recent = np.isin(d8, (3, 4)) & (d9 == 2)
        counted = (at_home & ~recent) | np.isin(d7, (6, 7)) | (np.isin(d7, (4, 5)) & (d9 == 2))
        separated = at_home & np.isin(d8, (3, 4)) & (d9 >= 3)
        same_city = (huk.str.slice(0, 4) == res.str.slice(0, 4)).fillna(False).to_numpy(bool)
        other_prov = (huk.str.slice(0, 2) != res.str.slice(0, 2)) & huk.notna()
        within = separated & res_d & ((d8 == 3) | ((d8 == 4) & huk_d & same_city))
        floating = separated & ~within
        inter = floating & (d8 == 4) & other_prov.to_numpy(dtype=bool)
        month = p["birth_year_month_month"].fillna(0).to_numpy()
        p["age"] = 2020 - p["birth_year_month_year"].to_numpy().astype(np.int32) - (month >= 11)
        p["separated"], p["within"], p["floating"], p["inter"] = separated, within, floating, inter
        pop = p.loc[counted]
        age, sex, edu = pop["age"].to_numpy(), pop["sex"].to_numpy(), pop["education"].to_numpy()
        n = len(pop)
        counts = {
            "population_total": n,
            "sex_male": int((sex == 1).sum()),
            "sex_female": int((sex == 2).sum()),
            "age_0_14": int(((age >= 0) & (age <= 14)).sum()),
            "age_15_59": int(((age >= 15) & (age <= 59)).sum()),
            "age_60_plus": int((age >= 60).sum()),
            "age_65_plus": int((age >= 65).sum()),
            "ethnic_minorities": int(
                (pop["ethnic_group"].notna() & (pop["ethnic_group"] != "01")).sum()
            ),
            "edu_university": int((edu >= 6).sum()),
            "edu_primary": int((edu == 3).sum()),
            "illiterate_15_plus": int(((pop["literate"].to_numpy() == 2) & (age >= 15)).sum()),
            "urban": int(pop["urban"].sum()),
            "hukou_separated": int(pop["separated"].sum()),
            "hukou_separated_within_city": int(pop["within"].sum()),
            "floating_population": int(pop["floating"].sum()),
            "floating_interprovincial": int(pop["inter"].sum()),
        }
        fam = pop.loc[pop["household_type"] == 1].groupby("household_id").size()
        counts["households_family"] = len(fam)
        counts["persons_in_family_households"] = int(fam.sum())
        aged = pop.loc[pop["age"] >= 0, [*list(_LEVEL_COLUMN.values()), "age", "sex", "urban"]]
        aged = aged.assign(
            age1=np.minimum(aged["age"].to_numpy(), 100),
            group=np.where(
                aged["age"].to_numpy() >= 100,
                "100+",
                (aged["age"] // 5 * 5).astype(str) + "-" + (aged["age"] // 5 * 5 + 4).astype(str),
            ),
            national="CN",
        )
        rows: dict[Any, Any] = {}
        for level in ALL_LEVELS:
            key = "national" if level == "national" else _LEVEL_COLUMN[level]
            single = aged.groupby([key, "age1", "sex"]).size().unstack("sex", fill_value=0)
            grouped = (
                aged.groupby([key, "urban", "group", "sex"]).size().unstack("sex", fill_value=0)
            )
            rows[("age_sex_single_year", level)] = len(single)
            rows[("age_group_sex_urban", level)] = len(grouped)
            if level == "national":
                rows["single_national"] = {
                    int(a): (int(r.get(1, 0)), int(r.get(2, 0))) for (_, a), r in single.iterrows()
                }
        return {"figures": counts, "tables": rows}

    return _timed(work)


def _in_child(fn: Callable[..., tuple[float, float, Any]], *args: Any) -> tuple[float, float, Any]:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _agree(duck: dict[str, Any], pand: dict[str, Any]) -> bool:
    same = all(duck["figures"][k] == v for k, v in pand["figures"].items())
    duck_single = {
        r["age"]: (r["male"], r["female"]) for r in duck["tables"][("age_sex_single_year", "rows")]
    }
    return same and duck_single == pand["tables"]["single_national"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("persons", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--workers", type=int, default=2, help="synth workers")
    parser.add_argument("--source", type=Path, default=None, help="an existing synth directory")
    parser.add_argument("--xlsx-levels", default="national,province")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tables-bench-"))
    try:
        source = args.source
        persons = args.persons
        if source is None:
            from headcount.synth import generate

            source = tmp / "pop"
            start = time.perf_counter()
            generate(persons=persons, seed=args.seed, out=source, workers=args.workers)
            print(f"synth: {persons:,} persons in {time.perf_counter() - start:.1f} s")
        else:
            import json

            persons = int(json.loads((source / "manifest.json").read_text("utf-8"))["persons"])
        # The tables read what production reads: the de-identified extract of the census.
        from headcount.processing.extract import from_synth
        from headcount.processing.pseudonyms import ProcessingKeys

        keys = ProcessingKeys.from_secret("intl", os.urandom(32), "benchmark")
        start = time.perf_counter()
        from_synth(source, tmp / "extract", keys, wave="2020")
        print(f"extract: {persons:,} persons in {time.perf_counter() - start:.1f} s")
        source = tmp / "extract"
        levels = ",".join(ALL_LEVELS)
        full = _in_child(duckdb_full, str(source), str(tmp / "t"), "csv,parquet", levels)
        print(
            f"duckdb full   (all tables, {levels}, csv+parquet): {full[0]:7.2f} s"
            f"  peak_rss_mb {full[1]:6.0f}  rows {full[2]:,}"
        )
        sub = _in_child(duckdb_subset, str(source))
        print(
            f"duckdb subset (figures + 2 tables, all levels):     {sub[0]:7.2f} s"
            f"  peak_rss_mb {sub[1]:6.0f}"
        )
        pan = _in_child(pandas_subset, str(source))
        print(
            f"pandas subset (figures + 2 tables, all levels):     {pan[0]:7.2f} s"
            f"  peak_rss_mb {pan[1]:6.0f}  ({pan[0] / sub[0]:.1f}x DuckDB)"
        )
        print(
            f"pandas agrees with duckdb (national figures, single-year age x sex): "
            f"{'yes' if _agree(sub[2], pan[2]) else 'NO'}"
        )
        xl = _in_child(duckdb_full, str(source), str(tmp / "x"), "xlsx", args.xlsx_levels)
        print(
            f"xlsx          (all tables, {args.xlsx_levels}):      {xl[0]:7.2f} s"
            f"  peak_rss_mb {xl[1]:6.0f}  rows {xl[2]:,}"
        )
        print(f"persons: {persons:,}")
        print(f"tables_persons_per_s: {persons / full[0]:.0f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
