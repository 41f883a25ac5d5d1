"""Census areas carry their urban–rural class (城乡分类代码), which tables need for 城镇/乡村.

Nullable: areas created before this revision have no class until an office sets it; the tables
show their persons under "unknown" rather than guessing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("census_areas") as batch:
        batch.add_column(sa.Column("urban_rural_class", sa.String(3), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("census_areas") as batch:
        batch.drop_column("urban_rural_class")
