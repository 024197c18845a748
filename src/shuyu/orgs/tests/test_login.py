"""Sign-in failures lock a username for a while (等保 L3-CES1-02, SEC-AUTH-2), on the web and the API."""

import datetime as dt

import pytest

from shuyu.core import clock
from shuyu.core.errors import Unauthenticated
from shuyu.ledger.models import LedgerEntry
from shuyu.orgs import login, rules
from shuyu.orgs.models import LoginThrottle, Person

PASSWORD = "Test-pass-2026"  # conftest.make_actor's password
T0 = dt.datetime(2026, 5, 6, 9, 0, tzinfo=dt.UTC)


def _username(actor) -> str:
    return Person.objects.get(pk=actor.person_id).user.username


def test_sec_auth_2_lock_after_the_limit_and_only_while_it_lasts():
    assert rules.lock_after_failure(failures=4, now=T0, max_failures=5, lock_minutes=15) is None
    until = rules.lock_after_failure(failures=5, now=T0, max_failures=5, lock_minutes=15)
    assert until == T0 + dt.timedelta(minutes=15)
    with pytest.raises(Unauthenticated) as err:
        rules.check_not_locked(locked_until=until, now=T0 + dt.timedelta(minutes=14, seconds=59))
    assert err.value.requirement == "R22.1"
    rules.check_not_locked(locked_until=until, now=until)
    rules.check_not_locked(locked_until=None, now=T0)


def _api_login(client, username, password):
    return client.post(
        "/api/orgs/tokens", {"username": username, "password": password}, content_type="application/json"
    )


def test_r22_1_five_wrong_passwords_lock_the_api_sign_in_even_for_the_right_one(client, make_actor):
    username = _username(make_actor("operator", "510100"))
    with clock.frozen(T0):
        for _ in range(5):
            assert _api_login(client, username, "wrong-wrong-wrong").status_code == 401
        r = _api_login(client, username, PASSWORD)
        assert r.status_code == 401 and "锁定" in r.json()["message_zh"]
    with clock.frozen(T0 + dt.timedelta(minutes=15)):
        assert _api_login(client, username, PASSWORD).status_code == 201
    assert not LoginThrottle.objects.exists()  # a success clears the count
    payloads = " ".join(
        LedgerEntry.objects.filter(action__startswith="orgs.").values_list("payload", flat=True)
    )
    assert username not in payloads  # the name is only ever a keyed hash
    assert LedgerEntry.objects.filter(action="orgs.login.locked").count() == 1
    assert LedgerEntry.objects.filter(action="orgs.login.locked_attempt").count() == 1


def test_r22_1_an_unknown_name_locks_the_same_way(client, db):
    with clock.frozen(T0):
        for _ in range(5):
            _api_login(client, "ghost", "wrong-wrong-wrong")
        with pytest.raises(Unauthenticated, match="锁定"):
            login.check_allowed("ghost")
        login.check_allowed("someone-else")  # other names are not affected


def test_r22_1_the_web_sign_in_locks_too_and_says_so(client, make_actor):
    username = _username(make_actor("implementing_agency"))
    with clock.frozen(T0):
        for _ in range(5):
            page = client.post("/login/", {"username": username, "password": "wrong-wrong-wrong"})
            assert page.status_code == 200 and "用户名或密码错误" in page.content.decode()
        page = client.post("/login/", {"username": username, "password": PASSWORD})
        text = page.content.decode()
        assert page.status_code == 200 and "R22.1" in text and "暂时锁定" in text and "too many" in text
        assert "_auth_user_id" not in client.session
    with clock.frozen(T0 + dt.timedelta(minutes=16)):
        assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302


def test_r22_1_a_success_before_the_limit_clears_the_failures(client, make_actor):
    username = _username(make_actor("implementing_agency"))
    for _ in range(4):
        client.post("/login/", {"username": username, "password": "wrong-wrong-wrong"})
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/login/", {"username": username, "password": "wrong-wrong-wrong"})
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302


def test_sec_auth_2_an_idle_session_ends_after_30_minutes(client, make_actor):
    username = _username(make_actor("implementing_agency"))
    assert client.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    assert client.session.get_expiry_age() == 30 * 60
    from django.conf import settings

    assert settings.SESSION_SAVE_EVERY_REQUEST  # every request renews it: the limit is on idleness


@pytest.mark.parametrize(
    ("password", "classes"),
    [("alllowercase", 1), ("lowercase2026", 2), ("Lower2026case", 3), ("Lower-2026", 4), ("密码Abc12", 3)],
)
def test_sec_auth_1_character_classes_are_counted(password, classes):
    from shuyu.orgs.passwords import character_classes

    assert character_classes(password) == classes


def test_r22_1_a_password_of_fewer_than_three_character_classes_is_refused(admin):
    from shuyu.core.errors import DomainError
    from shuyu.orgs import services
    from shuyu.orgs.models import Organization
    from shuyu.orgs.services import PLATFORM_ORG_USCC

    org = Organization.objects.get(uscc=PLATFORM_ORG_USCC)
    kw = dict(display_name="王五", org_id=org.pk, roles=["implementing_agency"])
    with pytest.raises(DomainError) as err:
        services.create_person(admin, username="wangwu", password="sichuandata2026", **kw)
    assert err.value.requirement == "R22.1" and "3类" in err.value.zh
    assert not Person.objects.filter(user__username="wangwu").exists()
    services.create_person(admin, username="wangwu", password="Sichuan-data-2026", **kw)
