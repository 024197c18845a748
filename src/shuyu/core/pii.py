"""Personal identifiers never reach the ledger or logs in clear: keyed hashes only (non-negotiable 5)."""

import hashlib
import hmac

from . import config


def pii_hash(value: str) -> str:
    """HMAC-SHA256 under the deployment's PII key: stable for joins, useless without the key."""
    digest = hmac.new(config.pii_hash_key(), value.strip().encode(), hashlib.sha256).hexdigest()
    return f"h:{digest}"
