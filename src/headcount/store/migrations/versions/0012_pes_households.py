"""The post-enumeration survey's own records and staff: pes_households, pes_responses, its
follow-up cases (pes_followups), and the role ``pes_enumerator``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-15 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import headcount.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

_ROLES = (
    "national_office",
    "provincial_office",
    "prefecture_office",
    "county_office",
    "supervisor",
    "enumerator",
    "auditor",
    "system_admin",
)
_NEW_ROLES = (*_ROLES[:6], "pes_enumerator", *_ROLES[6:])
_FOLLOWUP_KINDS = "kind IN ('p_nonmatch', 'e_unmatched')"
_FOLLOWUP_ANSWERS = (
    "answer IS NULL OR answer IN ('resident', 'not_resident', 'not_exist', 'not_found')"
)


def _roles(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("staff") as batch:
        batch.drop_constraint(op.f("ck_staff_role"), type_="check")
        batch.create_check_constraint("role", f"role IN ({', '.join(repr(r) for r in roles)})")


def upgrade() -> None:
    _roles(_NEW_ROLES)
    op.create_table(
        "pes_households",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("small_area_code", sa.String(length=16), nullable=False),
        sa.Column("household_no", sa.String(length=8), nullable=False),
        sa.Column("scope", sa.String(length=96), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["small_area_code"],
            ["small_areas.code"],
            name=op.f("fk_pes_households_small_area_code_small_areas"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pes_households")),
        sa.UniqueConstraint("household_id", name=op.f("uq_pes_households_household_id")),
        sa.UniqueConstraint(
            "small_area_code",
            "household_no",
            name=op.f("uq_pes_households_small_area_code_household_no"),
        ),
    )
    with op.batch_alter_table("pes_households") as batch:
        batch.create_index(
            batch.f("ix_pes_households_small_area_code"), ["small_area_code"], unique=False
        )
    op.create_table(
        "pes_responses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("household_ref", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_uuid", sa.Uuid(), nullable=False),
        sa.Column("payload_digest", sa.LargeBinary(), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("pi_enc", sa.LargeBinary(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("submitted_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_ref"],
            ["pes_households.id"],
            name=op.f("fk_pes_responses_household_ref_pes_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pes_responses")),
        sa.UniqueConstraint(
            "household_ref", "version", name=op.f("uq_pes_responses_household_ref_version")
        ),
        sa.UniqueConstraint("submission_uuid", name=op.f("uq_pes_responses_submission_uuid")),
    )
    with op.batch_alter_table("pes_responses") as batch:
        batch.create_index(
            batch.f("ix_pes_responses_household_ref"), ["household_ref"], unique=False
        )

    op.create_table(
        "pes_followups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("small_area_code", sa.String(length=16), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("person_no", sa.Integer(), nullable=False),
        sa.Column("match_run", sa.String(length=64), nullable=False),
        sa.Column("created_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_FOLLOWUP_KINDS, name=op.f("ck_pes_followups_kind")),
        sa.CheckConstraint(_FOLLOWUP_ANSWERS, name=op.f("ck_pes_followups_answer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pes_followups")),
        sa.UniqueConstraint("case_key", name=op.f("uq_pes_followups_case_key")),
    )
    with op.batch_alter_table("pes_followups") as batch:
        batch.create_index(
            batch.f("ix_pes_followups_small_area_code"), ["small_area_code"], unique=False
        )


def downgrade() -> None:
    op.drop_table("pes_followups")
    op.drop_table("pes_responses")
    op.drop_table("pes_households")
    # Refused by the constraint while PES accounts exist: a downgrade never deletes an account.
    _roles(_ROLES)
