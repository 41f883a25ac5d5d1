"""L2 on PostgreSQL: the application role may INSERT and SELECT audit rows, nothing else."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from headcount.store.session import parse_url, role_names
from tests.integration.conftest import Census

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    from tests.integration.conftest import new_database_url

    return new_database_url(request, "postgresql", tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'failure' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "TRUNCATE audit_log",
        "DROP TABLE audit_log",
        "UPDATE alembic_version SET version_num = 'x'",
        "UPDATE audit_pending SET outcome = 'failure'",  # staged entries are moved, never edited
        "TRUNCATE audit_pending",
    ],
)
def test_app_role_cannot_rewrite_the_audit_log(census: Census, statement: str) -> None:
    with census.engine.connect() as conn:
        assert (
            conn.execute(text("SELECT current_user")).scalar()
            == role_names(parse_url(census.settings.database_url))["app"]
        )
        with pytest.raises(ProgrammingError, match=r"permission denied|must be owner"):
            conn.execute(text(statement))
        conn.rollback()
        assert (conn.execute(text("SELECT count(*) FROM audit_log")).scalar() or 0) > 0


def test_app_role_reads_and_appends_and_is_no_superuser(census: Census) -> None:
    with census.engine.connect() as conn:
        flags = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")
        ).scalar()
    names = role_names(parse_url(census.settings.database_url))
    assert tuple(flags) == (False, False) and owner == names["owner"]
