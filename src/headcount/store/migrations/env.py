"""Alembic environment: the package's metadata, and the connection handed over by migrate.py."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from headcount.store.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through headcount migrate (headcount.store.migrate)")
_run(connection)
