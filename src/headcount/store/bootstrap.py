"""``headcount init`` and ``headcount migrate`` as services (the CLI only parses and prints).

init, non-interactive: create the database (and, on PostgreSQL with the privilege, its owner and
application roles), create the key file and the audit signing key, migrate to head as the owner,
grant the application role, bootstrap the first system administrator with a random one-time
password (returned once, stored only as an argon2id hash, never logged), audit all of it and
export a signed tree head.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from headcount import errors
from headcount.audit.log import Actor, AuditEvent, append
from headcount.auth.passwords import hash_password
from headcount.auth.roles import Role
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.privacy.keys import MasterKey
from headcount.store import heads, migrate, roles
from headcount.store.dialect import create_database_if_missing
from headcount.store.models import Staff
from headcount.store.queries import staff as staff_queries
from headcount.store.session import kind_of, make_engine, parse_url, transaction

log = logging.getLogger(__name__)

CLI = Actor(id="cli", role="system_admin")
ADMIN_USERNAME = "admin"
# 20 characters from a 56-symbol alphabet without look-alikes: ~116 bits, typed once.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


@dataclass(frozen=True, slots=True)
class InitResult:
    database_created: bool
    key_file_created: bool
    roles_created: bool
    revision: str
    admin_username: str
    one_time_password: str  # shown once by the CLI; nowhere else

    def __repr__(self) -> str:  # the password must not reach a log through a repr
        return (
            f"InitResult(database_created={self.database_created}, revision={self.revision!r}, "
            f"admin_username={self.admin_username!r}, one_time_password=<hidden>)"
        )


def one_time_password(length: int = 20) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def _upgrade(settings: Settings) -> str:
    """Upgrade to head as the owner role and (re)apply the application role's grants."""
    url = parse_url(settings.database_url)
    owner = make_engine(settings, role="owner")
    try:
        revision = migrate.upgrade(owner)
        if kind_of(url) == "postgresql":
            roles.grant_app(owner, url)
    finally:
        owner.dispose()
    return revision


def run_migrations(settings: Settings) -> str:
    """``headcount migrate``: upgrade, audit the change, export a signed tree head."""
    revision = _upgrade(settings)
    engine = make_engine(settings)
    try:
        migrate.require_current(engine)
        with transaction(engine) as session:
            append(session, CLI, AuditEvent(action="schema.migrate", object=revision))
    finally:
        engine.dispose()
    heads.export_current(settings)
    return revision


def initialise(settings: Settings, *, username: str = ADMIN_USERNAME) -> InitResult:
    url = parse_url(settings.database_url)
    created_db = create_database_if_missing(url)
    roles_created = False
    if kind_of(url) == "postgresql":
        admin = make_engine(settings, role="connect")
        try:
            roles_created = roles.create_roles(admin, url)
        finally:
            admin.dispose()
    revision = _upgrade(settings)
    engine = make_engine(settings)
    try:
        with transaction(engine) as session:
            if staff_queries.count_with_role(session, Role.system_admin.value):
                # Checked before any key is created: a second init must not mint a key file
                # that cannot read the data already here.
                raise HeadcountError(errors.ALREADY_INITIALISED)
        key_file = Path(settings.key_file)
        key_created = not key_file.exists()
        master = (
            MasterKey.create(key_file, settings.crypto_profile, demo=settings.mode == "demo")
            if key_created
            else MasterKey.load(key_file, mode=settings.mode)
        )
        heads.ensure_signing_key(settings)
        password = one_time_password()
        with transaction(engine) as session:
            now = datetime.now(UTC)
            admin_id = uuid.uuid4()
            staff_queries.add(
                session,
                Staff(
                    id=admin_id,
                    username=username,
                    password_hash=hash_password(password),
                    role=Role.system_admin.value,
                    area_code=None,
                    must_change_password=True,
                    disabled=False,
                    created_at=now,
                ),
            )
            append(session, CLI, AuditEvent(action="schema.migrate", object=revision))
            append(
                session,
                CLI,
                AuditEvent(
                    action="system.init",
                    object=str(admin_id),
                    detail={
                        "profile": master.profile,
                        "key_id": master.key_id[:16],
                        "database": kind_of(url),
                    },
                ),
            )
    finally:
        engine.dispose()
    heads.export_current(settings)
    log.info("initialised %s database; first administrator %s", kind_of(url), username)
    return InitResult(created_db, key_created, roles_created, revision, username, password)


def prepare_empty(settings: Settings) -> str:
    """A database ready for ``restore``: created, roles set up, migrated, and still empty
    (no audit entry either: the restored log must be exactly the backed-up one)."""
    url = parse_url(settings.database_url)
    create_database_if_missing(url)
    if kind_of(url) == "postgresql":
        admin = make_engine(settings, role="connect")
        try:
            roles.create_roles(admin, url)
        finally:
            admin.dispose()
    return _upgrade(settings)
