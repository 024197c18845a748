"""Signed receipts of output-review decisions (R19.2, R18.1 可取证), checkable offline.

Every decision of the two-person review yields a receipt: which output (id, version, SHA-256 of the canonical
gated table), which rules were applied (the agreement's gate settings and the gate's reason codes), which
review (security or business), the decision and required changes, the output's status after it, and when.
The body is canonical JSON (`shuyu.ledger.evidence.canonical_json`), signed Ed25519 with the ledger's key.

Pure: no ORM, clock, settings or I/O. `verify_receipt` needs only this module, the ledger's `evidence`
module and `cryptography`, so the operator, a regulator or a court checks a receipt without our database.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shuyu.ledger.evidence import canonical_json, key_fingerprint

RECEIPT_FORMAT = "shuyu-review-receipt/1"
ALG = "Ed25519"


def receipt_body(
    *,
    output_id: int,
    job_id: int,
    output_name: str,
    version: int,
    output_sha256: str,
    gate_settings: dict,
    reason_codes: list[str],
    kind: str,
    decision: str,
    note: str,
    changes: list[dict],
    output_status: str,
    decided_at: str,
    agency_org_id: int | None,
) -> dict:
    """What a receipt states, before signing. `decided_at` is already `evidence.format_time`d."""
    return {
        "format": RECEIPT_FORMAT,
        "output": {"id": output_id, "job": job_id, "name": output_name, "version": version},
        "output_sha256": output_sha256,
        "rules": {"gate_settings": dict(gate_settings), "reasons": sorted(set(reason_codes))},
        "review": {
            "role": kind,  # security | business (安全审查 | 业务审查)
            "decision": decision,  # approve | conditional | reject
            "note": note,
            "changes": list(changes),
        },
        "outcome": output_status,  # the output's status after this decision
        "decided_at": decided_at,
        "agency_org_id": agency_org_id,
    }


def signed_bytes(body: dict) -> bytes:
    return canonical_json(body).encode()


def sign_receipt(body: dict, *, sign: Callable[[bytes], bytes], public_key: bytes) -> dict:
    """`sign` is the private key's `sign` (raw Ed25519 signature); `public_key` the raw 32-byte key."""
    return body | {
        "signature": {
            "alg": ALG,
            "public_key": public_key.hex(),
            "key_fingerprint": key_fingerprint(public_key),
            "value": base64.b64encode(sign(signed_bytes(body))).decode(),
        }
    }


class InvalidReceipt(Exception):
    """A receipt that does not verify; `zh`/`en` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


def _raw_key(public_key: bytes | str) -> bytes | str:
    """Raw 32 bytes from raw bytes, hex, or PEM; a 64-hex string may also be a fingerprint (kept as str)."""
    if isinstance(public_key, bytes):
        if public_key.lstrip().startswith(b"-----BEGIN"):
            public_key = public_key.decode()
        else:
            return public_key
    text = public_key.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidReceipt("公钥不是 Ed25519 公钥", "the public key is not an Ed25519 key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return text.lower()


def check_receipt(receipt: dict, public_key: bytes | str) -> str:
    """Raise `InvalidReceipt` unless `receipt` is signed by `public_key` (raw, hex, PEM or fingerprint) and
    unchanged since; return the signing key's fingerprint."""
    try:
        sig = receipt["signature"]
        if receipt.get("format") != RECEIPT_FORMAT or sig.get("alg") != ALG:
            raise InvalidReceipt("回执格式不受支持", "unsupported receipt format")
        embedded = bytes.fromhex(sig["public_key"])
        value = base64.b64decode(sig["value"], validate=True)
        body = {k: v for k, v in receipt.items() if k != "signature"}
        trusted = _raw_key(public_key)
    except InvalidReceipt:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, binascii.Error):
        raise InvalidReceipt("回执格式错误", "malformed receipt") from None
    fingerprint = key_fingerprint(embedded)
    if isinstance(trusted, bytes):
        if trusted != embedded:
            raise InvalidReceipt(
                "回执不是由所信任的平台密钥签署", "the receipt is not signed by the trusted key"
            )
    elif trusted not in (embedded.hex(), fingerprint):
        raise InvalidReceipt("回执不是由所信任的平台密钥签署", "the receipt is not signed by the trusted key")
    if sig.get("key_fingerprint", fingerprint) != fingerprint:
        raise InvalidReceipt("公钥指纹与公钥不符", "the key fingerprint does not match the public key")
    try:
        Ed25519PublicKey.from_public_bytes(embedded).verify(value, signed_bytes(body))
    except (InvalidSignature, ValueError):
        raise InvalidReceipt(
            "回执签名无效或内容已被篡改", "the signature is invalid or the receipt was changed"
        ) from None
    return fingerprint


def verify_receipt(receipt: dict, public_key: bytes | str) -> bool:
    """True if `receipt` verifies under `public_key` (raw bytes, hex, PEM, or the key's fingerprint)."""
    try:
        check_receipt(receipt, public_key)
    except InvalidReceipt:
        return False
    return True
