"""``quality --tasks``: findings become verification tasks for the right enumerators, the answers
are kept once, and the next extract carries them to the next run (issue 12, part 3)."""

from __future__ import annotations

import uuid
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from headcount import errors
from headcount.auth.roles import Actor, Role
from headcount.cli import app
from headcount.demo import Demo, build
from headcount.errors import HeadcountError
from headcount.fieldwork import tasks, verification
from headcount.store.models_fieldwork import FieldTask, VerificationTask
from headcount.store.protector import Protector
from headcount.store.queries import staff as staff_queries
from headcount.store.session import make_engine, read_transaction, transaction
from tests.integration.processing.demo_env import demo_env
from tests.integration.quality.field_env import check, counts, import_hukou


def _enumerator(demo: Demo) -> Actor:
    login = demo.login(Role.enumerator)
    engine = make_engine(demo.settings)
    try:
        with read_transaction(engine) as session:
            staff = staff_queries.by_username(session, login.username)
            assert staff is not None
            return Actor(str(staff.id), Role.enumerator, login.areas, frozenset(), True)
    finally:
        engine.dispose()


def _verify_tasks(demo: Demo) -> pl.DataFrame:
    engine = make_engine(demo.settings)
    try:
        with read_transaction(engine) as session:
            rows = session.execute(
                select(
                    FieldTask.id,
                    FieldTask.small_area_code,
                    FieldTask.state,
                    VerificationTask.finding,
                    VerificationTask.register_kind,
                    VerificationTask.record_id,
                    VerificationTask.answer,
                ).join(VerificationTask, VerificationTask.task_id == FieldTask.id)
            ).all()
    finally:
        engine.dispose()
    schema = ["task_id", "area", "state", "finding", "register", "record_id", "answer"]
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def test_findings_reach_the_enumerator_and_answers_reach_the_next_run(
    database_url: str, tmp_path: Path
) -> None:
    demo = build(tmp_path / "demo", persons=150, database_url=database_url)
    import_hukou(demo, tmp_path)
    first = check(demo, tmp_path, "1")
    omissions = pl.read_parquet(first / "omissions.parquet")
    assert omissions.height > 0
    assert set(omissions["small_area_code"]) <= set(demo.small_area_codes)
    opened = _verify_tasks(demo)
    omission_tasks = opened.filter(pl.col("finding") == "omission")
    assert omission_tasks.height == omissions.height
    assert sorted(omission_tasks["record_id"]) == sorted(omissions["record_id"])
    assert set(opened["state"]) == {"open"}

    enumerator = _enumerator(demo)
    engine = make_engine(demo.settings)
    try:
        protector = Protector.open(demo.settings, engine)
        with transaction(engine) as session:
            listed = tasks.list_open(session, enumerator, limit=200).items
            mine = {t.task_id for t in listed if t.kind == "verify"}
            assert mine == set(opened["task_id"])  # the demo's one enumerator covers its areas
            first_id, second_id = sorted(omission_tasks["task_id"])[:2]
            shown = verification.detail(session, protector, enumerator, first_id, "")
            assert shown is not None and shown.subject is not None
            assert "*" in shown.subject.name  # masked: the enumerator holds no pi.view_full
            assert shown.answers == ["found", "not_found", "moved", "died"]
        with transaction(engine) as session:
            with pytest.raises(HeadcountError) as wrong:
                verification.answer(
                    session, enumerator, first_id, verification.AnswerIn(answer="corrected")
                )
            assert wrong.value.problem == errors.VERIFY_ANSWER_INVALID
        with transaction(engine) as session:
            verification.answer(
                session, enumerator, first_id, verification.AnswerIn(answer="not_found")
            )
            verification.answer(
                session, enumerator, second_id, verification.AnswerIn(answer="found")
            )
        with transaction(engine) as session:
            with pytest.raises(HeadcountError) as twice:
                verification.answer(
                    session, enumerator, first_id, verification.AnswerIn(answer="moved")
                )
            assert twice.value.problem == errors.VERIFY_TASK_CLOSED
        # Another area's enumerator cannot see or answer it.
        stranger = Actor(
            enumerator.staff_id, Role.enumerator, ("110101001001999",), frozenset(), True
        )
        with transaction(engine) as session:
            with pytest.raises(HeadcountError) as hidden:
                verification.answer(
                    session, stranger, second_id, verification.AnswerIn(answer="moved")
                )
            assert hidden.value.problem == errors.TASK_NOT_FOUND
    finally:
        engine.dispose()

    second = check(demo, tmp_path, "2")
    verified = pl.read_parquet(second / "verified.parquet")
    assert verified.select("finding", "answer").rows() == [("omission", "not_found")]
    again = pl.read_parquet(second / "omissions.parquet")
    assert again.height == omissions.height - 1
    answered = dict(zip(again["record_id"], again["verification"], strict=True))
    record_of = dict(zip(omission_tasks["task_id"], omission_tasks["record_id"], strict=True))
    assert record_of[first_id] not in answered
    assert answered[record_of[second_id]] == "found"  # said found, but still not registered
    assert counts(second)["verified"] == 1
    # The same findings are not sent twice.
    assert _verify_tasks(demo).height == opened.height


def test_tasks_need_an_extract_of_the_store(database_url: str, tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=80, database_url=database_url)
    env = demo_env(demo)
    synth = demo.directory / "synth"
    extract = tmp_path / "from-synth"
    run = CliRunner().invoke(
        app,
        ["extract", "--from-synth", str(synth), "--registers", str(synth), "--out", str(extract)],
        env=env,
    )
    assert run.exit_code == 0, run.output
    out = tmp_path / "quality"
    refused = CliRunner().invoke(
        app,
        ["quality", str(extract), "--out", str(out), "--tasks", "--operator", "processing"],
        env=env,
    )
    assert refused.exit_code != 0 and "E1910" in refused.output
    assert not out.exists()  # refused before any work
    assert _verify_tasks(demo).height == 0
    unsigned = CliRunner().invoke(
        app, ["quality", str(extract), "--out", str(out), "--tasks"], env=env
    )
    assert unsigned.exit_code != 0 and not out.exists()


def test_an_unknown_task_is_not_found(database_url: str, tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=60, database_url=database_url)
    enumerator = _enumerator(demo)
    engine = make_engine(demo.settings)
    try:
        with transaction(engine) as session:
            with pytest.raises(HeadcountError) as missing:
                verification.answer(
                    session, enumerator, uuid.uuid4(), verification.AnswerIn(answer="found")
                )
            assert missing.value.problem == errors.TASK_NOT_FOUND
            total = session.execute(select(func.count()).select_from(VerificationTask)).scalar()
            assert total == 0
    finally:
        engine.dispose()
