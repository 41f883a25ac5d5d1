"""The pure verifier names the first altered, removed, reordered or truncated entry (L4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from headcount.audit import merkle
from headcount.audit.heads import SignedTreeHead, SigningKey
from headcount.audit.verify_core import Entry, verify_entries

WHEN = datetime(2020, 11, 1, tzinfo=UTC)


def _entries(n: int, *, with_leaf: bool = False) -> list[Entry]:
    out = []
    for seq in range(1, n + 1):
        data = f'{{"seq":{seq},"action":"person.read","actor":"u{seq % 7}"}}'.encode()
        out.append(Entry(seq, data, merkle.leaf_hash(data) if with_leaf else None))
    return out


@pytest.fixture
def key(tmp_path: Path) -> SigningKey:
    return SigningKey.create(tmp_path / "audit.key")


def _heads(key: SigningKey, entries: list[Entry], sizes: list[int]) -> list[SignedTreeHead]:
    tree = merkle.MerkleTree(merkle.leaf_hash(e.data) for e in entries)
    return [key.sign(n, tree.root(n), WHEN) for n in sizes]


def test_intact_log(key: SigningKey) -> None:
    entries = _entries(100)
    verdict = verify_entries(
        entries, _heads(key, entries, [0, 10, 50, 90]), public_key=key.public_key
    )
    assert verdict.ok and verdict.entries == 100 and verdict.heads_checked == 4
    assert verdict.unverified_tail == 10
    assert "intact" in verdict.message("en") and verdict.to_dict()["code"] is None


def test_altered_entry_is_located_between_heads(key: SigningKey) -> None:
    entries = _entries(100)
    heads = _heads(key, entries, [10, 50, 90])
    entries[30] = replace(entries[30], data=entries[30].data.replace(b"read", b"edit"))
    verdict = verify_entries(entries, heads, public_key=key.public_key)
    assert not verdict.ok and verdict.problem is not None
    assert verdict.problem.code == "E1507"
    assert verdict.position == 11 and verdict.details["until"] == 50
    assert "11" in verdict.message("en") and "50" in verdict.message("zh")


def test_with_dense_heads_the_exact_entry_is_named(key: SigningKey) -> None:
    entries = _entries(40)
    heads = _heads(key, entries, list(range(1, 41)))
    entries[22] = replace(entries[22], data=b"forged")
    verdict = verify_entries(entries, heads)
    assert verdict.position == 23 and verdict.details["until"] == 23


def test_stored_leaf_hash_pinpoints_an_edit(key: SigningKey) -> None:
    entries = _entries(100, with_leaf=True)
    heads = _heads(key, entries, [90])
    entries[44] = replace(entries[44], data=b"edited without its leaf hash")
    verdict = verify_entries(entries, heads)
    assert verdict.position == 45 and verdict.problem is not None
    assert verdict.problem.code == "E1507"


def test_deleted_row_is_a_gap(key: SigningKey) -> None:
    entries = _entries(60)
    heads = _heads(key, entries, [50])
    del entries[19]
    verdict = verify_entries(entries, heads)
    assert verdict.problem is not None and verdict.problem.code == "E1506"
    assert verdict.position == 20


def test_deleted_and_renumbered_rows_break_the_head(key: SigningKey) -> None:
    entries = _entries(60)
    heads = _heads(key, entries, [30, 50])
    del entries[39]
    entries = [replace(e, sequence=i + 1) for i, e in enumerate(entries)]
    verdict = verify_entries(entries, heads)
    assert verdict.problem is not None and verdict.problem.code == "E1507"
    assert (verdict.position, verdict.details["until"]) == (31, 50)


def test_reordered_sequence_numbers(key: SigningKey) -> None:
    entries = _entries(20)
    entries[5], entries[6] = entries[6], entries[5]
    verdict = verify_entries(entries, _heads(key, _entries(20), [20]))
    assert verdict.problem is not None and verdict.problem.code == "E1506"
    entries = _entries(20)
    entries.insert(8, entries[7])  # a duplicated sequence number
    verdict = verify_entries(entries, [])
    assert verdict.problem is not None and verdict.problem.code == "E1509"
    assert verdict.position == 9


def test_swapped_contents_break_the_head(key: SigningKey) -> None:
    entries = _entries(20)
    heads = _heads(key, entries, [20])
    a, b = entries[5], entries[6]
    entries[5], entries[6] = replace(b, sequence=6), replace(a, sequence=7)
    verdict = verify_entries(entries, heads)
    assert verdict.problem is not None and verdict.problem.code == "E1507"


def test_truncated_tail_below_last_head(key: SigningKey) -> None:
    entries = _entries(80)
    heads = _heads(key, entries, [40, 80])
    verdict = verify_entries(entries[:70], heads)
    assert verdict.problem is not None and verdict.problem.code == "E1508"
    assert verdict.position == 71 and verdict.details["head_size"] == 80


def test_forged_head_signature_is_refused(key: SigningKey) -> None:
    entries = _entries(10)
    heads = _heads(key, entries, [5, 10])
    heads[1] = replace(heads[1], root=merkle.leaf_hash(b"x"))
    verdict = verify_entries(entries, heads, public_key=key.public_key)
    assert verdict.problem is not None and verdict.problem.code == "E1503"


def test_first_sequence_can_differ(key: SigningKey) -> None:
    entries = [replace(e, sequence=e.sequence - 1) for e in _entries(10)]
    verdict = verify_entries(entries, _heads(key, _entries(10), [10]), first_sequence=0)
    assert verdict.ok


def test_empty_log_head(key: SigningKey) -> None:
    assert verify_entries([], [key.sign(0, merkle.EMPTY_ROOT, WHEN)]).ok
    verdict = verify_entries([], [key.sign(0, merkle.leaf_hash(b""), WHEN)])
    assert verdict.problem is not None and verdict.problem.code == "E1507"
