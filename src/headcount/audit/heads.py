"""Signed tree heads: (size, root, time) signed with Ed25519 and exported outside the database.

A head file is JSON lines, one head per line, append-only; it belongs on storage the database
administrator cannot rewrite (a WORM bucket, the auditor's own store). Whoever holds an earlier head
can prove that no audit entry up to its size was altered, removed or reordered since.

The signed message is a canonical, length-prefixed encoding of
("headcount/tree-head/v1", size as 8 bytes, root, timestamp in ms as 8 bytes).
The signing key lives in its own file (mode 0600), separate from the data-key vault.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from headcount import errors
from headcount.errors import HeadcountError
from headcount.privacy import crypto

KEY_FORMAT = "headcount-audit-signing-key"
PUBLIC_FORMAT = "headcount-audit-public-key"
_LABEL = "headcount/tree-head/v1"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: Any, length: int | None = None) -> bytes:
    raw = base64.b64decode(str(text), validate=True)
    if length is not None and len(raw) != length:
        raise ValueError(f"expected {length} bytes")
    return raw


def key_id_of(public_key: bytes) -> str:
    """A short, stable id of a public key: the first 8 bytes of its SHA-256, in hex."""
    return crypto.digest("intl", public_key)[:8].hex()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def head_message(size: int, root: bytes, timestamp: datetime) -> bytes:
    millis = (timestamp - _EPOCH) // timedelta(milliseconds=1)
    return crypto.canonical(_LABEL, size.to_bytes(8, "big"), root, millis.to_bytes(8, "big"))


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    size: int
    root: bytes
    timestamp: datetime
    key_id: str
    signature: bytes

    def verify(self, public_key: bytes) -> bool:
        """True when signed by ``public_key`` (and the key id names that key)."""
        return key_id_of(public_key) == self.key_id and crypto.signature_valid(
            public_key, head_message(self.size, self.root, self.timestamp), self.signature
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": _b64(self.root),
            "timestamp": self.timestamp.astimezone(UTC).isoformat(timespec="milliseconds"),
            "key_id": self.key_id,
            "signature": _b64(self.signature),
        }

    @classmethod
    def from_json(cls, doc: Any) -> SignedTreeHead:
        if not isinstance(doc, dict):
            raise ValueError("a head is a JSON object")
        for name in ("size", "root", "timestamp", "key_id", "signature"):
            if name not in doc:
                raise ValueError(f"missing field {name}")
        size = doc["size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ValueError("size must be a non-negative integer")
        when = datetime.fromisoformat(str(doc["timestamp"]))
        if when.tzinfo is None:
            raise ValueError("timestamp needs a time zone")
        return cls(
            size, _unb64(doc["root"], 32), when, str(doc["key_id"]), _unb64(doc["signature"], 64)
        )

    def export(self, path: str | Path) -> None:
        """Append this head to a head file; refuses a head that would roll the log back or fork it.

        The check and the append happen under an exclusive lock on the file, so two exporters
        cannot interleave.
        """
        target = Path(path)
        line = (json.dumps(self.to_json(), sort_keys=True) + "\n").encode("ascii")
        fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            previous = load_heads(target)
            if previous and (
                previous[-1].size > self.size
                or (previous[-1].size == self.size and previous[-1].root != self.root)
            ):
                raise HeadcountError(
                    errors.TREE_HEAD_ROLLBACK, size=self.size, last=previous[-1].size
                )
            os.write(fd, line)
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def sign_head(
    private_key: SigningKey | bytes, size: int, root: bytes, timestamp: datetime
) -> SignedTreeHead:
    raw = private_key.private_key if isinstance(private_key, SigningKey) else private_key
    if timestamp.tzinfo is None:
        raise HeadcountError(errors.MERKLE_ARGUMENT, reason="a head timestamp needs a time zone")
    if len(root) != 32 or size < 0:
        raise HeadcountError(
            errors.MERKLE_ARGUMENT, reason="a head has a size ≥ 0 and a 32-byte root"
        )
    # Millisecond precision, as exported, so a reloaded head verifies.
    when = timestamp.astimezone(UTC).replace(microsecond=timestamp.microsecond // 1000 * 1000)
    signature = crypto.sign(raw, head_message(size, root, when))
    return SignedTreeHead(size, root, when, key_id_of(crypto.signing_public_key(raw)), signature)


def verify_head(head: SignedTreeHead, public_key: bytes) -> None:
    if not head.verify(public_key):
        raise HeadcountError(errors.TREE_HEAD_SIGNATURE_INVALID, size=head.size)


def load_heads(path: str | Path) -> list[SignedTreeHead]:
    """Every head of a head file, in file order; E1502 names the first malformed line."""
    target = Path(path)
    try:
        text = target.read_text("utf-8")
    except FileNotFoundError:
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(target)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HeadcountError(
            errors.FILE_UNREADABLE, path=str(target), reason=type(exc).__name__
        ) from None
    heads: list[SignedTreeHead] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            heads.append(SignedTreeHead.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise HeadcountError(
                errors.TREE_HEAD_FILE_MALFORMED, path=str(target), line=number, reason=str(exc)[:80]
            ) from None
    return heads


class SigningKey:
    """The Ed25519 key that signs tree heads; its file is 0600 and never shown."""

    def __init__(self, private_key: bytes) -> None:
        self._private = private_key
        self.public_key = crypto.signing_public_key(private_key)
        self.key_id = key_id_of(self.public_key)

    @property
    def private_key(self) -> bytes:
        return self._private

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id})"

    __str__ = __repr__

    def sign(self, size: int, root: bytes, timestamp: datetime) -> SignedTreeHead:
        return sign_head(self, size, root, timestamp)

    @classmethod
    def create(cls, path: str | Path) -> SigningKey:
        target = Path(path)
        key = cls(crypto.signing_key_new())
        doc = {
            "format": KEY_FORMAT,
            "version": 1,
            "algorithm": "Ed25519",
            "key_id": key.key_id,
            "private_key": _b64(key._private),
            "public_key": _b64(key.public_key),
        }
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise HeadcountError(errors.KEY_FILE_EXISTS, path=str(target)) from None
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(json.dumps(doc, indent=1) + "\n")
            out.flush()
            os.fsync(out.fileno())
        return key

    @classmethod
    def load(cls, path: str | Path) -> SigningKey:
        target = Path(path)
        try:
            mode = os.stat(target).st_mode
        except FileNotFoundError:
            raise HeadcountError(
                errors.SIGNING_KEY_FILE, path=str(target), reason="missing"
            ) from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise HeadcountError(
                errors.KEY_FILE_PERMISSIONS, path=str(target), mode=oct(mode & 0o777)
            )
        try:
            doc = json.loads(target.read_text("utf-8"))
            if doc.get("format") != KEY_FORMAT or doc.get("algorithm") != "Ed25519":
                raise ValueError("not a Headcount audit signing key")
            key = cls(_unb64(doc["private_key"], 32))
            if key.public_key != _unb64(doc["public_key"], 32):
                raise ValueError("public key does not match the private key")
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            reason = str(exc)[:80] if isinstance(exc, ValueError) else type(exc).__name__
            raise HeadcountError(errors.SIGNING_KEY_FILE, path=str(target), reason=reason) from None
        return key

    def export_public(self, path: str | Path) -> None:
        """Write the public key for auditors (not secret)."""
        doc = {
            "format": PUBLIC_FORMAT,
            "algorithm": "Ed25519",
            "key_id": self.key_id,
            "public_key": _b64(self.public_key),
        }
        Path(path).write_text(json.dumps(doc, indent=1) + "\n", "utf-8")


def load_public_key(path: str | Path) -> bytes:
    """An auditor's copy of the public key (written by SigningKey.export_public)."""
    target = Path(path)
    try:
        doc = json.loads(target.read_text("utf-8"))
        if doc.get("format") != PUBLIC_FORMAT:
            raise ValueError("not a Headcount audit public key")
        return _unb64(doc["public_key"], 32)
    except FileNotFoundError:
        raise HeadcountError(errors.FILE_NOT_FOUND, path=str(target)) from None
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        reason = str(exc)[:80] if isinstance(exc, ValueError) else type(exc).__name__
        raise HeadcountError(errors.SIGNING_KEY_FILE, path=str(target), reason=reason) from None
