"""Fixtures: a clean tables directory and communiqué, each test in its own tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.publish.builders import write_communique, write_tables


@pytest.fixture
def tables_dir(tmp_path: Path) -> Path:
    return write_tables(tmp_path / "src" / "TABLES")


@pytest.fixture
def comm_dir(tmp_path: Path) -> Path:
    return write_communique(tmp_path / "src" / "communique")


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "public").mkdir()
    return tmp_path / "public" / "bundle-2020"


def leftovers(out: Path) -> list[str]:
    """Anything in the bundle's parent folder: after a refusal there must be nothing."""
    return sorted(p.name for p in out.parent.iterdir())
