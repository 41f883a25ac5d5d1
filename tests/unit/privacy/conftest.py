from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from headcount.privacy.crypto import Profile
from headcount.privacy.keys import KeyRing, MasterKey, MemoryKeyStore


@pytest.fixture(params=["intl", "gm"])
def profile(request: pytest.FixtureRequest) -> Profile:
    value: Profile = request.param
    return value


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "headcount.key"


@pytest.fixture
def master(vault_path: Path, profile: Profile) -> MasterKey:
    return MasterKey.create(vault_path, profile)


@pytest.fixture
def store() -> MemoryKeyStore:
    return MemoryKeyStore()


@pytest.fixture
def keyring(master: MasterKey, store: MemoryKeyStore) -> Iterator[KeyRing]:
    yield KeyRing(master, store)
