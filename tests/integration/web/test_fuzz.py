"""The API fuzzed against its own OpenAPI document (issue 19, item 5), on both databases.

Schemathesis reads ``/openapi.json`` from the app in-process and runs its phases with every
check: no server error; every status, header and body as documented; invalid data refused and
valid data accepted; authentication enforced; 405 with ``Allow``. Each operation is called with
the credentials it needs: the staff member whose role holds its permission (bearer tokens,
offices with their second factor) or a household signed in with its self-report card. Sign-out
and the pledge (which rotates the session) get sessions of their own, so they cannot sign the
rest of the run out. A quarter of the generated strings come from ``HOSTILE`` (NUL and other
control characters): each must be refused, never reach a database as a fault.

CI runs the short version: the schema's examples, the coverage phase (boundary, invalid and
missing values of every parameter and body; two unexpected methods per path) and 3 random cases
per operation, about 1,400 requests. The long run adds the stateful phase (sequences of calls
following the responses), all eight unexpected methods and as many random cases per operation
as ``HEADCOUNT_FUZZ_EXAMPLES`` says (the command is in docs/access.md)::

    HEADCOUNT_FUZZ_EXAMPLES=50 HEADCOUNT_FUZZ_REPORT=fuzz-report.txt \\
        HEADCOUNT_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/pytest tests/integration/web/test_fuzz.py

``HEADCOUNT_FUZZ_SEED`` replays a run; ``HEADCOUNT_FUZZ_REPORT`` names a file for every failure,
every status and problem code seen per operation, and the time per phase.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.engine import Status, events
from schemathesis.python import asgi

from headcount.auth.roles import Role
from headcount.calendar import CST, FixedClock
from headcount.quality import run as run_quality
from headcount.questionnaire.loader import get_form
from tests.integration.conftest import Census
from tests.integration.web.test_auth_support import (
    AWAY_COUNTY,
    HOME_CA,
    HOME_SA,
    Seeded,
    add_areas,
    add_staff,
    app_for,
    client_for,
)
from tests.integration.web.test_results_pages import make_tables
from tests.unit.quality.handmade import write_extract
from tests.unit.questionnaire.factories import clean_household

EXAMPLES = int(os.environ.get("HEADCOUNT_FUZZ_EXAMPLES", "0"))
LONG = EXAMPLES > 0
SEED = int(os.environ.get("HEADCOUNT_FUZZ_SEED", "20201101"))
REPORT = os.environ.get("HEADCOUNT_FUZZ_REPORT")  # a file for every failure and status seen
HEAD = "测试户主"
PREPARED = datetime(2020, 10, 25, 10, 0, tzinfo=CST)  # pre-registration and cards
FUZZED = datetime(2020, 11, 2, 10, 0, tzinfo=CST)  # after the standard time point, window open

HOSTILE = ["a\x00b", "\x00", "110101001001001-001\x00", "bell\x07", "esc\x1b[2J", "测试\x1f"]
# Statuses a valid request may get besides 2xx: the schema cannot say which areas, households
# and accounts exist or are in the caller's reach (404), what state they are in (409), or the
# questionnaire's and the office's rules beyond the shapes (400, 422).
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "422", "429"]


@dataclass
class Target:
    """The app under fuzz and a bearer token per kind of caller."""

    census: Census
    clock: FixedClock
    tokens: dict[str, str] = field(default_factory=dict)


def _device_sign_in(client: TestClient, who: Seeded, clock: FixedClock) -> str:
    body: dict[str, object] = {
        "username": who.username,
        "password": who.password,
        "client": "device",
    }
    if who.totp_seed is not None:
        body["totp_code"] = who.code(clock)
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _household_sign_in(client: TestClient, card: dict[str, Any]) -> str:
    response = client.post(
        "/api/self-report/login", json={"account": card["account"], "password": card["password"]}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _prepare(census: Census) -> Target:
    """Areas, one account per kind of caller, households on the register, two cards; then the
    clock moves past the standard time point and everyone signs in (a setup app of its own, so
    the fuzzed app's rate limits start full)."""
    clock = FixedClock(PREPARED)
    add_areas(census)
    staff = {
        "enumerator": add_staff(census, "fuzz.enum", Role.enumerator, (HOME_SA,), totp=False),
        "account": add_staff(census, "fuzz.self", Role.enumerator, (HOME_SA,), totp=False),
        "logout": add_staff(census, "fuzz.out", Role.enumerator, (HOME_SA,), totp=False),
        "pledge": add_staff(census, "fuzz.pledge", Role.enumerator, (HOME_SA,), totp=False),
        "supervisor": add_staff(census, "fuzz.super", Role.supervisor, (HOME_CA,)),
        "office": add_staff(census, "fuzz.office", Role.national_office),
        "county": add_staff(census, "fuzz.county", Role.county_office, (AWAY_COUNTY,)),
        "auditor": add_staff(census, "fuzz.audit", Role.auditor),
    }
    target = Target(census, clock)
    with client_for(app_for(census, clock)) as setup:
        enumerator = _device_sign_in(setup, staff["enumerator"], clock)
        setup.headers["Authorization"] = f"Bearer {enumerator}"
        entries = [
            {"head_name": HEAD, "mode": mode, "expected_persons": 3}
            for mode in ("self_report", "self_report", "enumerator", "enumerator")
        ]
        registered = setup.post(
            f"/api/enumerator/small-areas/{HOME_SA}/register", json={"entries": entries}
        )
        assert registered.status_code == 201, registered.text
        cards = []
        for entry in registered.json()[:2]:
            card = setup.post(
                f"/api/enumerator/self-report/households/{entry['household_id']}/card"
            )
            assert card.status_code == 201, card.text
            cards.append(card.json())
        clock.set(FUZZED)
        del setup.headers["Authorization"]
        target.tokens = {kind: _device_sign_in(setup, who, clock) for kind, who in staff.items()}
        target.tokens["household"] = _household_sign_in(setup, cards[0])
        target.tokens["household.logout"] = _household_sign_in(setup, cards[1])
        # Something to read, review and confirm: one household registered by its enumerator,
        # one that reported itself.
        setup.headers["Authorization"] = f"Bearer {target.tokens['enumerator']}"
        body = {"submission_uuid": str(uuid.uuid4()), "record": _short_record()}
        household_id = registered.json()[2]["household_id"]
        done = setup.post(f"/api/enumerator/households/{household_id}/submissions", json=body)
        assert done.status_code == 201, done.text
        setup.headers["Authorization"] = f"Bearer {target.tokens['household']}"
        saved = setup.put("/api/self-report/household", json={"record": _short_record()})
        assert saved.status_code == 200, saved.text
        sent = setup.post("/api/self-report/submit", json={"declarant": HEAD, "pledge": True})
        assert sent.status_code == 200, sent.text
    return target


def _short_record() -> dict[str, Any]:
    record = clean_household(random.Random(3), get_form("short"), 3)
    for key in ("household_id", "household_no"):
        record.pop(key, None)
    record["deaths"] = []
    record["items"]["deaths"] = {"male": 0, "female": 0}
    return record


# Which caller each operation is fuzzed as (path regexes, mutually exclusive); the rest: the
# national office. Accounts are managed by the other county's office: the national office would
# soon disable, re-grant or reset the very accounts the fuzz signs in with.
CALLERS = {
    r"^/api/office/(staff|small-areas/[^/]+/enumerators|census-areas/[^/]+/supervisors)": "county",
    r"^/api/enumerator/": "enumerator",
    r"^/api/supervisor/": "supervisor",
    r"^/api/audit/": "auditor",
    r"^/api/auth/logout$": "logout",
    r"^/api/auth/pledge$": "pledge",  # accepting the pledge rotates the session
    r"^/api/auth/(?!logout$|pledge$)": "account",
    r"^/api/self-report/logout$": "household.logout",
    r"^/api/self-report/(?!logout$)": "household",
}


def _config(target: Target) -> schemathesis.Config:
    examples = EXAMPLES or 3

    def bearer(kind: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {target.tokens[kind]}"}

    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": bearer("office"),
            "operations": [
                {"include-path-regex": regex, "headers": bearer(kind)}
                for regex, kind in CALLERS.items()
            ],
            "dictionaries": {"hostile": {"values": HOSTILE}},
            "generation": {
                "max-examples": examples,
                "dictionaries": {"string": {"dictionary": "hostile", "probability": 0.25}},
            },
            "phases": {
                "coverage": {} if LONG else {"unexpected-methods": ["delete", "patch"]},
                "stateful": {"enabled": LONG, "max-steps": examples * 5},
            },
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            "suppress-health-check": ["all"],
            "continue-on-failure": True,  # report every failure, not the first per operation
        }
    )


