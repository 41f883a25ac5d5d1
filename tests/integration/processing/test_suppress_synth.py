"""Suppression of a synthetic census at small-area level, attacked two ways.

``headcount synth`` (800 persons in Jiangsu: two small areas, two counties) → ``headcount
tables`` (county and small area) → ``headcount disclose suppress`` of the age × sex × urban,
education × age × sex and ethnicity × sex tables. Then:

* the recalculation attack: LP bounds of every hidden cell from every published cell of every
  table and level (the bundle's ``recalculable`` check, on the files as published) — no hidden
  cell recalculable, no primary cell's interval without 0 or 3; the same attack on the naive
  pattern (primary cells only) exposes many;
* a reconstruction attack: the persons of each small area as records (five-year age group,
  education age group, sex, education, ethnicity), solved for from the published cells as an
  integer program. A record is *recovered* when it is present in every integer solution (its
  minimum is at least 1). From the unprotected tables many are, including persons of small
  cells, and every recovered record is in the synthetic truth; from the protected tables no
  record of a primary cell is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import pytest
import scipy.sparse as sp  # type: ignore[import-untyped]
from scipy.optimize import Bounds, LinearConstraint, linprog, milp  # type: ignore[import-untyped]
from typer.testing import CliRunner

from headcount.cli import app
from headcount.disclosure.suppression import ProtectionRule, attack, build, judge
from headcount.disclosure.suppression.directory import read_tables
from headcount.disclosure.suppression.long_form import PRIMARY, PUBLISHED, SECONDARY
from headcount.disclosure.suppression.verify import read_rows, recalculation_findings
from headcount.publish.table_files import read_table
from headcount.publish.tables_index import load_index
from headcount.tables import population
from headcount.tables.source import open_source, register
from headcount.tables.specs import STANDARD

runner = CliRunner()
TABLES = "age_group_sex_urban,education_age_sex,ethnicity_sex"


def _run(*args: object) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("suppress")
    code, out = _run(
        "synth",
        "--persons",
        800,
        "--seed",
        5,
        "--provinces",
        "32",
        "--out",
        root / "synth",
        "--quiet",
    )
    assert code == 0, out
    code, out = _run(
        "tables",
        root / "synth",
        "--out",
        root / "tables",
        "--level",
        "county,small_area",
        "--format",
        "csv",
    )
    assert code == 0, out
    code, out = _run(
        "disclose",
        "suppress",
        root / "tables",
        "--out",
        root / "suppressed",
        "--tables",
        TABLES,
        "--time-limit",
        "5",
        "--json",
    )
    assert code == 0, out
    return {"synth": root / "synth", "tables": root / "tables", "suppressed": root / "suppressed"}


class _Count:
    hidden = 0
    programs = 0


def test_the_recalculation_attack_finds_nothing_on_the_published_files(
    census: dict[str, Path],
) -> None:
    index = load_index(census["suppressed"])
    assert {t.level for t in index.tables} == {"county", "small_area"}
    entries, files = {}, {}
    for table in index.tables:
        name = table.files["csv"]
        rows = read_table(census["suppressed"] / name, name, [*table.dimensions, "count"])
        frame, bad = read_rows(table, name, rows)
        assert bad == []
        entries[(table.level, table.id)] = table
        files[(table.level, table.id)] = [(name, frame)]
    counter = _Count()
    findings = list(recalculation_findings(entries, files, 3, counter))
    assert findings == []
    assert counter.hidden > 100 and counter.programs > 0
    primary = sum(
        f.filter(pl.col("status") == PRIMARY).height for pairs in files.values() for _n, f in pairs
    )
    assert primary > 50  # 800 persons in two areas: plenty of small cells to protect


def test_hiding_only_the_small_cells_is_undone_by_the_attack(census: dict[str, Path]) -> None:
    _index, tables, _left = read_tables(census["tables"], tables=TABLES.split(","))
    model = build(tables)
    rule = ProtectionRule(3)
    primary = (model.values > 0) & (model.values < 3)
    bounds = attack(model, primary, np.where(primary, np.nan, model.values))
    exposed = judge(model, bounds, np.where(primary, PRIMARY, PUBLISHED), rule)
    assert len(exposed) > primary.sum() // 2


# ---- the reconstruction attack ---------------------------------------------------------------


def _dim_sql(table: str, dim: str) -> str:
    spec = next(s for s in STANDARD if s.id == table)
    return next(d.sql for d in spec.dims if d.name == dim)


def _truth(synth: Path) -> pl.DataFrame:
    """The counted persons as records, with the tables' own category expressions."""
    con = duckdb.connect()
    register(con, open_source(synth))
    population.build(con)
    edu_age = _dim_sql("education_age_sex", "age_group")
    education = _dim_sql("education_age_sex", "education")
    records: pl.DataFrame = con.sql(
        f"SELECT small_area_code AS area, CASE WHEN urban THEN 'urban' ELSE 'rural' END AS urban, "
        f"{_dim_sql('age_group_sex_urban', 'age_group')} AS age5, "
        f"CASE WHEN age >= 3 THEN {edu_age} ELSE '-' END AS eduage, "
        f"CASE WHEN sex = 1 THEN 'male' ELSE 'female' END AS sex, "
        f"CASE WHEN age >= 3 THEN {education} ELSE '-' END AS education, "
        f"{_dim_sql('ethnicity_sex', 'ethnicity')} AS ethnicity FROM pop"
    ).pl()
    return records


