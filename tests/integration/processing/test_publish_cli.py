"""``headcount publish`` end to end through the CLI: exit codes, --json, nothing written on a
refusal, --verify. The command is mounted on a local Typer app (as ``headcount`` mounts it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from headcount.audit.heads import SigningKey
from headcount.commands.publish import publish_command
from tests.unit.publish.builders import ID, Edit, write_communique, write_tables

app = typer.Typer()
app.command("publish")(publish_command)


@app.callback()
def _main() -> None:
    """Keep ``publish`` a subcommand, as in ``headcount``."""


runner = CliRunner()


@pytest.fixture
def sources(tmp_path: Path) -> list[Path]:
    return [write_tables(tmp_path / "TABLES"), write_communique(tmp_path / "COMM")]


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["publish", *map(str, args)])
    assert ID not in result.output  # never a value in clear, whatever happens
    return result.exit_code, result.stdout


def test_publish_then_verify(tmp_path: Path, sources: list[Path]) -> None:
    out = tmp_path / "BUNDLE"
    code, stdout = _run(*sources, "--out", out, "--json")
    assert code == 0, stdout
    summary = json.loads(stdout)
    assert summary["bundle"] == str(out) and summary["files"] > 10
    assert summary["gates"]["scan"]["verdict"] == "pass"
    assert summary["gates"]["disclosure"]["checks"][0]["threshold"] == 3
    code, stdout = _run("--verify", out, "--json")
    assert code == 0 and json.loads(stdout)["ok"] is True
    code, _ = _run("--verify", out)
    assert code == 0
    code, stdout = _run(*sources, "--out", out, "--json")
    assert code == 2 and json.loads(stdout)["error"]["code"] == "E1873"


def test_refused_publish_exits_1_with_every_finding_and_writes_nothing(
    tmp_path: Path, sources: list[Path]
) -> None:
    tables = write_tables(
        tmp_path / "LEAKY", edit=Edit("csv", "households_by_type", 0, "household_type", ID)
    )
    comm = write_communique(tmp_path / "COMM2", markdown_extra=f"证件号码 {ID}\n")
    out = tmp_path / "public" / "BUNDLE"
    out.parent.mkdir()
    code, stdout = _run(tables, comm, "--out", out, "--json")
    assert code == 1
    body = json.loads(stdout)
    assert body["error"]["code"] == "E1870"
    blocking = body["report"]["blocking"]
    assert {(b["file"], b["type"]) for b in blocking} == {
        ("tables/county/households_by_type.csv", "citizen_id"),
        ("COMM2/communique.md", "citizen_id"),
    }
    for item in blocking:
        assert {"file", "type", "location", "preview"} <= item.keys()
        assert item["preview"].count("*") >= 10
    assert os.listdir(out.parent) == []
    code, _ = _run(tables, comm, "--out", out)  # people's output: a table, no values
    assert code == 1 and os.listdir(out.parent) == []


def test_min_cell_options(tmp_path: Path, sources: list[Path]) -> None:
    code, stdout = _run(sources[0], "--out", tmp_path / "B1", "--min-cell", "8", "--json")
    assert code == 1
    body = json.loads(stdout)
    assert body["error"]["code"] == "E1871"
    assert {b["location"]["measure"] for b in body["report"]["blocking"]} == {
        "households",
        "persons",
    }
    code, _ = _run(
        sources[0], "--out", tmp_path / "B2", "--min-cell", "8", "--min-cell-levels", "national"
    )
    assert code == 0
    code, stdout = _run(sources[0], "--out", tmp_path / "B3", "--min-cell-levels", "x", "--json")
    assert code == 2 and json.loads(stdout)["error"]["code"] == "E1004"
    assert not (tmp_path / "B1").exists() and not (tmp_path / "B3").exists()


def test_verify_exit_codes(tmp_path: Path, sources: list[Path]) -> None:
    out = tmp_path / "BUNDLE"
    assert _run(*sources, "--out", out)[0] == 0
    target = out / "COMM" / "communique.html"
    os.chmod(target.parent, 0o755)
    os.chmod(target, 0o644)
    target.write_text(target.read_text("utf-8").replace("北京市", "天津市"), "utf-8")
    code, stdout = _run("--verify", out, "--json")
    body = json.loads(stdout)
    assert code == 1 and body["ok"] is False
    assert body["error"]["code"] == "E1881"
    assert body["error"]["details"]["path"] == "COMM/communique.html"
    code, stdout = _run("--verify", tmp_path / "nothing", "--json")
    assert code == 2 and json.loads(stdout)["error"]["code"] == "E1880"


def test_signing_through_the_cli(tmp_path: Path, sources: list[Path]) -> None:
    key = SigningKey.create(tmp_path / "audit-signing.key")
    key.export_public(tmp_path / "audit-signing.pub")
    out = tmp_path / "BUNDLE"
    assert _run(*sources, "--out", out, "--sign-key", tmp_path / "audit-signing.key")[0] == 0
    code, stdout = _run("--verify", out, "--public-key", tmp_path / "audit-signing.pub", "--json")
    assert code == 0 and json.loads(stdout)["signature"] == "valid"


def test_usage_errors(tmp_path: Path, sources: list[Path]) -> None:
    assert _run(*sources)[0] == 2  # no --out
    assert _run("--out", tmp_path / "B")[0] == 2  # no sources
    assert _run(*sources, "--verify", tmp_path / "B")[0] == 2
    assert not (tmp_path / "B").exists()
