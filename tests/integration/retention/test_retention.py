"""``headcount retention`` over a demo census with a backup and an extract: after ``run`` nothing
of the destroyed scopes can be read from the database, the backup or the extract; the
certificate verifies, a changed or foreign one does not; bad input destroys nothing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from headcount.auth.roles import Actor, Role
from headcount.cli import app
from headcount.config import Settings
from headcount.demo import Demo, build
from headcount.errors import HeadcountError
from headcount.fieldwork import pes_fieldwork
from headcount.fieldwork.registration import SubmissionIn
from headcount.privacy import crypto
from headcount.privacy.vault import MasterKey
from headcount.processing.pseudonyms import ProcessingKeys
from headcount.retention import certificate
from headcount.store.models import DataKeyRecord, Household
from headcount.store.models_pes import PesHousehold
from headcount.store.protector import Protector
from headcount.store.queries import keys as key_queries
from headcount.store.session import make_engine, read_transaction, transaction
from tests.integration.pes.pes_env import IN_SURVEY, survey_enumerator
from tests.integration.pes.test_pes_fieldwork import pes_record
from tests.integration.processing.demo_env import demo_env

SCHEDULE = """format: headcount-retention-schedule
version: 1
name: test
revision: 2
wave: "2020"
calendar: {{reference_date: 2020-11-01, processing_close: 2021-05-11}}
rules:
  - {{class: household_originals, action: shred, after: {{event: {event}, months: 6}},
     delete_rows: true}}
  - {{class: register_copies, action: shred, after: {{months: 6}}, delete_rows: true}}
  - {{class: extracts, action: delete, after: {{months: 12}}, paths: [{paths}]}}
  - {{class: processing_key, action: shred, after: {{months: 12}}}}
  - {{class: audit, action: keep}}
"""


def cli(demo: Demo, *args: str, **env: str) -> Any:
    return CliRunner().invoke(app, list(args), env={**demo_env(demo), **env})


def last_json(result: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return doc


def readable(settings: Settings, scopes: set[str]) -> tuple[int, int]:
    """(ciphertexts tried, ciphertexts decrypted) under the scopes' data keys, in every table."""
    engine: Engine = make_engine(settings)
    tried = decrypted = 0
    try:
        protector = Protector.open(settings, engine)
        with read_transaction(engine) as session, protector.bound(session):
            ids = session.execute(
                select(DataKeyRecord.key_id).where(DataKeyRecord.scope.in_(scopes))
            ).scalars()
            key_ids = list(ids)
            for model in key_queries.KEYED_MODELS:
                rows = session.execute(select(model).where(model.key_id.in_(key_ids))).scalars()
                for row in rows:
                    for column in key_queries.encrypted_columns(model):
                        if getattr(row, column) is None:
                            continue
                        tried += 1
                        try:
                            protector.decrypt(
                                bytes(getattr(row, column)),
                                table=model.__tablename__,
                                column=column,
                                row_id=key_queries.row_id(model, row),
                            )
                            decrypted += 1
                        except HeadcountError:
                            pass
    finally:
        engine.dispose()
    return tried, decrypted


def households(settings: Settings, model: Any = Household) -> int:
    engine = make_engine(settings)
    try:
        with read_transaction(engine) as session:
            return int(session.execute(select(func.count()).select_from(model)).scalar() or 0)
    finally:
        engine.dispose()


def survey_household(demo: Demo) -> None:
    """One household of the post-enumeration survey, registered in a sampled area: sealed under
    the same county key as the census's, so destroyed with it."""
    surveyor = survey_enumerator(demo)
    engine = make_engine(demo.settings)
    try:
        protector = Protector.open(demo.settings, engine)
        with transaction(engine) as session, protector.bound(session):
            areas = (surveyor.area,)
            actor = Actor(surveyor.staff_id, Role.pes_enumerator, areas, frozenset(), True)
            listed = pes_fieldwork.list_household(session, actor, surveyor.area, clock=IN_SURVEY)
            pes_fieldwork.submit(
                session,
                protector,
                actor,
                listed.household_id,
                SubmissionIn(submission_uuid=uuid.uuid4(), record=pes_record()),
                clock=IN_SURVEY,
            )
    finally:
        engine.dispose()


def county_scopes(demo: Demo) -> set[str]:
    return {
        s for s in MasterKey.load(demo.settings.key_file, mode="demo").scopes() if s[5:].isdigit()
    }


