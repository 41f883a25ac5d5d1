"""Random badge numbers: every sequential badge re-issued, the old number kept beside it.

Sequential numbers (``11E0000042X``) let anyone walk the public badge check through the masked
staff directory. Each badge gets a random number of the new form (``fieldwork.badges``); the old
one moves to ``legacy_badge_no``, which the public check answers as "replaced" (by its form,
without a lookup) and which keeps old audit entries traceable. County offices print the new
cards from the staff list (``badge_no``, ``legacy_badge_no``).

Self-contained: the generator below is the one ``fieldwork.badges`` had at this revision.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
_BY_VALUE = {_VALUES[c]: c for c in _ALPHABET}


def _new_badge(prefix: str) -> str:
    while True:
        body = prefix + "".join(secrets.choice(_ALPHABET) for _ in range(10))
        total = sum(_VALUES[c] * w for w, c in enumerate(body, start=1)) % 37
        check = _BY_VALUE.get((-total * pow(len(body) + 1, -1, 37)) % 37)
        if check is not None:
            text = body + check
            return f"{text[:3]}-{text[3:7]}-{text[7:11]}-{text[11:]}"


_TABLE = sa.table(
    "staff_security",
    sa.column("staff_id", sa.Uuid()),
    sa.column("badge_no", sa.String(32)),
    sa.column("legacy_badge_no", sa.String(32)),
)


def upgrade() -> None:
    op.add_column(
        "staff_security", sa.Column("legacy_badge_no", sa.String(length=32), nullable=True)
    )
    op.create_index(
        op.f("ix_staff_security_legacy_badge_no"),
        "staff_security",
        ["legacy_badge_no"],
        unique=True,
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_TABLE.c.staff_id, _TABLE.c.badge_no).where(_TABLE.c.badge_no.is_not(None))
    ).all()
    taken = {str(badge) for _, badge in rows}
    for staff_id, badge in rows:
        old = str(badge)
        if len(old) != 11 or "-" in old:
            continue  # already of the new form
        new = _new_badge(old[:3])
        while new in taken:
            new = _new_badge(old[:3])
        taken.add(new)
        bind.execute(
            sa.update(_TABLE)
            .where(_TABLE.c.staff_id == staff_id)
            .values(badge_no=new, legacy_badge_no=old)
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.update(_TABLE)
        .where(_TABLE.c.legacy_badge_no.is_not(None))
        .values(badge_no=_TABLE.c.legacy_badge_no)
    )
    op.drop_index(op.f("ix_staff_security_legacy_badge_no"), table_name="staff_security")
    op.drop_column("staff_security", "legacy_badge_no")
