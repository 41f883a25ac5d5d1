"""Key rotation and the in-use count that guards disabling a key must see every encrypted table."""

from __future__ import annotations

from headcount.store.models import Base
from headcount.store.queries.keys import KEYED_MODELS, encrypted_columns


def test_every_encrypted_column_is_covered_by_rotation() -> None:
    tables_with_ciphertext = {
        table.name
        for table in Base.metadata.sorted_tables
        if any(column.name.endswith("_enc") for column in table.c)
    }
    assert tables_with_ciphertext == {model.__tablename__ for model in KEYED_MODELS}
    for model in KEYED_MODELS:
        # Without a key id column the rows sealed by a key could not be found or counted.
        assert "key_id" in model.__table__.c, model.__tablename__
        assert len(model.__mapper__.primary_key) == 1, model.__tablename__
        assert encrypted_columns(model)
    assert {"register_entries", "field_tasks", "self_reports", "staff_security"} <= {
        model.__tablename__ for model in KEYED_MODELS
    }
