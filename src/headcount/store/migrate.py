"""Alembic from inside the package: ``headcount migrate`` works from any directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from headcount import errors
from headcount.errors import HeadcountError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships at least one migration"
    return head


def current_revision(bind: Engine | Connection) -> str | None:
    if isinstance(bind, Connection):
        return MigrationContext.configure(bind).get_current_revision()
    with bind.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Upgrade the schema to ``revision`` in one transaction; returns the revision reached."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    reached = current_revision(engine)
    return reached or "base"


def require_current(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not at the package's head (E1603)."""
    found = current_revision(engine)
    expected = head_revision()
    if found != expected:
        raise HeadcountError(errors.SCHEMA_NOT_CURRENT, found=found or "none", expected=expected)
