"""Secondary suppression of a province table: ours against τ-Argus, both attacked the same way.

    python benchmarks/suppress.py [--persons 300000] [--seed 11] [--provinces 44,37]
                                  [--tables DIR] [--tau /tmp/tauenv/bin/python]

A synthetic census (``headcount synth``) is tabulated at province and county level
(``headcount tables``); for each province chosen, the county × five-year age group × sex table
(``age_group_sex_urban``, urban and rural together) with all its margins — the province row
included — is suppressed three ways: ours (``--method heuristic``), τ-Argus modular (``MOD``)
and τ-Argus "optimal" (``OPT``), both with the frequency rule FREQ(3,10). τ-Argus is pytauargus
0.6.0 (EUPL, HiGHS), installed in its own virtualenv (``python3 -m venv /tmp/tauenv &&
/tmp/tauenv/bin/pip install pytauargus``; it is not a dependency) and run as a subprocess on the
microdata the table's cells stand for; without it the script says so and runs ours alone.

Every result is then attacked by ``disclosure.suppression.attack`` (LP bounds of every hidden
cell from every published cell): cells recalculable exactly, primary cells provably below 3, and
primary cells provably non-empty. The last line is ``suppress_seconds_per_table: N`` (ours, the
slowest province).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from headcount.disclosure.suppression import ProtectionRule, attack, build, judge, suppress
from headcount.disclosure.suppression.directory import read_tables
from headcount.disclosure.suppression.long_form import PRIMARY, PUBLISHED, SECONDARY, LongTable
from headcount.errors import HeadcountError

TAU_SCRIPT = r"""
import json, sys
from pytauargus import protect
cells = json.load(open(sys.argv[1]))
data = {"county": [], "age_group": [], "sex": [], "one": []}
for county, age, sex, n in cells:
    for _ in range(n):
        data["county"].append(county); data["age_group"].append(age)
        data["sex"].append(sex); data["one"].append(1)
out = {}
for method in ("MOD(1)", "OPT(1)"):
    res = protect(data, tables=[["county", "age_group", "sex"]], response="one",
                  safety_rules="FREQ(3,10)", suppress=method)
    table = res.tables[0]
    out[method] = [[str(r["county"]).strip(), str(r["age_group"]).strip(), str(r["sex"]).strip(),
                    r["status"]] for r in table.rows]
