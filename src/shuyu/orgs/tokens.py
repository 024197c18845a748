"""API tokens for the API and CLI (R22.1): random, shown once, stored as SHA-256, expiring, revocable.

A token acts for exactly one person, with that person's organization, roles and region at the moment of use
(changing a person's roles changes what their tokens may do).
"""

import dataclasses
import datetime as dt
import hashlib
import secrets

from django.contrib.auth import authenticate
from django.db import transaction

from shuyu import ledger
from shuyu.core import clock, config
from shuyu.core.actors import Actor
from shuyu.core.errors import DomainError, NotFound, Unauthenticated
from shuyu.core.permissions import Perm, authorize, has_perm
from shuyu.core.pii import pii_hash

from .models import ApiToken, Person
from .selectors import actor_for_person

TOKEN_PREFIX = "shuyu_"
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)  # one write per token per minute, not one per request


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    """The only moment the raw token exists outside its holder's hands."""

    token: ApiToken
    raw: str


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.strip().encode()).hexdigest()


def _new_raw() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _create(person: Person, label: str) -> IssuedToken:
    raw = _new_raw()
    now = clock.now()
    token = ApiToken.objects.create(
        person=person,
        digest=digest_of(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        label=(label or "").strip()[:100],
        created_at=now,
        expires_at=now + dt.timedelta(days=config.token_ttl_days()),
    )
    return IssuedToken(token=token, raw=raw)


def _login_failed() -> Unauthenticated:
    # One message whatever went wrong, so accounts cannot be probed.
    return Unauthenticated("用户名或密码错误", "wrong username or password")


def issue_token_with_password(*, username: str, password: str, label: str = "") -> IssuedToken:
    """A person signs in with username and password and receives a token for themself.

    A failure is recorded in the ledger (hashed username only) and then refused with one constant message;
    consecutive failures lock the username for a while (SEC-AUTH-2, `orgs.login`).
    """
    from . import login

    login.check_allowed(username)  # while locked, the password is not even checked
    with transaction.atomic():
        user = authenticate(None, username=username, password=password)
        person = Person.objects.select_related("organization").filter(user=user).first() if user else None
        if person is None:
            ledger.append(
                Actor.system("token-login"),
                "orgs.token.login_failed",
                ("orgs.login", "failed"),
                {"username": pii_hash(f"username:{username}")},
            )
            issued = None
        else:
            issued = _create(person, label)
            ledger.append(
                actor_for_person(person),
                "orgs.token.issued",
                issued.token,
                {"person": person.pk, "prefix": issued.token.prefix, "expires_at": issued.token.expires_at},
            )
    if issued is None:
        login.record_failure(username, channel="token", log=False)
        raise _login_failed()
    login.record_success(username)
    return issued


@transaction.atomic
def issue_token(actor: Actor, *, person_id: int, label: str = "") -> IssuedToken:
    """An administrator issues a token for a person (service accounts, people without a password)."""
    authorize(actor, Perm.ORGS_TOKEN_ISSUE)
    person = Person.objects.select_related("organization").filter(pk=person_id).first()
    if person is None:
        raise NotFound("person", person_id=person_id)
    issued = _create(person, label)
    ledger.append(
        actor,
        "orgs.token.issued",
        issued.token,
        {"person": person.pk, "prefix": issued.token.prefix, "expires_at": issued.token.expires_at},
    )
    return issued


@transaction.atomic
def revoke_token(actor: Actor, *, token_id: int) -> ApiToken:
    """Revoke one's own token; an administrator may revoke anyone's. Someone else's token is NotFound."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if actor.person_id is None:
        raise Unauthenticated()
    if token is None or (
        token.person_id != actor.person_id and not has_perm(actor, Perm.ORGS_TOKEN_REVOKE_ANY)
    ):
        raise NotFound("token", token_id=token_id)
    if token.revoked_at is not None:
        raise DomainError("R22.1", "该令牌已被吊销", "the token is already revoked", token_id=token_id)
    token.revoked_at = clock.now()
    token.revoked_by_id = actor.person_id
    token.save(update_fields=["revoked_at", "revoked_by"])
    ledger.append(actor, "orgs.token.revoked", token, {"person": token.person_id, "prefix": token.prefix})
    return token


def tokens_for(actor: Actor) -> list[ApiToken]:
    """The actor's own tokens (never the digests of anyone else's)."""
    if actor.person_id is None:
        return []
    return list(ApiToken.objects.filter(person_id=actor.person_id).order_by("-created_at"))


def actor_for_token(raw: str) -> Actor:
    """The actor behind a bearer token; Unauthenticated when it is unknown, expired or revoked."""
    if not raw or not raw.strip():
        raise Unauthenticated()
    token = (
        ApiToken.objects.select_related("person__organization", "person__user")
        .filter(digest=digest_of(raw))
        .first()
    )
    now = clock.now()
    if token is None or not token.person.user.is_active:
        raise Unauthenticated()
    if token.revoked_at is not None:
        raise Unauthenticated("令牌已被吊销", "the token has been revoked")
    if token.expires_at <= now:
        raise Unauthenticated("令牌已过期，请重新签发", "the token has expired; issue a new one")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        # Bookkeeping, not an act under the rules: no ledger entry (the acts done with the token have theirs).
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return actor_for_person(token.person)
