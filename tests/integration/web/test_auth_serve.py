"""``headcount serve`` starts on a database made by ``headcount init`` and refuses, with a
catalogued problem, a database it cannot serve; with the database gone the API answers 503."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from headcount.store.bootstrap import initialise
from tests.integration.conftest import Census, settings_for
from tests.integration.web.test_auth_support import app_for, client_for, error_code, new_clock

HEADCOUNT = shutil.which("headcount", path=str(Path(sys.executable).parent))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
@pytest.mark.skipif(HEADCOUNT is None, reason="the headcount console script is not installed")
def test_serve_starts_on_an_initialised_database(tmp_path: Path) -> None:
    # One database kind is enough here: the in-process app tests cover both.
    settings = settings_for(f"sqlite:///{tmp_path / 'census.db'}", tmp_path)
    initialise(settings)
    port = _free_port()
    command = [
        str(HEADCOUNT),
        "serve",
        "--port",
        str(port),
        "--database-url",
        settings.database_url,
        "--key-file",
        str(settings.key_file),
        "--public-url",
        f"http://127.0.0.1:{port}",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("headcount serve did not answer within 15 s")
        refused = httpx.post(f"{base}/api/auth/login", json={"username": "x", "password": "y"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "E2010"
        assert httpx.get(f"{base}/openapi.json").json()["paths"]["/api/auth/login"]
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.slow
@pytest.mark.skipif(HEADCOUNT is None, reason="the headcount console script is not installed")
def test_serve_refuses_a_database_that_was_never_initialised(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(HEADCOUNT),
            "serve",
            "--database-url",
            f"sqlite:///{tmp_path / 'empty.db'}",
            "--key-file",
            str(tmp_path / "none.key"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "E1603" in result.stderr and "Traceback" not in result.stderr


def test_database_down_answers_503_with_retry_after(census: Census) -> None:
    app = app_for(census, new_clock())
    with client_for(app) as client:
        app.state.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
        response = client.post("/api/auth/login", json={"username": "a", "password": "b"})
        assert response.status_code == 503 and error_code(response) == "E2004"
        assert int(response.headers["retry-after"]) > 0
        app.state.engine.dispose()
        app.state.engine = census.engine
