"""``headcount demo``: the builder's census, and every URL and login it prints works."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from headcount.auth.roles import Role
from headcount.calendar import FixedClock
from headcount.cli import app as cli
from headcount.config import Settings
from headcount.demo import DEMO_START, ROLE_LOGINS, demo_settings
from headcount.fieldwork.badges import is_well_formed
from headcount.store.queries import households as household_queries
from headcount.store.session import make_engine, read_transaction
from headcount.web.app import create_app
from tests.integration.web.test_pages_support import sign_in


def _rows(printed: str, cells: int) -> list[list[str]]:
    """Table rows of ``cells`` cells from Rich's output (one line per row at 200 columns)."""
    rows = []
    for line in printed.splitlines():
        parts = [p.strip() for p in line.split("│")[1:-1]]
        if len(parts) == cells:
            rows.append(parts)
    return rows


def test_every_printed_url_and_login_works(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    result = CliRunner().invoke(
        cli,
        ["demo", "--dir", str(folder), "--persons", "150", "--build-only"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    printed = result.output
    base = "http://127.0.0.1:8000"
    urls = [url for _, url in _rows(printed, 2) if url.startswith(base)]
    staff = [row for row in _rows(printed, 5) if row[0] in {r.value for r, _ in ROLE_LOGINS}]
    cards = [row for row in _rows(printed, 4) if row[3].startswith(base)]
    assert len(urls) == 6 and len(staff) == len(ROLE_LOGINS) and cards
    settings = demo_settings(folder.resolve())
    assert (folder / ".headcount-demo").exists() and settings.demo_second_factor_optional
    engine = make_engine(settings)
    try:
        with read_transaction(engine) as session:
            # Some households registered (the rest wait for a visit or their self-report).
            assert 0 < household_queries.count_households(session) < 60
    finally:
        engine.dispose()
    enumerator = next(row for row in staff if row[0] == Role.enumerator.value)
    assert enumerator[4].startswith("11E-") and is_well_formed(enumerator[4])  # random badge
    # Served as ``headcount demo`` serves it: the folder it printed, in demo mode.
    app = create_app(settings, clock=FixedClock(DEMO_START))
    with TestClient(app, base_url="http://testserver") as client:
        for url in urls:
            assert client.get(url.removeprefix(base)).status_code == 200, url
        for role, username, password, _areas, _badge in staff:
            sign_in(client, username, password)
            me = client.get("/api/auth/me")
            assert me.status_code == 200, (role, me.text)
            assert me.json()["role"] == role and me.json()["pledge_accepted"]
            assert client.get("/staff").status_code == 200
        for _household, account, password, url in cards:
            client.cookies.clear()
            assert client.get(url.removeprefix(base)).status_code == 200
            login = client.post(
                "/api/self-report/login", json={"account": account, "password": password}
            )
            assert login.status_code == 200, login.text


def test_the_demo_refuses_to_empty_a_folder_it_did_not_make(tmp_path: Path) -> None:
    keep = tmp_path / "precious.txt"
    keep.write_text("not a demo")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path), "--build-only"])
    assert result.exit_code != 0 and "E2095" in result.output
    assert keep.read_text() == "not a demo"


def test_the_second_factor_relaxation_exists_only_in_demo_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only in mode 'demo'"):
        Settings(mode="production", demo_second_factor_optional=True)
    with pytest.raises(ValueError, match="only in mode 'demo'"):
        Settings(mode="development", demo_second_factor_optional=True)
    assert not Settings(mode="demo").demo_second_factor_optional
