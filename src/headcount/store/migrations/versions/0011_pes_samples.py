"""The post-enumeration survey's sample of small areas: pes_samples and pes_sample_areas.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "pes_samples",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("wave", sa.String(length=8), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("areas", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("drawn_by", sa.String(length=64), nullable=False),
        sa.Column("drawn_at", headcount.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pes_samples")),
        sa.UniqueConstraint("wave", name=op.f("uq_pes_samples_wave")),
    )
    op.create_table(
        "pes_sample_areas",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sample_id", sa.Uuid(), nullable=False),
        sa.Column("small_area_code", sa.String(length=16), nullable=False),
        sa.Column("stratum", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("inclusion_probability", sa.Float(), nullable=False),
        sa.Column("certainty", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["pes_samples.id"],
            name=op.f("fk_pes_sample_areas_sample_id_pes_samples"),
        ),
        sa.ForeignKeyConstraint(
            ["small_area_code"],
            ["small_areas.code"],
            name=op.f("fk_pes_sample_areas_small_area_code_small_areas"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pes_sample_areas")),
        sa.UniqueConstraint(
            "sample_id",
            "small_area_code",
            name=op.f("uq_pes_sample_areas_sample_id_small_area_code"),
        ),
    )
    with op.batch_alter_table("pes_sample_areas") as batch:
        batch.create_index(batch.f("ix_pes_sample_areas_sample_id"), ["sample_id"], unique=False)
        batch.create_index(
            batch.f("ix_pes_sample_areas_small_area_code"), ["small_area_code"], unique=False
        )


def downgrade() -> None:
    op.drop_table("pes_sample_areas")
    op.drop_table("pes_samples")