json.dump(out, open(sys.argv[2], "w"))
"""


def province_table(root: Path, province: str) -> list[LongTable]:
    _index, longs, _left = read_tables(
        root, tables=["age_group_sex_urban"], levels=["province", "county"]
    )
    chosen = []
    for table in longs:
        frame = table.frame.filter(
            pl.col("geocode").str.starts_with(province) & (pl.col("urban_rural") == "total")
        ).drop("urban_rural")
        chosen.append(replace(table, dims=("age_group", "sex"), frame=frame))
    return chosen


def exposures(
    tables: list[LongTable],
    hidden_keys: set[tuple[str, str, str]] | None,
    status: np.ndarray | None,
    rule: ProtectionRule,
) -> dict[str, int]:
    model = build(tables)
    if status is None:
        keys = [tuple(model.key(c).values()) for c in range(model.size)]
        primary = (model.values > 0) & (model.values < rule.threshold)
        hidden = np.array([k in (hidden_keys or set()) for k in keys]) | primary
        status = np.where(primary, PRIMARY, np.where(hidden, SECONDARY, PUBLISHED))
    hidden = status != PUBLISHED
    bounds = attack(model, hidden, np.where(hidden, np.nan, model.values))
    found = Counter(e.problem for e in judge(model, bounds, status, rule))
    return {
        "primary": int((status == PRIMARY).sum()),
        "secondary": int((status == SECONDARY).sum()),
        "persons": int(np.nansum(model.values[hidden & (model.margin == 0)])),
        "recalculable": found["recalculable"],
        "below_threshold": found["below_threshold"],
        "non_empty": found["non_empty"],
    }


def tau(
    tables: list[LongTable], python: str, work: Path
) -> tuple[dict[str, set[tuple[str, str, str]]], dict[str, float]] | None:
    if not Path(python).exists():
        return None
    county = next(t for t in tables if t.level == "county").frame
    interior = county.filter(
        (pl.col("age_group") != "total") & (pl.col("sex") != "total") & (pl.col("count") > 0)
    )
    cells = [list(r) for r in interior.select("geocode", "age_group", "sex", "count").iter_rows()]
    (work / "cells.json").write_text(json.dumps(cells))
    (work / "tau.py").write_text(TAU_SCRIPT)
    started = time.perf_counter()
    subprocess.run(
        [python, str(work / "tau.py"), str(work / "cells.json"), str(work / "out.json")],
        check=True,
        capture_output=True,
        cwd=work,
    )
    seconds = time.perf_counter() - started
    province = next(t for t in tables if t.level == "province").frame["geocode"][0]
    result: dict[str, set[tuple[str, str, str]]] = {}
    for method, rows in json.loads((work / "out.json").read_text()).items():
        hidden = set()
        for c, age, sex, status in rows:
            if status in ("U", "M"):
                geo = province if c == "Total" else c
                hidden.add(
                    (geo, "total" if age == "Total" else age, "total" if sex == "Total" else sex)
                )
        result[method] = hidden
    return result, {"both methods (s)": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--provinces", default="44,37,51")
    parser.add_argument("--tables", type=Path, default=None, help="reuse a tables directory")
    parser.add_argument("--tau", default="/tmp/tauenv/bin/python")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-suppress-"))
    root = args.tables
    if root is None:
        synth, root = work / "synth", work / "tables"
        subprocess.run(
            [
                "headcount",
                "synth",
                "--persons",
                str(args.persons),
                "--seed",
                str(args.seed),
                "--out",
                str(synth),
                "--quiet",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "headcount",
                "tables",
                str(synth),
                "--out",
                str(root),
                "--level",
                "province,county",
                "--format",
                "csv",
            ],
            check=True,
            capture_output=True,
        )
    rule = ProtectionRule(3)
    slowest = 0.0
    for province in args.provinces.split(","):
        tables = province_table(root, province)
        counties = tables[1].frame["geocode"].n_unique()
        started = time.perf_counter()
        ours = suppress(tables, rule)
        seconds = time.perf_counter() - started
        slowest = max(slowest, seconds)
        rows = {"ours (heuristic)": (exposures(tables, None, ours.status, rule), seconds)}
        try:  # the MILP, where the table is small enough for it
            started = time.perf_counter()
            best = suppress(tables, rule, method="optimal", time_limit=60.0)
            proven = best.notes[0].rsplit(":", 1)[-1].strip() == "optimal"
            rows["ours (optimal)" if proven else "ours (optimal, 60 s)"] = (
                exposures(tables, None, best.status, rule),
                time.perf_counter() - started,
            )
        except HeadcountError as exc:
            if exc.code != "E2185":
                raise
        peer = tau(tables, args.tau, work)
        if peer is None:
            print(f"(τ-Argus not found at {args.tau}: install pytauargus in a virtualenv there)")
        else:
            patterns, timing = peer
            for method, hidden in patterns.items():
                rows[f"τ-Argus {method}"] = (
                    exposures(tables, hidden, None, rule),
                    timing["both methods (s)"],
                )
        cells = sum(t.frame.height for t in tables)
        print(
            f"\nprovince {province}: {counties} counties × 21 age groups × sex, "
            f"{cells} cells with margins"
        )
        print(
            f"{'method':<20}{'primary':>8}{'second.':>8}{'persons':>8}{'recalc':>8}{'<3':>6}{'>0':>6}{'s':>8}"
        )
        for name, (figures, secs) in rows.items():
            print(
                f"{name:<20}{figures['primary']:>8}{figures['secondary']:>8}{figures['persons']:>8}"
                f"{figures['recalculable']:>8}{figures['below_threshold']:>6}{figures['non_empty']:>6}{secs:>8.1f}"
            )
        sys.stdout.flush()
    print(f"suppress_seconds_per_table: {slowest:.1f}")


if __name__ == "__main__":
    main()