ATTRS = ("age5", "eduage", "sex", "education", "ethnicity")
# Which record attributes each table's dimensions read (urban_rural is the area's own class).
READS = {
    "age_group_sex_urban": {"age_group": "age5", "sex": "sex"},
    "education_age_sex": {"age_group": "eduage", "education": "education", "sex": "sex"},
    "ethnicity_sex": {"ethnicity": "ethnicity", "sex": "sex"},
}


def _system(
    cells: dict[str, list[dict[str, Any]]],
    combos: Sequence[tuple[str, ...]],
    urban: str,
) -> tuple[sp.csr_matrix, np.ndarray, list[tuple[str, dict[str, Any]]]]:
    """One equation per published cell: Σ of the records it counts = its count."""
    rows, rhs, which = [], [], []
    for table, table_cells in cells.items():
        for cell in table_cells:
            if table == "age_group_sex_urban" and cell["urban_rural"] not in ("total", urban):
                continue  # the other class of area: zero by construction, no record in it
            member = [
                all(
                    cell[d] == "total" or cell[d] == combo[ATTRS.index(a)]
                    for d, a in READS[table].items()
                )
                and (table != "education_age_sex" or combo[1] != "-")
                for combo in combos
            ]
            which.append((table, cell))
            rows.append(member)
            rhs.append(cell["count"])
    return sp.csr_matrix(np.array(rows, dtype=float)), np.array(rhs, dtype=float), which


def _possible(a: sp.csr_matrix, b: np.ndarray, shown: np.ndarray) -> np.ndarray:
    """Records no published zero rules out (the others are no unknowns)."""
    return ~(np.asarray(a[shown & (b == 0)].sum(axis=0)).ravel() > 0)


