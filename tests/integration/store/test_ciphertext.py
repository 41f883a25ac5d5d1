"""D1: a ciphertext moved to another row or column fails to decrypt; a flipped bit is detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy.crypto import HEADER_BYTES
from headcount.store.models import Person
from tests.integration.conftest import Census
from tests.integration.helpers import load_population, name_of, persons, raw_engine, session


def _overwrite(census: Census, person_id: object, **values: bytes | None) -> None:
    """Change a row as a database administrator would: directly, without the key file."""
    with raw_engine(census) as raw, raw.begin() as conn:
        conn.execute(update(Person).where(Person.id == person_id).values(**values))


def _problem(census: Census, person_id: object, column: str) -> errors.Problem:
    with session(census) as s:
        person = s.get(Person, person_id)
        assert person is not None
        blob = getattr(person, column)
        with pytest.raises(HeadcountError) as caught:
            census.protector.decrypt(blob, table="persons", column=column, row_id=str(person.id))
    return caught.value.problem


def test_ciphertext_moved_to_another_row_or_column_is_refused(
    census: Census, tmp_path: Path
) -> None:
    load_population(census, tmp_path, households=3)
    with session(census) as s:
        a, b = persons(s)[:2]
        original = {"a": a.name_enc, "b": b.name_enc, "b_id": b.citizen_id_enc}
    _overwrite(census, a.id, name_enc=original["b"])  # b's name pasted into a's row
    _overwrite(census, b.id, citizen_id_enc=original["b"])  # b's name into b's ID column
    assert _problem(census, a.id, "name_enc") is errors.CIPHERTEXT_MISPLACED
    assert _problem(census, b.id, "citizen_id_enc") is errors.CIPHERTEXT_MISPLACED
    # The same bytes put back where they belong decrypt again: only the place was wrong.
    _overwrite(census, a.id, name_enc=original["a"])
    _overwrite(census, b.id, citizen_id_enc=original["b_id"])
    with session(census) as s:
        restored = persons(s)[0]
        assert name_of(census.protector, restored)


def test_a_flipped_bit_anywhere_is_detected(census: Census, tmp_path: Path) -> None:
    load_population(census, tmp_path, households=1)
    with session(census) as s:
        person = persons(s)[0]
        blob = bytes(person.name_enc)
    problems = {}
    for position in (HEADER_BYTES, len(blob) // 2 + 8, len(blob) - 1, HEADER_BYTES - 1, 0):
        flipped = bytearray(blob)
        flipped[position] ^= 0x01
        _overwrite(census, person.id, name_enc=bytes(flipped))
        problems[position] = _problem(census, person.id, "name_enc")
    # Ciphertext and tag bits: "damaged"; header bits (binding, suite): still never a plaintext.
    assert problems[HEADER_BYTES] is errors.CIPHERTEXT_DAMAGED
    assert problems[len(blob) - 1] is errors.CIPHERTEXT_DAMAGED
    assert all(p.code.startswith("E14") for p in problems.values())
