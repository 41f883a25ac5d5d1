"""Self-report tables: household accounts, household sessions and the household's answers.

An account belongs to a register line (``household_id``), not to a stored household version: a
household self-reports before anything is registered. The password is an argon2id hash only; the
answers (a draft or a submitted self-report) are one AEAD blob under the county's data key, so a
draft is protected exactly like a registered household. Sessions keep only a SHA-256 of the token.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from headcount.store.models import Base
from headcount.store.types import UTCDateTime

# draft: being filled in; submitted: sent, awaiting the enumerator's confirmation; confirmed: a
# registered household version; handed_over: the window closed first, the enumerator has a task.
REPORT_STATES = ("draft", "submitted", "confirmed", "handed_over")


class SelfReportAccount(Base):
    """A card: one account per household in force at a time (a re-issue revokes the old one)."""

    __tablename__ = "self_report_accounts"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    account: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SelfReportSession(Base):
    """A household's signed-in session: scoped to its one household, never a staff session."""

    __tablename__ = "self_report_sessions"
    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("self_report_accounts.id"))
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SelfReport(Base):
    """The household's answers in the shared household JSON, encrypted; one row per household."""

    __tablename__ = "self_reports"
    __table_args__ = (
        CheckConstraint(
            "state IN ({})".format(", ".join(repr(s) for s in REPORT_STATES)), name="state"
        ),
    )
    household_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    small_area_code: Mapped[str] = mapped_column(String(16), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    key_id: Mapped[str] = mapped_column(String(64))
    answers_enc: Mapped[bytes] = mapped_column(LargeBinary)
    revision: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_version: Mapped[int | None] = mapped_column(Integer)
