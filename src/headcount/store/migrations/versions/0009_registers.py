"""Administrative registers (hukou, births, deaths) imported encrypted: register_imports and
register_persons (issue 12).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_TS = headcount.store.types.UTCDateTime
_KINDS = "kind IN ('hukou', 'births', 'deaths')"


def upgrade() -> None:
    op.create_table(
        "register_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("started_at", _TS(timezone=True), nullable=False),
        sa.Column("heartbeat_at", _TS(timezone=True), nullable=False),
        sa.Column("finished_at", _TS(timezone=True), nullable=True),
        sa.CheckConstraint(_KINDS, name=op.f("ck_register_imports_kind")),
        sa.CheckConstraint(
            "state IN ('importing', 'complete', 'failed')", name=op.f("ck_register_imports_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_imports")),
    )
    op.create_index(
        "uq_register_imports_live_file",
        "register_imports",
        ["kind", "file_sha256"],
        unique=True,
        sqlite_where=sa.text("state <> 'failed'"),
        postgresql_where=sa.text("state <> 'failed'"),
    )
    op.create_table(
        "register_persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=96), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("citizen_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("citizen_id_bidx", sa.LargeBinary(), nullable=True),
        sa.Column("id_status", sa.String(length=8), nullable=False),
        sa.Column("id_issue", sa.String(length=8), nullable=True),
        sa.Column("mother_citizen_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("address_enc", sa.LargeBinary(), nullable=True),
        sa.Column("sex", sa.SmallInteger(), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("birth_month", sa.SmallInteger(), nullable=False),
        sa.Column("birth_day", sa.SmallInteger(), nullable=True),
        sa.Column("birth_date_valid", sa.Boolean(), nullable=True),
        sa.Column("ethnic_group", sa.String(length=2), nullable=True),
        sa.Column("hukou_county", sa.String(length=6), nullable=True),
        sa.Column("hukou_township", sa.String(length=9), nullable=True),
        sa.Column("birth_county", sa.String(length=6), nullable=True),
        sa.Column("death_year", sa.SmallInteger(), nullable=True),
        sa.Column("death_month", sa.SmallInteger(), nullable=True),
        sa.Column("imported_at", _TS(timezone=True), nullable=False),
        sa.CheckConstraint(
            "id_status IN ('valid', 'flagged', 'invalid', 'missing')",
            name=op.f("ck_register_persons_id_status"),
        ),
        sa.CheckConstraint(_KINDS, name=op.f("ck_register_persons_kind")),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["register_imports.id"],
            name=op.f("fk_register_persons_import_id_register_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_persons")),
        sa.UniqueConstraint("kind", "record_id", name=op.f("uq_register_persons_kind_record_id")),
    )
    with op.batch_alter_table("register_persons", schema=None) as batch_op:
        for column in ("citizen_id_bidx", "hukou_county", "import_id", "key_id", "scope"):
            batch_op.create_index(f"ix_register_persons_{column}", [column], unique=False)


def downgrade() -> None:
    op.drop_table("register_persons")
    op.drop_index("uq_register_imports_live_file", table_name="register_imports")
    op.drop_table("register_imports")
