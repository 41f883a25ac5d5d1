"""Migrations: the migrated schema equals the models' metadata, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from headcount import errors
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store import migrate
from headcount.store.bootstrap import run_migrations
from headcount.store.dialect import create_database_if_missing
from headcount.store.models import Base
from headcount.store.session import make_engine, parse_url
from tests.integration.conftest import Census


def test_migrated_schema_equals_the_models(census: Census) -> None:
    with census.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert migrate.current_revision(census.engine) == migrate.head_revision()


def test_migrate_is_repeatable_and_audited(census: Census) -> None:
    assert run_migrations(census.settings) == migrate.head_revision()
    from sqlalchemy import select

    from headcount.store.models import AuditEntry

    with census.engine.connect() as conn:
        actions = conn.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
    assert actions.count("schema.migrate") == 2


def test_an_unmigrated_database_is_refused(settings: Settings) -> None:
    create_database_if_missing(parse_url(settings.database_url))
    engine = make_engine(settings)
    try:
        with pytest.raises(HeadcountError) as caught:
            migrate.require_current(engine)
    finally:
        engine.dispose()
    assert caught.value.problem is errors.SCHEMA_NOT_CURRENT
