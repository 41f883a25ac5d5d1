"""Self-report: household accounts, household sessions, encrypted answers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_TS = headcount.store.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "self_report_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("account", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("issued_at", _TS(timezone=True), nullable=False),
        sa.Column("revoked_at", _TS(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_report_accounts")),
        sa.UniqueConstraint("account", name=op.f("uq_self_report_accounts_account")),
    )
    with op.batch_alter_table("self_report_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_report_accounts_household_id"), ["household_id"], unique=False
        )
    op.create_table(
        "self_report_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", _TS(timezone=True), nullable=False),
        sa.Column("expires_at", _TS(timezone=True), nullable=False),
        sa.Column("ended_at", _TS(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["self_report_accounts.id"],
            name=op.f("fk_self_report_sessions_account_id_self_report_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_report_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_self_report_sessions_token_hash")),
    )
    with op.batch_alter_table("self_report_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_report_sessions_household_id"), ["household_id"], unique=False
        )
    op.create_table(
        "self_reports",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("small_area_code", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("answers_enc", sa.LargeBinary(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TS(timezone=True), nullable=False),
        sa.Column("submitted_at", _TS(timezone=True), nullable=True),
        sa.Column("confirmed_at", _TS(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("confirmed_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'confirmed', 'handed_over')",
            name=op.f("ck_self_reports_state"),
        ),
        sa.PrimaryKeyConstraint("household_id", name=op.f("pk_self_reports")),
    )
    with op.batch_alter_table("self_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_self_reports_small_area_code"), ["small_area_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_self_reports_state"), ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("self_reports")
    op.drop_table("self_report_sessions")
    op.drop_table("self_report_accounts")
