"""benchmarks/scan.py runs at a tiny size and ends with its figure line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "scan.py"


@pytest.mark.parametrize("options", [[], ["--widths"]])
def test_benchmark_runs_small(options: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "12", "--no-presidio", *options],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    last = done.stdout.strip().splitlines()[-1]
    name, value = last.split(": ")
    assert name == "scan_mb_per_s" and float(value) > 0
    assert "citizen_id" in done.stdout
