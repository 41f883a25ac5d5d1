"""``headcount registers import``: hukou, birth and death registers into the store, encrypted,
all-or-nothing, every bad row reported without its value (issue 12).

The row checks (no database) come first; the imports run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from headcount import errors
from headcount.audit.log import Actor, flush
from headcount.errors import HeadcountError
from headcount.identity import citizen_id
from headcount.privacy.masking import VIEW_FULL
from headcount.store import keyops, registers
from headcount.store import register_rows as rows
from headcount.store.models import AuditEntry
from headcount.store.models_registers import RegisterImport, RegisterPerson
from headcount.store.queries import registers as register_queries
from headcount.store.session import read_transaction
from headcount.synth import generate, read_table
from tests.integration.conftest import Census
from tests.integration.store.test_canary import _database_bytes

READER = Actor(id="quality-office", role="system_admin")


# --- the row checks, no database ---------------------------------------------------------------


def _id(prefix: str = "110105", born: str = "19800101", seq: str = "123") -> str:
    first17 = prefix + born + seq
    return first17 + citizen_id.check_char(first17)


def _hukou_row(n: int, **changes: str | None) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "record_id": f"HKT-{n:04d}",
        "citizen_id": _id(seq=f"{n % 1000:03d}"),
        "name": "测试甲乙",
        "sex": "1" if n % 1000 % 2 else "2",
        "birth_year": "1980",
        "birth_month": "1",
        "birth_day": "1",
        "ethnic_group": "01",
        "hukou_county": "110105",
        "hukou_township": "110105022",
        "hukou_address": "北京市朝阳区高碑店地区38号",
    }
    row.update(changes)
    return row


def _write(path: Path, records: list[dict[str, str | None]]) -> Path:
    pl.DataFrame(records, schema={k: pl.String for k in records[0]}).write_csv(path)
    return path


def test_every_bad_cell_is_reported_by_row_and_column_never_by_value(tmp_path: Path) -> None:
    bad = [
        _hukou_row(1),
        _hukou_row(2, sex="男"),
        _hukou_row(3, name=None),
        _hukou_row(4, birth_month="2", birth_day="32"),
        _hukou_row(5, hukou_county="987654", hukou_township="987654001"),
        _hukou_row(6, record_id="HKT-0001"),
        _hukou_row(7, ethnic_group="77", birth_year="1850"),
        _hukou_row(8, birth_year="2999"),
        _hukou_row(9, citizen_id="123456789012345678"),  # a wrong ID is not a bad row
        _hukou_row(10, hukou_address="北京\x07市"),
        _hukou_row(11, birth_month="2", birth_day="30"),  # kept, birth_date_valid false
    ]
    source = rows.read_source("hukou", _write(tmp_path / "h.csv", bad))
    found = [(p.row, p.column, p.problem.code) for p in rows.validate("hukou", source.frame)]
    assert found == [
        (2, "sex", "E1908"),
        (3, "name", "E1907"),
        (4, "birth_day", "E1908"),
        (5, "hukou_county", "E1908"),
        (6, "record_id", "E1908"),
        (7, "birth_year", "E1908"),
        (7, "ethnic_group", "E1908"),
        (8, "birth_year", "E1908"),
        (10, "hukou_address", "E1908"),
    ]
    report = json.dumps([p.to_dict() for p in rows.validate("hukou", source.frame)])
    for value in ("男", "987654", "1850", "2999", "测试甲乙", "北京"):
        assert value not in report


def test_deaths_and_births_have_their_own_checks(tmp_path: Path) -> None:
    death: dict[str, str | None] = {
        "record_id": "DRT-1",
        "citizen_id": _id(born="19500301"),
        "name": "测试丙丁",
        "sex": "1",
        "birth_year": "1950",
        "birth_month": "3",
        "death_year": "1950",
        "death_month": "2",
    }
    bad_month = death | {"record_id": "DRT-2", "death_year": "1949", "death_month": "13"}
    source = rows.read_source("deaths", _write(tmp_path / "d.csv", [death, bad_month]))
    found = [(p.row, p.column, p.reason) for p in rows.validate("deaths", source.frame)]
    # The second row's year is not compared with the birth: its month is wrong already.
    assert found == [
        (1, "death_year", "death before birth"),
        (2, "death_month", "not a month 1-12"),
    ]
    birth: dict[str, str | None] = {
        "record_id": "BRT-1",
        "child_citizen_id": None,
        "child_name": "测试戊",
        "sex": "2",
        "birth_year": "2019",
        "birth_month": "2",
        "birth_day": "0",
        "mother_citizen_id": None,
        "birth_county": "11010",
    }
    source = rows.read_source("births", _write(tmp_path / "b.csv", [birth]))
    births = [(p.column, p.reason) for p in rows.validate("births", source.frame)]
    assert births == [("birth_day", "not a day 1-31"), ("birth_county", "not 6 digits")]
    assert rows.real_birth_date(2019, 2, 29) is False and rows.real_birth_date(2020, 2, 29)
    assert rows.real_birth_date(1950, 3, None) is None


def test_a_historic_county_code_is_accepted(tmp_path: Path) -> None:
    # 110103 崇文区 was abolished in 2010; a register may still carry it.
    row = _hukou_row(1, hukou_county="110103", hukou_township="110103001")
    source = rows.read_source("hukou", _write(tmp_path / "h.csv", [row]))
    assert rows.validate("hukou", source.frame) == []


def test_id_numbers_are_graded_not_refused() -> None:
    good = _id(born="19800115", seq="121")  # odd sequence: male
    assert rows.id_status(None, sex=1, birth_year=1980, birth_month=1) == ("missing", None)
    assert rows.id_status(good, sex=1, birth_year=1980, birth_month=1) == ("valid", None)
    assert rows.id_status(good, sex=2, birth_year=1980, birth_month=1) == (
        "flagged",
        errors.ID_SEX_MISMATCH.code,
    )
    assert rows.id_status(good, sex=1, birth_year=1980, birth_month=2) == (
        "flagged",
        errors.ID_BIRTH_MISMATCH.code,
    )
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert rows.id_status(wrong, sex=1, birth_year=1980, birth_month=1) == (
        "invalid",
        errors.ID_CHECK_CHARACTER.code,
    )


def test_files_that_cannot_be_imported_are_refused_before_any_row(tmp_path: Path) -> None:
    cases: list[tuple[str, Path, Any]] = []
    (tmp_path / "latin1.csv").write_bytes(
        "record_id,name\nX,\xe9\n".encode("latin-1")  # not UTF-8
    )
    cases.append(("hukou", tmp_path / "latin1.csv", errors.REGISTER_FILE_UNREADABLE))
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    cases.append(("hukou", tmp_path / "junk.parquet", errors.REGISTER_FILE_UNREADABLE))
    cases.append(("hukou", tmp_path / "nothing-here", errors.REGISTER_FILE_UNREADABLE))
    extra = _hukou_row(1) | {"phone": "13800000000"}
    cases.append(
        ("hukou", _write(tmp_path / "extra.csv", [extra]), errors.REGISTER_COLUMNS_INVALID)
    )
    short = {k: v for k, v in _hukou_row(1).items() if k != "hukou_township"}
    cases.append(
        ("hukou", _write(tmp_path / "short.csv", [short]), errors.REGISTER_COLUMNS_INVALID)
    )
    cases.append(("hukou", _write(tmp_path / "ok.csv", [_hukou_row(1)]), None))
    cases.append(("marriages", tmp_path / "ok.csv", errors.REGISTER_KIND_UNKNOWN))
    for kind, path, problem in cases:
        if problem is None:
            assert rows.read_source(kind, path).frame.height == 1
            continue
        with pytest.raises(HeadcountError) as caught:
            rows.read_source(kind, path)
        assert caught.value.problem is problem, path
        assert "13800000000" not in str(caught.value.to_dict())


# --- imports into the store, SQLite and PostgreSQL ---------------------------------------------


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("registers") / "pop"
    generate(persons=3000, seed=11, out=out, provinces="11")
    return out


def _frame(directory: Path, kind: str) -> pl.DataFrame:
    return read_table(directory, f"registers_{kind}").collect()


def _counts(census: Census) -> dict[str, int]:
    with read_transaction(census.engine) as s:
        return register_queries.counts(s)


def _table_rows(census: Census, model: Any) -> int:
    with read_transaction(census.engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar() or 0)


def _audit(census: Census, action: str) -> list[AuditEntry]:
    flush(census.engine)
    with read_transaction(census.engine) as s:
        return list(
            s.execute(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            ).scalars()
        )


def _import(census: Census, kind: str, path: Path, **options: Any) -> registers.ImportReport:
    return registers.import_register(
        census.engine, census.protector, kind, path, batch_size=700, **options
    )


def test_the_synth_registers_import_encrypted_and_audited(census: Census, synth_dir: Path) -> None:
    frames = {kind: _frame(synth_dir, kind) for kind in ("hukou", "births", "deaths")}
    ticks: list[tuple[int, int]] = []
    reports = {
        kind: _import(
            census,
            kind,
            synth_dir,
            progress=lambda d, t: ticks.append((d, t)) if t > 1000 else None,
        )
        for kind in frames
    }
    assert _counts(census) == {kind: frame.height for kind, frame in frames.items()}
    hukou = frames["hukou"]
    assert ticks[-1] == (hukou.height, hukou.height) and len(ticks) == reports["hukou"].batches
    assert sum(reports["hukou"].id_status.values()) == hukou.height
    assert reports["births"].rows == frames["births"].height > 0
    # A wrong birth month beside the right day (1991-02-31) is kept and marked, not refused.
    impossible = sum(
        rows.real_birth_date(r["birth_year"], r["birth_month"], r["birth_day"]) is False
        for r in hukou.iter_rows(named=True)
    )
    with read_transaction(census.engine) as s:
        marked = s.execute(
            select(func.count())
            .select_from(RegisterPerson)
            .where(RegisterPerson.birth_date_valid.is_(False))
        ).scalar()
    assert marked == impossible >= 1  # seed 11 has one
    # One audit entry per import, with counts and no personal data.
    entries = _audit(census, "register.import")
    assert [json.loads(e.detail)["kind"] for e in entries] == ["hukou", "births", "deaths"]
    first = json.loads(entries[0].detail)
    assert first["rows"] == hukou.height and first["batches"] == reports["hukou"].batches
    assert entries[0].outcome == "success" and entries[0].role == "system_admin"
    # Names, ID numbers and addresses are ciphertext in the database files (or the pg_dump).
    names = [n for n in hukou["name"].to_list() if len(n) >= 3][:15]
    names += [n for n in frames["births"]["child_name"].to_list() if len(n) >= 3][:5]
    names += [n for n in frames["deaths"]["name"].to_list() if len(n) >= 3][:5]
    ids = hukou["citizen_id"].to_list()[:20] + frames["deaths"]["citizen_id"].to_list()[:5]
    ids += [m for m in frames["births"]["mother_citizen_id"].to_list() if m][:5]
    addresses = hukou["hukou_address"].to_list()[:5]
    secrets = [*names, *ids, *addresses]
    assert len(secrets) >= 50
    stored = _database_bytes(census)
    assert [s for s in secrets if s.encode("utf-8") in stored] == []
    assert hukou["record_id"][0].encode() in stored  # the scan sees clear columns
    for entry in entries:
        assert not [s for s in secrets if s in entry.detail or s in entry.object]


def test_an_authorised_read_decrypts_one_record_and_is_audited(
    census: Census, synth_dir: Path
) -> None:
    _import(census, "hukou", synth_dir)
    _import(census, "births", synth_dir)
    hukou = _frame(synth_dir, "hukou").row(3, named=True)
    with read_transaction(census.engine) as s:
        full = registers.read_person(
            s, census.protector, READER, "hukou", hukou["record_id"], permissions={VIEW_FULL}
        )
        masked = registers.read_person(s, census.protector, READER, "hukou", hukou["record_id"])
    assert (full.name, full.citizen_id, full.address) == (
        hukou["name"],
        hukou["citizen_id"],
        hukou["hukou_address"],
    )
    assert (full.sex, full.birth_year, full.hukou_county) == (
        hukou["sex"],
        hukou["birth_year"],
        hukou["hukou_county"],
    )
    assert masked.name != hukou["name"] and masked.name[0] == hukou["name"][0]
    assert masked.citizen_id is not None and "*" in masked.citizen_id
    assert masked.address is not None and "*" in masked.address
    reads = _audit(census, "register.read")
    assert [json.loads(r.detail)["full"] for r in reads] == [True, False]
    # The blind index finds the record without decrypting; a wrong number finds nothing.
    with read_transaction(census.engine) as s:
        found = registers.records_with_citizen_id(s, census.protector, hukou["citizen_id"])
        assert ("hukou", hukou["record_id"]) in found
        assert registers.records_with_citizen_id(s, census.protector, "123") == []
        birth = _frame(synth_dir, "births").row(0, named=True)
        child = registers.read_person(
            s, census.protector, READER, "births", birth["record_id"], permissions={VIEW_FULL}
        )
        assert child.name == birth["child_name"] and child.birth_county == birth["birth_county"]
        assert child.mother_citizen_id == birth["mother_citizen_id"]
        with pytest.raises(HeadcountError) as caught:
            registers.read_person(s, census.protector, READER, "deaths", "DR-none")
    assert caught.value.problem is errors.REGISTER_RECORD_NOT_FOUND


def test_one_bad_row_writes_nothing_and_is_reported_without_its_value(
    census: Census, synth_dir: Path, tmp_path: Path
) -> None:
    frame = _frame(synth_dir, "deaths")
    victim = frame.row(2, named=True)
    broken = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2)
        .then(pl.lit(9, pl.Int8))
        .otherwise(pl.col("sex"))
        .alias("sex")
    )
    path = tmp_path / "deaths.parquet"
    broken.write_parquet(path)
    with pytest.raises(registers.RegisterRowsInvalid) as caught:
        _import(census, "deaths", path)
    assert caught.value.problem is errors.REGISTER_ROWS_INVALID
    assert [(p.file, p.row, p.column, p.problem.code) for p in caught.value.rows] == [
        ("deaths.parquet", 3, "sex", "E1908")
    ]
    text = json.dumps([p.to_dict() for p in caught.value.rows], ensure_ascii=False)
    assert victim["name"] not in text and victim["citizen_id"] not in text
    assert _table_rows(census, RegisterPerson) == 0 and _table_rows(census, RegisterImport) == 0


def test_the_same_file_twice_and_overlapping_records_are_refused(
    census: Census, synth_dir: Path, tmp_path: Path
) -> None:
    first = _import(census, "deaths", synth_dir)
    with pytest.raises(HeadcountError) as again:
        _import(census, "deaths", synth_dir)
    assert again.value.problem is errors.REGISTER_ALREADY_IMPORTED
    # The same records in another file (CSV this time): refused by record id.
    other = tmp_path / "deaths.csv"
    _frame(synth_dir, "deaths").write_csv(other)
    with pytest.raises(HeadcountError) as overlap:
        _import(census, "deaths", other)
    assert overlap.value.problem is errors.REGISTER_RECORDS_PRESENT
    assert overlap.value.details["count"] == first.rows
    assert _counts(census) == {"deaths": first.rows}
    assert len(_audit(census, "register.import")) == 1


def test_a_database_failure_midway_leaves_nothing_and_a_rerun_is_clean(
    census: Census, synth_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_insert = register_queries.insert_persons
    calls: list[int] = []

    def failing(session: Any, records: Any) -> None:
        calls.append(len(records))
        if len(calls) == 3:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        real_insert(session, records)

    monkeypatch.setattr(register_queries, "insert_persons", failing)
    with pytest.raises(OperationalError):
        _import(census, "hukou", synth_dir)
    monkeypatch.setattr(register_queries, "insert_persons", real_insert)
    assert _table_rows(census, RegisterPerson) == 0
    with read_transaction(census.engine) as s:
        states = s.execute(select(RegisterImport.state)).scalars().all()
    assert states == ["failed"]
    failure = _audit(census, "register.import")
    assert [e.outcome for e in failure] == ["failure"]
    assert json.loads(failure[0].detail)["records_removed"] == 1400  # two batches of 700
    report = _import(census, "hukou", synth_dir)
    assert _counts(census) == {"hukou": report.rows} and not report.taken_over


def test_an_import_killed_outright_is_taken_over_once_stale(
    census: Census, synth_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_insert = register_queries.insert_persons
    calls: list[int] = []

    def dying(session: Any, records: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit(137)  # as if killed: and its clean-up never ran
        real_insert(session, records)

    monkeypatch.setattr(register_queries, "insert_persons", dying)
    monkeypatch.setattr(registers, "_abandon", lambda *args, **kwargs: None)
    with pytest.raises(SystemExit):
        _import(census, "hukou", synth_dir)
    monkeypatch.undo()
    assert _table_rows(census, RegisterPerson) == 700  # the first batch, invisible to readers
    assert _counts(census) == {}
    with pytest.raises(HeadcountError) as busy:
        _import(census, "hukou", synth_dir)
    assert busy.value.problem is errors.REGISTER_IMPORT_BUSY
    report = _import(census, "hukou", synth_dir, stale_after=timedelta(0))
    assert report.taken_over and _counts(census) == {"hukou": report.rows}
    assert _table_rows(census, RegisterPerson) == report.rows
    outcomes = [e.outcome for e in _audit(census, "register.import")]
    assert outcomes == ["failure", "success"]


def test_shredding_a_county_clears_its_register_index(census: Census, synth_dir: Path) -> None:
    _import(census, "hukou", synth_dir)
    with read_transaction(census.engine) as s:
        scope = s.execute(select(RegisterPerson.scope).limit(1)).scalar_one()
    keyops.shred(census.engine, census.protector, READER, scope)
    with read_transaction(census.engine) as s:
        left = s.execute(
            select(func.count())
            .select_from(RegisterPerson)
            .where(RegisterPerson.scope == scope, RegisterPerson.citizen_id_bidx.is_not(None))
        ).scalar()
    assert left == 0


def test_register_tables_are_keyed_and_backed_up() -> None:
    from headcount.store.models import TABLES_IN_ORDER
    from headcount.store.queries.keys import KEYED_MODELS

    assert RegisterPerson in KEYED_MODELS
    assert TABLES_IN_ORDER.index("register_imports") < TABLES_IN_ORDER.index("register_persons")


# --- the command ---------------------------------------------------------------------------------


@pytest.fixture
def cli() -> Iterator[typer.Typer]:
    from headcount.commands import registers as register_commands

    app = typer.Typer()
    app.add_typer(register_commands.app, name="registers")

    @app.callback()
    def main() -> None:
        """Stand-in for headcount.cli (the group is added there by one line)."""

    yield app


def test_the_command_exits_0_1_2(
    census: Census, synth_dir: Path, tmp_path: Path, cli: typer.Typer
) -> None:
    settings = census.settings
    common = [
        "--database-url",
        settings.database_url,
        "--key-file",
        str(settings.key_file),
        "--head-file",
        str(settings.audit_head_file),
        "--json",
    ]
    env = {"HEADCOUNT_AUDIT_SIGNING_KEY_FILE": str(settings.audit_signing_key_file)}

    def run(*args: str) -> tuple[int, dict[str, Any]]:
        result = CliRunner().invoke(cli, ["registers", "import", *args, *common], env=env)
        return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])

    code, body = run("births", str(synth_dir))
    assert code == 0 and body["rows"] == _frame(synth_dir, "births").height
    code, body = run("births", str(synth_dir))
    assert code == 2 and body["error"]["code"] == "E1904"
    broken = _frame(synth_dir, "deaths").with_columns(pl.lit("1890").alias("death_year"))
    broken.write_csv(tmp_path / "deaths.csv")
    code, body = run("deaths", str(tmp_path / "deaths.csv"))
    assert code == 1 and body["error"]["code"] == "E1903"
    assert {r["column"] for r in body["rows"]} == {"death_year"}
    assert len(body["rows"]) == broken.height == body["error"]["details"]["count"]
    code, body = run("marriages", str(synth_dir))
    assert code == 2 and body["error"]["code"] == "E1901"
    assert _counts(census) == {"births": _frame(synth_dir, "births").height}
