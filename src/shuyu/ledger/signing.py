"""The platform's Ed25519 checkpoint key, generated on first use at `config.ledger_key_path()` (0600).

Whoever can read this file can sign checkpoints; nobody else can, so a checkpoint held by an outsider
pins the ledger's content at its size (R18.1 可取证).
"""

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shuyu.core import config

from .evidence import key_fingerprint


def signing_key() -> Ed25519PrivateKey:
    path = config.ledger_key_path()
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    key = key or signing_key()
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem(key: Ed25519PrivateKey | None = None) -> str:
    key = key or signing_key()
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def fingerprint(key: Ed25519PrivateKey | None = None) -> str:
    return key_fingerprint(public_key_bytes(key))


def _create(path: Path) -> None:
    """Write a new key so that concurrent first users all end up with the same one: the key is written
    to a private temporary file and linked into place, which fails if another process won the race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def key_exists() -> bool:
    return config.ledger_key_path().exists()