def _minimum(
    a_all: sp.csr_matrix, b_all: np.ndarray, shown: np.ndarray, k: int, integer: bool
) -> float:
    a, b = a_all[shown], b_all[shown]
    c = np.zeros(a.shape[1])
    c[k] = 1.0
    if not integer:
        return float(linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs").fun)
    found = milp(
        c,
        constraints=[LinearConstraint(a, b, b)],
        integrality=np.ones(a.shape[1]),
        bounds=Bounds(0, np.inf),
    )
    return float(found.fun)


def _area_tables(root: Path, area: str) -> dict[str, list[dict[str, Any]]]:
    _index, tables, _left = read_tables(root, tables=TABLES.split(","), levels=["small_area"])
    return {t.id: t.frame.filter(pl.col("geocode") == area).to_dicts() for t in tables}


def _key(table: str, cell: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return table, tuple(str(cell[d]) for d in cell if d not in ("count", "status"))


def _statuses(root: Path, area: str) -> dict[tuple[str, tuple[str, ...]], str]:
    """The status of every small-area cell of ``area`` as published."""
    out = {}
    for table in load_index(root).tables:
        if table.level == "small_area":
            frame = pl.read_csv(root / table.files["csv"], infer_schema=False)
            for cell in frame.filter(pl.col("geocode") == area).to_dicts():
                out[_key(table.id, cell)] = str(cell["status"])
    return out


def test_a_reconstruction_attack_recovers_records_only_from_unprotected_tables(
    census: dict[str, Path],
) -> None:
    truth = _truth(census["synth"])
    areas = sorted(truth["area"].unique().to_list())
    assert len(areas) == 2
    recovered_total = persons_total = risky_recovered = risky_checked = 0
    protected: list[int]
    for area in areas:
        people = truth.filter(pl.col("area") == area)
        urban = people["urban"][0]
        grouped = people.group_by(list(ATTRS)).len().select(*ATTRS, "len")
        true_counts = {tuple(r[:-1]): r[-1] for r in grouped.iter_rows()}
        raw = _area_tables(census["tables"], area)
        # every combination of attributes an area could hold (ages pair up one way only)
        pairs = sorted(set(truth.select("age5", "eduage").iter_rows()))
        values = {a: sorted(set(truth[a].to_list())) for a in ("sex", "education", "ethnicity")}
        combos = [
            (a5, ea, s, e, eth)
            for (a5, ea), s, e, eth in itertools.product(
                pairs, values["sex"], values["education"], values["ethnicity"]
            )
            if (ea == "-") == (e == "-")
        ]
        a_full, b_all, which = _system(raw, combos, urban)
        shown_all = np.ones(a_full.shape[0], dtype=bool)
        keep = _possible(a_full, b_all, shown_all)
        a_all, combos_all = a_full[:, keep], [c for c, k in zip(combos, keep, strict=True) if k]
        risky = {  # records in a small cell of the unprotected tables
            k
            for row, (table, cell) in enumerate(which)
            if 0 < b_all[row] < 3
            for k in np.flatnonzero(a_all[row].toarray().ravel())
        }
        for k, combo in enumerate(combos_all):
            low = int(np.ceil(_minimum(a_all, b_all, shown_all, k, integer=False) - 1e-6))
            assert low <= true_counts.get(combo, 0)  # never more than the truth holds
            recovered_total += low
            risky_recovered += low if k in risky else 0
        persons_total += people.height
        # the protected tables: the same equations, for the cells still published
        status = _statuses(census["suppressed"], area)
        shown = np.array([status[_key(t, cell)] == PUBLISHED for t, cell in which])
        primary_rows = [r for r, (t, cell) in enumerate(which) if status[_key(t, cell)] == PRIMARY]
        keep = _possible(a_full, b_all, shown)  # only published zeros rule records out now
        a_shown, combos_shown = a_full[:, keep], [c for c, k in zip(combos, keep, strict=True) if k]
        protected = sorted(
            {int(k) for row in primary_rows for k in np.flatnonzero(a_shown[row].toarray().ravel())}
        )
        for k in protected:
            risky_checked += 1
            assert _minimum(a_shown, b_all, shown, k, integer=True) < 0.5, combos_shown[k]
        assert SECONDARY in set(status.values())
    assert recovered_total > persons_total // 4  # the unprotected tables give much away …
    assert risky_recovered > 0  # … persons of small cells included
    assert risky_checked > 50  # and none of the many records behind a primary cell is provable
