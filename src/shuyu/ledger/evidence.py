"""What an entry, a checkpoint and an evidence bundle (取证包) are, byte for byte, and how an outsider
checks them (R18.1 可追溯、可取证, R22.1).

Pure: no ORM, clock, settings or I/O. `verify_bundle` needs only this module, `merkle` and
`cryptography`, so a court or regulator can check a bundle on a machine that has never seen our database.
"""

import base64
import binascii
import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from . import merkle

BUNDLE_FORMAT = "shuyu-ledger-evidence/1"
ORIGIN = "shuyu.ledger"  # first line of every checkpoint note (C2SP tlog-checkpoint layout)
LEAF_VERSION = 1


def _default(value):
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"not JSON-serializable in a ledger payload: {type(value).__name__}")


_CANONICAL = json.JSONEncoder(default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(payload) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same payload always gives the same bytes."""
    return _CANONICAL.encode(payload)


def format_time(value: dt.datetime) -> str:
    """UTC, microseconds always present: the one spelling of a time inside hashed bytes."""
    if value.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_json_str = json.encoder.encode_basestring  # the ensure_ascii=False string encoder json.dumps uses


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class EntryFields:
    """Everything an entry's leaf hash covers. `at` is already `format_time`d."""

    seq: int
    at: str
    person: int | None
    org: int | None
    actor: str
    roles: tuple[str, ...]
    action: str
    subject_kind: str
    subject_id: str
    payload_hash: str

    def leaf_bytes(self) -> bytes:
        """`canonical_json` of the fields (sorted keys, no spaces), written out by hand because it is
        the hot path of append and verify; a property test holds it equal to `canonical_json`."""
        s = _json_str
        return (
            f'{{"action":{s(self.action)},"actor":{s(self.actor)},"at":{s(self.at)},"org":{_json_int(self.org)},'
            f'"payload_hash":{s(self.payload_hash)},"person":{_json_int(self.person)},'
            f'"roles":[{",".join(map(s, self.roles))}],"seq":{int(self.seq)},'
            f'"subject":[{s(self.subject_kind)},{s(self.subject_id)}],"v":{LEAF_VERSION}}}'
        ).encode()

    def leaf_dict(self) -> dict:
        return {
            "v": LEAF_VERSION,
            "seq": self.seq,
            "at": self.at,
            "person": self.person,
            "org": self.org,
            "actor": self.actor,
            "roles": list(self.roles),
            "action": self.action,
            "subject": [self.subject_kind, self.subject_id],
            "payload_hash": self.payload_hash,
        }

    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.leaf_bytes())


