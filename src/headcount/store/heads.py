"""Signed tree heads of the database audit log: compute, sign, export, and trust on load.

The head file (HEADCOUNT_AUDIT_HEAD_FILE, default ``audit-heads.jsonl`` beside the key file) and
the signing key (HEADCOUNT_AUDIT_SIGNING_KEY_FILE, default ``audit-signing.key``) live outside the
database. Every CLI command that wrote appends a head; ``headcount audit head`` does on demand.
Heads are trusted only if signed by the signing key's public key (or the auditor's copy of it,
``audit-signing.pub`` beside the head file, which wins when present).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from headcount import errors
from headcount.audit.heads import (
    SignedTreeHead,
    SigningKey,
    load_heads,
    load_public_key,
    verify_head,
)
from headcount.audit.log import flush
from headcount.audit.merkle import MerkleTree
from headcount.audit.verify import Verdict, verify_entries
from headcount.config import Settings
from headcount.errors import HeadcountError
from headcount.store.queries import audit as audit_queries
from headcount.store.session import READ_ONLY, make_engine


def signing_key_path(settings: Settings) -> Path:
    return settings.audit_signing_key_file or Path(settings.key_file).with_name("audit-signing.key")


def head_file_path(settings: Settings) -> Path:
    return settings.audit_head_file or Path(settings.key_file).with_name("audit-heads.jsonl")


def public_key_path(settings: Settings) -> Path:
    return head_file_path(settings).with_name("audit-signing.pub")


def ensure_signing_key(settings: Settings) -> SigningKey:
    """Load the signing key, creating it (and the auditor's public copy) on first use."""
    path = signing_key_path(settings)
    if path.exists():
        return SigningKey.load(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey.create(path)
    public = public_key_path(settings)
    public.parent.mkdir(parents=True, exist_ok=True)
    if not public.exists():
        key.export_public(public)
    return key


def tree_of(bind: Session | Connection) -> MerkleTree:
    """The Merkle tree over the stored leaf hashes, in sequence order."""
    return MerkleTree(bytes(row.leaf_hash) for row in audit_queries.iter_entries(bind))


def sign_current(settings: Settings, bind: Session | Connection) -> dict[str, Any]:
    tree = tree_of(bind)
    head = ensure_signing_key(settings).sign(tree.size, tree.root(), datetime.now(UTC))
    return head.to_json()


def append_head(settings: Settings, head: dict[str, Any]) -> None:
    path = head_file_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    SignedTreeHead.from_json(head).export(path)


def export_current(settings: Settings) -> dict[str, Any]:
    """Sign the database's current tree head and append it to the head file.

    Two commands ending at once may sign in one order and append in the other; the head file
    refuses the smaller head (E1505), so the head is signed again from the grown log. A log that
    is really shorter than an exported head (rolled back) still fails.
    """
    for attempt in (1, 2):
        engine = make_engine(settings)
        try:
            flush(engine)  # a head covers every entry committed before it was asked for
            with engine.connect().execution_options(**{READ_ONLY: True}) as conn, conn.begin():
                head = sign_current(settings, conn)
        finally:
            engine.dispose()
        try:
            append_head(settings, head)
            return head
        except HeadcountError as exc:
            if exc.problem is not errors.TREE_HEAD_ROLLBACK or attempt == 2:
                raise
    raise AssertionError("unreachable")


def trusted_public_key(settings: Settings, public_key_file: Path | None = None) -> bytes:
    if public_key_file is not None:
        return load_public_key(public_key_file)
    public = public_key_path(settings)
    if public.exists():
        return load_public_key(public)
    return SigningKey.load(signing_key_path(settings)).public_key


def trusted_heads(
    settings: Settings,
    extra: Sequence[dict[str, Any]] = (),
    *,
    require_file: bool = False,
    max_size: int | None = None,
    public_key_file: Path | None = None,
) -> list[SignedTreeHead]:
    """Heads from the head file (and ``extra``), every signature checked (E1503 otherwise)."""
    path = head_file_path(settings)
    found: list[SignedTreeHead] = []
    if path.exists():
        found.extend(load_heads(path))
    elif require_file:
        raise HeadcountError(errors.AUDIT_NO_HEAD, path=str(path))
    found.extend(SignedTreeHead.from_json(h) for h in extra)
    if found:
        key = trusted_public_key(settings, public_key_file)
        for head in found:
            verify_head(head, key)
    if max_size is not None:
        found = [h for h in found if h.size <= max_size]
    return sorted(found, key=lambda h: (h.size, h.timestamp))


def verify_database(bind: Session | Connection, heads: Sequence[SignedTreeHead]) -> Verdict:
    return verify_entries(bind, heads)
