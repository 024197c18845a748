"""ledger: the tamper-evident, append-only log of every act (R18.1 可追溯、可取证, R22.1, SEC-AUD-*).

An RFC 9162 Merkle tree over the entries, signed Ed25519 checkpoints, inclusion and consistency proofs,
evidence bundles that verify offline, and a whole-store `verify` that names the first bad entry.

Public interface: `append(actor, action, subject, payload)`, `append_many(actor, items)` and `size()`;
other apps use nothing else to write.
"""


def append(actor, action, subject, payload=None):
    """Record `actor` doing `action` on `subject`, inside the caller's transaction (services.append)."""
    from .services import append as _append

    return _append(actor, action, subject, payload)


def append_many(actor, items):
    """Record many `(action, subject, payload)` acts of one actor under one lock (services.append_many)."""
    from .services import append_many as _append_many

    return _append_many(actor, items)


def size() -> int:
    from .services import size as _size

    return _size()
