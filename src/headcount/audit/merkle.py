"""The Merkle tree of RFC 9162 §2.1 (same as RFC 6962) over SHA-256, with its two proofs.

    leaf  = SHA-256(0x00 ‖ entry bytes)
    node  = SHA-256(0x01 ‖ left ‖ right), split at the largest power of two below n
    empty = SHA-256("")

``MerkleTree`` keeps every perfect subtree hash level by level (about 2n × 32 bytes, packed), so
root(n) for any n ≤ size and both proofs cost O(log n) hashes even at 10^6+ entries. Verification
follows the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 literally.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from headcount import errors
from headcount.errors import HeadcountError

HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """An append-only tree of leaf hashes."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        self.extend(leaf_hashes)

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"MerkleTree(size={self._size})"

    def append(self, leaf: bytes) -> int:
        """Add one leaf hash; returns its index."""
        if len(leaf) != HASH_BYTES:
            raise HeadcountError(errors.MERKLE_ARGUMENT, reason="a leaf hash has 32 bytes")
        index = self._size
        self._levels[0] += leaf
        self._size += 1
        # Complete every perfect subtree that the new leaf closes (one per trailing 1 bit).
        height, position = 0, index
        while position & 1:
            level = self._levels[height]
            left = bytes(level[(position - 1) * HASH_BYTES : position * HASH_BYTES])
            right = bytes(level[position * HASH_BYTES : (position + 1) * HASH_BYTES])
            if len(self._levels) == height + 1:
                self._levels.append(bytearray())
            self._levels[height + 1] += node_hash(left, right)
            height, position = height + 1, position >> 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        for leaf in leaf_hashes:
            self.append(leaf)

    def append_data(self, data: bytes) -> int:
        """Hash an entry's canonical bytes as a leaf and add it."""
        return self.append(leaf_hash(data))

    def leaf(self, index: int) -> bytes:
        self._check_index(index, self._size)
        return self._perfect(0, index)

    def root(self, n: int | None = None) -> bytes:
        """The root of the first n leaves (default: all)."""
        n = self._size if n is None else n
        self._check_size(n)
        return self._range(0, n) if n else EMPTY_ROOT

    def inclusion_proof(self, index: int, n: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(index, D[0:n])."""
        n = self._size if n is None else n
        self._check_size(n)
        self._check_index(index, n)
        proof: list[bytes] = []
        lo, hi = 0, n
        while hi - lo > 1:
            k = _split(hi - lo)
            if index < lo + k:
                proof.append(self._range(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._range(lo, lo + k))
                lo += k
        return proof[::-1]

    def consistency_proof(self, m: int, n: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(m, D[0:n]); empty when m is 0 or m == n."""
        n = self._size if n is None else n
        self._check_size(n)
        if not 0 <= m <= n:
            raise HeadcountError(errors.MERKLE_ARGUMENT, reason=f"need 0 ≤ m ≤ n, got {m}, {n}")
        if m in (0, n):
            return []
        proof: list[bytes] = []
        lo, hi, complete = 0, n, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                proof.append(self._range(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self._range(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        if not complete:
            proof.append(self._range(lo, hi))
        return proof[::-1]

    # --- internals -------------------------------------------------------------------------

    def _perfect(self, height: int, index: int) -> bytes:
        level = self._levels[height]
        return bytes(level[index * HASH_BYTES : (index + 1) * HASH_BYTES])

    def _range(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for a range whose perfect subtrees are aligned (all ranges used here)."""
        parts: list[bytes] = []
        position = lo
        while position < hi:
            height = (hi - position).bit_length() - 1
            # The subtree must also be aligned at its own size.
            while position % (1 << height):
                height -= 1
            parts.append(self._perfect(height, position >> height))
            position += 1 << height
        result = parts[-1]
        for part in reversed(parts[:-1]):
            result = node_hash(part, result)
        return result

    def _check_size(self, n: int) -> None:
        if not 0 <= n <= self._size:
            raise HeadcountError(
                errors.MERKLE_ARGUMENT, reason=f"tree size {n} outside 0…{self._size}"
            )

    @staticmethod
    def _check_index(index: int, n: int) -> None:
        if not 0 <= index < n:
            raise HeadcountError(errors.MERKLE_ARGUMENT, reason=f"leaf {index} outside 0…{n - 1}")


class CompactRange:
    """The right edge of a growing tree: O(log n) memory, root of the current size in O(log n).

    Enough to check signed heads while streaming 10^8 entries (verify_core), where a full
    MerkleTree would need gigabytes.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []  # (height, hash) of perfect subtrees, left first
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def append(self, leaf: bytes) -> None:
        if len(leaf) != HASH_BYTES:
            raise HeadcountError(errors.MERKLE_ARGUMENT, reason="a leaf hash has 32 bytes")
        height, node = 0, leaf
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            height, node = height + 1, node_hash(left, node)
        self._stack.append((height, node))
        self._size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1][1]
        for _, part in reversed(self._stack[:-1]):
            result = node_hash(part, result)
        return result


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    return MerkleTree(leaf_hashes).root()


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return MerkleTree(leaf_hashes).inclusion_proof(index)


def consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return MerkleTree(leaf_hashes).consistency_proof(m)


def _well_formed(proof: Sequence[bytes], *hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_BYTES for h in (*proof, *hashes))


def verify_inclusion(
    index: int,
    size: int,
    leaf_hash: bytes,
    proof: Sequence[bytes],
    root: bytes,
) -> bool:
    """RFC 9162 §2.1.3.2: is ``leaf_hash`` at ``index`` in the tree of ``size`` with ``root``?"""
    if not 0 <= index < size or not _well_formed(proof, leaf_hash, root):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    m: int, n: int, root_m: bytes, root_n: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of size m (root_m) a prefix of the tree of size n?"""
    if not 0 <= m <= n or not _well_formed(proof, root_m, root_n):
        return False
    if m == n:
        return not proof and root_m == root_n
    if m == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, root_m)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root_m and sr == root_n and sn == 0
