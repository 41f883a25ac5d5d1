"""Verify the database audit log: name the first altered, removed or reordered entry.

Reads the entries in sequence order and checks, stopping at the first problem:

1. Row checks (here): a row's columns must re-encode to its stored canonical bytes (a column
   edited in place = altered), and those bytes must carry the row's own sequence number (another
   entry's bytes under this number = reordered). Both name the exact entry (E1520).
2. The pure verifier (verify_core): sequence gaps (a deleted row, E1506), stored leaf hash versus
   the bytes (E1507), the Merkle root of each prefix versus every signed tree head exported outside
   the database (a forger who re-hashed everything still cannot match an earlier signed head,
   E1507 naming the range), and truncation (fewer entries than a head covers, E1508).
Head signatures are checked by the caller (store/heads.py) against the trusted public key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.heads import SignedTreeHead
from headcount.audit.log import FIELDS, FIRST_SEQ, canonical_bytes
from headcount.audit.verify_core import Entry, Verdict
from headcount.audit.verify_core import verify_entries as verify_core_entries
from headcount.errors import HeadcountError
from headcount.store.queries import audit as audit_queries

__all__ = ["Verdict", "raise_if_bad", "verify_entries"]


def _row_problem(row: Any) -> dict[str, Any] | None:
    stored = bytes(row.canonical)
    try:
        stored_seq = json.loads(stored).get("seq")
    except (ValueError, AttributeError):
        return {"kind_zh": "被篡改", "kind_en": "was altered", "reason": "not an entry's bytes"}
    if stored_seq != row.seq:
        return {
            "kind_zh": "被调换",
            "kind_en": "was reordered",
            "reason": f"it holds the entry written as number {stored_seq}",
        }
    fields = {name: getattr(row, name) for name in FIELDS}
    if canonical_bytes(row.seq, row.at, fields) != stored:
        return {
            "kind_zh": "被篡改",
            "kind_en": "was altered",
            "reason": "its columns differ from its signed bytes",
        }
    return None


def verify_entries(bind: Session | Connection, heads: Sequence[SignedTreeHead]) -> Verdict:
    """Verify every stored entry against ``heads`` (signatures already checked)."""
    found: list[Verdict] = []
    seen = [0]

    def feed() -> Iterator[Entry]:
        for row in audit_queries.iter_entries(bind):
            problem = _row_problem(row)
            if problem is not None:
                found.append(
                    Verdict(
                        seen[0],
                        0,
                        errors.AUDIT_ENTRY_BAD,
                        row.seq,
                        {"position": row.seq, **problem},
                    )
                )
                return
            seen[0] += 1
            yield Entry(row.seq, bytes(row.canonical), bytes(row.leaf_hash))

    core = verify_core_entries(feed(), heads, first_sequence=FIRST_SEQ)
    mine = found[0] if found else None
    if mine is not None and (core.ok or (core.position or 0) >= (mine.position or 0)):
        return Verdict(mine.entries, core.heads_checked, mine.problem, mine.position, mine.details)
    return core


def raise_if_bad(verdict: Verdict) -> None:
    if verdict.problem is not None:
        raise HeadcountError(verdict.problem, **verdict.details)
