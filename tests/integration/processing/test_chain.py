"""The whole counting half on a real store: demo census → extract → tables → communiqué → publish.

The totals must equal the approved households' persons counted by the rules — recounted here from
the decrypted records with the rules written out again, not through the processing code — and no
clear name or ID number of the store may appear in any file the chain writes.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from headcount.cli import app
from headcount.demo import Demo, build
from headcount.identity.citizen_id import check_char
from headcount.store import registration
from headcount.store.bootstrap import CLI
from headcount.store.protector import Protector
from headcount.store.session import make_engine, transaction
from tests.integration.processing.demo_env import demo_env
from tests.integration.processing.pii import clear_values, leaks


def _run(demo: Demo, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=demo_env(demo))
    return result.exit_code, result.output


def _counted(person: dict[str, Any]) -> bool:
    """forms-2020 §9 written out once more: residence records count unless the person left a
    hukou in another township less than six months ago; hukou-place records count when abroad
    or away less than six months from another township."""
    here, hukou, away = (
        person.get("residence_at_reference"),
        person.get("hukou_place"),
        person.get("time_away_from_hukou"),
    )
    if here == 1:
        return not (hukou in (3, 4) and away == 2)
    return here in (6, 7) or (here in (4, 5) and away == 2)


def _expected(demo: Demo) -> tuple[int, int]:
    """(persons counted, males counted) over the approved households, read from the store."""
    engine = make_engine(demo.settings)
    total = males = 0
    try:
        protector = Protector.open(demo.settings, engine)
        for household_id in demo.approved:
            with transaction(engine) as session:
                record = registration.read(session, protector, CLI, household_id)
            for person in record["persons"]:
                if _counted(person):
                    total += 1
                    males += person.get("sex") == 1
    finally:
        engine.dispose()
    return total, males


def test_store_to_publication(database_url: str, tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=300, database_url=database_url)
    extract, tables, comm = tmp_path / "extract", tmp_path / "tables", tmp_path / "comm"
    code, out = _run(demo, "extract", "--out", str(extract), "--operator", "processing")
    assert code == 0, out
    code, out = _run(
        demo, "tables", str(extract), "--out", str(tables), "--level", "national,province,county"
    )
    assert code == 0, out
    index = json.loads((tables / "tables.json").read_text())
    total, males = _expected(demo)
    assert total > 0
    assert index["figures"]["population_total"] == total
    assert index["figures"]["sex_male"] == males
    assert index["counting_rule_version"] and index["source"]["kind"] == "store"
    code, out = _run(demo, "communique", str(tables), "--out", str(comm))
    assert code == 0, out
    text = (comm / "no2.zh.md").read_text()
    assert f"{total}" in text or f"{total:,}" in text  # the tables' number, as written

    # A real store has small cells everywhere: the disclosure check refuses, nothing is written.
    bundle = tmp_path / "bundle"
    code, out = _run(demo, "publish", str(tables), str(comm), "--out", str(bundle))
    assert code == 1 and "E1871" in out and not bundle.exists()
    code, out = _run(
        demo, "publish", str(tables), str(comm), "--out", str(bundle), "--min-cell", "1"
    )
    assert code == 0, out
    code, out = _run(demo, "publish", "--verify", str(bundle))
    assert code == 0, out

    values = clear_values(demo.directory / "synth")
    for directory in (extract, tables, comm, bundle):
        assert leaks(directory, values) == [], directory.name


def test_one_unmasked_id_stops_publication(database_url: str, tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=150, database_url=database_url)
    extract, tables, comm = tmp_path / "extract", tmp_path / "tables", tmp_path / "comm"
    assert _run(demo, "extract", "--out", str(extract), "--operator", "processing")[0] == 0
    assert _run(demo, "tables", str(extract), "--out", str(tables), "--format", "csv")[0] == 0
    assert _run(demo, "communique", str(tables), "--out", str(comm))[0] == 0
    first17 = "11010119800101123"
    number = first17 + check_char(first17)  # synthetic, valid, unmasked
    # In a communiqué: the scan gate refuses (E1870) and nothing is written.
    edited = tmp_path / "edited-comm"
    shutil.copytree(comm, edited)
    page = edited / "no1.zh.md"
    page.chmod(0o644)
    page.write_text(page.read_text(encoding="utf-8") + f"\n联系人证件：{number}\n", "utf-8")
    bundle = tmp_path / "bundle"
    code, out = _run(
        demo, "publish", str(tables), str(edited), "--out", str(bundle), "--min-cell", "1"
    )
    assert code == 1 and "E1870" in out and not bundle.exists()
    assert number not in out  # the refusal shows a masked preview only
    # In a table cell: refused too (the file no longer matches tables.json, and it holds an ID).
    table_copy = tmp_path / "edited-tables"
    shutil.copytree(tables, table_copy)
    target = next(table_copy.rglob("*.csv"))
    target.chmod(0o644)
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    rows[-1][-1] = number
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    code, out = _run(demo, "publish", str(table_copy), "--out", str(bundle), "--min-cell", "1")
    assert code != 0 and not bundle.exists() and number not in out
    assert "E1870" in out or "E1878" in out
