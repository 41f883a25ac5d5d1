"""SQL for verification tasks (比对复查): opening them, answering, their progress, the answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import Session

from headcount.store.models import Household
from headcount.store.models_fieldwork import FieldTask, VerificationTask
from headcount.store.models_registers import RegisterImport, RegisterPerson
from headcount.store.queries import chunks
from headcount.store.queries.fieldwork import within


def household_areas(session: Session, household_ids: Iterable[str]) -> dict[str, str]:
    """household_id → small area, for the households the store holds."""
    found: dict[str, str] = {}
    for chunk in chunks(household_ids):
        rows = session.execute(
            select(Household.household_id, Household.small_area_code).where(
                Household.household_id.in_(chunk)
            )
        )
        found.update({h: a for h, a in rows})
    return found


def register_records(session: Session, kind: str, record_ids: Iterable[str]) -> set[str]:
    """Which of ``record_ids`` a complete import of register ``kind`` holds."""
    found: set[str] = set()
    for chunk in chunks(record_ids):
        found.update(
            session.execute(
                select(RegisterPerson.record_id)
                .join(RegisterImport, RegisterImport.id == RegisterPerson.import_id)
                .where(
                    RegisterPerson.kind == kind,
                    RegisterPerson.record_id.in_(chunk),
                    RegisterImport.state == "complete",
                )
            ).scalars()
        )
    return found


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(keys):
        found.update(
            session.execute(
                select(VerificationTask.finding_key).where(VerificationTask.finding_key.in_(chunk))
            ).scalars()
        )
    return found


def add(
    session: Session, tasks: Sequence[dict[str, Any]], details: Sequence[dict[str, Any]]
) -> None:
    if tasks:
        session.execute(insert(FieldTask), list(tasks))
        session.execute(insert(VerificationTask), list(details))


def references(
    session: Session, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int | None, str | None]]:
    """task id → (person number, register record id) of the verification tasks among these."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(
            VerificationTask.task_id, VerificationTask.person_no, VerificationTask.record_id
        ).where(VerificationTask.task_id.in_(list(task_ids)))
    )
    return {task_id: (person_no, record_id) for task_id, person_no, record_id in rows}


def detail(session: Session, task_id: uuid.UUID) -> VerificationTask | None:
    return session.get(VerificationTask, task_id)


def record_answer(session: Session, task_id: uuid.UUID, answer: str, by: str, at: datetime) -> bool:
    """Answer an open verification task and close it; False when it was no longer open (a
    concurrent answer won)."""
    closed = session.execute(
        update(FieldTask)
        .where(FieldTask.id == task_id, FieldTask.state == "open")
        .values(state="done", closed_at=at)
    )
    if not (getattr(closed, "rowcount", 0) or 0):
        return False
    session.execute(
        update(VerificationTask)
        .where(VerificationTask.task_id == task_id)
        .values(answer=answer, answered_by=by, answered_at=at)
    )
    return True


def answers(session: Session) -> list[Row[Any]]:
    """Every answered verification, as the processing extract takes it (codes only)."""
    return list(
        session.execute(
            select(
                VerificationTask.finding,
                FieldTask.household_id,
                VerificationTask.person_no,
                VerificationTask.register_kind,
                VerificationTask.record_id,
                VerificationTask.item,
                VerificationTask.answer,
                FieldTask.small_area_code,
            )
            .join(FieldTask, FieldTask.id == VerificationTask.task_id)
            .where(VerificationTask.answer.is_not(None))
            .order_by(VerificationTask.finding_key)
        )
    )


def progress(session: Session, prefixes: Sequence[str] | None) -> list[Row[Any]]:
    """(small area, finding, open, answered) of the verification tasks under ``prefixes``."""
    answered = func.count(VerificationTask.answer)
    return list(
        session.execute(
            select(
                FieldTask.small_area_code,
                VerificationTask.finding,
                (func.count() - answered).label("open"),
                answered.label("answered"),
            )
            .join(FieldTask, FieldTask.id == VerificationTask.task_id)
            .where(within(FieldTask.small_area_code, prefixes))
            .group_by(FieldTask.small_area_code, VerificationTask.finding)
            .order_by(FieldTask.small_area_code, VerificationTask.finding)
        )
    )


__all__ = [
    "add",
    "answers",
    "detail",
    "existing_keys",
    "household_areas",
    "progress",
    "record_answer",
    "references",
    "register_records",
]
