"""A demo census with registers in its store, extracted and checked: the verification round trip.

The demo's synthetic hukou register covers every synthetic person, but only some of them were
registered and approved; the register kept here holds the approved persons and a few more, with
every hukou placed in the demo's own township, so those few are suspected omissions for the
demo's small areas — the 比对复查 a county office would run once the count is complete. The
hukou register goes into the store (encrypted), the extract takes it from there, and
``quality --tasks`` sends the findings to the field.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from headcount.cli import app
from headcount.demo import Demo
from headcount.demo_checks import hukou_register
from headcount.store.protector import Protector
from headcount.store.session import make_engine
from tests.integration.processing.demo_env import demo_env


def _cli(demo: Demo, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env=demo_env(demo))
    assert result.exit_code == 0, result.output
    return str(result.output)


def hukou_here(demo: Demo, out: Path) -> Path:
    """The demo's hukou register (``demo_checks.hukou_register``) as a file to import."""
    engine = make_engine(demo.settings)
    try:
        frame = hukou_register(demo, engine, Protector.open(demo.settings, engine))
    finally:
        engine.dispose()
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(out)
    return out


def import_hukou(demo: Demo, work: Path) -> None:
    _cli(demo, "registers", "import", "hukou", str(hukou_here(demo, work / "hukou.parquet")))


def check(demo: Demo, work: Path, name: str, *, tasks: bool = True) -> Path:
    """Extract the store and run quality (with --tasks): the quality directory."""
    extract, out = work / f"extract-{name}", work / f"quality-{name}"
    _cli(demo, "extract", "--out", str(extract), "--operator", "processing", "--json")
    args = ["quality", str(extract), "--out", str(out)]
    if tasks:
        args += ["--tasks", "--operator", "processing"]
    _cli(demo, *args)
    return out


def counts(out: Path) -> dict[str, int]:
    return dict(json.loads((out / "quality.json").read_text("utf-8"))["counts"])
