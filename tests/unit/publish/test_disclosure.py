"""The disclosure hook: minimum cell size on count measures, options, registry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from headcount.publish import (
    DisclosureFinding,
    DisclosureOptions,
    PublicationRefused,
    build_bundle,
    register,
    registered,
    verify_bundle,
)
from headcount.publish.disclosure import MinimumCellSize, run_checks
from headcount.publish.table_files import TableRows, cell_number
from headcount.publish.tables_index import load_index
from headcount.tables.index import TableEntry
from tests.unit.publish.builders import TableData, standard_tables, write_tables
from tests.unit.publish.conftest import leftovers


def _tables(**cells: object) -> list[TableData]:
    """Standard tables with county households row 0 (and others) set in every format."""
    tables = standard_tables()
    for name, value in cells.items():
        table_id, row, column = name.split("__")
        table = next(t for t in tables if t.id == table_id)
        table.rows[int(row)][table.columns.index(column)] = value
    return tables


def _recorded(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    checks = manifest["gates"]["disclosure"]["checks"]
    names = ["min_cell", "full_cell", "dominance", "p_percent", "recalculable"]
    assert [c["name"] for c in checks] == names
    found: dict[str, Any] = next(c for c in checks if c["name"] == name)
    return found


def test_a_count_of_one_is_refused_naming_table_file_row_and_measure(
    tmp_path: Path, out: Path
) -> None:
    tables = write_tables(tmp_path / "T", _tables(households_by_type__0__households=1))
    with pytest.raises(PublicationRefused) as caught:
        build_bundle([tables], out)
    refused = caught.value
    assert refused.code == "E1871"
    assert refused.details["table"] == "households_by_type"
    findings = refused.report["blocking"]
    assert {f["file"] for f in findings} == {
        f"tables/county/households_by_type.{fmt}" for fmt in ("csv", "xlsx", "parquet")
    }
    for finding in findings:
        assert finding["gate"] == "disclosure" and finding["check"] == "min_cell"
        assert finding["table"] == "households_by_type"
        assert finding["location"] == {
            "row": {"area_code": "110101", "household_type": "1"},
            "measure": "households",
        }
        assert finding["rule"] == "0 < count < 3"
        assert "value" not in finding
    assert leftovers(out) == []


@pytest.mark.parametrize("value", [0, 3, 4, 1000])
def test_zero_and_counts_at_the_threshold_pass(tmp_path: Path, out: Path, value: int) -> None:
    tables = write_tables(tmp_path / "T", _tables(households_by_type__0__households=value))
    assert build_bundle([tables], out).manifest["gates"]["disclosure"]["verdict"] == "pass"


def test_a_one_in_a_percent_or_ratio_measure_is_not_a_finding(tmp_path: Path, out: Path) -> None:
    tables = _tables(
        population_by_province__0__male_pct=1.0, population_by_province__1__sex_ratio=1.0
    )
    published = build_bundle([write_tables(tmp_path / "T", tables)], out)
    check = _recorded(published.manifest, "min_cell")
    # counts only: 10 ages × 3 + 3 provinces × 1 + 3 counties × 2, in each of 3 formats
    assert check["cells_checked"] == (30 + 3 + 6) * 3


def test_threshold_and_levels_are_options_recorded_in_the_bundle(tmp_path: Path, out: Path) -> None:
    tables = write_tables(tmp_path / "T", _tables(households_by_type__0__households=1))
    national_only = DisclosureOptions(min_cell=3, levels=frozenset({"national", "province"}))
    published = build_bundle([tables], out, options=national_only)
    check = _recorded(published.manifest, "min_cell")
    assert check["levels"] == ["national", "province"] and check["threshold"] == 3
    assert verify_bundle(out).ok  # verify re-runs the checks with the recorded options
    stricter = out.parent / "stricter"
    with pytest.raises(PublicationRefused) as caught:
        build_bundle([tables], stricter, options=DisclosureOptions(min_cell=10))
    rows = {json.dumps(f["location"]["row"]) for f in caught.value.report["blocking"]}
    assert len(rows) == 2  # 7 households and 3 persons in 110101, 4 persons in 110105 …
    assert all(
        f["location"]["measure"] in {"households", "persons"}
        for f in caught.value.report["blocking"]
    )


def test_both_gates_are_reported_together(tmp_path: Path, out: Path) -> None:
    from tests.unit.publish.builders import ID, Edit

    edit = Edit("csv", "population_by_province", 2, "area_code", ID)
    tables = write_tables(tmp_path / "T", _tables(households_by_type__2__persons=2), edit=edit)
    with pytest.raises(PublicationRefused) as caught:
        build_bundle([tables], out)
    assert caught.value.code == "E1870"  # personal data takes precedence
    gates = {f["gate"] for f in caught.value.report["blocking"]}
    assert gates == {"scan", "disclosure"}


def test_cell_numbers() -> None:
    assert cell_number("1") == 1 and cell_number(" 2,000 ") == 2000 and cell_number(2.5) == 2.5
    for blank in (None, "", "…", "x", True, float("nan"), "inf"):
        assert cell_number(blank) is None


def test_registry_and_a_custom_check(tables_dir: Path) -> None:
    assert "min_cell" in registered()
    with pytest.raises(ValueError):
        register("min_cell")(MinimumCellSize)

    class NoTownships:
        name = "no_townships"

        def applies(self, table: TableEntry) -> bool:
            return table.level == "county"

        def check(
            self, table: TableEntry, file: str, rows: TableRows
        ) -> Iterator[DisclosureFinding]:
            for row in rows.rows:
                yield DisclosureFinding(
                    self.name, table.id, file, {"area_code": str(row[0])}, "-", "x"
                )

        def summary(self) -> dict[str, Any]:
            return {"name": self.name}

    index = load_index(tables_dir)
    report = run_checks(index, DisclosureOptions(), checks=[NoTownships()])
    assert len(report.findings) == 9 and not report.passed
    assert report.to_json()["checks"] == [{"name": "no_townships"}]
