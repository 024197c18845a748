"""Bearer tokens (R22.1): shown once, hashed at rest, expiring, revocable."""

import datetime as dt
import hashlib

import pytest

from shuyu import ledger
from shuyu.core import clock
from shuyu.core.errors import NotFound, Unauthenticated
from shuyu.ledger.models import LedgerEntry
from shuyu.orgs import tokens
from shuyu.orgs.models import ApiToken

PASSWORD = "Test-pass-2026"  # as the root conftest's make_actor sets it


def _username(actor):
    from shuyu.orgs.models import Person

    return Person.objects.get(pk=actor.person_id).user.username


def test_r22_1_token_is_stored_only_as_its_sha256(make_actor):
    agency = make_actor("implementing_agency")
    issued = tokens.issue_token_with_password(username=_username(agency), password=PASSWORD)
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.digest == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert issued.raw not in {stored.digest, stored.prefix, stored.label}
    assert tokens.actor_for_token(issued.raw) == agency


def test_r22_1_token_expires_after_the_configured_days(make_actor, settings):
    settings.SHUYU = {**settings.SHUYU, "TOKEN_TTL_DAYS": 30}
    agency = make_actor("implementing_agency")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        raw = tokens.issue_token_with_password(username=_username(agency), password=PASSWORD).raw
    with clock.frozen(start + dt.timedelta(days=30) - dt.timedelta(seconds=1)):
        assert tokens.actor_for_token(raw).person_id == agency.person_id
    with clock.frozen(start + dt.timedelta(days=30)), pytest.raises(Unauthenticated) as err:
        tokens.actor_for_token(raw)
    assert "过期" in err.value.zh


def test_r22_1_revoked_and_unknown_tokens_are_refused(make_actor):
    agency = make_actor("implementing_agency")
    issued = tokens.issue_token_with_password(username=_username(agency), password=PASSWORD)
    tokens.revoke_token(agency, token_id=issued.token.pk)
    with pytest.raises(Unauthenticated):
        tokens.actor_for_token(issued.raw)
    with pytest.raises(Unauthenticated):
        tokens.actor_for_token("shuyu_not-a-token")
    with pytest.raises(Unauthenticated):
        tokens.actor_for_token("")


def test_r22_1_last_used_is_recorded(make_actor):
    agency = make_actor("implementing_agency")
    issued = tokens.issue_token_with_password(username=_username(agency), password=PASSWORD)
    assert issued.token.last_used_at is None
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)) as at:
        tokens.actor_for_token(issued.raw)
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == at


def test_r22_1_wrong_password_and_unknown_user_fail_alike_and_are_ledgered_hashed(make_actor):
    agency = make_actor("implementing_agency")
    username = _username(agency)
    before = ledger.size()
    errors = []
    for user, pw in [(username, "wrong-password"), ("nobody-here", PASSWORD)]:
        with pytest.raises(Unauthenticated) as err:
            tokens.issue_token_with_password(username=user, password=pw)
        errors.append(err.value.as_dict())
    assert errors[0] == errors[1]
    assert ledger.size() == before + 2 and not ApiToken.objects.exists()
    entries = LedgerEntry.objects.filter(action="orgs.token.login_failed")
    assert all(username not in e.payload and username not in e.subject_id for e in entries)


def test_r22_1_someone_elses_token_cannot_be_revoked_but_admin_can(make_actor, admin):
    agency, other = make_actor("implementing_agency"), make_actor("operator")
    issued = tokens.issue_token_with_password(username=_username(agency), password=PASSWORD)
    before = ledger.size()
    with pytest.raises(NotFound):
        tokens.revoke_token(other, token_id=issued.token.pk)
    assert ledger.size() == before
    tokens.revoke_token(admin, token_id=issued.token.pk)
    assert ledger.size() == before + 1
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_by_id == admin.person_id


def test_token_follows_the_persons_current_roles(make_actor, admin):
    """A token carries no roles of its own: the person's record decides at every use."""
    agency = make_actor("implementing_agency")
    issued = tokens.issue_token(admin, person_id=agency.person_id)
    assert tokens.actor_for_token(issued.raw).roles == agency.roles
