"""A real ``headcount serve`` process over a prepared census, for the crash test and the benchmark.

``prepare`` fills an initialised database in-process (areas, the household-head register, one
enumerator account per small area); ``Server`` runs uvicorn in a child process configured only
through HEADCOUNT_* variables, as an operator would; ``sign_in`` walks the enumerator's first
sign-in over HTTP (one-time password → new password → pledge) and returns a bearer token.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine

from headcount.audit.log import Actor as AuditActor
from headcount.auth.roles import Role
from headcount.config import Settings
from headcount.fieldwork import pre_registration, staff
from headcount.store.protector import Protector
from headcount.store.queries import areas as area_queries
from headcount.store.session import transaction
from headcount.web.app import create_app
from tests.integration.fieldwork.world import CANVASS_DAY, actor

ROOT = Path(__file__).resolve().parents[3]
COUNTY = "110105"
NEW_PASSWORD = "Census-2020-load-rig!"  # a throwaway account on a throwaway database


@dataclass
class Enumerator:
    username: str
    one_time_password: str
    small_area: str
    households: list[str] = field(default_factory=list)


def prepare(
    engine: Engine, protector: Protector, *, small_areas: int, per_area: int
) -> list[Enumerator]:
    """Areas, register lines (numbered 001…) and an enumerator per small area."""
    now = datetime.now(UTC)
    census_area = f"{COUNTY}001001"
    codes = [f"{census_area}{n:03d}" for n in range(1, small_areas + 1)]
    national = actor(Role.national_office)
    setup = AuditActor(id="load-rig", role="national_office")
    out: list[Enumerator] = []
    with transaction(engine) as session, protector.bound(session):
        area_queries.add_census_areas(
            session,
            [{"code": census_area, "county_code": COUNTY, "name": "负载测试", "created_at": now}],
        )
        area_queries.add_small_areas(
            session,
            [
                {
                    "code": code,
                    "census_area_code": census_area,
                    "name": "负载测试小区",
                    "expected_persons": None,
                    "created_at": now,
                }
                for code in codes
            ],
        )
        for n, code in enumerate(codes, start=1):
            created = staff.create(
                session,
                national,
                protector,
                setup,
                now,
                "2020",
                staff.StaffCreate(
                    username=f"enum.load.{n:03d}", role=Role.enumerator, areas=[code]
                ),
            )
            out.append(Enumerator(created.username, created.one_time_password, code))
    for enumerator in out:
        field_actor = actor(Role.enumerator, enumerator.small_area)
        for start in range(0, per_area, 200):
            size = min(200, per_area - start)
            with transaction(engine) as session:
                entries = pre_registration.add_entries(
                    session,
                    protector,
                    field_actor,
                    enumerator.small_area,
                    [pre_registration.EntryIn(head_name="负载户主", expected_persons=2)] * size,
                    clock=CANVASS_DAY,
                )
            enumerator.households.extend(e.household_id for e in entries)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEADCOUNT_")}
    for name, value in settings.model_dump().items():
        if isinstance(value, tuple | list):
            env[f"HEADCOUNT_{name.upper()}"] = json.dumps(list(value))
        elif value is not None:
            env[f"HEADCOUNT_{name.upper()}"] = str(value)
    return env


def app() -> FastAPI:
    """uvicorn ``--factory`` target for several worker processes (settings from HEADCOUNT_*)."""
    return create_app(Settings())


class Server:
    """``headcount serve`` in a child process (or uvicorn with ``workers`` processes);
    ``kill()`` is SIGKILL of the whole process group (no shutdown hooks run)."""

    def __init__(
        self,
        settings: Settings,
        port: int | None = None,
        workers: int = 1,
        log: Path | None = None,
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.log = log
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        if self.workers == 1:
            code = "from headcount.cli import app; app()"
            command = [sys.executable, "-c", code, "serve", "--port", str(self.port)]
        else:
            command = [
                *(sys.executable, "-m", "uvicorn", "--factory", f"{__name__}:app"),
                *("--port", str(self.port), "--workers", str(self.workers)),
                *("--log-level", "warning", "--no-access-log"),
            ]
        sink = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        self.process = subprocess.Popen(
            command,
            env={**environment(self.settings), "HEADCOUNT_PUBLIC_URL": self.base_url},
            cwd=ROOT,
            stdout=sink,
            stderr=sink,
            start_new_session=True,
        )
        if self.log is not None and not isinstance(sink, int):
            sink.close()  # the child holds its own descriptor
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def sign_in(
    base_url: str, enumerator: Enumerator, pledge_version: str, *, source: str | None = None
) -> str:
    """First sign-in of a new enumerator: returns a bearer token with full field permissions.

    ``source`` (127.0.0.x) lets many rig accounts sign in from distinct addresses, as their
    devices would, instead of tripping the per-address password-change limit together."""
    transport = httpx.HTTPTransport(local_address=source) if source else None
    with httpx.Client(base_url=base_url, timeout=30.0, transport=transport) as client:
        first = client.post(
            "/api/auth/login",
            json={
                "username": enumerator.username,
                "password": enumerator.one_time_password,
                "client": "device",
            },
        )
        first.raise_for_status()
        token = first.json()["token"]
        changed = client.post(
            "/api/auth/password",
            json={
                "current_password": enumerator.one_time_password,
                "new_password": NEW_PASSWORD,
                "client": "device",
            },
            headers={"authorization": f"Bearer {token}"},
        )
        changed.raise_for_status()
        token = changed.json()["token"] or token
        pledge = client.post(
            "/api/auth/pledge",
            json={"version": pledge_version, "accept": True},
            headers={"authorization": f"Bearer {token}"},
        )
        pledge.raise_for_status()
        # Accepting the pledge rotates the session (new permissions, new token).
        return str(pledge.json().get("token") or token)
