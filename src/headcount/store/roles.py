"""PostgreSQL roles: an owner role for migrations and an application role that cannot rewrite audit.

``<db>_owner`` owns the schema objects (migrations run under SET ROLE to it); ``<db>_app`` may read
and write the data tables but only SELECT and INSERT the audit log: UPDATE, DELETE and TRUNCATE on
``audit_log`` are refused by the server, whatever the application does (checklist L2).
Neither role gets a password here: the operator sets one (ALTER ROLE … PASSWORD) or uses peer/cert
authentication; a superuser session can also SET ROLE to them, which is what the CLI does.
"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from headcount import errors
from headcount.errors import HeadcountError
from headcount.store.session import role_names

log = logging.getLogger(__name__)

AUDIT_TABLES = ("audit_log",)


def create_roles(admin: Engine, url: URL) -> bool:
    """Create both roles when the connecting user may; False when it lacks CREATEROLE."""
    names = role_names(url)
    with admin.begin() as conn:
        allowed = conn.execute(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        if not allowed:
            log.warning("no CREATEROLE privilege: roles %s not created", sorted(names.values()))
            return False
        try:
            for key, name in names.items():
                exists = conn.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name}
                ).scalar()
                if not exists:
                    login = "LOGIN" if key == "app" else "NOLOGIN"
                    conn.exec_driver_sql(f'CREATE ROLE "{name}" {login} NOSUPERUSER NOBYPASSRLS')
                conn.exec_driver_sql(f'GRANT "{name}" TO current_user')
            db = url.database
            conn.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{db}" TO "{names["app"]}"')
            conn.exec_driver_sql(f'GRANT USAGE, CREATE ON SCHEMA public TO "{names["owner"]}"')
            conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{names["app"]}"')
        except DBAPIError as exc:
            raise HeadcountError(
                errors.ROLE_SETUP_FAILED, role=names["app"], reason=str(exc.orig).splitlines()[0]
            ) from None
    return True


def grant_app(owner: Engine, url: URL) -> None:
    """(Re)apply the application role's grants after every migration; no-op without the roles."""
    names = role_names(url)
    with owner.begin() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": names["app"]}
        ).scalar()
        if not exists:
            return
        app = names["app"]
        conn.exec_driver_sql(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app}"'
        )
        # Sequences back the staged audit entries' ids (audit_pending).
        conn.exec_driver_sql(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app}"')
        for table in AUDIT_TABLES:
            conn.exec_driver_sql(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM "{app}"')
        # Staged entries are moved into the log (INSERT there, DELETE here), never edited.
        conn.exec_driver_sql(f'REVOKE UPDATE, TRUNCATE ON "audit_pending" FROM "{app}"')
        conn.exec_driver_sql(f'REVOKE UPDATE, DELETE ON "alembic_version" FROM "{app}"')
        conn.exec_driver_sql(f'REVOKE INSERT ON "alembic_version" FROM "{app}"')
