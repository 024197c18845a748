"""Sign-in throttling (等保 L3-CES1-02 登录失败处理, SEC-AUTH-2), for the web login and the token sign-in alike.

After `LOGIN_MAX_FAILURES` consecutive failures (default 5) a username is locked for `LOGIN_LOCK_MINUTES`
(default 15): while locked, no password is even checked, so guessing stops. It applies to any name typed,
whether an account exists or not, so a lock reveals nothing about who has an account. A success clears the
count. Every failure, lock and locked attempt goes to the ledger with the username as a keyed hash only.
"""

from __future__ import annotations

from django.db import transaction

from shuyu import ledger
from shuyu.core import clock, config
from shuyu.core.actors import Actor
from shuyu.core.errors import Unauthenticated
from shuyu.core.pii import pii_hash

from . import rules
from .models import LoginThrottle

SYSTEM = Actor.system("login")


def _key(username: str) -> str:
    return pii_hash(f"login:{(username or '').strip().lower()}")


def check_allowed(username: str) -> None:
    """Raise `Unauthenticated` (R22.1) while the username is locked; record the locked attempt."""
    throttle = LoginThrottle.objects.filter(key=_key(username)).first()
    try:
        rules.check_not_locked(locked_until=throttle.locked_until if throttle else None, now=clock.now())
    except Unauthenticated:
        with transaction.atomic():
            ledger.append(
                SYSTEM, "orgs.login.locked_attempt", ("orgs.login", "locked"), {"username": _key(username)}
            )
        raise


def record_failure(username: str, *, channel: str, log: bool = True) -> None:
    """One more consecutive failure; at the limit the name is locked (and the count starts again)."""
    key, now = _key(username), clock.now()
    with transaction.atomic():
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
        throttle.failures += 1
        throttle.last_failure_at = now
        until = rules.lock_after_failure(
            failures=throttle.failures,
            now=now,
            max_failures=config.login_max_failures(),
            lock_minutes=config.login_lock_minutes(),
        )
        if log:  # the token sign-in records its own failure entry
            payload = {"username": key, "channel": channel, "failures": throttle.failures}
            ledger.append(SYSTEM, "orgs.login.failed", ("orgs.login", "failed"), payload)
        if until is not None:
            throttle.locked_until, throttle.failures = until, 0
            ledger.append(
                SYSTEM, "orgs.login.locked", ("orgs.login", "locked"), {"username": key, "until": until}
            )
        throttle.save()


def record_success(username: str) -> None:
    LoginThrottle.objects.filter(key=_key(username)).delete()
