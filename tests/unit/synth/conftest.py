"""One small synthetic population shared by the synth tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from headcount.synth import SynthConfig, generate

PERSONS = 40_000
SEED = 20201101


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "pop"
    # Small chunks, so the shared population also exercises several chunks and parts.
    generate(persons=PERSONS, seed=SEED, out=out, config=SynthConfig(chunk_persons=15_000))
    return out
