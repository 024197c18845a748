"""Domain code reads settings only through here, at call time (never at import time)."""

from pathlib import Path

from django.conf import settings


def data_dir() -> Path:
    return Path(settings.SHUYU["DATA_DIR"])


def ledger_key_path() -> Path:
    return Path(settings.SHUYU["LEDGER_KEY_PATH"])


def pii_hash_key() -> bytes:
    return settings.PII_HASH_KEY.encode()


def token_ttl_days() -> int:
    return int(settings.SHUYU["TOKEN_TTL_DAYS"])


def review_deadline_workdays() -> int:
    """Working days an output may wait in review or for the operator's changes before an alert (R19.2)."""
    return int(settings.SHUYU.get("REVIEW_DEADLINE_WORKDAYS", 5))


def login_max_failures() -> int:
    return int(settings.SHUYU["LOGIN_MAX_FAILURES"])


def login_lock_minutes() -> int:
    return int(settings.SHUYU["LOGIN_LOCK_MINUTES"])