@dataclass
class Outcome:
    failures: list[str] = field(default_factory=list)
    seen: Counter[tuple[str, int]] = field(default_factory=Counter)
    documented: dict[str, set[int]] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    codes: Counter[tuple[str, str]] = field(default_factory=Counter)  # problems answered

    def report(self, failures: list[str], elapsed: float) -> str:
        lines = [*failures, *self.undocumented(), f"{elapsed:.1f} s, requests {self.requests}"]
        lines += [f"phase {name}: {seconds:.1f} s" for name, seconds in self.phases.items()]
        lines += [f"{label} {status}: {n}" for (label, status), n in sorted(self.seen.items())]
        lines += [f"{label} {code}: {n}" for (label, code), n in sorted(self.codes.items())]
        return "\n".join(lines) + "\n"

    def undocumented(self) -> list[str]:
        return [
            f"{label} answered {status} ({n}x), not in its documented responses"
            for (label, status), n in sorted(self.seen.items())
            if status not in self.documented.get(label, set())
        ]


def _problem_code(content: bytes) -> str:
    try:
        return str(json.loads(content)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


def _run(target: Target) -> Outcome:
    app = app_for(target.census, target.clock)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=_config(target))
    outcome = Outcome()
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            codes = {int(code) for code in operation["responses"]}
            outcome.documented[f"{method.upper()} {path}"] = codes
    try:
        for event in schemathesis.engine.from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                recorder = event.recorder
                outcome.requests[event.phase.value] += len(recorder.interactions)
                for interaction in recorder.interactions.values():
                    # Probes with another method (405 expected) are the checks' business.
                    if interaction.response is not None and recorder.label.startswith(
                        f"{interaction.request.method} "
                    ):
                        label = recorder.label
                        outcome.seen[(label, interaction.response.status_code)] += 1
                        outcome.codes[(label, _problem_code(interaction.response.content))] += 1
                for checks in recorder.checks.values():
                    for check in checks:
                        if check.status == Status.FAILURE and check.failure_info is not None:
                            failure = check.failure_info.failure
                            outcome.failures.append(
                                f"{recorder.label} [{check.name}] {failure.title}: "
                                f"{failure.message}\n    {check.failure_info.code_sample}"
                            )
            elif isinstance(event, events.PhaseStarted):
                outcome.phases[event.phase.name.value] = time.monotonic()
            elif isinstance(event, events.PhaseFinished):
                began = outcome.phases.get(event.phase.name.value, time.monotonic())
                outcome.phases[event.phase.name.value] = time.monotonic() - began
            elif isinstance(event, (events.NonFatalError, events.FatalError)):
                outcome.failures.append(f"error: {event!r}")
    finally:
        asgi.shutdown_lifespans()  # the app's background jobs stop with it
    return outcome


@pytest.mark.slow
def test_fuzz_finds_no_server_error_and_no_undocumented_status(
    census: Census, tmp_path: Path
) -> None:
    # The results API reads a tables directory (unset, it answers 503 E2140 by design).
    tables = make_tables(tmp_path / "tables")
    # The quality API reads a quality output (unset, it answers 503 E1920 by design).
    quality = run_quality(write_extract(tmp_path / "extract"), tmp_path / "quality").out
    update = {"tables_dir": tables, "quality_dir": quality}
    census.settings = census.settings.model_copy(update=update)
    started = time.monotonic()
    outcome = _run(_prepare(census))
    elapsed = time.monotonic() - started
    unique = sorted(set(outcome.failures))
    report = "\n".join(unique[:40])
    if REPORT:
        Path(REPORT).write_text(outcome.report(unique, elapsed), encoding="utf-8")
    assert not unique, f"{len(unique)} failing checks in {elapsed:.0f} s:\n{report}"
    assert not outcome.undocumented(), "\n".join(outcome.undocumented())
    assert sum(outcome.seen.values()) > 1000, "the fuzz barely ran"
