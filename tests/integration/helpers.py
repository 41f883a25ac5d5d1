"""Shared steps of the integration tests: load a population, open the raw database, decrypt."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select
from sqlalchemy.orm import Session

from headcount.store import loader
from headcount.store.models import Person
from headcount.store.protector import Protector
from headcount.store.session import parse_url, session_factory
from tests.integration.conftest import Census
from tests.integration.synthetic import Population, write_population


def load_population(census: Census, tmp_path: Path, *, households: int = 12) -> Population:
    pop = write_population(tmp_path / "population", households=households)
    loader.load(census.engine, census.protector, pop.directory, batch_size=5)
    return pop


@contextmanager
def raw_engine(census: Census) -> Iterator[Engine]:
    """The database as its administrator sees it: no application role, no key file.

    SQLite gets no pragmas either; PostgreSQL connects as the superuser of the test server.
    """
    engine = create_engine(parse_url(census.settings.database_url))
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def session(census: Census) -> Iterator[Session]:
    with session_factory(census.engine)() as s, s.begin():
        yield s


def persons(s: Session) -> list[Person]:
    return list(
        s.execute(select(Person).order_by(Person.household_ref, Person.person_no)).scalars()
    )


def name_of(protector: Protector, person: Person) -> str:
    return protector.decrypt(
        person.name_enc, table="persons", column="name_enc", row_id=str(person.id)
    )


def citizen_id_of(protector: Protector, person: Person) -> str:
    assert person.citizen_id_enc is not None
    return protector.decrypt(
        person.citizen_id_enc, table="persons", column="citizen_id_enc", row_id=str(person.id)
    )


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


def as_dict(obj: Any) -> dict[str, Any]:
    return {c.name: getattr(obj, c.name) for c in obj.__table__.columns}
