"""An optional Ed25519 signature over ``bundle.json``, with the audit log's signing key.

``bundle.json`` lists the SHA-256 of every file, so signing it signs the bundle. The signed message
is ``crypto.canonical("headcount/publication/v1", SHA-256 of bundle.json)``: its own label, so a
bundle signature can never be taken for a signed tree head (``audit.heads``) or the reverse. The
signature goes beside the manifest in ``bundle.sig`` (JSON: algorithm, key id, digest, signature);
``verify_signature`` checks it against the auditor's copy of the public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from headcount import errors
from headcount.audit.heads import SigningKey, key_id_of
from headcount.errors import HeadcountError
from headcount.privacy import crypto
from headcount.publish.sources import MANIFEST, SIGNATURE

__all__ = ["SIGNATURE_FORMAT", "sign_manifest", "verify_signature"]

SIGNATURE_FORMAT = "headcount-publication-signature"
_LABEL = "headcount/publication/v1"


def _message(manifest: bytes) -> bytes:
    return crypto.canonical(_LABEL, hashlib.sha256(manifest).digest())


def sign_manifest(root: Path, manifest: bytes, key: SigningKey) -> dict[str, Any]:
    """Write ``root/bundle.sig`` for the manifest bytes ``manifest``; returns its content."""
    doc = {
        "format": SIGNATURE_FORMAT,
        "algorithm": "Ed25519",
        "key_id": key.key_id,
        "signed": MANIFEST,
        "sha256": hashlib.sha256(manifest).hexdigest(),
        "signature": base64.b64encode(crypto.sign(key.private_key, _message(manifest))).decode(),
    }
    fd = os.open(root / SIGNATURE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(doc, indent=1) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return doc


def verify_signature(root: Path, public_key: bytes) -> str:
    """The signing key's id when ``bundle.sig`` is a valid signature of ``bundle.json`` by
    ``public_key``; E1886 otherwise (missing, malformed, another key, another manifest)."""
    path = root / SIGNATURE

    def bad(reason: str) -> HeadcountError:
        return HeadcountError(errors.BUNDLE_SIGNATURE_INVALID, path=SIGNATURE, reason=reason)

    try:
        doc = json.loads(path.read_text("utf-8"))
        manifest = (root / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise bad("no bundle.sig: the bundle is not signed") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise bad("unreadable") from None
    if not isinstance(doc, dict) or doc.get("format") != SIGNATURE_FORMAT:
        raise bad(f"not a {SIGNATURE_FORMAT} file")
    if doc.get("algorithm") != "Ed25519" or doc.get("signed") != MANIFEST:
        raise bad("not an Ed25519 signature of bundle.json")
    if doc.get("key_id") != key_id_of(public_key):
        raise bad("signed with another key")
    try:
        signature = base64.b64decode(str(doc.get("signature")), validate=True)
    except (binascii.Error, ValueError):
        raise bad("malformed signature") from None
    if not crypto.signature_valid(public_key, _message(manifest), signature):
        raise bad("the signature does not match bundle.json")
    return str(doc["key_id"])
