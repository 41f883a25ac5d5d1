"""The pure audit verifier: stored entries + exported signed heads → a verdict naming the first bad
position (checklist L4). audit/verify.py feeds it from the database.

Checks, in sequence order, stopping at the first problem found:
    head signatures      every head verifies under the auditor's public key (when given)
    sequence             numbers run first, first+1, … (gap: a deleted row; going back: reordered)
    stored leaf hash     when the store kept one per entry, it must equal SHA-256(0x00 ‖ bytes):
                         pinpoints an entry edited without its hash
    signed heads         the root of the first `size` entries equals each head's root; a mismatch
                         means something in (previous matching head, this head] changed; heads
                         carry no per-entry data, so that range is as exact as the heads are dense
    truncation           the log holds at least as many entries as the largest head
Entries after the last head are consistent with nothing yet; the verdict counts them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from headcount import errors
from headcount.audit.heads import SignedTreeHead
from headcount.audit.merkle import CompactRange, leaf_hash
from headcount.errors import Lang, Problem


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored audit entry: its sequence number, canonical bytes and (optional) stored leaf."""

    sequence: int
    data: bytes
    leaf_hash: bytes | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    entries: int
    heads_checked: int
    problem: Problem | None = None
    position: int | None = None  # sequence number of the first bad entry
    details: dict[str, Any] = field(default_factory=dict)
    unverified_tail: int = 0  # entries after the largest head, not yet covered by a signature

    @property
    def ok(self) -> bool:
        return self.problem is None

    def message(self, lang: Lang = "zh") -> str:
        if self.problem is None:
            return (
                f"审计日志完整：{self.entries} 条，{self.heads_checked} 个签名树头一致"
                if lang == "zh"
                else f"Audit log intact: {self.entries} entries, "
                f"{self.heads_checked} signed tree heads consistent"
            )
        return self.problem.message(lang, **self.details)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "code": self.problem.code if self.problem else None,
            "position": self.position,
            "entries": self.entries,
            "heads_checked": self.heads_checked,
            "unverified_tail": self.unverified_tail,
            "message": {"zh": self.message("zh"), "en": self.message("en")},
            "details": self.details,
        }


def _evidence(position: int, until: int, head_size: int | None) -> dict[str, Any]:
    if head_size is None:
        zh, en = "存储的叶哈希与记录内容不符", "its stored leaf hash does not match its bytes"
    else:
        zh = f"与规模为 {head_size} 的签名树头不一致"
        en = f"the entries no longer match the signed tree head of size {head_size}"
    return {
        "position": position,
        "until": until,
        "head_size": head_size,
        "evidence_zh": zh,
        "evidence_en": en,
    }


def verify_entries(
    entries: Iterable[Entry],
    heads: Sequence[SignedTreeHead],
    *,
    public_key: bytes | None = None,
    first_sequence: int = 1,
) -> Verdict:
    """Verify entries (in the order stored, by sequence) against exported heads."""
    ordered = sorted(heads, key=lambda h: h.size)
    if public_key is not None:
        for head in ordered:
            if not head.verify(public_key):
                return Verdict(0, 0, errors.TREE_HEAD_SIGNATURE_INVALID, None, {"size": head.size})
    tree = CompactRange()  # O(log n) memory: the log may hold 10^8 entries
    pending = list(ordered)
    checked = verified_size = 0
    while pending and pending[0].size == 0:  # a head of the empty log (its root is SHA-256(""))
        if pending.pop(0).root != tree.root():
            return Verdict(
                0,
                0,
                errors.AUDIT_ENTRY_ALTERED,
                first_sequence,
                _evidence(first_sequence, first_sequence, 0),
            )
        checked += 1
    for entry in entries:
        expected = first_sequence + tree.size
        if entry.sequence != expected:
            if entry.sequence > expected:
                return Verdict(
                    tree.size, checked, errors.AUDIT_SEQUENCE_GAP, expected, {"position": expected}
                )
            return Verdict(
                tree.size,
                checked,
                errors.AUDIT_ENTRIES_REORDERED,
                expected,
                {"position": expected, "sequence": entry.sequence},
            )
        leaf = leaf_hash(entry.data)
        if entry.leaf_hash is not None and entry.leaf_hash != leaf:
            return Verdict(
                tree.size,
                checked,
                errors.AUDIT_ENTRY_ALTERED,
                expected,
                _evidence(expected, expected, None),
            )
        tree.append(leaf)
        while pending and pending[0].size == tree.size:
            head = pending.pop(0)
            if tree.root() != head.root:
                first_bad = first_sequence + verified_size
                return Verdict(
                    tree.size,
                    checked,
                    errors.AUDIT_ENTRY_ALTERED,
                    first_bad,
                    _evidence(first_bad, first_sequence + head.size - 1, head.size),
                )
            checked += 1
            verified_size = head.size
    if pending:
        missing = first_sequence + tree.size
        return Verdict(
            tree.size,
            checked,
            errors.AUDIT_LOG_TRUNCATED,
            missing,
            {"size": tree.size, "head_size": pending[-1].size, "position": missing},
        )
    return Verdict(tree.size, checked, unverified_tail=tree.size - verified_size)
