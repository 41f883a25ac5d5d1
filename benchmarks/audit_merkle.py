"""Merkle audit tree: append, roots, proofs and full verification against signed heads.

    .venv/bin/python benchmarks/audit_merkle.py [ENTRIES]

Builds a tree of ENTRIES synthetic audit entries (default 1,000,000), asks for 1,000 random roots,
inclusion and consistency proofs (verifying each), then runs the pure verifier over every entry
against heads signed every 10,000 entries. Last line ``verify_entries_per_s: N``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from headcount.audit import merkle
from headcount.audit.heads import SigningKey
from headcount.audit.verify_core import Entry, verify_entries


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(2020)
    entries = [
        Entry(seq, f'{{"seq":{seq},"action":"person.read","actor":"u{seq % 997}"}}'.encode())
        for seq in range(1, n + 1)
    ]
    started = time.perf_counter()
    tree = merkle.MerkleTree(merkle.leaf_hash(e.data) for e in entries)
    build_s = time.perf_counter() - started
    print(f"build: {n:,} leaves in {build_s:.2f} s ({n / build_s:,.0f}/s)")

    started = time.perf_counter()
    for _ in range(1000):
        size = rng.randint(1, n)
        index = rng.randrange(size)
        proof = tree.inclusion_proof(index, size)
        assert merkle.verify_inclusion(index, size, tree.leaf(index), proof, tree.root(size))
        m = rng.randint(1, size)
        cons = tree.consistency_proof(m, size)
        assert merkle.verify_consistency(m, size, tree.root(m), tree.root(size), cons)
    print(f"proofs: 1,000 inclusion + consistency rounds in {time.perf_counter() - started:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        key = SigningKey.create(Path(tmp) / "audit.key")
    when = datetime.now(UTC)
    heads = [key.sign(s, tree.root(s), when) for s in range(10_000, n + 1, 10_000)]
    started = time.perf_counter()
    verdict = verify_entries(entries, heads, public_key=key.public_key)
    verify_s = time.perf_counter() - started
    assert verdict.ok, verdict.message("en")
    print(f"verify: {n:,} entries, {len(heads)} heads in {verify_s:.2f} s")
    print(f"verify_entries_per_s: {n / verify_s:.0f}")


if __name__ == "__main__":
    main()
