"""The operator's commands end to end: init, migrate, load, backup, restore, keys, audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from typer.testing import CliRunner

from headcount.cli import app
from headcount.config import Settings
from headcount.store.models import Staff
from headcount.store.session import make_engine, read_transaction
from tests.integration.conftest import new_database_url
from tests.integration.synthetic import CANARY_STRINGS, write_population


def _env(settings: Settings) -> dict[str, str]:
    return {
        "HEADCOUNT_DATABASE_URL": settings.database_url,
        "HEADCOUNT_KEY_FILE": str(settings.key_file),
        "HEADCOUNT_AUDIT_HEAD_FILE": str(settings.audit_head_file),
        "HEADCOUNT_AUDIT_SIGNING_KEY_FILE": str(settings.audit_signing_key_file),
    }


def _run(settings: Settings, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, [*args, "--json"], env=_env(settings))
    assert result.exit_code == 0, result.output
    assert not [c for c in CANARY_STRINGS if c in result.output]
    parsed: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return parsed


def test_operator_flow(
    settings: Settings,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    init = _run(settings, "init", "--profile", "gm")
    password = str(init["one_time_password"])
    assert len(password) == 20 and init["username"] == "admin"
    engine = make_engine(settings)
    try:
        with read_transaction(engine) as s:
            admin = s.execute(select(Staff)).scalar_one()
        assert admin.must_change_password and admin.role == "system_admin"
        assert password not in admin.password_hash and admin.password_hash.startswith("$argon2id$")
        params = PasswordHasher().verify(admin.password_hash, password)
        assert params and "m=19456,t=2" in admin.password_hash
    finally:
        engine.dispose()
    assert _run(settings, "migrate")["revision"] == init["revision"]
    assert not [r for r in caplog.records if password in r.getMessage()]  # D7: never logged
    population = write_population(tmp_path / "pop", households=9)
    loaded = _run(settings, "load", str(population.directory), "--batch-size", "4")
    assert loaded["households_added"] == 9 and loaded["persons_read"] == len(population.persons)
    again = _run(settings, "load", str(population.directory))
    assert (again["households_added"], again["households_skipped"]) == (0, 9)
    rotated = CliRunner().invoke(app, ["keys", "rotate", "--json"], env=_env(settings))
    assert rotated.exit_code == 0 and rotated.output.count('"scope"') == 2
    file = tmp_path / "census.zip"
    made = _run(settings, "backup", str(file))
    shred = _run(settings, "keys", "shred", "2020:310104", "--yes")
    assert shred["data_keys_destroyed"] >= 1
    verified = _run(settings, "audit", "verify")
    assert verified["ok"] is True and verified["position"] is None
    head = _run(settings, "audit", "head")
    assert head["size"] == verified["entries"]
    # Restore into a fresh instance with its own head file.
    kind = "sqlite" if settings.database_url.startswith("sqlite") else "postgresql"
    fresh_url = new_database_url(request, kind, tmp_path)
    target = settings.model_copy(
        update={"database_url": fresh_url, "audit_head_file": tmp_path / "restored-heads.jsonl"}
    )
    restored = _run(target, "restore", str(file))
    assert restored["restored"] == made["rows"]
    assert _run(target, "audit", "verify")["ok"] is True


def test_problems_are_bilingual_with_exit_2(settings: Settings) -> None:
    _run(settings, "init")
    twice = CliRunner().invoke(app, ["init"], env=_env(settings))
    assert twice.exit_code == 2 and "E1614" in twice.output
    assert "already initialised" in twice.output and "已初始化" in twice.output
    missing = CliRunner().invoke(app, ["load", "/nonexistent/dir"], env=_env(settings))
    assert missing.exit_code == 2 and "E1613" in missing.output
    bad_scope = CliRunner().invoke(app, ["keys", "shred", "nonsense", "--yes"], env=_env(settings))
    assert bad_scope.exit_code == 2 and "E1414" in bad_scope.output
    unsure = CliRunner().invoke(app, ["keys", "shred", "2020:110105"], env=_env(settings))
    assert unsure.exit_code == 1
    no_key = CliRunner().invoke(
        app, ["load", "/tmp", "--key-file", "/nonexistent/key"], env=_env(settings)
    )
    assert no_key.exit_code == 2 and "E14" in no_key.output


def test_database_failures_mid_command_are_catalogued(capsys: pytest.CaptureFixture[str]) -> None:
    import typer
    from sqlalchemy.exc import DBAPIError, OperationalError

    from headcount.commands.store import guarded

    def refused() -> None:
        raise DBAPIError(
            "UPDATE …",
            {},
            Exception("permission denied for table audit_log\nDETAIL: Key (x)=(secret) …"),
        )

    def gone() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    for work, code in ((refused, "E1620"), (gone, "E1601")):
        with pytest.raises(typer.Exit) as caught:
            guarded(True, work)
        assert caught.value.exit_code == 2
        out = json.loads(capsys.readouterr().out)
        assert out["error"]["code"] == code and "secret" not in json.dumps(out)
