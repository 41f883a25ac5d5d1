"""The destruction certificate: what was destroyed, under which rule, when, and its audit trail,
signed with the installation's audit signing key (Ed25519, the key that signs the tree heads).

The signed message is a length-prefixed label and the certificate's canonical JSON (sorted keys,
no spaces, UTF-8) without its ``signature`` member, so any change to any field — a row count,
a scope, a date — breaks the signature (E2218). The signature names the public key by its id;
a certificate signed by another installation's key is refused as such (E2217), before the
signature is even checked, because no verdict about a foreign installation's data can be given
here. The certificate carries ids only — scopes, key ids, table names, counts, digests — never
key material or personal data.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from headcount import errors
from headcount.audit.heads import key_id_of
from headcount.errors import HeadcountError
from headcount.privacy import crypto

FORMAT = "headcount-destruction-certificate"
VERSION = 1
_LABEL = "headcount/destruction-certificate/v1"
REQUIRED = ("run_id", "installation", "schedule", "as_of", "executed_at", "actions", "audit")


def canonical(body: dict[str, Any]) -> bytes:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    text = json.dumps(unsigned, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return crypto.canonical(_LABEL, text.encode("utf-8"))


def sign(body: dict[str, Any], private_key: bytes) -> dict[str, Any]:
    """The certificate with its signature (``body`` must not hold one)."""
    public = crypto.signing_public_key(private_key)
    doc = {"format": FORMAT, "version": VERSION, **body}
    signature = crypto.sign(private_key, canonical(doc))
    doc["signature"] = {
        "algorithm": "Ed25519",
        "key_id": key_id_of(public),
        "value": base64.b64encode(signature).decode("ascii"),
    }
    return doc


def check(doc: Any, public_key: bytes, *, path: str = "certificate") -> dict[str, Any]:
    """The certificate, if well formed, signed by ``public_key``'s installation and unchanged."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise HeadcountError(errors.RETENTION_CERTIFICATE_INVALID, path=path, reason="format")
    if doc.get("version") != VERSION:
        raise HeadcountError(errors.RETENTION_CERTIFICATE_INVALID, path=path, reason="version")
    missing = [k for k in REQUIRED if k not in doc]
    if missing:
        raise HeadcountError(
            errors.RETENTION_CERTIFICATE_INVALID, path=path, reason=f"no {missing[0]}"
        )
    signature = doc.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != "Ed25519":
        raise HeadcountError(errors.RETENTION_CERTIFICATE_INVALID, path=path, reason="signature")
    expected = key_id_of(public_key)
    if signature.get("key_id") != expected:
        raise HeadcountError(
            errors.RETENTION_CERTIFICATE_FOREIGN,
            found=str(signature.get("key_id"))[:32],
            expected=expected,
        )
    try:
        raw = base64.b64decode(str(signature.get("value")), validate=True)
    except (binascii.Error, ValueError):
        raise HeadcountError(errors.RETENTION_CERTIFICATE_TAMPERED) from None
    if not crypto.signature_valid(public_key, canonical(doc), raw):
        raise HeadcountError(errors.RETENTION_CERTIFICATE_TAMPERED)
    return doc


def read(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise HeadcountError(
            errors.RETENTION_CERTIFICATE_INVALID, path=str(path), reason=type(exc).__name__
        ) from None
    except (UnicodeDecodeError, ValueError):
        raise HeadcountError(
            errors.RETENTION_CERTIFICATE_INVALID, path=str(path), reason="not JSON"
        ) from None
