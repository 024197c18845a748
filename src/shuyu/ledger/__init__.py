"""ledger: the tamper-evident, append-only log of every act (R18.1 可追溯、可取证, R22.1, SEC-AUD-*).

Public interface: `append(actor, action, subject, payload)` and `size()`; other apps use nothing else to write.
"""


def append(actor, action, subject, payload=None):
    from .services import append as _append

    return _append(actor, action, subject, payload)


def size() -> int:
    from .services import size as _size

    return _size()
