"""Verification tasks (比对复查): a quality run's findings sent back to the field, and the answers.

``field_tasks`` gains the kind ``verify``; ``verification_tasks`` holds what each one checks (codes
and references only) and the enumerator's answer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-13 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import headcount.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

_OLD_KINDS = "kind IN ('register', 'fix', 'long_form', 'follow_up')"
_NEW_KINDS = "kind IN ('register', 'fix', 'long_form', 'follow_up', 'verify')"
_FINDINGS = "finding IN ('omission', 'duplicate', 'died', 'discrepancy')"
_ANSWERS = (
    "answer IS NULL OR answer IN ('found', 'not_found', 'moved', 'died', 'duplicate_confirmed', "
    "'not_duplicate', 'census_correct', 'corrected')"
)


def _kinds(check: str) -> None:
    with op.batch_alter_table("field_tasks") as batch:
        batch.drop_constraint(op.f("ck_field_tasks_kind"), type_="check")
        batch.create_check_constraint("kind", check)


def upgrade() -> None:
    _kinds(_NEW_KINDS)
    op.create_table(
        "verification_tasks",
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("finding", sa.String(length=16), nullable=False),
        sa.Column("finding_key", sa.String(length=160), nullable=False),
        sa.Column("person_no", sa.Integer(), nullable=True),
        sa.Column("register_kind", sa.String(length=8), nullable=True),
        sa.Column("record_id", sa.String(length=40), nullable=True),
        sa.Column("item", sa.String(length=24), nullable=True),
        sa.Column("other_household_id", sa.String(length=40), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("quality_run", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=24), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", headcount.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_FINDINGS, name=op.f("ck_verification_tasks_finding")),
        sa.CheckConstraint(_ANSWERS, name=op.f("ck_verification_tasks_answer")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["field_tasks.id"], name=op.f("fk_verification_tasks_task_id_field_tasks")
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_verification_tasks")),
        sa.UniqueConstraint("finding_key", name=op.f("uq_verification_tasks_finding_key")),
    )


def downgrade() -> None:
    op.drop_table("verification_tasks")
    op.execute("DELETE FROM field_tasks WHERE kind = 'verify'")
    _kinds(_OLD_KINDS)