def test_run_destroys_what_is_due_everywhere_and_the_certificate_proves_it(
    database_url: str, tmp_path: Path
) -> None:
    demo = build(tmp_path / "demo", persons=90, database_url=database_url)
    survey_household(demo)
    counties = county_scopes(demo)
    assert counties and readable(demo.settings, counties)[1] > 0  # readable before the run
    backup = tmp_path / "before.zip"
    assert cli(demo, "backup", str(backup)).exit_code == 0
    extracts = tmp_path / "extracts"
    made = cli(demo, "extract", "--out", str(extracts / "e1"), "--operator", "processing")
    assert made.exit_code == 0, made.output
    schedule = tmp_path / "schedule.yaml"
    schedule.write_text(SCHEDULE.format(event="processing_close", paths=str(extracts)), "utf-8")

    plan = cli(
        demo, "retention", "plan", "--schedule", str(schedule), "--at", "2021-12-01", "--json"
    )
    assert plan.exit_code == 0, plan.output
    due = {(a["kind"], a["target"]) for a in last_json(plan)["actions"] if a["is_due"]}
    assert due == {("shred_scope", s) for s in counties} | {("delete_rows", s) for s in counties}
    assert households(demo.settings) > 0  # a plan changes nothing

    cert = tmp_path / "certificate.json"
    run = cli(
        demo, "retention", "run", "--schedule", str(schedule), "--at", "2022-06-01", "--yes",
        "--out", str(cert), "--json",
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    doc = json.loads(cert.read_text("utf-8"))
    kinds = sorted((a["kind"], a["target"]) for a in doc["actions"])
    assert ("shred_scope", "processing:2020") in kinds
    assert ("delete_extract", str((extracts / "e1").resolve())) in kinds
    assert {a["target"] for a in doc["actions"] if a["kind"] == "shred_scope"} >= counties

    # The database: rows deleted, whatever else the scopes sealed unreadable.
    assert households(demo.settings) == 0 and households(demo.settings, PesHousehold) == 0
    tried, decrypted = readable(demo.settings, counties)
    assert decrypted == 0
    # The extract: gone, and its pseudonym key with it.
    assert not (extracts / "e1").exists()
    try:
        ProcessingKeys.of_wave(MasterKey.load(demo.settings.key_file, mode="demo"), "2020")
        raise AssertionError("the processing key survived")
    except HeadcountError as exc:
        assert exc.code == "E1407"
    # The backup, restored into a database of its own with the same key file: the destroyed
    # scopes' ciphertexts all fail, while the staff scope (kept) still reads.
    restored = demo.settings.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'restored.db'}",
            "audit_head_file": tmp_path / "restored-heads.jsonl",
        }
    )
    back = cli(
        demo, "restore", str(backup),
        HEADCOUNT_DATABASE_URL=restored.database_url,
        HEADCOUNT_AUDIT_HEAD_FILE=str(restored.audit_head_file),
    )  # fmt: skip
    assert back.exit_code == 0, back.output
    tried, decrypted = readable(restored, counties)
    assert tried > 0 and decrypted == 0
    assert readable(restored, {"2020:staff"})[1] > 0

    verified = cli(demo, "retention", "verify", str(cert), "--backup", str(backup), "--json")
    assert verified.exit_code == 0, verified.output
    verdict = last_json(verified)
    assert verdict["ok"] and verdict["backup_ciphertexts_tried"] == tried
    assert verdict["audit_entries"] == len(doc["audit"]["entries"]) >= len(doc["actions"])

    # A changed certificate, and one signed by another installation, are refused.
    changed = dict(doc, as_of="2021-06-01")
    (tmp_path / "changed.json").write_text(json.dumps(changed), "utf-8")
    refused = cli(demo, "retention", "verify", str(tmp_path / "changed.json"), "--json")
    assert refused.exit_code == 2 and last_json(refused)["error"]["code"] == "E2218"
    body = {k: v for k, v in doc.items() if k not in ("format", "version", "signature")}
    foreign = certificate.sign(body, crypto.signing_key_new())
    (tmp_path / "foreign.json").write_text(json.dumps(foreign), "utf-8")
    refused = cli(demo, "retention", "verify", str(tmp_path / "foreign.json"), "--json")
    assert refused.exit_code == 2 and last_json(refused)["error"]["code"] == "E2217"
    # Nothing is due any more: a second run destroys nothing and writes no certificate.
    again = cli(demo, "retention", "run", "--schedule", str(schedule), "--at", "2022-06-01",
                "--yes", "--json")  # fmt: skip
    assert again.exit_code == 0 and last_json(again)["certificate"] is None


def test_bad_input_destroys_nothing(tmp_path: Path) -> None:
    demo = build(tmp_path / "demo", persons=40)
    scopes = MasterKey.load(demo.settings.key_file, mode="demo").scopes()
    before = households(demo.settings)
    not_an_extract = tmp_path / "reports"
    (not_an_extract / "tables").mkdir(parents=True)
    early = tmp_path / "early.yaml"
    early.write_text(SCHEDULE.format(event="reference_date", paths=""), "utf-8")
    stray = tmp_path / "stray.yaml"
    stray.write_text(SCHEDULE.format(event="processing_close", paths=not_an_extract), "utf-8")
    cases = [
        (["--schedule", str(early), "--at", "2030-01-01"], {}, "E2212"),
        (["--schedule", str(stray), "--at", "2030-01-01"], {}, "E2211"),
        (["--at", "2999-01-01"], {"HEADCOUNT_MODE": "production"}, "E2215"),
    ]
    for args, env, code in cases:
        result = cli(demo, "retention", "run", *args, "--yes", "--json", **env)
        assert result.exit_code == 2, result.output
        assert last_json(result)["error"]["code"] == code
    refused = cli(demo, "retention", "run", "--at", "2030-01-01")  # no --yes
    assert refused.exit_code == 1
    assert MasterKey.load(demo.settings.key_file, mode="demo").scopes() == scopes
    assert households(demo.settings) == before > 0
    assert (not_an_extract / "tables").is_dir()
    assert not list(tmp_path.rglob("destruction-certificates"))
