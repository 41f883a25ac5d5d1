"""RFC 9162 Merkle tree: published vectors (L3), tampered cases, an independent reference."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headcount.audit import merkle
from headcount.audit.merkle import MerkleTree
from headcount.errors import HeadcountError

VECTORS = Path(__file__).parent / "vectors"
# The eight leaf inputs of the RFC 6962 reference tree the vectors are built on.
REFERENCE_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]


def _load(kind: str) -> list[tuple[str, dict[str, Any]]]:
    found = sorted((VECTORS / kind).rglob("*.json"))
    assert found, f"no {kind} vectors"
    return [(str(p.relative_to(VECTORS)), json.loads(p.read_text())) for p in found]


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(doc: dict[str, Any]) -> list[bytes]:
    return [_b(p) for p in (doc["proof"] or [])]


# --- an independent, literal RFC 9162 implementation over entry data -----------------------


def _ref_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + _ref_mth(data[:k]) + _ref_mth(data[k:])).digest()


def _ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*_ref_path(m, data[:k]), _ref_mth(data[k:])]
    return [*_ref_path(m - k, data[k:]), _ref_mth(data[:k])]


def _ref_subproof(m: int, data: list[bytes], complete: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if complete else [_ref_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_ref_subproof(m, data[:k], complete), _ref_mth(data[k:])]
    return [*_ref_subproof(m - k, data[k:], False), _ref_mth(data[:k])]


def _data(n: int) -> list[bytes]:
    return [f"entry {i}".encode() for i in range(n)]


# --- published vectors ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "doc"), _load("inclusion"), ids=lambda v: str(v)[:60])
def test_inclusion_vectors(name: str, doc: dict[str, Any]) -> None:
    index: int = doc["leafIdx"] if "leafIdx" in doc else doc["leafIndex"]
    ok = merkle.verify_inclusion(
        index, doc["treeSize"], _b(doc["leafHash"]), _proof(doc), _b(doc["root"])
    )
    assert ok is not doc["wantErr"], doc["desc"]


@pytest.mark.parametrize(("name", "doc"), _load("consistency"), ids=lambda v: str(v)[:60])
def test_consistency_vectors(name: str, doc: dict[str, Any]) -> None:
    ok = merkle.verify_consistency(
        doc["size1"], doc["size2"], _b(doc["root1"]), _b(doc["root2"]), _proof(doc)
    )
    assert ok is not doc["wantErr"], doc["desc"]


def test_vector_set_includes_tampered_cases() -> None:
    descs = {d["desc"] for _, d in _load("inclusion") + _load("consistency") if d["wantErr"]}
    for expected in (
        "wrong leaf",
        "removed component",
        "inserted component",
        "trailing garbage",
        "preceding garbage",
        "swapped roots",
        "truncated proof",
        "empty proof",
    ):
        assert expected in descs


def test_our_proofs_equal_the_published_ones() -> None:
    tree = MerkleTree(merkle.leaf_hash(d) for d in REFERENCE_LEAVES)
    for _, doc in _load("inclusion"):
        if doc["wantErr"]:
            continue
        n = doc["treeSize"]
        assert tree.root(n) == _b(doc["root"])
        assert tree.inclusion_proof(doc["leafIdx"], n) == _proof(doc)
    for _, doc in _load("consistency"):
        if doc["wantErr"]:
            continue
        assert tree.root(doc["size1"]) == _b(doc["root1"])
        assert tree.consistency_proof(doc["size1"], doc["size2"]) == _proof(doc)


# --- cross-check against the independent implementation -----------------------------------


def test_roots_match_reference_for_1_to_64() -> None:
    data = _data(64)
    tree = MerkleTree()
    for n in range(1, 65):
        tree.append_data(data[n - 1])
        assert tree.root() == _ref_mth(data[:n]), n
    for n in range(0, 65):
        assert tree.root(n) == _ref_mth(data[:n]), n
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def test_all_proofs_match_reference_and_verify_up_to_24() -> None:
    data = _data(24)
    tree = MerkleTree(merkle.leaf_hash(d) for d in data)
    for n in range(1, 25):
        root_n = tree.root(n)
        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert proof == _ref_path(i, data[:n])
            assert merkle.verify_inclusion(i, n, merkle.leaf_hash(data[i]), proof, root_n)
            assert not merkle.verify_inclusion(i, n, merkle.leaf_hash(b"x"), proof, root_n)
        for m in range(1, n):
            proof = tree.consistency_proof(m, n)
            assert proof == _ref_subproof(m, data[:n], True)
            assert merkle.verify_consistency(m, n, tree.root(m), root_n, proof)
            assert not merkle.verify_consistency(m, n, tree.root(m), tree.root(n - 1), proof)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 300), data=st.data())
def test_tampering_any_proof_byte_is_rejected(n: int, data: st.DataObject) -> None:
    tree = MerkleTree(merkle.leaf_hash(d) for d in _data(n))
    m = data.draw(st.integers(1, n - 1))
    proof = tree.consistency_proof(m, n)
    k = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    bad = [*proof]
    bad[k] = bytes(b ^ (1 << (bit % 8)) if j == bit // 8 else b for j, b in enumerate(bad[k]))
    assert not merkle.verify_consistency(m, n, tree.root(m), tree.root(n), bad)
    index = data.draw(st.integers(0, n - 1))
    inc = tree.inclusion_proof(index, n)
    assert merkle.verify_inclusion(index, n, tree.leaf(index), inc, tree.root(n))
    if inc:
        assert not merkle.verify_inclusion(index, n, tree.leaf(index), inc[:-1], tree.root(n))
        assert not merkle.verify_inclusion(index, n, tree.leaf(index), [*inc, inc[0]], tree.root(n))


def test_module_functions_and_edge_cases() -> None:
    leaves = [merkle.leaf_hash(d) for d in _data(5)]
    assert merkle.root(leaves) == _ref_mth(_data(5))
    assert merkle.inclusion_proof(3, leaves) == _ref_path(3, _data(5))
    assert merkle.consistency_proof(2, leaves) == _ref_subproof(2, _data(5), True)
    assert merkle.consistency_proof(5, leaves) == [] == merkle.consistency_proof(0, leaves)
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, merkle.root(leaves), [])
    assert not merkle.verify_consistency(3, 2, merkle.root(leaves[:3]), merkle.root(leaves), [])
    assert not merkle.verify_inclusion(5, 5, leaves[0], [], merkle.root(leaves))
    assert repr(MerkleTree(leaves)) == "MerkleTree(size=5)"


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.root(6),
        lambda t: t.root(-1),
        lambda t: t.inclusion_proof(5),
        lambda t: t.inclusion_proof(0, 0),
        lambda t: t.consistency_proof(6),
        lambda t: t.leaf(9),
        lambda t: t.append(b"short"),
    ],
)
def test_bad_arguments_are_catalogued(call: Any) -> None:
    tree = MerkleTree(merkle.leaf_hash(d) for d in _data(5))
    with pytest.raises(HeadcountError) as caught:
        call(tree)
    assert caught.value.code == "E1501"


def test_compact_range_roots_equal_the_full_tree() -> None:
    data = _data(300)
    compact, full = merkle.CompactRange(), MerkleTree()
    assert compact.root() == merkle.EMPTY_ROOT
    for i, d in enumerate(data):
        compact.append(merkle.leaf_hash(d))
        full.append(merkle.leaf_hash(d))
        assert compact.size == i + 1
        assert compact.root() == full.root()
    with pytest.raises(HeadcountError):
        compact.append(b"short")
