"""SQL of the retention job: what each key scope holds, and deleting a destroyed scope's rows."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from headcount.store.models import (
    AuditEntry,
    FormResponse,
    Household,
    Person,
    PersonIdentity,
    SelfReportCredential,
)
from headcount.store.models_pes import PesHousehold, PesResponse
from headcount.store.models_registers import RegisterPerson
from headcount.store.queries.keys import KEYED_MODELS

Bind = Session | Connection


def sealed_by_key(bind: Bind) -> dict[str, dict[str, int]]:
    """Rows per table per data key id: every keyed table, read off the metadata (keys.py)."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for model in KEYED_MODELS:
        rows = bind.execute(
            select(model.key_id, func.count())
            .where(model.key_id.is_not(None))
            .group_by(model.key_id)
        ).all()
        for key_id, count in rows:
            found[str(key_id)][model.__tablename__] = int(count)
    return dict(found)


def _identities_alone(scope: str) -> Any:
    """Identities first registered in ``scope`` that no person of another scope points at."""
    other = aliased(Person)
    return and_(
        PersonIdentity.scope == scope,
        ~exists().where(and_(other.identity_id == PersonIdentity.id, other.scope != scope)),
    )


def deletable(bind: Bind, scope: str) -> dict[str, int]:
    """Rows ``delete_rows`` would remove for a scope, per table."""
    of_scope = select(Household.id).where(Household.scope == scope).scalar_subquery()
    pes_of_scope = select(PesHousehold.id).where(PesHousehold.scope == scope).scalar_subquery()

    def count(model: Any, where: Any) -> int:
        return int(bind.execute(select(func.count()).select_from(model).where(where)).scalar() or 0)

    counts = {
        "households": count(Household, Household.scope == scope),
        "persons": count(Person, Person.scope == scope),
        "form_responses": count(FormResponse, FormResponse.household_ref.in_(of_scope)),
        "self_report_credentials": count(
            SelfReportCredential, SelfReportCredential.household_ref.in_(of_scope)
        ),
        "person_identities": count(PersonIdentity, _identities_alone(scope)),
        "register_persons": count(RegisterPerson, RegisterPerson.scope == scope),
        # The post-enumeration survey's records of the county (sealed under the same key).
        "pes_responses": count(PesResponse, PesResponse.household_ref.in_(pes_of_scope)),
        "pes_households": count(PesHousehold, PesHousehold.scope == scope),
    }
    return {table: n for table, n in counts.items() if n}


def scopes_with_rows(bind: Bind) -> set[str]:
    """Scopes that still have deletable rows (a shredded scope whose rows are not yet deleted)."""
    found: set[str] = set()
    for column in (
        Household.scope,
        PersonIdentity.scope,
        RegisterPerson.scope,
        PesHousehold.scope,
    ):
        found.update(str(s) for s in bind.execute(select(column).distinct()).scalars())
    return found


def delete_rows(session: Session, scope: str, tables: tuple[str, ...]) -> dict[str, int]:
    """Delete a scope's rows of ``tables`` (children before parents); rows deleted per table."""
    of_scope = select(Household.id).where(Household.scope == scope).scalar_subquery()
    pes_of_scope = select(PesHousehold.id).where(PesHousehold.scope == scope).scalar_subquery()
    statements = {
        "self_report_credentials": delete(SelfReportCredential).where(
            SelfReportCredential.household_ref.in_(of_scope)
        ),
        "persons": delete(Person).where(Person.scope == scope),
        "form_responses": delete(FormResponse).where(FormResponse.household_ref.in_(of_scope)),
        "households": delete(Household).where(Household.scope == scope),
        "person_identities": delete(PersonIdentity).where(
            PersonIdentity.scope == scope,
            ~exists().where(Person.identity_id == PersonIdentity.id),
        ),
        "register_persons": delete(RegisterPerson).where(RegisterPerson.scope == scope),
        "pes_responses": delete(PesResponse).where(PesResponse.household_ref.in_(pes_of_scope)),
        "pes_households": delete(PesHousehold).where(PesHousehold.scope == scope),
    }
    done: dict[str, int] = {}
    for table in tables:
        result = session.execute(statements[table].execution_options(synchronize_session=False))
        done[table] = int(getattr(result, "rowcount", 0) or 0)
    return done


def entries_after(bind: Bind, after: int, upto: int) -> list[AuditEntry]:
    """Audit entries with ``after < seq <= upto``, in order (the run's own, among others)."""
    query = select(AuditEntry).where(AuditEntry.seq > after, AuditEntry.seq <= upto)
    return list(bind.execute(query.order_by(AuditEntry.seq)).scalars())


def entry_at(bind: Bind, seq: int) -> AuditEntry | None:
    return bind.execute(select(AuditEntry).where(AuditEntry.seq == seq)).scalar_one_or_none()