# --- checkpoints ----------------------------------------------------------------------------------
def key_fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw 32-byte Ed25519 public key, hex: what outsiders compare with the published one."""
    return hashlib.sha256(public_key).hexdigest()


def public_key_pem(public_key: bytes) -> str:
    return (
        Ed25519PublicKey.from_public_bytes(public_key)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def checkpoint_note(tree_size: int, root: bytes, signed_at: str, origin: str = ORIGIN) -> bytes:
    """The signed bytes: origin, size, base64 root (C2SP tlog-checkpoint), then the signing time."""
    return f"{origin}\n{tree_size}\n{base64.b64encode(root).decode()}\ntime {signed_at}\n".encode()


class InvalidEvidence(Exception):
    """A bundle or checkpoint that does not verify; `zh`/`en` say why, `seq` names the entry if any."""

    def __init__(self, zh: str, en: str, seq: int | None = None):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.seq = zh, en, seq


def _unhex(value, what: str, size: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise InvalidEvidence(f"{what}不是十六进制", f"{what} is not hex") from None
    if size is not None and len(raw) != size:
        raise InvalidEvidence(f"{what}长度错误", f"{what} has the wrong length")
    return raw


def verify_checkpoint(cp: dict, trusted_key: str | None = None) -> bytes:
    """Check a checkpoint's Ed25519 signature; return its root. `trusted_key` (public key hex or its
    fingerprint, as published on the disclosure page) pins the signer; without it the bundle's own key
    is reported for the reader to compare."""
    try:
        public = _unhex(cp["public_key"], "公钥 public key", 32)
        root = _unhex(cp["root_hash"], "根哈希 root hash", merkle.HASH_SIZE)
        note = checkpoint_note(
            int(cp["tree_size"]), root, str(cp["signed_at"]), str(cp.get("origin", ORIGIN))
        )
        signature = base64.b64decode(cp["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as e:
        if isinstance(e, InvalidEvidence):
            raise
        raise InvalidEvidence("检查点格式错误", f"malformed checkpoint: {e}") from None
    fingerprint = key_fingerprint(public)
    if trusted_key and trusted_key.lower() not in (public.hex(), fingerprint):
        raise InvalidEvidence(
            "检查点不是由所信任的平台密钥签署", "checkpoint is not signed by the trusted key"
        )
    if cp.get("key_fingerprint", fingerprint) != fingerprint:
        raise InvalidEvidence("公钥指纹与公钥不符", "key fingerprint does not match the public key")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, note)
    except InvalidSignature:
        raise InvalidEvidence("检查点签名无效", "checkpoint signature is invalid") from None
    return root


# --- evidence bundles -----------------------------------------------------------------------------
def entry_fields(entry: dict) -> EntryFields:
    return EntryFields(
        seq=int(entry["seq"]),
        at=str(entry["recorded_at"]),
        person=entry["person"],
        org=entry["org"],
        actor=str(entry["actor"]),
        roles=tuple(entry["roles"]),
        action=str(entry["action"]),
        subject_kind=str(entry["subject_kind"]),
        subject_id=str(entry["subject_id"]),
        payload_hash=str(entry["payload_hash"]),
    )


@dataclass(frozen=True)
class BundleReport:
    subject: str
    entries: int
    tree_size: int
    root_hash: str
    key_fingerprint: str
    signed_at: str


def verify_bundle(bundle: dict, trusted_key: str | None = None) -> BundleReport:
    """Check every entry of an evidence bundle against its signed checkpoint. Raise `InvalidEvidence`."""
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise InvalidEvidence("不是数域取证包", f"not a {BUNDLE_FORMAT} file")
    try:
        cp = bundle["checkpoint"]
        root = verify_checkpoint(cp, trusted_key)
        size = int(cp["tree_size"])
        kind, ident = str(bundle["subject"]["kind"]), str(bundle["subject"]["id"])
        entries = list(bundle["entries"])
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidEvidence("取证包格式错误", f"malformed bundle: {e}") from None
    if not entries:
        raise InvalidEvidence("取证包不含任何条目", "bundle holds no entries")
    last = -1
    for entry in entries:
        _verify_entry(entry, kind, ident, size, root, last)
        last = int(entry["seq"])
    return BundleReport(
        subject=f"{kind}/{ident}",
        entries=len(entries),
        tree_size=size,
        root_hash=root.hex(),
        key_fingerprint=key_fingerprint(bytes.fromhex(cp["public_key"])),
        signed_at=str(cp["signed_at"]),
    )


def _verify_entry(entry: dict, kind: str, ident: str, size: int, root: bytes, last: int) -> None:
    try:
        fields = entry_fields(entry)
        payload = str(entry["payload"])
        proof = [_unhex(p, "证明 proof", merkle.HASH_SIZE) for p in entry["inclusion_proof"]]
        stated_leaf = _unhex(entry["leaf_hash"], "叶子哈希 leaf hash", merkle.HASH_SIZE)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, InvalidEvidence):
            raise InvalidEvidence(e.zh, e.en, entry.get("seq")) from None
        raise InvalidEvidence("条目格式错误", f"malformed entry: {e}", entry.get("seq")) from None
    seq = fields.seq
    if seq <= last:
        raise InvalidEvidence("条目顺序错误或重复", "entries out of order or repeated", seq)
    if (fields.subject_kind, fields.subject_id) != (kind, ident):
        raise InvalidEvidence("条目不属于本取证包的对象", "entry is about another subject", seq)
    if sha256_hex(payload) != fields.payload_hash:
        raise InvalidEvidence("内容与内容哈希不符", "payload does not match its hash", seq)
    if fields.leaf_hash() != stated_leaf:
        raise InvalidEvidence("条目与叶子哈希不符", "entry does not match its leaf hash", seq)
    try:
        merkle.verify_inclusion(seq, size, stated_leaf, proof, root)
    except merkle.InvalidProof as e:
        raise InvalidEvidence("包含证明不能通向已签名的根哈希", f"inclusion proof fails: {e}", seq) from None
