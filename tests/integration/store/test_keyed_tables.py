"""Key rotation and the in-use count that guards disabling a key must see every encrypted table."""

from __future__ import annotations

from pathlib import Path

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


def test_backup_walks_every_table() -> None:
    from headcount.store.models import TABLES_IN_ORDER

    assert set(TABLES_IN_ORDER) == set(Base.metadata.tables)
    assert {
        "register_entries",
        "field_tasks",
        "self_reports",
        "staff_security",
        "buildings",
    } <= set(TABLES_IN_ORDER)


def test_backup_pages_through_a_composite_primary_key(tmp_path: Path) -> None:
    import uuid

    from sqlalchemy import create_engine, insert

    from headcount.store.queries.tables import iter_rows

    engine = create_engine(f"sqlite:///{tmp_path / 'pages.db'}")
    table = Base.metadata.tables["sampled_households"]
    table.create(engine)
    samples = [uuid.UUID(int=i) for i in (2, 1)]
    rows = [
        {
            "sample_id": sample,
            "household_id": f"h{n}",
            "census_area_code": "110101001001",
            "small_area_code": "110101001001001",
            "position": n,
            "weight_milli": 10_000,
        }
        for sample in samples
        for n in range(5)
    ]
    with engine.begin() as conn:
        conn.execute(insert(table), rows)
    with engine.connect() as conn:
        seen = [(r["sample_id"], r["household_id"]) for r in iter_rows(conn, table.name, batch=3)]
    assert seen == sorted((r["sample_id"], r["household_id"]) for r in rows)
